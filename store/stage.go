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
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/validate"
)

// Attachment is a stored attachment.
type Attachment struct {
	ID        int64
	MessageID int64
	Filename  string
	Type      string
	Data      []byte
	Status    string
}

// Attachment returns the stored attachment with the given ID.
func (s *Store) Attachment(ctx context.Context, id int64) (Attachment, error) {
	a := Attachment{ID: id}
	err := s.pool.QueryRow(ctx, `SELECT message_id, filename, doc_type, data, status FROM attachments WHERE id = $1`, id).
		Scan(&a.MessageID, &a.Filename, &a.Type, &a.Data, &a.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("store: attachment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("store: attachment %d: %w", id, err)
	}
	return a, nil
}

// Page is what was found out about one page of an attachment.
type Page struct {
	Page       int
	Family     string
	Revision   string
	Known      bool
	FormPage   int
	PageCount  int
	Confidence float64
	NotAForm   bool
	Rotation   int
	Source     string // how the image was taken from the file
	Problem    string
}

// ReadResult says what SaveRead stored.
type ReadResult struct {
	// Done is false when the attachment had been read already.
	Done bool
	// Forms are the forms found, to be decided, in page order.
	Forms []int64
}

// SaveRead records an attachment's pages and forms, with every field's
// value and evidence, and marks it processed.
func SaveRead(ctx context.Context, tx pgx.Tx, attachmentID int64, pages []Page, readings []forms.Reading) (ReadResult, error) {
	ok, err := advance(ctx, tx, "attachments", attachmentID, StatusReceived, StatusProcessed, "")
	if err != nil || !ok {
		return ReadResult{}, err
	}
	res := ReadResult{Done: true}
	formOf := map[int]int64{}
	for i, r := range readings {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO forms (attachment_id, ordinal, family, revision, known, confidence, pages)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			attachmentID, i+1, r.Family, r.Revision, r.Known, r.Confidence, r.Pages).Scan(&id)
		if err != nil {
			return ReadResult{}, fmt.Errorf("store: insert form: %w", err)
		}
		res.Forms = append(res.Forms, id)
		for _, p := range r.Pages {
			formOf[p] = id
		}
		names := make([]string, 0, len(r.Values))
		for n := range r.Values {
			names = append(names, n)
		}
		sort.Strings(names)
		rows := make([][]any, 0, len(names))
		for _, n := range names {
			v := r.Values[n]
			src := v.Source
			if src == "" {
				src = forms.FromEngine
			}
			rows = append(rows, []any{id, n, v.Text, v.Confidence, v.Present, v.Page, v.Box.X, v.Box.Y, v.Box.W, v.Box.H, v.Sure, string(src)})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"fields"},
			[]string{"form_id", "name", "value", "confidence", "present", "page", "box_x", "box_y", "box_w", "box_h", "sure", "source"},
			pgx.CopyFromRows(rows)); err != nil {
			return ReadResult{}, fmt.Errorf("store: insert fields: %w", err)
		}
	}
	for _, p := range pages {
		var form *int64
		if id, ok := formOf[p.Page]; ok {
			form = &id
		}
		_, err := tx.Exec(ctx, `INSERT INTO pages (attachment_id, page, form_id, family, revision, known, form_page,
			page_count, confidence, not_a_form, rotation, image_source, problem)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			attachmentID, p.Page, form, p.Family, p.Revision, p.Known, p.FormPage, p.PageCount,
			p.Confidence, p.NotAForm, p.Rotation, p.Source, p.Problem)
		if err != nil {
			return ReadResult{}, fmt.Errorf("store: insert page %d: %w", p.Page, err)
		}
	}
	return res, audit(ctx, tx, ActorEngine, "attachment.read", subject("attachment", attachmentID),
		map[string]any{"pages": len(pages), "forms": len(readings)})
}

// SetAside quarantines an item (kind "message" or "attachment") that
// cannot be worked on, with the reason; it is not retried. It returns false
// when the item was no longer waiting.
func SetAside(ctx context.Context, tx pgx.Tx, kind string, id int64, reason string) (bool, error) {
	table, err := tableOf(kind)
	if err != nil {
		return false, err
	}
	ok, err := advance(ctx, tx, table, id, StatusReceived, StatusQuarantined, reason)
	if err != nil || !ok {
		return ok, err
	}
	return true, audit(ctx, tx, ActorEngine, kind+".quarantined", subject(kind, id), map[string]any{"reason": reason})
}

// FormToDecide is a stored form as read, with where it came from.
type FormToDecide struct {
	ID      int64
	Status  string
	Reading forms.Reading
	// From is the sender of the message the form came in.
	From string
	// MessageKey is that message's Message-ID (or hash key).
	MessageKey string
	Subject    string
	// Received is when the message arrived; Filename is the attachment's
	// name.
	Received time.Time
	Filename string
}

// Notice returns the form as a rejection notice describes it.
func (f FormToDecide) Notice() notice.Form {
	return notice.Form{ID: f.ID, From: f.From, MessageKey: f.MessageKey, Received: f.Received, Filename: f.Filename, Reading: &f.Reading}
}

// Form returns a stored form with its fields, as a Reading the rules can
// judge.
func (s *Store) Form(ctx context.Context, id int64) (FormToDecide, error) {
	f := FormToDecide{ID: id}
	r := &f.Reading
	err := s.pool.QueryRow(ctx, `SELECT f.status, f.family, f.revision, f.known, f.confidence, f.pages,
			m.from_addr, m.message_key, m.subject, m.received_at, a.filename
		FROM forms f JOIN attachments a ON a.id = f.attachment_id JOIN messages m ON m.id = a.message_id
		WHERE f.id = $1`, id).
		Scan(&f.Status, &r.Family, &r.Revision, &r.Known, &r.Confidence, &r.Pages, &f.From, &f.MessageKey, &f.Subject, &f.Received, &f.Filename)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("store: form %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: form %d: %w", id, err)
	}
	r.Values, err = s.fields(ctx, id)
	return f, err
}

func (s *Store) fields(ctx context.Context, formID int64) (map[string]forms.Value, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, value, confidence, present, page, box_x, box_y, box_w, box_h, sure, source
		FROM fields WHERE form_id = $1`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: fields of form %d: %w", formID, err)
	}
	defer rows.Close()
	out := map[string]forms.Value{}
	for rows.Next() {
		var n, src string
		var v forms.Value
		if err := rows.Scan(&n, &v.Text, &v.Confidence, &v.Present, &v.Page, &v.Box.X, &v.Box.Y, &v.Box.W, &v.Box.H, &v.Sure, &src); err != nil {
			return nil, fmt.Errorf("store: fields of form %d: %w", formID, err)
		}
		v.Source = forms.Source(src)
		out[n] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: fields of form %d: %w", formID, err)
	}
	return out, nil
}

