package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/notice"
)

// Request statuses.
const (
	RequestQueued  = "queued"
	RequestClaimed = "claimed"
	RequestGranted = "granted"
	RequestDenied  = "denied"
)

// ErrConflict is returned when a request is not in a state that allows
// the change asked for (claiming one already claimed, completing one done).
var ErrConflict = errors.New("store: request is not in a state that allows this")

// Request is an access request on a provisioning queue.
type Request struct {
	ID             int64      `json:"id"`
	FormID         int64      `json:"form_id"`
	Row            int        `json:"row,omitempty"`
	Action         string     `json:"action"`
	Family         string     `json:"family"`
	EmployeeNumber string     `json:"employee_number"`
	FirstName      string     `json:"first_name"`
	LastName       string     `json:"last_name"`
	Email          string     `json:"email,omitempty"`
	AdminEmail     string     `json:"admin_email,omitempty"`
	NotifyEmail    string     `json:"notify_email,omitempty"`
	RolesAdd       []string   `json:"roles_add"`
	RolesRemove    []string   `json:"roles_remove"`
	Queue          string     `json:"queue"`
	LocationCode   string     `json:"location_code"`
	EndDate        *time.Time `json:"end_date,omitempty"`
	RemovalReason  string     `json:"removal_reason,omitempty"`
	EffectiveDate  *time.Time `json:"effective_date,omitempty"`
	Status         string     `json:"status"`
	ClaimedBy      string     `json:"claimed_by,omitempty"`
	ClaimedAt      *time.Time `json:"claimed_at,omitempty"`
	DoneBy         string     `json:"done_by,omitempty"`
	DoneAt         *time.Time `json:"done_at,omitempty"`
	Note           string     `json:"note,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

const requestColumns = `id, form_id, form_row, action, family, employee_number, first_name, last_name, email,
	admin_email, notify_email, roles_add, roles_remove, queue, location_code, end_date, removal_reason,
	effective_date, status, claimed_by, claimed_at, done_by, done_at, note, created_at`

func scanRequest(r pgx.Row) (Request, error) {
	var q Request
	err := r.Scan(&q.ID, &q.FormID, &q.Row, &q.Action, &q.Family, &q.EmployeeNumber, &q.FirstName, &q.LastName,
		&q.Email, &q.AdminEmail, &q.NotifyEmail, &q.RolesAdd, &q.RolesRemove, &q.Queue, &q.LocationCode,
		&q.EndDate, &q.RemovalReason, &q.EffectiveDate, &q.Status, &q.ClaimedBy, &q.ClaimedAt, &q.DoneBy,
		&q.DoneAt, &q.Note, &q.CreatedAt)
	return q, err
}

// RequestFilter selects requests; zero fields select all.
type RequestFilter struct {
	Queue  string
	Status string
}

// Requests lists requests, oldest first.
func (s *Store) Requests(ctx context.Context, f RequestFilter) ([]Request, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests
		WHERE ($1 = '' OR queue = $1) AND ($2 = '' OR status = $2) ORDER BY id`, f.Queue, f.Status)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Request, error) { return scanRequest(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	return out, nil
}

// Request returns one request.
func (s *Store) Request(ctx context.Context, id int64) (Request, error) {
	q, err := scanRequest(s.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return q, fmt.Errorf("store: request %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return q, fmt.Errorf("store: request %d: %w", id, err)
	}
	return q, nil
}

// lockRequest reads a request for update.
func lockRequest(ctx context.Context, tx pgx.Tx, id int64) (Request, error) {
	q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return q, fmt.Errorf("store: request %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return q, fmt.Errorf("store: request %d: %w", id, err)
	}
	return q, nil
}

// Claim gives a queued request to one member of the provisioning staff.
func (s *Store) Claim(ctx context.Context, id int64, by string) (Request, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return Request{}, errors.New("store: claim: who claims the request must be named")
	}
	var out Request
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		q, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if q.Status != RequestQueued {
			return fmt.Errorf("claim request %d: it is %s (by %q): %w", id, q.Status, q.ClaimedBy, ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET status = 'claimed', claimed_by = $2, claimed_at = now() WHERE id = $1`, id, by); err != nil {
			return fmt.Errorf("store: claim request %d: %w", id, err)
		}
		if err := audit(ctx, tx, by, "request.claimed", subject("request", id), nil); err != nil {
			return err
		}
		out, err = lockRequest(ctx, tx, id)
		return err
	})
	return out, err
}

// Completion is how provisioning finished a request.
type Completion struct {
	Granted bool
	// By is who finished it; empty means whoever claimed it.
	By   string
	Note string
}

// Complete finishes a queued or claimed request as granted or denied and,
// in the same transaction, writes the confirmation e-mails to the user and
// to the administrator who signed.
func (s *Store) Complete(ctx context.Context, id int64, c Completion) (Request, error) {
	var out Request
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		q, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if q.Status != RequestQueued && q.Status != RequestClaimed {
			return fmt.Errorf("complete request %d: it is %s already: %w", id, q.Status, ErrConflict)
		}
		by := strings.TrimSpace(c.By)
		if by == "" {
			by = q.ClaimedBy
		}
		if by == "" {
			return fmt.Errorf("store: complete request %d: it is not claimed, so who completes it must be named", id)
		}
		status := RequestDenied
		if c.Granted {
			status = RequestGranted
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET status = $2, done_by = $3, done_at = now(), note = $4,
			claimed_by = CASE WHEN claimed_by = '' THEN $3 ELSE claimed_by END,
			claimed_at = COALESCE(claimed_at, now()) WHERE id = $1`, id, status, by, c.Note); err != nil {
			return fmt.Errorf("store: complete request %d: %w", id, err)
		}
		if out, err = lockRequest(ctx, tx, id); err != nil {
			return err
		}
		es, err := s.notices.Confirmation(confirmationOf(out))
		if err != nil {
			return fmt.Errorf("store: complete request %d: %w", id, err)
		}
		for _, e := range es {
			if err := insertEmail(ctx, tx, "confirmation", *EmailFrom(e), &out.FormID, &out.ID); err != nil {
				return err
			}
		}
		return audit(ctx, tx, by, "request."+status, subject("request", id), map[string]any{"note_given": c.Note != ""})
	})
	return out, err
}

