package ocr

import (
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestNormalise(t *testing.T) {
	field := func(name string, k forms.Kind) *forms.Field { return &forms.Field{Name: name, Kind: k} }
	cell := func(col string, k forms.Kind) *forms.Field {
		return &forms.Field{Name: forms.RowField(3, col), Kind: k, Row: 3, Column: col}
	}
	cases := []struct {
		name string
		f    *forms.Field
		raw  string
		want string
		// keep: the confidence stays as Tesseract gave it; otherwise it
		// must drop to at most half.
		keep bool
	}{
		{"employee number", field("employee_number", forms.KindDigits), "48213907", "48213907", true},
		{"employee number short", field("employee_number", forms.KindDigits), "4821390", "4821390", false},
		{"location code", field("location_code", forms.KindDigits), "1867", "1867", true},
		{"phone as written", field("phone", forms.KindDigits), "213-555-0147", "213-555-0147", true},
		{"phone without dashes", field("phone", forms.KindDigits), "2135550147", "213-555-0147", true},
		{"phone short", field("phone", forms.KindDigits), "213-555-014", "213555014", false},
		{"date", field("request_date", forms.KindDate), "09/14/2025", "09/14/2025", true},
		{"date short parts", field("request_date", forms.KindDate), "9/4/2025", "09/04/2025", true},
		{"date without slashes", field("request_date", forms.KindDate), "09142025", "09/14/2025", false},
		{"date with a slash read as 7", field("request_date", forms.KindDate), "11/0572026", "11/05/2026", false},
		{"date with a slash read as 1", field("request_date", forms.KindDate), "11105/2026", "11/05/2026", false},
		{"date with both slashes read as 1", field("request_date", forms.KindDate), "1110512026", "1110512026", false},
		{"date with a 7 where no slash goes", field("request_date", forms.KindDate), "117/05/2026", "117/05/2026", false},
		{"date not real", field("request_date", forms.KindDate), "13/45/2025", "13/45/2025", false},
		{"date far future", field("request_date", forms.KindDate), "09/14/2075", "09/14/2075", false},
		{"date garbage", field("request_date", forms.KindDate), "0/5", "0/5", false},
		{"email", field("email", forms.KindEmail), "Maria.Gonzalez", "maria.gonzalez", true},
		{"email with domain", field("email", forms.KindEmail), "mgonzalez@lausd.net", "mgonzalez", true},
		{"email capital I for l", field("email", forms.KindEmail), "Isanchez", "lsanchez", true},
		{"email with a trailing dash", field("email", forms.KindEmail), "gwright-", "gwright", true},
		{"email with a leading dot", field("email", forms.KindEmail), ".mgonzalez@lausd.net", "mgonzalez", true},
		{"email in capitals keeps its I", field("email", forms.KindEmail), "ISANCHEZ", "isanchez", true},
		{"name trailing dot", field("last_name", forms.KindText), "LEE.", "LEE", true},
		{"name spaces", field("school_name", forms.KindText), " Hoover   Elementary ", "Hoover Elementary", true},
		{"middle initial", field("middle_initial", forms.KindText), "K.", "K", true},
		{"middle initial two letters", field("middle_initial", forms.KindText), "ic", "ic", false},
		{"reason exact", cell("reason", forms.KindText), "Retired", "Retired", true},
		{"reason noisy", cell("reason", forms.KindText), "l raneterred", "Transferred", false},
		{"reason caps", cell("reason", forms.KindText), "LEFT THE DISTRICT", "Left the district", true},
		{"reason unknown", cell("reason", forms.KindText), "Promoted", "Promoted", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := normalise(tc.f, tc.raw, 0.9, 2026)
			if got.text != tc.want {
				t.Errorf("normalise(%q) = %q, want %q", tc.raw, got.text, tc.want)
			}
			if tc.keep && got.conf < 0.9 {
				t.Errorf("normalise(%q) lowered confidence to %.2f", tc.raw, got.conf)
			}
			if !tc.keep && got.conf > 0.9*0.85 {
				t.Errorf("normalise(%q) kept confidence %.2f for a value not in the field's form", tc.raw, got.conf)
			}
		})
	}
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"09/14/2025", "213-555-0147", "48213907", "l raneterred", "", "//", "9/9/99", "K."} {
		f.Add(s)
	}
	fields := []*forms.Field{
		{Name: "employee_number", Kind: forms.KindDigits},
		{Name: "phone", Kind: forms.KindDigits},
		{Name: "request_date", Kind: forms.KindDate},
		{Name: "email", Kind: forms.KindEmail},
		{Name: "middle_initial", Kind: forms.KindText},
		{Name: "row01.reason", Kind: forms.KindText, Row: 1, Column: "reason"},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, fd := range fields {
			got := normalise(fd, raw, 0.9, 2026)
			if got.conf < 0 || got.conf > 0.9 {
				t.Fatalf("%s: normalise(%q) confidence %v outside [0, 0.9]", fd.Name, raw, got.conf)
			}
		}
	})
}

func TestNormaliseOtherDomain(t *testing.T) {
	// An address at another domain is kept whole, for the rules to reject.
	got := normalise(&forms.Field{Name: "email", Kind: forms.KindEmail}, "lisas@gmail.com", 0.9, 2026)
	if got.text != "lisas@gmail.com" {
		t.Errorf("got %q", got.text)
	}
}

// TestNormaliseDateYear checks that a date is judged against the year the
// engine's clock gives, not the machine's: 09/14/2019 is a date anyone
// writes in 2020 and a misread in 2026.
func TestNormaliseDateYear(t *testing.T) {
	f := &forms.Field{Name: "request_date", Kind: forms.KindDate}
	if got := normalise(f, "09/14/2019", 0.9, 2020); got.conf != 0.9 {
		t.Errorf("in 2020: confidence %.2f, want 0.9", got.conf)
	}
	if got := normalise(f, "09/14/2019", 0.9, 2026); got.conf > 0.45 {
		t.Errorf("in 2026: confidence %.2f, want at most 0.45", got.conf)
	}
}