// Email is one message for the outbox.
type Email struct {
	To      string
	Subject string
	Body    string
	// InReplyTo is the Message-ID of the submission answered, or "".
	InReplyTo string
}

// EmailFrom returns a notice as an outbox e-mail.
func EmailFrom(e notice.Email) *Email {
	return &Email{To: e.To, Subject: e.Subject, Body: e.Body, InReplyTo: e.InReplyTo}
}

// DecideResult says what SaveDecision stored.
type DecideResult struct {
	// Done is false when the form had been decided already.
	Done       bool
	DecisionID int64
	Requests   []int64
	ReviewTask int64
}

// SaveDecision records the engine's decision on a form: the decision with
// its reasons, one request per accepted request on its queue, a review
// task when a reviewer must look, and the rejection notice (when not nil)
// in the outbox. The form is marked decided.
func SaveDecision(ctx context.Context, tx pgx.Tx, formID int64, d validate.Decision, notice *Email) (DecideResult, error) {
	ok, err := advance(ctx, tx, "forms", formID, StatusRead, StatusDecided, "")
	if err != nil || !ok {
		return DecideResult{}, err
	}
	res := DecideResult{Done: true}
	reasons, _ := json.Marshal(nonNil(d.Reasons))
	review, _ := json.Marshal(nonNil(d.Review))
	rowsJSON, _ := json.Marshal(nonNil(d.Rows))
	err = tx.QueryRow(ctx, `INSERT INTO decisions (form_id, round, outcome, reasons, review, rows)
		VALUES ($1, 1, $2, $3, $4, $5) RETURNING id`,
		formID, string(d.Outcome), reasons, review, rowsJSON).Scan(&res.DecisionID)
	if err != nil {
		return DecideResult{}, fmt.Errorf("store: insert decision: %w", err)
	}
	for _, q := range d.Requests {
		id, err := insertRequest(ctx, tx, formID, res.DecisionID, q)
		if err != nil {
			return DecideResult{}, err
		}
		if id != 0 {
			res.Requests = append(res.Requests, id)
		}
	}
	if d.Outcome == validate.Review || len(d.Review) > 0 {
		err := tx.QueryRow(ctx, `INSERT INTO review_tasks (form_id, decision_id, items) VALUES ($1, $2, $3) RETURNING id`,
			formID, res.DecisionID, review).Scan(&res.ReviewTask)
		if err != nil {
			return DecideResult{}, fmt.Errorf("store: insert review task: %w", err)
		}
	}
	if notice != nil {
		if err := insertEmail(ctx, tx, "rejection", *notice, &formID, nil); err != nil {
			return DecideResult{}, err
		}
	}
	codes := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		codes = append(codes, string(r.Code))
	}
	return res, audit(ctx, tx, ActorEngine, "form.decided", subject("form", formID), map[string]any{
		"outcome": d.Outcome, "reasons": codes, "requests": res.Requests, "review_task": res.ReviewTask,
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// insertRequest queues one request, once per form and row and once per
// form and employee; it returns 0 when that request was queued before. A
// later round may name another row for an employee already queued: a
// reviewer's correction of an earlier row of a batch makes it the first
// to list someone a later row's request was queued for.
func insertRequest(ctx context.Context, tx pgx.Tx, formID, decisionID int64, q validate.Request) (int64, error) {
	if q.Queue == "" {
		return 0, fmt.Errorf("store: request of form %d row %d has no queue", formID, q.Row)
	}
	var queued bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM requests WHERE form_id = $1 AND employee_number = $2)`,
		formID, q.EmployeeNumber).Scan(&queued); err != nil {
		return 0, fmt.Errorf("store: insert request: %w", err)
	}
	if queued {
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO requests (form_id, decision_id, form_row, action, family, employee_number,
			first_name, last_name, email, admin_email, notify_email, roles_add, roles_remove, queue, location_code,
			end_date, removal_reason, effective_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (form_id, form_row) DO NOTHING RETURNING id`,
		formID, decisionID, q.Row, string(q.Action), q.Family, q.EmployeeNumber, q.FirstName, q.LastName,
		q.Email, q.AdminEmail, q.NotifyEmail, nonNil(q.RolesAdd), nonNil(q.RolesRemove), q.Queue, q.LocationCode,
		dateOrNil(q.EndDate), q.RemovalReason, dateOrNil(q.EffectiveDate)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: insert request: %w", err)
	}
	return id, nil
}

func dateOrNil(d validate.Date) *time.Time {
	if d.IsZero() {
		return nil
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return &t
}

func insertEmail(ctx context.Context, tx pgx.Tx, kind string, e Email, formID, requestID *int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO outbox (kind, to_addr, subject, body, in_reply_to, form_id, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		kind, e.To, e.Subject, e.Body, e.InReplyTo, formID, requestID)
	if err != nil {
		return fmt.Errorf("store: queue %s e-mail: %w", kind, err)
	}
	return nil
}

func tableOf(kind string) (string, error) {
	switch kind {
	case "message":
		return "messages", nil
	case "attachment":
		return "attachments", nil
	case "form":
		return "forms", nil
	}
	return "", fmt.Errorf("store: no item kind %q (message, attachment or form)", kind)
}
