package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// Statuses of a form that is one message's share (a part) of a
// batch-removal form whose pages came in several messages.
const (
	StatusWaiting = "waiting" // a part waiting in its batch for the batch's other pages
	StatusJoined  = "joined"  // a part joined with the rest of its batch into another form
)

// Statuses of a batch.
const (
	BatchWaiting = "waiting" // waiting for pages
	BatchJoined  = "joined"  // every page came; the joined form is decided
	BatchExpired = "expired" // the wait ended first; the joined form goes to review
	// BatchSuperseded: another message brought the whole batch; its form
	// (Batch.FormID) is decided, and the parts never are.
	BatchSuperseded = "superseded"
)

// Batch is a batch-removal form that came in parts, with where each of its
// pages came from.
type Batch struct {
	ID int64
	// BatchKey is what the parts have in common.
	validate.BatchKey
	Status string
	// FormID is the joined form, once the batch stops waiting.
	FormID    int64
	ExpiresAt time.Time
	// Pages are every page of every part, in the order the parts arrived.
	Pages []BatchPage
}

// BatchPage is one page a part brought to its batch.
type BatchPage struct {
	// BatchPage is the N of "Page N of M".
	BatchPage  int
	PartFormID int64
	// AttachmentID and Page say which page of which document it is.
	AttachmentID int64
	Page         int
	// Duplicate is set for a copy of a page the batch already held.
	Duplicate bool
	// Arrived is the part's place among the batch's parts, from 1.
	Arrived int
}

// Held returns the batch pages held, each once, in order.
func (b Batch) Held() []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range b.Pages {
		if !p.Duplicate && !seen[p.BatchPage] {
			seen[p.BatchPage] = true
			out = append(out, p.BatchPage)
		}
	}
	sort.Ints(out)
	return out
}

// Parts returns the part forms in the order they arrived.
func (b Batch) Parts() []int64 {
	var out []int64
	for _, p := range b.Pages {
		if n := len(out); n == 0 || out[n-1] != p.PartFormID {
			out = append(out, p.PartFormID)
		}
	}
	return out
}

