package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// part returns a batch part as the engine reads it from one document:
// the batch pages first..first+len(docPages)-1 of count, on the document
// pages docPages, each page's rows listing employees named after the
// batch page and row ("p2r03"), so that where a row went is plain.
func part(rev *forms.Revision, first, count int, docPages ...int) BatchPart {
	per := rev.TableRows()
	r := forms.Reading{Family: rev.Family, Revision: rev.Stamp, Known: true, Confidence: 0.99,
		Pages: docPages, Values: map[string]forms.Value{}}
	sure := func(text string, page int) forms.Value {
		return forms.Value{Text: text, Confidence: 0.99, Page: page, Sure: true}
	}
	r.Values["page_number"] = sure(fmt.Sprint(first), docPages[0])
	r.Values["page_count"] = sure(fmt.Sprint(count), docPages[0])
	r.Values["location_code"] = sure("1867", docPages[0])
	r.Values["school_name"] = sure("Roosevelt Senior High", docPages[0])
	r.Values["admin_name"] = sure("Declan O'Brien", docPages[0])
	for k, doc := range docPages {
		for row := 1; row <= 2; row++ {
			name := fmt.Sprintf("p%dr%02d", first+k, row)
			r.Values[forms.RowField(k*per+row, "last_name")] = sure(name, doc)
			r.Values[forms.RowField(k*per+row, "employee_number")] = sure(fmt.Sprintf("%08d", 1000*(first+k)+row), doc)
		}
	}
	held := make([]int, len(docPages))
	for k := range held {
		held[k] = first + k
	}
	return BatchPart{Reading: r, Held: held}
}

func TestPartial(t *testing.T) {
	reg := forms.MustLoad()
	rev := reg.Family("batch-removal").Current()
	retired := reg.Revision("batch-removal", "11/01/2019")
	cases := []struct {
		name string
		r    forms.Reading
		want []int // pages held, nil when not a part
	}{
		{"pages 1 and 2 of 3 after a cover sheet", part(rev, 1, 3, 2, 3).Reading, []int{1, 2}},
		{"page 3 of 3", part(rev, 3, 3, 1).Reading, []int{3}},
		{"a whole batch", part(rev, 1, 2, 1, 2).Reading, nil},
		{"a retired revision is rejected at once", part(retired, 1, 3, 1).Reading, nil},
		{"an unsure page count", unsure(part(rev, 1, 3, 1).Reading, "page_count"), nil},
		{"an unsure page number", unsure(part(rev, 2, 3, 1).Reading, "page_number"), []int{2}},
		{"no page number", blank(part(rev, 2, 3, 1).Reading, "page_number"), nil},
		{"an unsure location", unsure(part(rev, 1, 3, 1).Reading, "location_code"), []int{1}},
		{"no location", blank(part(rev, 1, 3, 1).Reading, "location_code"), nil},
		{"pages beyond the count", part(rev, 3, 3, 1, 2).Reading, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, key, ok := Partial(reg, &tc.r)
			if ok != (tc.want != nil) || !slices.Equal(p.Held, tc.want) {
				t.Fatalf("Partial: %v holding %v, want %v", ok, p.Held, tc.want)
			}
			if unsure := tc.r.Values["page_number"].Sure == false; ok && p.Unsure != unsure {
				t.Errorf("Unsure = %v, want %v", p.Unsure, unsure)
			}
			if ok && (key.LocationCode != "1867" || key.SchoolName != "rooseveltseniorhigh" || key.AdminName != "declanobrien") {
				t.Errorf("key %+v", key)
			}
		})
	}
}

func TestWhole(t *testing.T) {
	reg := forms.MustLoad()
	rev := reg.Family("batch-removal").Current()
	cases := []struct {
		name string
		r    forms.Reading
		want bool
	}{
		{"pages 1-3 of 3", part(rev, 1, 3, 1, 2, 3).Reading, true},
		{"pages 1-2 of 3", part(rev, 1, 3, 1, 2).Reading, false},
		{"pages 2-4 of 3", part(rev, 2, 3, 1, 2, 3).Reading, false},
		{"an unsure page number", unsure(part(rev, 1, 3, 1, 2, 3).Reading, "page_number"), false},
		{"an unsure page count", unsure(part(rev, 1, 3, 1, 2, 3).Reading, "page_count"), false},
	}
	for _, tc := range cases {
		if _, _, ok := Whole(reg, &tc.r); ok != tc.want {
			t.Errorf("%s: Whole = %v, want %v", tc.name, ok, tc.want)
		}
	}
}

