package review

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// seedJoinedBatch stores a batch-removal form whose two pages came in two
// faxes, as the pipeline joins it: page 1 is page 2 of sub-0027 (behind a
// cover sheet), page 2 is page 1 of sub-0005, whose first row (row 11 of
// the batch) has its employee number misread without confidence. It returns the joined form and
// the two parts.
func (e *env) seedJoinedBatch(t *testing.T) (joined, first, second sampleRead) {
	t.Helper()
	ctx := context.Background()
	rev := registry.Revision("batch-removal", "05/01/2023")
	err := e.st.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if first, err = e.readSample(ctx, t, tx, "sub-0027", nil); err != nil {
			return err
		}
		if second, err = e.readSample(ctx, t, tx, "sub-0005", unsure("row01.employee_number", "4694498O", 0.5)); err != nil {
			return err
		}
		if first.reading.Pages[0] != 2 || second.reading.Pages[0] != 1 {
			t.Fatalf("parts on pages %v and %v, want 2 (after the cover sheet) and 1", first.reading.Pages, second.reading.Pages)
		}
		rd, _, err := pipeline.JoinBatch(rev, []pipeline.BatchPart{
			{Reading: first.reading, Held: []int{1}}, {Reading: second.reading, Held: []int{2}}})
		if err != nil {
			return err
		}
		key := validate.BatchKey{Family: rev.Family, Revision: rev.Stamp, LocationCode: "6850", PageCount: 2}
		batch, err := store.NewBatch(ctx, tx, store.Batch{BatchKey: key}, time.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		for i, p := range []sampleRead{first, second} {
			if _, err := store.AddBatchPart(ctx, tx, batch, p.form, []store.BatchPage{
				{BatchPage: i + 1, AttachmentID: p.attachment, Page: p.reading.Pages[0]}}, "part"); err != nil {
				return err
			}
		}
		id, err := store.SaveJoinedBatch(ctx, tx, batch, store.BatchJoined, first.attachment, rd)
		if err != nil {
			return err
		}
		joined = sampleRead{form: id, attachment: first.attachment, reading: rd, from: first.from}
		return e.decide(ctx, tx, id, rd, first.from)
	})
	if err != nil {
		t.Fatalf("seed joined batch: %v", err)
	}
	return joined, first, second
}

// TestJoinedBatchImages: the review page of a batch joined from two faxes
// shows each page, and cuts each row's and field's crop, from the fax and
// page it came from, the same image as the part that brought it shows.
func TestJoinedBatchImages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	joined, first, second := e.seedJoinedBatch(t)
	cookie, _ := e.session(t, "rita")

	if task, err := e.st.LatestReviewTask(context.Background(), joined.form); err != nil || len(task.Items) == 0 ||
		task.Items[0].Field != "row11.employee_number" {
		t.Fatalf("joined form's review task %+v (%v), want row 11's employee number to check", task, err)
	}
	page := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", joined.form), cookie, nil).Body.String()
	for _, want := range []string{
		fmt.Sprintf(`/review/%d/row/11"`, joined.form), fmt.Sprintf(`/review/%d/row/1"`, joined.form),
		fmt.Sprintf(`/review/%d/page/1"`, joined.form), fmt.Sprintf(`/review/%d/page/2"`, joined.form),
		`data-box="row11.employee_number"`, `id="v.row11.employee_number"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("review page of the joined batch lacks %s", want)
		}
	}

	img := func(form int64, path string) []byte {
		t.Helper()
		rec := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d/%s", form, path), cookie, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("%s of form %d: %d %s", path, form, rec.Code, rec.Header().Get("Content-Type"))
		}
		return rec.Body.Bytes()
	}
	for _, c := range []struct {
		name, got, want string
		part            sampleRead
	}{
		{"page 1, behind the first fax's cover sheet", "page/1", "page/2", first},
		{"page 2, the second fax's", "page/2", "page/1", second},
		{"row 1, on the first fax", "row/1", "row/1", first},
		{"row 11, on the second fax", "row/11", "row/1", second},
		{"row 11's employee number", "crop/row11.employee_number", "crop/row01.employee_number", second},
	} {
		if !bytes.Equal(img(joined.form, c.got), img(c.part.form, c.want)) {
			t.Errorf("%s: the joined form's %s is not its part's %s", c.name, c.got, c.want)
		}
	}
	if bytes.Equal(img(joined.form, "row/1"), img(joined.form, "row/11")) {
		t.Errorf("rows 1 and 11 of the joined form have the same crop")
	}
}