// LockBatches makes the transaction the only one, until it ends, handling
// parts of batches from one location with one page count, so that two
// parts of a batch arriving at once find each other.
func LockBatches(ctx context.Context, tx pgx.Tx, locationCode string, pageCount int) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('batch'), hashtext($1))`,
		fmt.Sprintf("%s/%d", locationCode, pageCount))
	if err != nil {
		return fmt.Errorf("store: lock batches of location %s: %w", locationCode, err)
	}
	return nil
}

// WaitingBatches returns, oldest first and locked for the transaction,
// the batches waiting for pages of the given form and revision from a
// location, with a page count.
func WaitingBatches(ctx context.Context, tx pgx.Tx, family, revision, locationCode string, pageCount int) ([]Batch, error) {
	rows, err := tx.Query(ctx, `SELECT id, school_name, admin_name, expires_at FROM batches
		WHERE status = 'waiting' AND family = $1 AND revision = $2 AND location_code = $3 AND page_count = $4
		ORDER BY id FOR UPDATE`, family, revision, locationCode, pageCount)
	if err != nil {
		return nil, fmt.Errorf("store: waiting batches: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Batch, error) {
		b := Batch{BatchKey: validate.BatchKey{Family: family, Revision: revision, LocationCode: locationCode, PageCount: pageCount},
			Status: BatchWaiting}
		return b, r.Scan(&b.ID, &b.SchoolName, &b.AdminName, &b.ExpiresAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: waiting batches: %w", err)
	}
	for i := range out {
		if out[i].Pages, err = batchPages(ctx, tx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoadBatch returns a batch with its pages, locked for the transaction.
func LoadBatch(ctx context.Context, tx pgx.Tx, id int64) (Batch, error) {
	b := Batch{ID: id}
	var formID *int64
	err := tx.QueryRow(ctx, `SELECT family, revision, location_code, page_count, school_name, admin_name, status,
			form_id, expires_at FROM batches WHERE id = $1 FOR UPDATE`, id).
		Scan(&b.Family, &b.Revision, &b.LocationCode, &b.PageCount, &b.SchoolName, &b.AdminName, &b.Status, &formID, &b.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, fmt.Errorf("store: batch %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("store: batch %d: %w", id, err)
	}
	if formID != nil {
		b.FormID = *formID
	}
	b.Pages, err = batchPages(ctx, tx, id)
	return b, err
}

func batchPages(ctx context.Context, tx pgx.Tx, batchID int64) ([]BatchPage, error) {
	rows, err := tx.Query(ctx, `SELECT batch_page, part_form_id, attachment_id, page, duplicate, arrived
		FROM batch_pages WHERE batch_id = $1 ORDER BY arrived, page`, batchID)
	if err != nil {
		return nil, fmt.Errorf("store: pages of batch %d: %w", batchID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BatchPage, error) {
		var p BatchPage
		return p, r.Scan(&p.BatchPage, &p.PartFormID, &p.AttachmentID, &p.Page, &p.Duplicate, &p.Arrived)
	})
	if err != nil {
		return nil, fmt.Errorf("store: pages of batch %d: %w", batchID, err)
	}
	return out, nil
}

// NewBatch starts a batch that waits for pages until expires, and returns
// its ID. Its parts are added with AddBatchPart.
func NewBatch(ctx context.Context, tx pgx.Tx, b Batch, expires time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO batches (family, revision, location_code, page_count, school_name, admin_name, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		b.Family, b.Revision, b.LocationCode, b.PageCount, b.SchoolName, b.AdminName, expires).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert batch: %w", err)
	}
	return id, audit(ctx, tx, ActorEngine, "batch.started", subject("batch", id),
		map[string]any{"page_count": b.PageCount, "expires_at": expires})
}

// AddBatchPart adds a part form and the pages it brought to a waiting
// batch (each page's BatchPage, AttachmentID, Page and Duplicate set),
// and marks the part waiting with a reason that says what for. It returns
// false when the form was no longer waiting for its decision.
func AddBatchPart(ctx context.Context, tx pgx.Tx, batchID, formID int64, pages []BatchPage, reason string) (bool, error) {
	ok, err := advance(ctx, tx, "forms", formID, StatusRead, StatusWaiting, reason)
	if err != nil || !ok {
		return ok, err
	}
	var arrived int
	if err := tx.QueryRow(ctx, `SELECT count(DISTINCT part_form_id) + 1 FROM batch_pages WHERE batch_id = $1`, batchID).
		Scan(&arrived); err != nil {
		return false, fmt.Errorf("store: add part to batch %d: %w", batchID, err)
	}
	dups := 0
	for _, p := range pages {
		_, err := tx.Exec(ctx, `INSERT INTO batch_pages (batch_id, part_form_id, batch_page, attachment_id, page, duplicate, arrived)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, batchID, formID, p.BatchPage, p.AttachmentID, p.Page, p.Duplicate, arrived)
		if err != nil {
			return false, fmt.Errorf("store: add page %d to batch %d: %w", p.BatchPage, batchID, err)
		}
		if p.Duplicate {
			dups++
		}
	}
	return true, audit(ctx, tx, ActorEngine, "batch.part_added", subject("batch", batchID),
		map[string]any{"form": formID, "pages": len(pages), "duplicate_pages": dups, "part": arrived})
}