func TestAgree(t *testing.T) {
	rev := forms.MustLoad().Family("batch-removal").Current()
	per := rev.TableRows()
	whole := part(rev, 1, 3, 1, 2, 3)
	misread := part(rev, 1, 3, 1, 2)
	misread.Reading.Values[forms.RowField(1, "employee_number")] = forms.Value{Text: "99999999", Sure: true}
	other := part(rev, 1, 3, 1, 2)
	for name, v := range other.Reading.Values {
		if _, col, ok := forms.SplitRowField(name); ok && col == "employee_number" {
			v.Text = "5" + v.Text[1:]
			other.Reading.Values[name] = v
		}
	}
	cases := []struct {
		name string
		a, b BatchPart
		want bool
	}{
		{"a copy of pages 1-2", part(rev, 1, 3, 4, 5), whole, true},
		{"page 3 alone", part(rev, 3, 3, 1), whole, true},
		{"one of two numbers misread", misread, whole, false},
		{"other people on the same pages", other, whole, false},
		{"no page in common", part(rev, 3, 3, 1), part(rev, 1, 3, 1, 2), true},
	}
	for _, tc := range cases {
		if got := Agree(tc.a, tc.b, per); got != tc.want {
			t.Errorf("%s: Agree = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRepeats(t *testing.T) {
	rev := forms.MustLoad().Family("batch-removal").Current()
	per := rev.TableRows()
	whole := part(rev, 1, 3, 1, 2, 3)
	corrected := part(rev, 3, 3, 1)
	corrected.Reading.Values[forms.RowField(2, "employee_number")] = forms.Value{Text: "99999999", Sure: true}
	empty := part(rev, 3, 3, 1)
	for name := range empty.Reading.Values {
		if _, col, ok := forms.SplitRowField(name); ok && col == "employee_number" {
			delete(empty.Reading.Values, name)
		}
	}
	cases := []struct {
		name string
		a, b BatchPart
		want bool
	}{
		{"page 3 again", part(rev, 3, 3, 4), whole, true},
		{"pages 1-2 again", part(rev, 1, 3, 1, 2), whole, true},
		{"page 3 corrected", corrected, whole, false},
		{"a page listing nobody", empty, whole, false},
		{"a page the other lacks", part(rev, 3, 3, 1), part(rev, 1, 3, 1, 2), false},
	}
	for _, tc := range cases {
		if got := Repeats(tc.a, tc.b, per); got != tc.want {
			t.Errorf("%s: Repeats = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func blank(r forms.Reading, name string) forms.Reading {
	r.Values[name] = forms.Value{Confidence: 0.99, Sure: true}
	return r
}

func unsure(r forms.Reading, name string) forms.Reading {
	v := r.Values[name]
	v.Sure = false
	r.Values[name] = v
	return r
}

func TestJoinBatch(t *testing.T) {
	reg := forms.MustLoad()
	rev := reg.Family("batch-removal").Current()
	per := rev.TableRows()
	cases := []struct {
		name  string
		parts []BatchPart
		pages []int
		// rows maps a joined row number to the employee it must hold.
		rows    map[int]string
		origins []BatchOrigin
	}{
		{
			name:  "pages 1-2 after a cover sheet, then page 3",
			parts: []BatchPart{part(rev, 1, 3, 2, 3), part(rev, 3, 3, 1)},
			pages: []int{1, 2, 3},
			rows: map[int]string{1: "p1r01", 2: "p1r02", per + 1: "p2r01", per + 2: "p2r02",
				2*per + 1: "p3r01", 2*per + 2: "p3r02"},
			origins: []BatchOrigin{{1, 0, 2, false}, {2, 0, 3, false}, {3, 1, 1, false}},
		},
		{
			name:    "page 3 first, then pages 1-2",
			parts:   []BatchPart{part(rev, 3, 3, 1), part(rev, 1, 3, 1, 2)},
			pages:   []int{1, 2, 3},
			rows:    map[int]string{1: "p1r01", per + 2: "p2r02", 2*per + 1: "p3r01"},
			origins: []BatchOrigin{{3, 0, 1, false}, {1, 1, 1, false}, {2, 1, 2, false}},
		},
		{
			name:    "page 2 sent again with page 3: the first copy stands",
			parts:   []BatchPart{part(rev, 1, 3, 1, 2), part(rev, 2, 3, 1, 2)},
			pages:   []int{1, 2, 3},
			rows:    map[int]string{per + 1: "p2r01", 2*per + 2: "p3r02"},
			origins: []BatchOrigin{{1, 0, 1, false}, {2, 0, 2, false}, {2, 1, 1, true}, {3, 1, 2, false}},
		},
		{
			name:    "a page never came",
			parts:   []BatchPart{part(rev, 1, 3, 1), part(rev, 3, 3, 1)},
			pages:   []int{1, 3},
			rows:    map[int]string{2: "p1r02", 2*per + 1: "p3r01"},
			origins: []BatchOrigin{{1, 0, 1, false}, {3, 1, 1, false}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A duplicate page's rows differ from the first copy's, so
			// that taking the wrong copy shows.
			for i := range tc.parts {
				for name, v := range tc.parts[i].Reading.Values {
					if _, _, ok := forms.SplitRowField(name); ok && i > 0 {
						v.Confidence = 0.98
						tc.parts[i].Reading.Values[name] = v
					}
				}
			}
			r, origins, err := JoinBatch(rev, tc.parts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Pages, tc.pages) || !slices.Equal(origins, tc.origins) {
				t.Errorf("pages %v origins %+v, want %v %+v", r.Pages, origins, tc.pages, tc.origins)
			}
			if _, ok := r.Values["page_number"]; ok {
				t.Errorf("the joined reading has a page number")
			}
			partOf := map[int]int{}
			for _, o := range tc.origins {
				if !o.Duplicate {
					partOf[o.BatchPage] = o.Part
				}
			}
			rows := 0
			for name, v := range r.Values {
				row, col, ok := forms.SplitRowField(name)
				if !ok {
					continue
				}
				rows++
				want := fmt.Sprintf("p%dr%02d", (row-1)/per+1, (row-1)%per+1)
				if col == "employee_number" {
					want = fmt.Sprintf("%08d", 1000*((row-1)/per+1)+(row-1)%per+1)
				}
				if v.Text != want || v.Page != (row-1)/per+1 {
					t.Errorf("%s = %q on page %d, want %q on page %d", name, v.Text, v.Page, want, (row-1)/per+1)
				}
				if wantConf := map[bool]float64{true: 0.99, false: 0.98}[partOf[v.Page] == 0]; v.Confidence != wantConf {
					t.Errorf("%s read from the wrong part (confidence %v)", name, v.Confidence)
				}
			}
			if rows != 4*len(tc.pages) {
				t.Errorf("%d cells joined, want %d", rows, 4*len(tc.pages))
			}
			for n, text := range tc.rows {
				if got := r.Values[forms.RowField(n, "last_name")].Text; got != text {
					t.Errorf("row %d = %q, want %q", n, got, text)
				}
			}
			if v := r.Values["location_code"]; v.Text != "1867" || v.Page != tc.pages[0] {
				t.Errorf("header location %+v, want 1867 from page %d", v, tc.pages[0])
			}
		})
	}

	// A header value the lead part read without confidence gives way to
	// one another part read with confidence.
	lead, last := part(rev, 1, 2, 1), part(rev, 2, 2, 1)
	lead.Reading = unsure(lead.Reading, "location_code")
	last.Reading.Values["admin_name"] = forms.Value{Text: "Someone Else", Confidence: 0.99, Page: 1, Sure: true}
	r, _, err := JoinBatch(rev, []BatchPart{lead, last})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Values["location_code"]; !v.Sure || v.Page != 2 {
		t.Errorf("location %+v, want the second part's sure reading from page 2", v)
	}
	if v := r.Values["admin_name"]; v.Text != "Declan O'Brien" || v.Page != 1 {
		t.Errorf("administrator %+v, want the lead's sure reading", v)
	}

	other := reg.Revision("batch-removal", "11/01/2019")
	if _, _, err := JoinBatch(rev, []BatchPart{part(rev, 1, 2, 1), part(other, 2, 2, 1)}); !errors.Is(err, ErrNotJoinable) {
		t.Errorf("joining two revisions: %v, want ErrNotJoinable", err)
	}
}
