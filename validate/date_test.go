package validate

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date // zero when the input is no date
	}{
		{"02/17/2022", Date{2022, time.February, 17}},
		{"2/7/2022", Date{2022, time.February, 7}},
		{"02-17-2022", Date{2022, time.February, 17}},
		{"02.17.2022", Date{2022, time.February, 17}},
		{" 11 / 23 / 2026 ", Date{2026, time.November, 23}},
		{"11/23/26", Date{2026, time.November, 23}},
		{"02/29/2024", Date{2024, time.February, 29}}, // leap year
		{"12/31/2026", Date{2026, time.December, 31}},
		{"01/01/1900", Date{1900, time.January, 1}},
		{"12/31/2999", Date{2999, time.December, 31}},
		{"02/29/2026", Date{}}, // not a leap year
		{"02/30/2024", Date{}},
		{"04/31/2026", Date{}},
		{"13/01/2026", Date{}},
		{"00/10/2026", Date{}},
		{"10/00/2026", Date{}},
		{"12/31/1899", Date{}},
		{"01/01/3000", Date{}},
		{"11/23/202", Date{}},   // three-digit year
		{"11/23/20266", Date{}}, // five-digit year
		{"2026/11/23", Date{}},  // year first
		{"111/23/2026", Date{}},
		{"11/23", Date{}},
		{"11/23/2026/1", Date{}},
		{"1l/23/2026", Date{}},
		{"+1/23/2026", Date{}},
		{"Nov 23 2026", Date{}},
		{"", Date{}},
		{"//", Date{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDate(tc.in)
			if tc.want.IsZero() {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %v, want an error", tc.in, got)
				}
				if !errors.Is(err, ErrNotDate) {
					t.Errorf("error %v does not wrap ErrNotDate", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseDate(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzParseDate checks that ParseDate never panics, returns only real
// days within the accepted years, and reads back what String writes.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"02/17/2022", "2/7/22", "02-29-2024", "13/45/2026", "", "1/1/1", "0000/00/0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrNotDate) {
				t.Fatalf("ParseDate(%q) error %v does not wrap ErrNotDate", s, err)
			}
			if !d.IsZero() {
				t.Fatalf("ParseDate(%q) returned %v with an error", s, d)
			}
			return
		}
		if !d.Valid() || d.Year < minYear || d.Year > maxYear {
			t.Fatalf("ParseDate(%q) = %+v, not a real day in range", s, d)
		}
		back, err := ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %v, but ParseDate(%q) = %v, %v", s, d, d.String(), back, err)
		}
	})
}

func TestDateArithmetic(t *testing.T) {
	d := Date{2026, time.February, 28}
	if got := d.AddDays(1); got != (Date{2026, time.March, 1}) {
		t.Errorf("AddDays(1) = %v", got)
	}
	if got := (Date{2024, time.February, 28}).AddDays(1); got != (Date{2024, time.February, 29}) {
		t.Errorf("leap AddDays(1) = %v", got)
	}
	if got := d.AddDays(-59); got != (Date{2025, time.December, 31}) {
		t.Errorf("AddDays(-59) = %v", got)
	}
	if n := (Date{2027, time.January, 1}).DaysSince(Date{2026, time.January, 1}); n != 365 {
		t.Errorf("DaysSince = %d, want 365", n)
	}
	if !d.Before(d.AddDays(1)) || d.Before(d) || !d.AddDays(1).After(d) || d.After(d) {
		t.Error("Before/After wrong")
	}
	// A day in Los Angeles late in the evening is still that day there,
	// though it is the next day in UTC.
	la := time.Date(2026, time.June, 30, 23, 30, 0, 0, mustZone("America/Los_Angeles"))
	if got := DateOf(la); got != (Date{2026, time.June, 30}) {
		t.Errorf("DateOf = %v", got)
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal(Date{2027, time.June, 30})
	if err != nil || string(b) != `"2027-06-30"` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var d Date
	if err := json.Unmarshal(b, &d); err != nil || d != (Date{2027, time.June, 30}) {
		t.Fatalf("Unmarshal = %v, %v", d, err)
	}
	for _, bad := range []string{`"06/30/2027"`, `20270630`, `"2027-02-30"`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

func TestYearEnd(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		d    Date
		want Date
	}{
		{"first day of the year", Config{}, Date{2026, time.July, 1}, Date{2027, time.June, 30}},
		{"in the winter", Config{}, Date{2026, time.November, 23}, Date{2027, time.June, 30}},
		{"new year", Config{}, Date{2027, time.January, 1}, Date{2027, time.June, 30}},
		{"last day of the year", Config{}, Date{2026, time.June, 30}, Date{2026, time.June, 30}},
		{"day before the last", Config{}, Date{2026, time.June, 29}, Date{2026, time.June, 30}},
		{"configured end, last day", Config{YearEndMonth: time.July, YearEndDay: 31}, Date{2026, time.July, 31}, Date{2026, time.July, 31}},
		{"configured end, day after", Config{YearEndMonth: time.July, YearEndDay: 31}, Date{2026, time.August, 1}, Date{2027, time.July, 31}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.YearEnd(tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("YearEnd(%v) = %v, want %v", tc.d, got, tc.want)
			}
		})
	}
	for _, bad := range []Config{
		{YearEndMonth: 13, YearEndDay: 1},
		{YearEndMonth: time.February, YearEndDay: 29},
		{YearEndMonth: time.June, YearEndDay: 31},
		{YearEndMonth: time.June},
	} {
		if _, err := bad.YearEnd(Date{2026, time.July, 1}); err == nil {
			t.Errorf("YearEnd with %+v succeeded", bad)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.YearEndMonth != time.June || c.YearEndDay != 30 || c.MaxRequestAgeDays != 90 ||
		c.MinIdentifyConfidence != 0.8 || c.Now == nil || c.Zone.String() != "America/Los_Angeles" {
		t.Errorf("defaults = %+v", c)
	}
	// Today is judged in the district's zone: 01:00 UTC on 1 July is
	// still 30 June in Los Angeles.
	c.Now = func() time.Time { return time.Date(2026, time.July, 1, 1, 0, 0, 0, time.UTC) }
	if got := c.today(); got != (Date{2026, time.June, 30}) {
		t.Errorf("today = %v, want 06/30/2026", got)
	}
}
