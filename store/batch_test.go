package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// TestBatchLifecycle keeps two parts of a batch from two messages waiting,
// joins them, and checks what the batch, its parts and the joined form
// say: status, reasons, page origins, the export.
func TestBatchLifecycle(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	reading := func(pages ...int) forms.Reading {
		return forms.Reading{Family: "batch-removal", Revision: "05/01/2023", Known: true, Confidence: 0.9, Pages: pages,
			Values: map[string]forms.Value{"location_code": {Text: "1867", Page: pages[0], Sure: true}}}
	}
	first := readForm(t, s, "part1@x", reading(2, 3))[0] // after a cover sheet
	second := readForm(t, s, "part2@x", reading(1))[0]
	key := validate.BatchKey{Family: "batch-removal", Revision: "05/01/2023", LocationCode: "1867", PageCount: 3}
	att := func(form int64) int64 {
		src, err := s.FormSource(ctx, form)
		if err != nil {
			t.Fatal(err)
		}
		return src.AttachmentID
	}
	expires := time.Now().Add(time.Hour)

	var batchID int64
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if err := store.LockBatches(ctx, tx, "1867", 3); err != nil {
			return err
		}
		var err error
		if batchID, err = store.NewBatch(ctx, tx, store.Batch{BatchKey: key}, expires); err != nil {
			return err
		}
		_, err = store.AddBatchPart(ctx, tx, batchID, first, []store.BatchPage{
			{BatchPage: 1, AttachmentID: att(first), Page: 2}, {BatchPage: 2, AttachmentID: att(first), Page: 3}}, "waiting for page 3")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Form(ctx, first); f.Status != store.StatusWaiting {
		t.Errorf("first part %s, want waiting", f.Status)
	}

	var joined int64
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		ws, err := store.WaitingBatches(ctx, tx, key.Family, key.Revision, "1867", 3)
		if err != nil {
			return err
		}
		if len(ws) != 1 || ws[0].ID != batchID || !slices.Equal(ws[0].Held(), []int{1, 2}) || !ws[0].ExpiresAt.Equal(expires.Truncate(time.Microsecond)) {
			t.Errorf("waiting batches %+v, want batch %d holding pages 1 and 2", ws, batchID)
		}
		if ws, _ := store.WaitingBatches(ctx, tx, key.Family, key.Revision, "1867", 2); len(ws) != 0 {
			t.Errorf("a batch of 3 pages waits among batches of 2")
		}
		// The second part brings page 3.
		if ok, err := store.AddBatchPart(ctx, tx, batchID, second, []store.BatchPage{
			{BatchPage: 3, AttachmentID: att(second), Page: 1}}, "complete"); err != nil || !ok {
			return errors.Join(err, errors.New("second part not added"))
		}
		b, err := store.LoadBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		if !slices.Equal(b.Parts(), []int64{first, second}) || !slices.Equal(b.Held(), []int{1, 2, 3}) {
			t.Errorf("batch parts %v holding %v", b.Parts(), b.Held())
		}
		if joined, err = store.SaveJoinedBatch(ctx, tx, batchID, store.BatchJoined, att(first), reading(1, 2, 3)); err != nil {
			return err
		}
		if _, err := store.SaveJoinedBatch(ctx, tx, batchID, store.BatchJoined, att(first), reading(1, 2, 3)); !errors.Is(err, store.ErrNotWaiting) {
			t.Errorf("joining a batch twice: %v, want ErrNotWaiting", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{first, second} {
		if f, _ := s.Form(ctx, id); f.Status != store.StatusJoined {
			t.Errorf("part %d %s, want joined", id, f.Status)
		}
	}
	f, err := s.Form(ctx, joined)
	if err != nil || f.Status != store.StatusRead || f.MessageKey != "part1@x" || !slices.Equal(f.Reading.Pages, []int{1, 2, 3}) {
		t.Fatalf("joined form %+v (%v), want read, of the first message, on pages 1-3", f, err)
	}
	if ok, err := s.IsJoinedBatch(ctx, joined); err != nil || !ok {
		t.Errorf("IsJoinedBatch(joined) = %v, %v", ok, err)
	}
	origins, err := s.PageOrigins(ctx, joined)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range origins {
		got = append(got, fmt.Sprintf("%s/%s/%d", o.MessageKey, o.Filename, o.Page))
	}
	if want := []string{"part1@x/f.pdf/2", "part1@x/f.pdf/3", "part2@x/f.pdf/1"}; !slices.Equal(got, want) {
		t.Errorf("origins %v, want %v", got, want)
	}
	exp, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fs := exp["part1@x"].Forms; len(fs) != 2 || fs[1].ID != joined || len(fs[1].Origins) != 3 || fs[0].Origins != nil {
		t.Errorf("first message's forms in the export: %+v", fs)
	}

	// A batch whose wait ended is found once, and none before.
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		id, err := store.NewBatch(ctx, tx, store.Batch{BatchKey: key}, expires)
		if err != nil {
			return err
		}
		if ids, err := store.ExpiredBatches(ctx, tx, time.Now(), 5); err != nil || len(ids) != 0 {
			t.Errorf("expired before their time: %v %v", ids, err)
		}
		if ids, err := store.ExpiredBatches(ctx, tx, expires.Add(time.Second), 5); err != nil || !slices.Equal(ids, []int64{id}) {
			t.Errorf("expired after their time: %v %v, want [%d]", ids, err, id)
		}
		return store.SupersedeBatch(ctx, tx, id, joined)
	})
	if err != nil {
		t.Fatal(err)
	}
}