// SaveJoinedBatch records the reading joined from a batch's parts as a
// new form of leadAttachment (the document that brought the batch's
// lowest page), waiting for its decision like any form read; the batch
// is closed with status (BatchJoined or BatchExpired) and its parts are
// marked joined. The joined reading's pages and every value's page are
// the batch's page numbers: PageOrigins says where each came from.
func SaveJoinedBatch(ctx context.Context, tx pgx.Tx, batchID int64, status string, leadAttachment int64, r forms.Reading) (int64, error) {
	if status != BatchJoined && status != BatchExpired {
		return 0, fmt.Errorf("store: batch %d cannot close as %q", batchID, status)
	}
	var was string
	if err := tx.QueryRow(ctx, `SELECT status FROM batches WHERE id = $1 FOR UPDATE`, batchID).Scan(&was); err != nil {
		return 0, fmt.Errorf("store: batch %d: %w", batchID, err)
	}
	if was != BatchWaiting {
		return 0, fmt.Errorf("store: close batch %d (%s): %w", batchID, was, ErrNotWaiting)
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO forms (attachment_id, ordinal, family, revision, known, confidence, pages)
		VALUES ($1, (SELECT COALESCE(max(ordinal), 0) + 1 FROM forms WHERE attachment_id = $1), $2, $3, $4, $5, $6)
		RETURNING id`, leadAttachment, r.Family, r.Revision, r.Known, r.Confidence, r.Pages).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert joined form of batch %d: %w", batchID, err)
	}
	batch := &pgx.Batch{}
	for name, v := range r.Values {
		src := v.Source
		if src == "" {
			src = forms.FromEngine
		}
		batch.Queue(`INSERT INTO fields (form_id, name, value, confidence, present, page, box_x, box_y, box_w, box_h, sure, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			id, name, v.Text, v.Confidence, v.Present, v.Page, v.Box.X, v.Box.Y, v.Box.W, v.Box.H, v.Sure, string(src))
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return 0, fmt.Errorf("store: insert fields of joined form of batch %d: %w", batchID, err)
	}
	tag, err := tx.Exec(ctx, `UPDATE batches SET status = $2, form_id = $3, closed_at = now() WHERE id = $1 AND status = 'waiting'`,
		batchID, status, id)
	if err != nil {
		return 0, fmt.Errorf("store: close batch %d: %w", batchID, err)
	}
	if tag.RowsAffected() != 1 {
		return 0, fmt.Errorf("store: close batch %d: %w", batchID, ErrNotWaiting)
	}
	if _, err := tx.Exec(ctx, `UPDATE forms SET status = 'joined', reason = $2, updated_at = now()
		WHERE id IN (SELECT part_form_id FROM batch_pages WHERE batch_id = $1) AND status = 'waiting'`,
		batchID, fmt.Sprintf("joined with the rest of its batch into form %d", id)); err != nil {
		return 0, fmt.Errorf("store: mark parts of batch %d joined: %w", batchID, err)
	}
	return id, audit(ctx, tx, ActorEngine, "batch."+status, subject("batch", batchID),
		map[string]any{"form": id, "pages": r.Pages})
}

// SupersedeBatch closes a waiting batch whose pages a complete form
// (formID) holds, read alike: the batch's parts are marked joined to that
// form and are never decided.
func SupersedeBatch(ctx context.Context, tx pgx.Tx, batchID, formID int64) error {
	tag, err := tx.Exec(ctx, `UPDATE batches SET status = 'superseded', form_id = $2, closed_at = now()
		WHERE id = $1 AND status = 'waiting'`, batchID, formID)
	if err != nil {
		return fmt.Errorf("store: supersede batch %d: %w", batchID, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("store: supersede batch %d: %w", batchID, ErrNotWaiting)
	}
	if _, err := tx.Exec(ctx, `UPDATE forms SET status = 'joined', reason = $2, updated_at = now()
		WHERE id IN (SELECT part_form_id FROM batch_pages WHERE batch_id = $1) AND status = 'waiting'`,
		batchID, fmt.Sprintf("superseded by form %d, which holds its pages", formID)); err != nil {
		return fmt.Errorf("store: mark parts of batch %d superseded: %w", batchID, err)
	}
	return audit(ctx, tx, ActorEngine, "batch.superseded", subject("batch", batchID), map[string]any{"form": formID})
}

// ErrNotWaiting is returned when a batch to close was no longer waiting.
var ErrNotWaiting = errors.New("batch is no longer waiting")

// ExpiredBatches returns up to limit batches whose wait ended by now,
// locked for the transaction; batches another transaction holds are
// passed over.
func ExpiredBatches(ctx context.Context, tx pgx.Tx, now time.Time, limit int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM batches WHERE status = 'waiting' AND expires_at <= $1
		ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("store: expired batches: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: expired batches: %w", err)
	}
	return ids, nil
}