// confirmationOf returns a finished request as its confirmation tells it.
func confirmationOf(q Request) notice.Request {
	n := notice.Request{
		ID: q.ID, Family: q.Family, Received: q.CreatedAt, FirstName: q.FirstName, LastName: q.LastName,
		LocationCode: q.LocationCode, RolesAdd: q.RolesAdd, RolesRemove: q.RolesRemove,
		Removal: q.Action == "remove_all", Email: q.Email, AdminEmail: q.AdminEmail,
		Granted: q.Status == RequestGranted, Note: q.Note,
	}
	if q.EndDate != nil {
		n.EndDate = *q.EndDate
	}
	return n
}

// OutboxEmail is an e-mail waiting in (or sent from) the outbox.
type OutboxEmail struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	FormID    *int64     `json:"form_id,omitempty"`
	RequestID *int64     `json:"request_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// MessageID is the Message-ID it was (or is being) sent with.
	MessageID string `json:"message_id,omitempty"`
	// Attempts counts the tries to send it; LastError says why the last
	// one failed.
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error,omitempty"`
	// ParkedAt is set when it will not be sent (ParkReason says why).
	ParkedAt   *time.Time `json:"parked_at,omitempty"`
	ParkReason string     `json:"park_reason,omitempty"`
}

// Outbox lists the outbox, oldest first.
func (s *Store) Outbox(ctx context.Context) ([]OutboxEmail, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, to_addr, subject, body, form_id, request_id, created_at, sent_at,
		message_id, attempts, last_error, parked_at, park_reason FROM outbox ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: read outbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxEmail, error) {
		var e OutboxEmail
		err := r.Scan(&e.ID, &e.Kind, &e.To, &e.Subject, &e.Body, &e.FormID, &e.RequestID, &e.CreatedAt, &e.SentAt,
			&e.MessageID, &e.Attempts, &e.LastError, &e.ParkedAt, &e.ParkReason)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read outbox: %w", err)
	}
	return out, nil
}
