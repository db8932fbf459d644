package corpus

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestGenerateBatch(t *testing.T) {
	ctx := context.Background()
	rows := []string{RowValid, "unknown_employee", RowValid, "wrong_location", "invalid_date", RowDuplicate,
		"unknown_reason", "future_date", "employee_number_7_digits", RowValid, RowValid, RowValid}
	spec := BatchSpec{ID: "b", Rows: rows, Parts: [][]int{{1}, {2, 1}}}
	dirs := []string{t.TempDir(), t.TempDir()}
	var truths []Truth
	for _, dir := range dirs {
		var err error
		if truths, err = GenerateBatch(ctx, testConfig(t, dir, 1, 9, "typed"), spec); err != nil {
			t.Fatal(err)
		}
	}
	// The same config and spec give the same files.
	files, _ := filepath.Glob(filepath.Join(dirs[0], "*"))
	if len(files) != 6 { // two messages: attachment, eml, json
		t.Fatalf("wrote %d files, want 6", len(files))
	}
	for _, f := range files {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(dirs[1], filepath.Base(f)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", filepath.Base(f))
		}
	}

	if len(truths) != 2 || truths[0].ID != "b-1" || truths[1].ID != "b-2" || truths[0].MessageID == truths[1].MessageID {
		t.Fatalf("truths %v %v, want b-1 and b-2 with their own Message-IDs", truths[0].ID, truths[1].ID)
	}
	for i, want := range [][]int{{1}, {2, 1}} {
		var got []int
		for _, p := range truths[i].Attachments[0].Pages {
			got = append(got, p.FormPage)
			if p.PageCount != 2 || p.Kind != PageForm {
				t.Errorf("part %d page %d: %+v", i+1, p.Page, p)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("part %d carries pages %v, want %v", i+1, got, want)
		}
	}

	f := truths[0].Forms[0]
	codes := map[string]string{}
	for _, d := range rowDefects {
		codes[d.name] = d.code
	}
	seen := map[string]bool{}
	for i, kind := range rows {
		row := f.Rows[i]
		number := f.Fields[forms.RowField(i+1, "employee_number")]
		if row.Row != i+1 || row.EmployeeNumber != number {
			t.Errorf("row %d: truth %+v, written number %q", i+1, row, number)
		}
		switch kind {
		case RowValid:
			if row.Decision != Accept || row.Duplicate || seen[number] {
				t.Errorf("row %d (valid): %+v, listed before %v", i+1, row, seen[number])
			}
			seen[number] = true
		case RowDuplicate:
			if row.Decision != Accept || !row.Duplicate || number != f.Rows[0].EmployeeNumber {
				t.Errorf("row %d (duplicate): %+v, want the first row's employee again", i+1, row)
			}
		default:
			if row.Decision != Reject || row.Reason != codes[kind] {
				t.Errorf("row %d (%s): %+v, want rejected %s", i+1, kind, row, codes[kind])
			}
		}
	}
	if f.Decision != Reject || len(f.Reasons) != 6 {
		t.Errorf("batch decision %s %v, want reject with the six row reasons", f.Decision, f.Reasons)
	}

	for _, bad := range []BatchSpec{
		{Rows: []string{"no_such_row"}},
		{Rows: []string{RowDuplicate, RowValid}},
		{Rows: []string{RowValid}, Parts: [][]int{{2}}},
		{Rows: []string{RowValid}, Transport: "pigeon"},
	} {
		if _, err := GenerateBatch(ctx, testConfig(t, t.TempDir(), 1, 9, "typed"), bad); err == nil || !strings.HasPrefix(err.Error(), "corpus: ") {
			t.Errorf("spec %+v: error %v, want one from corpus", bad, err)
		}
	}
}
