package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// ReviewQueueItem is a form waiting for a reviewer.
type ReviewQueueItem struct {
	FormID     int64
	TaskID     int64
	DecisionID int64
	Family     string
	Revision   string
	// ReceivedAt is when the message holding the form arrived.
	ReceivedAt time.Time
	// WaitingSince is when the form was sent to review.
	WaitingSince time.Time
	Items        []validate.ReviewItem
	// Outcome is the decision that sent it: review, or reject with values
	// still to check.
	Outcome string
	// ClaimedBy is who holds the form now ("" when nobody), until
	// ClaimExpires.
	ClaimedBy    string
	ClaimExpires time.Time
}

// ReviewQueue lists the forms waiting for a reviewer, oldest message
// first. Claims that lapsed by now are not reported.
func (s *Store) ReviewQueue(ctx context.Context, now time.Time) ([]ReviewQueueItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.form_id, t.id, t.decision_id, t.items, t.created_at, f.family, f.revision,
			m.received_at, d.outcome, COALESCE(c.user_name, ''), COALESCE(c.expires_at, 'epoch'::timestamptz)
		FROM review_tasks t
		JOIN forms f ON f.id = t.form_id
		JOIN attachments a ON a.id = f.attachment_id
		JOIN messages m ON m.id = a.message_id
		JOIN decisions d ON d.id = t.decision_id
		LEFT JOIN review_claims c ON c.form_id = t.form_id AND c.expires_at > $1
		WHERE t.status = 'open'
		ORDER BY m.received_at, t.id`, now)
	if err != nil {
		return nil, fmt.Errorf("store: review queue: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReviewQueueItem, error) {
		var q ReviewQueueItem
		var items []byte
		err := r.Scan(&q.FormID, &q.TaskID, &q.DecisionID, &items, &q.WaitingSince, &q.Family, &q.Revision,
			&q.ReceivedAt, &q.Outcome, &q.ClaimedBy, &q.ClaimExpires)
		if err == nil {
			err = json.Unmarshal(items, &q.Items)
		}
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: review queue: %w", err)
	}
	return out, nil
}

// ReviewTask is a form's request for a reviewer.
type ReviewTask struct {
	ID         int64
	FormID     int64
	DecisionID int64
	Items      []validate.ReviewItem
	Status     string // "open" or "closed"
	CreatedAt  time.Time
	ClosedAt   *time.Time
}

// LatestReviewTask returns the form's most recent review task, open or
// closed; ErrNotFound when the form was never sent to review.
func (s *Store) LatestReviewTask(ctx context.Context, formID int64) (ReviewTask, error) {
	t := ReviewTask{FormID: formID}
	var items []byte
	err := s.pool.QueryRow(ctx, `SELECT id, decision_id, items, status, created_at, closed_at FROM review_tasks
		WHERE form_id = $1 ORDER BY id DESC LIMIT 1`, formID).
		Scan(&t.ID, &t.DecisionID, &items, &t.Status, &t.CreatedAt, &t.ClosedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("store: review task of form %d: %w", formID, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: review task of form %d: %w", formID, err)
	}
	if err := json.Unmarshal(items, &t.Items); err != nil {
		return t, fmt.Errorf("store: review task of form %d: %w", formID, err)
	}
	return t, nil
}

// DecisionRecord is one stored decision on a form.
type DecisionRecord struct {
	ID        int64
	Round     int
	Outcome   string
	Reasons   []validate.Reason
	Review    []validate.ReviewItem
	Rows      []validate.RowDecision
	DecidedBy string
	DecidedAt time.Time
}

// LatestDecision returns the form's most recent decision; ErrNotFound
// while it is undecided.
func (s *Store) LatestDecision(ctx context.Context, formID int64) (DecisionRecord, error) {
	var d DecisionRecord
	var reasons, review, rowsJSON []byte
	err := s.pool.QueryRow(ctx, `SELECT id, round, outcome, reasons, review, rows, decided_by, decided_at
		FROM decisions WHERE form_id = $1 ORDER BY round DESC LIMIT 1`, formID).
		Scan(&d.ID, &d.Round, &d.Outcome, &reasons, &review, &rowsJSON, &d.DecidedBy, &d.DecidedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("store: decision of form %d: %w", formID, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("store: decision of form %d: %w", formID, err)
	}
	for _, p := range []struct {
		b []byte
		v any
	}{{reasons, &d.Reasons}, {review, &d.Review}, {rowsJSON, &d.Rows}} {
		if err := json.Unmarshal(p.b, p.v); err != nil {
			return d, fmt.Errorf("store: decision of form %d: %w", formID, err)
		}
	}
	return d, nil
}

// FormSource says where a form's pages are: its attachment, the message
// it came in, and how each page had to be turned to be read.
type FormSource struct {
	FormID       int64
	AttachmentID int64
	MessageID    int64
	ReceivedAt   time.Time
	// Rotation maps a document page (1-based) to the degrees clockwise it
	// was turned to be read.
	Rotation map[int]int
}

// FormSource returns where a form's pages are.
func (s *Store) FormSource(ctx context.Context, formID int64) (FormSource, error) {
	src := FormSource{FormID: formID, Rotation: map[int]int{}}
	err := s.pool.QueryRow(ctx, `SELECT f.attachment_id, a.message_id, m.received_at
		FROM forms f JOIN attachments a ON a.id = f.attachment_id JOIN messages m ON m.id = a.message_id
		WHERE f.id = $1`, formID).Scan(&src.AttachmentID, &src.MessageID, &src.ReceivedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return src, fmt.Errorf("store: form %d: %w", formID, ErrNotFound)
	}
	if err != nil {
		return src, fmt.Errorf("store: form %d: %w", formID, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT page, rotation FROM pages WHERE attachment_id = $1`, src.AttachmentID)
	if err != nil {
		return src, fmt.Errorf("store: pages of form %d: %w", formID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, r int
		if err := rows.Scan(&p, &r); err != nil {
			return src, fmt.Errorf("store: pages of form %d: %w", formID, err)
		}
		src.Rotation[p] = r
	}
	if err := rows.Err(); err != nil {
		return src, fmt.Errorf("store: pages of form %d: %w", formID, err)
	}
	return src, nil
}

