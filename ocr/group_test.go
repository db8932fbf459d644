package ocr

import (
	"reflect"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestGroup(t *testing.T) {
	reg := forms.MustLoad()
	batch := reg.Revision("batch-removal", "05/01/2023")
	mirror := reg.Revision("school-mirror", "02/17/2022")
	rows := batch.TableRows()
	sure := func(s string) forms.Value { return forms.Value{Text: s, Confidence: 0.99, Sure: true} }
	unsure := func(s string) forms.Value { return forms.Value{Text: s, Confidence: 0.3} }
	// disputed is a reading the character reader disputed (see checkGlyphs).
	disputed := func(s string) forms.Value { return forms.Value{Text: s, Confidence: disputedConf} }
	// page makes a read batch page: its number, count and location, and
	// the last name in its first row.
	page := func(index int, n, m, loc forms.Value, first string) pageResult {
		return pageResult{
			info: PageInfo{Index: index, Family: batch.Family, Revision: batch.Stamp, Known: true, FormPage: 1, Confidence: 0.95},
			rev:  batch,
			values: map[string]forms.Value{
				"page_number": n, "page_count": m, "location_code": loc,
				forms.RowField(1, "last_name"): sure(first),
			},
		}
	}
	cover := pageResult{info: PageInfo{Index: 1, NotAForm: true}}
	access := pageResult{
		info:   PageInfo{Index: 9, Family: mirror.Family, Revision: mirror.Stamp, Known: true, FormPage: 1, Confidence: 0.9},
		rev:    mirror,
		values: map[string]forms.Value{"employee_number": sure("12345678")},
	}
	unknown := pageResult{info: PageInfo{Index: 7, Family: "school-mirror", Revision: "04/01/2024", Confidence: 0.9}}
	type form struct {
		family string
		pages  []int
		firsts []string // last names of row 1 of each page, numbered on
	}
	cases := []struct {
		name  string
		pages []pageResult
		want  []form
	}{
		{"numbered pages", []pageResult{cover, page(2, sure("1"), sure("2"), sure("1867"), "Nguyen"), page(3, sure("2"), sure("2"), sure("1867"), "Reyes")},
			[]form{{"batch-removal", []int{2, 3}, []string{"Nguyen", "Reyes"}}}},
		{"page number misread, count agrees", []pageResult{page(1, sure("1"), sure("3"), sure("1867"), "A"), page(2, unsure("7"), sure("3"), sure("1867"), "B"), page(3, sure("3"), sure("3"), sure("1867"), "C")},
			[]form{{"batch-removal", []int{1, 2, 3}, []string{"A", "B", "C"}}}},
		{"page 2 read as a disputed 1, count unread", []pageResult{page(1, sure("1"), unsure(""), sure("1867"), "A"), page(2, disputed("1"), sure("3"), unsure("1152"), "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
		{"numbers unread, same place", []pageResult{page(1, unsure(""), unsure(""), sure("1867"), "A"), page(2, unsure(""), unsure(""), unsure("1861"), "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
		{"two batches of one page", []pageResult{page(1, sure("1"), sure("1"), sure("1867"), "A"), page(2, sure("1"), sure("1"), sure("1867"), "B")},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"batch-removal", []int{2}, []string{"B"}}}},
		{"numbers unread, another place", []pageResult{page(1, unsure(""), unsure(""), sure("1867"), "A"), page(2, unsure(""), unsure(""), sure("2999"), "B")},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"batch-removal", []int{2}, []string{"B"}}}},
		{"cover sheet between", []pageResult{page(1, sure("1"), sure("2"), sure("1867"), "A"), cover, page(3, sure("2"), sure("2"), sure("1867"), "B")},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"batch-removal", []int{3}, []string{"B"}}}},
		{"access form and unknown revision", []pageResult{page(1, sure("1"), sure("1"), sure("1867"), "A"), unknown, access},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"school-mirror", []int{7}, nil}, {"school-mirror", []int{9}, nil}}},
	}
	// Pages with no page number whose unsure school names name two places
	// are two batches; names that name one place, or none, are one.
	school := func(pr pageResult, name string) pageResult {
		v := map[string]forms.Value{"school_name": unsure(name)}
		for k, x := range pr.values {
			v[k] = x
		}
		pr.values = v
		return pr
	}
	unnumbered := func(index int, name, first string) pageResult {
		return school(page(index, unsure(""), unsure(""), unsure("69"), first), name)
	}
	coded := func(index int, code, name, first string) pageResult {
		return school(page(index, unsure(""), unsure(""), unsure(code), first), name)
	}
	// Pages with no page number whose administrators' names are surely two
	// people's are two batches (seed 4545: two one-page batches scanned
	// together, their school names too garbled to name a place).
	signed := func(index int, admin, first string) pageResult {
		pr := unnumbered(index, "Dana Wale", first)
		pr.values["admin_name"] = unsure(admin)
		return pr
	}
	cases = append(cases, []struct {
		name  string
		pages []pageResult
		want  []form
	}{
		{"numbers unread, two schools named", []pageResult{unnumbered(1, "CARFIELD SEMIOR HICH", "A"), unnumbered(2, "ReSGDA S&EMIOR HIOH", "B")},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"batch-removal", []int{2}, []string{"B"}}}},
		{"numbers unread, one school named", []pageResult{unnumbered(1, "CARFIELD SEMIOR HICH", "A"), unnumbered(2, "GARTIELD SEMOR Wich", "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
		{"numbers unread, a school and no place named", []pageResult{unnumbered(1, "CARFIELD SEMIOR HICH", "A"), unnumbered(2, "Tat Genwe Bish", "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
		// Seed 6543: two one-page batches of two Local District offices
		// whose names differ in two letters; one name read too garbled to
		// name its place alone, but its code (unsure) agrees with it.
		{"numbers unread, a code and name agreeing on one place, a name on another",
			[]pageResult{coded(1, "9216", "LOCAL DISTRICT NORTHWEST AreIre", "A"), coded(2, "4302", "LOCAL .DISTRICT NORTHEAST AFFICE", "B")},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"batch-removal", []int{2}, []string{"B"}}}},
		{"numbers unread, a code and name agreeing on the place the other names",
			[]pageResult{coded(1, "9216", "LOCAL DISTRICT NORTHWEST AreIre", "A"), coded(2, "9216", "Local Distrct Northwest Ofice", "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
		{"numbers unread, a name beside a code that is not its place's",
			[]pageResult{coded(1, "4302", "LOCAL DISTRICT NORTHWEST AreIre", "A"), coded(2, "4302", "LOCAL .DISTRICT NORTHEAST AFFICE", "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
		{"numbers unread, two administrators", []pageResult{signed(1, "Waccel Fanks", "A"), signed(2, "CHINONSO ENTRADA", "B")},
			[]form{{"batch-removal", []int{1}, []string{"A"}}, {"batch-removal", []int{2}, []string{"B"}}}},
		{"numbers unread, one administrator misread", []pageResult{signed(1, "Waccel Fanks", "A"), signed(2, "MARICEL BANKS", "B")},
			[]form{{"batch-removal", []int{1, 2}, []string{"A", "B"}}}},
	}...)
	e := &Engine{places: fakePlaces{
		"CARFIELD SEMIOR HICH": "6944", "GARTIELD SEMOR Wich": "6944", "ReSGDA S&EMIOR HIOH": "7280",
		"LOCAL .DISTRICT NORTHEAST AFFICE": "9302", "Local Distrct Northwest Ofice": "9216",
		"9216:LOCAL DISTRICT NORTHWEST AreIre": "9216",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := e.group(tc.pages)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d forms, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Family != w.family || !reflect.DeepEqual(g.Pages, w.pages) {
					t.Errorf("form %d is %s on %v, want %s on %v", i, g.Family, g.Pages, w.family, w.pages)
				}
				for k, name := range w.firsts {
					if v := g.Values[forms.RowField(k*rows+1, "last_name")]; v.Text != name {
						t.Errorf("form %d row %d is %q, want %q", i, k*rows+1, v.Text, name)
					}
				}
			}
		})
	}
}

// fakePlaces names the places of the school names it lists; a name
// listed as "code:name" names its place only beside that code.
type fakePlaces map[string]string

func (f fakePlaces) Differ(a, b string) bool {
	pa, aok := f[a]
	pb, bok := f[b]
	return aok && bok && pa != pb
}

func (f fakePlaces) Where(code, name string) (string, bool) {
	if p, ok := f[name]; ok {
		return p, true
	}
	p, ok := f[code+":"+name]
	return p, ok
}

func TestNamesApart(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Maricel Banks", "Chinonso Estrada", true},
		{"Waccel Fanks", "CHINONSO ENTRADA", true},
		{"Waccel Fanks", "MARICEL BANKS", false},        // one name, misread
		{"Adriana Robinson", "Adriana Robinson", false}, // the same
		{"Ana Ali", "Adriana Robinson", false},          // too short to tell
		{"", "Adriana Robinson", false},                 // unread
	} {
		if got := namesApart(c.a, c.b); got != c.want {
			t.Errorf("namesApart(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
