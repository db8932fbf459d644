package work

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// A batch-removal form whose pages came in several messages is decided
// once, when its pages are together:
//
//	a form holding only some of its batch's pages (pipeline.Partial) is not
//	decided but waits in a batch (store.Batch) with the parts of the same
//	batch that came before it: same location, page count, school and
//	administrator, for Rules.BatchWait (48 hours) from its message;
//
//	when the parts hold every page, they are joined into one form
//	(pipeline.JoinBatch), decided like any other;
//
//	when the wait ends first, the parts it has are joined all the same and
//	decided: the rules send the form to review, naming the missing pages.
//
// Pages a later message brings again are kept as duplicates and never read
// twice, so they cannot double a request; a batch still waiting when a
// later message brings it whole, its pages read alike, is superseded by
// that form and never decided.

// holdBatchPart adds a form holding only some of its batch's pages to its
// batch, joining the batch when the form completes it, and completes the
// job. It reports false, doing nothing, for any other form: that form is
// decided as it is.
func (r *Runner) holdBatchPart(ctx context.Context, job *river.Job[DecideArgs], f store.FormToDecide) (bool, error) {
	part, key, ok := pipeline.Partial(r.cfg.Registry, &f.Reading)
	if !ok {
		return false, r.supersedeCopies(ctx, f)
	}
	st := r.cfg.Store
	if joined, err := st.IsJoinedBatch(ctx, f.ID); err != nil || joined {
		return false, err // a batch whose wait ended is decided as it is
	}
	src, err := st.FormSource(ctx, f.ID)
	if err != nil {
		return false, err
	}
	return true, st.InTx(ctx, func(tx pgx.Tx) error {
		if err := store.LockBatches(ctx, tx, key.LocationCode, key.PageCount); err != nil {
			return err
		}
		wait := r.cfg.Rules.BatchWaitOrDefault()
		if holder, err := r.copyOf(ctx, tx, part, key, f.Received.Add(-wait)); err != nil || holder != 0 {
			if err == nil {
				err = r.holdCopy(ctx, tx, f, src.AttachmentID, part, key, holder)
			}
			if err != nil {
				return err
			}
			return complete(ctx, tx, job)
		}
		waiting, err := store.WaitingBatches(ctx, tx, key.Family, key.Revision, key.LocationCode, key.PageCount)
		if err != nil {
			return err
		}
		var b store.Batch
		for _, w := range waiting {
			if !w.Compatible(key) {
				continue
			}
			if shares(part.Held, w.Held()) {
				same, err := r.sameCopies(ctx, w, part)
				if err != nil {
					return err
				}
				if !same {
					continue
				}
			}
			b = w
			break
		}
		if b.ID == 0 {
			b = store.Batch{BatchKey: key, ExpiresAt: f.Received.Add(wait)}
			if b.ID, err = store.NewBatch(ctx, tx, b, b.ExpiresAt); err != nil {
				return err
			}
		}
		held := b.Held()
		pages := make([]store.BatchPage, len(part.Held))
		for k, n := range part.Held {
			pages[k] = store.BatchPage{BatchPage: n, AttachmentID: src.AttachmentID, Page: part.Reading.Pages[k],
				Duplicate: slices.Contains(held, n)}
		}
		for _, n := range part.Held {
			if !slices.Contains(held, n) {
				held = append(held, n)
			}
		}
		missing := validate.MissingPages(held, key.PageCount)
		reason := fmt.Sprintf("waiting until %s for %s of its batch of %d pages",
			b.ExpiresAt.UTC().Format(time.RFC3339), validate.PageList(missing), key.PageCount)
		added, err := store.AddBatchPart(ctx, tx, b.ID, f.ID, pages, reason)
		if err != nil {
			return err
		}
		if added {
			r.log.Info("batch part waits for its batch's other pages", "form", f.ID, "batch", b.ID,
				"pages_held", len(held), "page_count", key.PageCount)
		}
		if added && len(missing) == 0 {
			if _, err := r.joinBatch(ctx, tx, b.ID, store.BatchJoined); err != nil {
				return err
			}
		}
		return complete(ctx, tx, job)
	})
}