// Claim says who is working on a form in the review UI, and until when.
type Claim struct {
	FormID    int64
	User      string
	ClaimedAt time.Time
	ExpiresAt time.Time
}

// ClaimedError is returned when another person holds the form.
type ClaimedError struct{ Claim Claim }

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("store: form %d is being reviewed by %s until %s", e.Claim.FormID, e.Claim.User,
		e.Claim.ExpiresAt.Format(time.RFC3339))
}

// ClaimForm gives the form to user until now+ttl, or renews user's claim.
// When someone else holds an unexpired claim it returns a *ClaimedError
// naming them. One statement decides, so two people opening a form at the
// same moment never both get it.
func (s *Store) ClaimForm(ctx context.Context, formID int64, user string, now time.Time, ttl time.Duration) (Claim, error) {
	c := Claim{FormID: formID, User: user, ExpiresAt: now.Add(ttl)}
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO review_claims AS c (form_id, user_name, claimed_at, expires_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (form_id) DO UPDATE SET user_name = EXCLUDED.user_name, expires_at = EXCLUDED.expires_at,
				claimed_at = CASE WHEN c.user_name = EXCLUDED.user_name AND c.expires_at > $3 THEN c.claimed_at ELSE EXCLUDED.claimed_at END
			WHERE c.user_name = EXCLUDED.user_name OR c.expires_at <= $3
			RETURNING claimed_at`, formID, user, now, c.ExpiresAt).Scan(&c.ClaimedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			held := Claim{FormID: formID}
			if err := tx.QueryRow(ctx, `SELECT user_name, claimed_at, expires_at FROM review_claims WHERE form_id = $1`, formID).
				Scan(&held.User, &held.ClaimedAt, &held.ExpiresAt); err != nil {
				return fmt.Errorf("store: claim form %d: %w", formID, err)
			}
			return &ClaimedError{Claim: held}
		}
		if err != nil {
			return fmt.Errorf("store: claim form %d: %w", formID, err)
		}
		if c.ClaimedAt.Equal(now) {
			return audit(ctx, tx, user, "form.claimed", subject("form", formID), map[string]any{"until": c.ExpiresAt})
		}
		return nil
	})
	return c, err
}

// ReleaseClaim gives up user's claim on a form, if they hold it.
func (s *Store) ReleaseClaim(ctx context.Context, formID int64, user string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM review_claims WHERE form_id = $1 AND user_name = $2`, formID, user); err != nil {
		return fmt.Errorf("store: release claim on form %d: %w", formID, err)
	}
	return nil
}

