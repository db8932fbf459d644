package ocr

import (
	"context"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// batchPage fills one page of a batch-removal form: its header, "Page n of
// m" and the given rows, each {last, first, employee number, reason, date}.
func batchPage(t *testing.T, e *Engine, n, m string, rows [][5]string) *filled {
	t.Helper()
	f := newFilled(t, e, "batch-removal@05/01/2023")
	f.typ.text(f.box(t, "page_number"), n)
	f.typ.text(f.box(t, "page_count"), m)
	f.typ.text(f.box(t, "school_name"), "Hoover Elementary")
	f.typ.text(f.box(t, "location_code"), "1867")
	f.typ.text(f.box(t, "admin_name"), "James Lee")
	f.typ.text(f.box(t, "admin_title"), "Principal")
	f.typ.text(f.box(t, "admin_signature_date"), "09/15/2025")
	f.typ.signature(f.box(t, "admin_signature"))
	cols := []string{"last_name", "first_name", "employee_number", "reason", "effective_date"}
	for i, row := range rows {
		for j, c := range cols {
			f.typ.text(f.box(t, forms.RowField(i+1, c)), row[j])
		}
	}
	return f
}

func TestBatchAcrossPages(t *testing.T) {
	e := testEngine(t)
	page1 := [][5]string{
		{"Nguyen", "Linh", "30418827", "Retired", "06/30/2025"},
		{"Okafor", "Daniel", "51177302", "Transferred", "08/01/2025"},
		{"Park", "Sarah", "66204915", "Left the district", "07/15/2025"},
	}
	page2 := [][5]string{
		{"Reyes", "Marco", "72950038", "Changed assignment", "08/18/2025"},
	}
	p1 := batchPage(t, e, "1", "2", page1)
	p2 := batchPage(t, e, "2", "2", page2)
	mirror := newFilled(t, e, "school-mirror@02/17/2022")
	mirror.typ.text(mirror.box(t, "employee_number"), "12345678")

	const dpi = 204
	pages := []Page{
		{Index: 1, Image: binarise(capture(letter(t, srcDPI), srcDPI, scan{DPI: dpi})), DPI: dpi},
		{Index: 2, Image: binarise(capture(p1.img, srcDPI, scan{DPI: dpi, Rot: 1, DX: 5})), DPI: dpi},
		{Index: 3, Image: binarise(capture(p2.img, srcDPI, scan{DPI: dpi, Rot: -1.5, DY: 8})), DPI: dpi},
		{Index: 4, Image: binarise(capture(mirror.img, srcDPI, scan{DPI: dpi, Rot: 180.5})), DPI: dpi},
	}
	res, err := e.ReadPages(context.Background(), pages)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pages[0].NotAForm {
		t.Errorf("cover sheet read as %+v", res.Pages[0])
	}
	for i, want := range []int{1, 2} {
		if p := res.Pages[i+1]; p.FormPage != want || p.PageCount != 2 {
			t.Errorf("page %d is page %d of %d of its form, want %d of 2", p.Index, p.FormPage, p.PageCount, want)
		}
	}
	if len(res.Forms) != 2 {
		t.Fatalf("got %d forms, want the batch and the mirror form: %+v", len(res.Forms), res.Pages)
	}
	batch, access := res.Forms[0], res.Forms[1]
	if batch.Family != "batch-removal" || len(batch.Pages) != 2 || batch.Pages[0] != 2 || batch.Pages[1] != 3 {
		t.Errorf("batch is %s on pages %v, want batch-removal on pages 2 and 3", batch.Family, batch.Pages)
	}
	if access.Family != "school-mirror" || len(access.Pages) != 1 || access.Pages[0] != 4 {
		t.Errorf("second form is %s on pages %v", access.Family, access.Pages)
	}
	if v, _ := access.Get("employee_number"); v.Text != "12345678" || v.Page != 4 {
		t.Errorf("mirror employee number %+v", v)
	}
	perPage := revision(t, e.reg, "batch-removal@05/01/2023").TableRows()
	want := map[string]string{}
	cols := []string{"last_name", "first_name", "employee_number", "reason", "effective_date"}
	for i, row := range page1 {
		for j, c := range cols {
			want[forms.RowField(i+1, c)] = row[j]
		}
	}
	for i, row := range page2 {
		for j, c := range cols {
			want[forms.RowField(perPage+i+1, c)] = row[j]
		}
	}
	for name, w := range want {
		v, ok := batch.Get(name)
		if !ok || v.Text != w {
			t.Errorf("%s = %q (%.2f), want %q", name, v.Text, v.Confidence, w)
		}
	}
	// Rows left empty on either page are read as empty, surely, on the
	// page they are on.
	for _, row := range []int{len(page1) + 1, perPage, perPage + len(page2) + 1, 2 * perPage} {
		for _, c := range cols {
			v, ok := batch.Get(forms.RowField(row, c))
			if !ok || v.Text != "" || !v.Sure {
				t.Errorf("empty %s = %q (%.2f, sure %v, read %v)", forms.RowField(row, c), v.Text, v.Confidence, v.Sure, ok)
			}
			wantPage := 2
			if row > perPage {
				wantPage = 3
			}
			if v.Page != wantPage {
				t.Errorf("%s carries page %d, want %d", forms.RowField(row, c), v.Page, wantPage)
			}
		}
	}
	if v, _ := batch.Get("admin_signature"); v.Text != forms.Signed {
		t.Errorf("administrator signature %+v", v)
	}
	if n := len(batch.Values); n != 8+2*perPage*len(cols) {
		t.Errorf("batch has %d values, want the header and %d rows", n, 2*perPage)
	}
}