// copyOf returns the form, decided from a message received since since,
// that holds the whole batch and everything part lists (pipeline.Repeats):
// a part that only repeats pages already decided. It returns 0 when there
// is none; a page sent again with a correction is not a copy.
func (r *Runner) copyOf(ctx context.Context, tx pgx.Tx, part pipeline.BatchPart, key validate.BatchKey, since time.Time) (int64, error) {
	ids, err := store.DecidedBatchForms(ctx, tx, key.Family, key.Revision, key.LocationCode, since)
	if err != nil {
		return 0, err
	}
	per := r.cfg.Registry.Revision(key.Family, key.Revision).TableRows()
	for _, id := range ids {
		f, err := r.cfg.Store.Form(ctx, id)
		if err != nil {
			return 0, err
		}
		whole, wkey, ok := pipeline.Whole(r.cfg.Registry, &f.Reading)
		if ok && wkey.Compatible(key) && pipeline.Repeats(part, whole, per) {
			return id, nil
		}
	}
	return 0, nil
}

// holdCopy records a part that repeats pages a decided form holds as a
// batch of its own, superseded at once by that form: the part is never
// decided.
func (r *Runner) holdCopy(ctx context.Context, tx pgx.Tx, f store.FormToDecide, attachmentID int64,
	part pipeline.BatchPart, key validate.BatchKey, holder int64) error {
	id, err := store.NewBatch(ctx, tx, store.Batch{BatchKey: key}, f.Received)
	if err != nil {
		return err
	}
	pages := make([]store.BatchPage, len(part.Held))
	for k, n := range part.Held {
		pages[k] = store.BatchPage{BatchPage: n, AttachmentID: attachmentID, Page: part.Reading.Pages[k], Duplicate: true}
	}
	added, err := store.AddBatchPart(ctx, tx, id, f.ID, pages, "a copy of pages decided in another form")
	if err != nil || !added {
		return err
	}
	r.log.Info("batch part repeats pages already decided", "form", f.ID, "decided_form", holder)
	return store.SupersedeBatch(ctx, tx, id, holder)
}

// shares reports whether two lists of pages have a page in common.
func shares(a, b []int) bool {
	for _, n := range a {
		if slices.Contains(b, n) {
			return true
		}
	}
	return false
}

// sameCopies reports whether the pages a part shares with a waiting
// batch are copies of the batch's: every page number involved read with
// confidence (one that was not may be wrong) and the same employee numbers
// listed. A page sent again with a correction keeps the part apart, to be
// seen by a reviewer, rather than being dropped as a copy.
func (r *Runner) sameCopies(ctx context.Context, b store.Batch, part pipeline.BatchPart) (bool, error) {
	if part.Unsure {
		return false, nil
	}
	parts, err := r.batchParts(ctx, b)
	if err != nil {
		return false, err
	}
	per := r.cfg.Registry.Revision(b.Family, b.Revision).TableRows()
	for _, p := range parts {
		if q, _, ok := pipeline.Partial(r.cfg.Registry, &p.Reading); !ok || q.Unsure || !pipeline.Same(part, p, per) {
			return false, nil
		}
	}
	return true, nil
}

// joinBatch joins a batch's parts into one form, closes the batch with
// status, and queues the form's decision. It returns the form's ID.
func (r *Runner) joinBatch(ctx context.Context, tx pgx.Tx, batchID int64, status string) (int64, error) {
	b, err := store.LoadBatch(ctx, tx, batchID)
	if err != nil {
		return 0, err
	}
	rev := r.cfg.Registry.Revision(b.Family, b.Revision)
	if rev == nil {
		return 0, fmt.Errorf("work: batch %d is of %s@%s, which the registry does not have", b.ID, b.Family, b.Revision)
	}
	parts, err := r.batchParts(ctx, b)
	if err != nil {
		return 0, err
	}
	joined, _, err := pipeline.JoinBatch(rev, parts)
	if err != nil {
		return 0, fmt.Errorf("work: batch %d: %w", b.ID, err)
	}
	var lead store.BatchPage
	for _, p := range b.Pages {
		if !p.Duplicate && (lead.BatchPage == 0 || p.BatchPage < lead.BatchPage) {
			lead = p
		}
	}
	id, err := store.SaveJoinedBatch(ctx, tx, b.ID, status, lead.AttachmentID, joined)
	if err != nil {
		return 0, err
	}
	if _, err := r.client.InsertTx(ctx, tx, DecideArgs{FormID: id}, nil); err != nil {
		return 0, fmt.Errorf("work: queue decision of batch %d: %w", b.ID, err)
	}
	r.log.Info("batch joined", "batch", b.ID, "form", id, "status", status, "pages", len(joined.Pages), "parts", len(parts))
	return id, nil
}