// ErrReviewClosed is returned by ResolveReview when the review task was
// closed or replaced meanwhile.
var ErrReviewClosed = errors.New("store: the review of this form is closed")

// Resolution is a reviewer's verdict on a form: the values they set and
// the decision the rules reached on them (or their own rejection).
type Resolution struct {
	FormID int64
	// TaskID is the review task the reviewer worked on; it must still be
	// open.
	TaskID int64
	By     string
	Now    time.Time
	// Values are the values the reviewer set or confirmed, by field name.
	// Each is stored with Source reviewer and Sure, keeping the stored page
	// and box of a field already read.
	Values map[string]forms.Value
	// Family and Revision, when not empty, replace the form's
	// identification.
	Family, Revision string
	// Decision is what the rules decided on the corrected reading, or the
	// reviewer's rejection. Its Outcome must be accept or reject.
	Decision validate.Decision
	// Notice is the rejection e-mail for the outbox, or nil.
	Notice *Email
	// Note is the reviewer's free text, kept in the audit log.
	Note string
	// Outcomes are the reviewer's decisions on the engine's values, for
	// calibration (package quality).
	Outcomes []FieldOutcome
}

// ResolveReview records a reviewer's verdict in one transaction: every
// value set (each correction and confirmation audited with the old and
// new value), the new decision round, its requests on their queues, the
// rejection notice in the outbox, and the review task closed. The
// form must not be claimed by someone else (a *ClaimedError) and the task
// must still be open (ErrReviewClosed).
func (s *Store) ResolveReview(ctx context.Context, res Resolution) (DecideResult, error) {
	out := DecideResult{Done: true}
	d := res.Decision
	if d.Outcome != validate.Accept && d.Outcome != validate.Reject {
		return out, fmt.Errorf("store: resolve review of form %d: outcome %q is neither accept nor reject", res.FormID, d.Outcome)
	}
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var status string
		var taskForm int64
		err := tx.QueryRow(ctx, `SELECT status, form_id FROM review_tasks WHERE id = $1 FOR UPDATE`, res.TaskID).Scan(&status, &taskForm)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (status != "open" || taskForm != res.FormID)) {
			return fmt.Errorf("review task %d of form %d: %w", res.TaskID, res.FormID, ErrReviewClosed)
		}
		if err != nil {
			return fmt.Errorf("store: resolve review of form %d: %w", res.FormID, err)
		}
		held := Claim{FormID: res.FormID}
		err = tx.QueryRow(ctx, `SELECT user_name, claimed_at, expires_at FROM review_claims WHERE form_id = $1 FOR UPDATE`, res.FormID).
			Scan(&held.User, &held.ClaimedAt, &held.ExpiresAt)
		// A lapsed claim nobody else took is as good as the reviewer's own.
		if err == nil && held.User != res.By && held.ExpiresAt.After(res.Now) {
			return &ClaimedError{Claim: held}
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: resolve review of form %d: %w", res.FormID, err)
		}

		if err := setReviewerValues(ctx, tx, res); err != nil {
			return err
		}
		if err := insertOutcomes(ctx, tx, res.Outcomes); err != nil {
			return err
		}
		if err := voidKeying(ctx, tx, res.FormID, res.By); err != nil {
			return err
		}
		if res.Family != "" || res.Revision != "" {
			if err := setIdentification(ctx, tx, res); err != nil {
				return err
			}
		}

		var round int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(max(round), 0) + 1 FROM decisions WHERE form_id = $1`, res.FormID).Scan(&round); err != nil {
			return fmt.Errorf("store: resolve review of form %d: %w", res.FormID, err)
		}
		reasons, _ := json.Marshal(nonNil(d.Reasons))
		review, _ := json.Marshal(nonNil(d.Review))
		rowsJSON, _ := json.Marshal(nonNil(d.Rows))
		err = tx.QueryRow(ctx, `INSERT INTO decisions (form_id, round, outcome, reasons, review, rows, decided_by, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			res.FormID, round, string(d.Outcome), reasons, review, rowsJSON, res.By, res.Now).Scan(&out.DecisionID)
		if err != nil {
			return fmt.Errorf("store: insert decision: %w", err)
		}
		for _, q := range d.Requests {
			id, err := insertRequest(ctx, tx, res.FormID, out.DecisionID, q)
			if err != nil {
				return err
			}
			if id != 0 {
				out.Requests = append(out.Requests, id)
				if err := audit(ctx, tx, res.By, "request.queued", subject("request", id), map[string]any{"queue": q.Queue, "form": res.FormID}); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE review_tasks SET status = 'closed', closed_at = $2 WHERE id = $1`, res.TaskID, res.Now); err != nil {
			return fmt.Errorf("store: close review task %d: %w", res.TaskID, err)
		}
		if res.Notice != nil {
			if err := insertEmail(ctx, tx, "rejection", *res.Notice, &res.FormID, nil); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM review_claims WHERE form_id = $1`, res.FormID); err != nil {
			return fmt.Errorf("store: release claim on form %d: %w", res.FormID, err)
		}
		codes := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			codes = append(codes, string(r.Code))
		}
		action := "form.approved"
		if d.Outcome == validate.Reject {
			action = "form.rejected"
		}
		return audit(ctx, tx, res.By, action, subject("form", res.FormID), map[string]any{
			"outcome": d.Outcome, "reasons": codes, "requests": nonNil(out.Requests), "round": round,
			"review_task": res.TaskID, "note": res.Note,
		})
	})
	return out, err
}

