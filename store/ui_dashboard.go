package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Dashboard is the state of the intake at a glance.
type Dashboard struct {
	// MessagesToday counts the messages received since the start of the
	// day asked for (copies of earlier messages excluded).
	MessagesToday int
	// ReviewWaiting counts the forms waiting for a reviewer; OldestReview
	// is when the oldest of them arrived (nil when none wait).
	ReviewWaiting int
	OldestReview  *time.Time
	// Queues holds the provisioning queues that have open requests.
	Queues []QueueDepth
	// Problems are the failed and quarantined items, newest first.
	Problems []Problem
}

// QueueDepth is one provisioning queue's open requests.
type QueueDepth struct {
	Queue   string
	Queued  int
	Claimed int
	// Oldest is when the oldest open request was queued.
	Oldest time.Time
}

// Problem is a message, attachment or form that was set aside
// (quarantined, never retried) or failed every try (retryable).
type Problem struct {
	Item   Item
	Status string // StatusFailed or StatusQuarantined
	Reason string
	At     time.Time
}

// maxProblems bounds the problems a dashboard lists.
const maxProblems = 200

// Dashboard returns the counts and lists of the dashboard; dayStart is the
// start of "today" in the district's time zone.
func (s *Store) Dashboard(ctx context.Context, dayStart time.Time) (Dashboard, error) {
	var d Dashboard
	err := s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM messages WHERE received_at >= $1 AND duplicate_of IS NULL),
			(SELECT count(*) FROM review_tasks WHERE status = 'open'),
			(SELECT min(m.received_at) FROM review_tasks t JOIN forms f ON f.id = t.form_id
				JOIN attachments a ON a.id = f.attachment_id JOIN messages m ON m.id = a.message_id
				WHERE t.status = 'open')`, dayStart).
		Scan(&d.MessagesToday, &d.ReviewWaiting, &d.OldestReview)
	if err != nil {
		return d, fmt.Errorf("store: dashboard counts: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT queue, count(*) FILTER (WHERE status = 'queued'),
			count(*) FILTER (WHERE status = 'claimed'), min(created_at)
		FROM requests WHERE status IN ('queued', 'claimed') GROUP BY queue ORDER BY queue`)
	if err != nil {
		return d, fmt.Errorf("store: dashboard queues: %w", err)
	}
	d.Queues, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueDepth, error) {
		var q QueueDepth
		err := r.Scan(&q.Queue, &q.Queued, &q.Claimed, &q.Oldest)
		return q, err
	})
	if err != nil {
		return d, fmt.Errorf("store: dashboard queues: %w", err)
	}
	rows, err = s.pool.Query(ctx, `
		(SELECT 'message', id, status, reason, updated_at FROM messages WHERE status IN ('failed', 'quarantined'))
		UNION ALL (SELECT 'attachment', id, status, reason, updated_at FROM attachments WHERE status IN ('failed', 'quarantined'))
		UNION ALL (SELECT 'form', id, status, reason, updated_at FROM forms WHERE status = 'failed')
		ORDER BY 5 DESC LIMIT $1`, maxProblems)
	if err != nil {
		return d, fmt.Errorf("store: dashboard problems: %w", err)
	}
	d.Problems, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Problem, error) {
		var p Problem
		err := r.Scan(&p.Item.Kind, &p.Item.ID, &p.Status, &p.Reason, &p.At)
		return p, err
	})
	if err != nil {
		return d, fmt.Errorf("store: dashboard problems: %w", err)
	}
	return d, nil
}

// FormHit is a form found by a search.
type FormHit struct {
	FormID     int64
	Family     string
	Revision   string
	Status     string
	ReceivedAt time.Time
	// Outcome is the latest decision's ("" while undecided) and ReviewOpen
	// whether a reviewer is still to look at it.
	Outcome    string
	ReviewOpen bool
}

// SearchResult is every form and request found for a person.
type SearchResult struct {
	Forms    []FormHit
	Requests []Request
}