// batchParts loads a batch's parts as read, in the order they arrived.
func (r *Runner) batchParts(ctx context.Context, b store.Batch) ([]pipeline.BatchPart, error) {
	var parts []pipeline.BatchPart
	for _, id := range b.Parts() {
		f, err := r.cfg.Store.Form(ctx, id)
		if err != nil {
			return nil, err
		}
		at := map[int]int{} // document page -> batch page
		for _, p := range b.Pages {
			if p.PartFormID == id {
				at[p.Page] = p.BatchPage
			}
		}
		part := pipeline.BatchPart{Reading: f.Reading}
		for _, pg := range f.Reading.Pages {
			part.Held = append(part.Held, at[pg])
		}
		parts = append(parts, part)
	}
	return parts, nil
}

// supersedeCopies closes the batches waiting for pages that a form
// holding its whole batch brings again (same key, its pages read alike):
// a school that sent pages 1-2 and then the whole batch has its rows
// decided once, from the whole. The form itself is decided as usual.
func (r *Runner) supersedeCopies(ctx context.Context, f store.FormToDecide) error {
	whole, key, ok := pipeline.Whole(r.cfg.Registry, &f.Reading)
	if !ok {
		return nil
	}
	st := r.cfg.Store
	if joined, err := st.IsJoinedBatch(ctx, f.ID); err != nil || joined {
		return err
	}
	per := r.cfg.Registry.Revision(key.Family, key.Revision).TableRows()
	return st.InTx(ctx, func(tx pgx.Tx) error {
		if err := store.LockBatches(ctx, tx, key.LocationCode, key.PageCount); err != nil {
			return err
		}
		waiting, err := store.WaitingBatches(ctx, tx, key.Family, key.Revision, key.LocationCode, key.PageCount)
		if err != nil {
			return err
		}
		for _, w := range waiting {
			if !w.Compatible(key) {
				continue
			}
			parts, err := r.batchParts(ctx, w)
			if err != nil {
				return err
			}
			alike := true
			for _, p := range parts {
				alike = alike && pipeline.Agree(p, whole, per)
			}
			if !alike {
				continue
			}
			if err := store.SupersedeBatch(ctx, tx, w.ID, f.ID); err != nil {
				return err
			}
			r.log.Info("batch waiting for pages superseded by a form holding it whole", "batch", w.ID, "form", f.ID)
		}
		return nil
	})
}

// ExpireBatches ends the wait of every batch whose wait ended by now: the
// parts it has are joined as they are and the joined form is queued to be
// decided, which sends it to review naming its missing pages. It returns
// how many batches it ended. Every worker runs it now and then; it is
// safe to run from many processes at once.
func (r *Runner) ExpireBatches(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		found := false
		err := r.cfg.Store.InTx(ctx, func(tx pgx.Tx) error {
			ids, err := store.ExpiredBatches(ctx, tx, now, 1)
			if err != nil || len(ids) == 0 {
				return err
			}
			found = true
			_, err = r.joinBatch(ctx, tx, ids[0], store.BatchExpired)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("work: expire batches: %w", err)
		}
		if !found {
			return n, nil
		}
		n++
	}
}

// sweepBatches runs ExpireBatches for the runner's loop, logging a
// failure rather than stopping: the next sweep tries again.
func (r *Runner) sweepBatches(ctx context.Context) {
	n, err := r.ExpireBatches(ctx, time.Now())
	if err != nil && ctx.Err() == nil {
		r.log.Warn("ending the wait of batches failed", "error", err)
	}
	if n > 0 {
		r.log.Info("batches sent to review without their missing pages", "batches", n)
	}
}