// setReviewerValues writes the reviewer's values, auditing each with the
// value it replaces.
func setReviewerValues(ctx context.Context, tx pgx.Tx, res Resolution) error {
	names := make([]string, 0, len(res.Values))
	for n := range res.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := res.Values[n]
		var old string
		var oldConf float64
		var oldSource string
		err := tx.QueryRow(ctx, `SELECT value, confidence, source FROM fields WHERE form_id = $1 AND name = $2 FOR UPDATE`, res.FormID, n).
			Scan(&old, &oldConf, &oldSource)
		found := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: read field: %w", err)
		}
		if found {
			_, err = tx.Exec(ctx, `UPDATE fields SET value = $3, sure = true, source = 'reviewer', updated_at = $4
				WHERE form_id = $1 AND name = $2`, res.FormID, n, v.Text, res.Now)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO fields (form_id, name, value, confidence, page, box_x, box_y, box_w, box_h, sure, source, updated_at)
				VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8, true, 'reviewer', $9)`,
				res.FormID, n, v.Text, v.Page, v.Box.X, v.Box.Y, v.Box.W, v.Box.H, res.Now)
		}
		if err != nil {
			return fmt.Errorf("store: set field: %w", err)
		}
		action := "field.confirmed"
		if !found || old != v.Text {
			action = "field.corrected"
		}
		if err := audit(ctx, tx, res.By, action, subject("form", res.FormID), map[string]any{
			"field": n, "old": old, "new": v.Text, "old_confidence": oldConf, "old_source": oldSource, "was_read": found,
			"source": string(forms.FromReviewer),
		}); err != nil {
			return err
		}
	}
	return nil
}

func setIdentification(ctx context.Context, tx pgx.Tx, res Resolution) error {
	var fam, rev string
	if err := tx.QueryRow(ctx, `SELECT family, revision FROM forms WHERE id = $1 FOR UPDATE`, res.FormID).Scan(&fam, &rev); err != nil {
		return fmt.Errorf("store: identify form %d: %w", res.FormID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE forms SET family = $2, revision = $3, known = true, confidence = 1, updated_at = $4 WHERE id = $1`,
		res.FormID, res.Family, res.Revision, res.Now); err != nil {
		return fmt.Errorf("store: identify form %d: %w", res.FormID, err)
	}
	return audit(ctx, tx, res.By, "form.identified", subject("form", res.FormID), map[string]any{
		"old": fam + "@" + rev, "new": res.Family + "@" + res.Revision,
	})
}