// maxHits bounds each list of a search.
const maxHits = 200

// SearchPerson finds the forms and requests of a person, by employee
// number (the query is all digits) or by name (every word of the query
// must begin a first or last name on the form or the request, in any
// case).
func (s *Store) SearchPerson(ctx context.Context, query string) (SearchResult, error) {
	var res SearchResult
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return res, nil
	}
	digits := len(words) == 1 && strings.Trim(words[0], "0123456789") == ""
	patterns := make([]string, len(words))
	for i, w := range words {
		patterns[i] = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w) + "%"
	}

	var formQ, reqQ string
	var arg any
	if digits {
		arg = words[0]
		formQ = `EXISTS (SELECT 1 FROM fields x WHERE x.form_id = f.id
			AND (x.name = 'employee_number' OR x.name LIKE 'row%.employee_number') AND x.value = $1)`
		reqQ = `employee_number = $1`
	} else {
		arg = patterns
		formQ = `NOT EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE NOT EXISTS (
			SELECT 1 FROM fields x WHERE x.form_id = f.id
			AND (x.name IN ('first_name', 'last_name') OR x.name LIKE 'row%.first_name' OR x.name LIKE 'row%.last_name')
			AND lower(x.value) LIKE p))`
		reqQ = `NOT EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE lower(first_name) NOT LIKE p AND lower(last_name) NOT LIKE p)`
	}
	rows, err := s.pool.Query(ctx, `SELECT f.id, f.family, f.revision, f.status, m.received_at,
			COALESCE((SELECT d.outcome FROM decisions d WHERE d.form_id = f.id ORDER BY d.round DESC LIMIT 1), ''),
			EXISTS (SELECT 1 FROM review_tasks t WHERE t.form_id = f.id AND t.status = 'open')
		FROM forms f JOIN attachments a ON a.id = f.attachment_id JOIN messages m ON m.id = a.message_id
		WHERE `+formQ+` ORDER BY m.received_at DESC, f.id DESC LIMIT `+fmt.Sprint(maxHits), arg)
	if err != nil {
		return res, fmt.Errorf("store: search forms: %w", err)
	}
	res.Forms, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (FormHit, error) {
		var h FormHit
		err := r.Scan(&h.FormID, &h.Family, &h.Revision, &h.Status, &h.ReceivedAt, &h.Outcome, &h.ReviewOpen)
		return h, err
	})
	if err != nil {
		return res, fmt.Errorf("store: search forms: %w", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE `+reqQ+
		` ORDER BY created_at DESC, id DESC LIMIT `+fmt.Sprint(maxHits), arg)
	if err != nil {
		return res, fmt.Errorf("store: search requests: %w", err)
	}
	res.Requests, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Request, error) { return scanRequest(r) })
	if err != nil {
		return res, fmt.Errorf("store: search requests: %w", err)
	}
	return res, nil
}

// AuditFilter selects audit log entries; zero fields select all.
type AuditFilter struct {
	// FormID selects the entries about a form and its requests.
	FormID int64
	Actor  string
	// From and To bound the time, To excluded.
	From, To time.Time
	// Limit is the most entries returned, newest first; zero means 500.
	Limit int
}

// AuditRecord is one audit log entry with its time.
type AuditRecord struct {
	AuditEntry
	At time.Time
}

// AuditLog returns the audit log entries the filter selects, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	if f.Limit <= 0 {
		f.Limit = 500
	}
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, action, subject, detail FROM audit_log
		WHERE ($1::bigint = 0 OR subject = 'form/' || $1::bigint
			OR subject IN (SELECT 'request/' || id FROM requests WHERE form_id = $1::bigint))
		AND ($2::text = '' OR actor = $2::text)
		AND ($3::timestamptz IS NULL OR at >= $3)
		AND ($4::timestamptz IS NULL OR at < $4)
		ORDER BY id DESC LIMIT $5`, f.FormID, f.Actor, from, to, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditRecord, error) {
		var e AuditRecord
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	return out, nil
}