// DecidedBatchForms returns the forms of a family and revision decided
// for a location (the digits of their location_code as read) from
// messages received since since, oldest first: the forms a later copy of
// some of their pages may repeat.
func DecidedBatchForms(ctx context.Context, tx pgx.Tx, family, revision, locationCode string, since time.Time) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT f.id FROM forms f
		JOIN attachments a ON a.id = f.attachment_id
		JOIN messages m ON m.id = a.message_id
		JOIN fields l ON l.form_id = f.id AND l.name = 'location_code'
		WHERE f.family = $1 AND f.revision = $2 AND f.status = 'decided'
			AND regexp_replace(l.value, '[^0-9]', '', 'g') = $3 AND m.received_at >= $4
		ORDER BY f.id`, family, revision, locationCode, since)
	if err != nil {
		return nil, fmt.Errorf("store: decided batch forms: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: decided batch forms: %w", err)
	}
	return ids, nil
}

// IsJoinedBatch reports whether a form is the joined form of a batch.
func (s *Store) IsJoinedBatch(ctx context.Context, formID int64) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM batches WHERE form_id = $1 AND status IN ('joined', 'expired'))`, formID).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: batch of form %d: %w", formID, err)
	}
	return ok, nil
}

// PageOrigin says where one page of a joined batch form came from.
type PageOrigin struct {
	// BatchPage is the N of "Page N of M": the page number the joined
	// form's values carry (forms.Value.Page).
	BatchPage int `json:"batch_page"`
	// MessageID is the stored message; MessageKey its Message-ID.
	MessageID  int64  `json:"-"`
	MessageKey string `json:"message_id"`
	// AttachmentID and Filename name the document, Page its page.
	AttachmentID int64  `json:"attachment"`
	Filename     string `json:"filename"`
	Page         int    `json:"page"`
	// Rotation is how far the page was turned to be read, in degrees
	// clockwise.
	Rotation int `json:"rotation"`
	// Duplicate is set for a later copy of a page, left out of the form.
	Duplicate bool `json:"duplicate,omitempty"`
}

// PageOrigins returns where every page of a joined batch form came from,
// in batch page order (a duplicate after the page it copies); nil for any
// other form, whose values' pages are its own document's.
func (s *Store) PageOrigins(ctx context.Context, formID int64) ([]PageOrigin, error) {
	rows, err := s.pool.Query(ctx, originsQuery+` WHERE b.form_id = $1 AND b.status <> 'superseded' ORDER BY bp.batch_page, bp.duplicate, bp.arrived`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: page origins of form %d: %w", formID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PageOrigin, error) {
		var o PageOrigin
		var form int64
		return o, r.Scan(&form, &o.BatchPage, &o.MessageID, &o.MessageKey, &o.AttachmentID, &o.Filename, &o.Page, &o.Rotation, &o.Duplicate)
	})
	if err != nil {
		return nil, fmt.Errorf("store: page origins of form %d: %w", formID, err)
	}
	return out, nil
}

// originsQuery selects the joined form, batch page and origin of every
// page of the batches.
const originsQuery = `SELECT b.form_id, bp.batch_page, m.id, m.message_key, a.id, a.filename, bp.page,
		COALESCE(p.rotation, 0), bp.duplicate
	FROM batch_pages bp
	JOIN batches b ON b.id = bp.batch_id
	JOIN attachments a ON a.id = bp.attachment_id
	JOIN messages m ON m.id = a.message_id
	LEFT JOIN pages p ON p.attachment_id = bp.attachment_id AND p.page = bp.page`
