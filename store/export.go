package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
)

// Export is every message, keyed by its Message-ID (or hash key), with
// what became of it.
type Export map[string]*ExportMessage

// ExportMessage is one message: its attachments with their pages, and
// every form read from them with its decision, fields and requests.
type ExportMessage struct {
	ID          int64              `json:"id"`
	MessageID   string             `json:"message_id"`
	Status      string             `json:"status"`
	Reason      string             `json:"reason,omitempty"`
	SHA256      string             `json:"sha256"`
	Duplicates  []ExportDuplicate  `json:"duplicates,omitempty"`
	Attachments []ExportAttachment `json:"attachments"`
	Forms       []ExportForm       `json:"forms"`
}

// ExportDuplicate is a later copy of a message, recorded and not worked.
type ExportDuplicate struct {
	ID     int64  `json:"id"`
	SHA256 string `json:"sha256"`
	Reason string `json:"reason"`
}

// ExportAttachment is one part of a message.
type ExportAttachment struct {
	ID          int64        `json:"id"`
	Filename    string       `json:"filename"`
	Type        string       `json:"type"`
	Status      string       `json:"status"`
	Reason      string       `json:"reason,omitempty"`
	DuplicateOf int64        `json:"duplicate_of,omitempty"`
	Pages       []ExportPage `json:"pages"`
}

// ExportPage is one page of an attachment. Form is the index of its form
// in the message's Forms, -1 when the page holds none.
type ExportPage struct {
	Page     int    `json:"page"`
	Family   string `json:"family"`
	Revision string `json:"revision"`
	Form     int    `json:"form"`
}

// ExportForm is one form: its identification, decision and requests.
type ExportForm struct {
	ID         int64   `json:"id"`
	Form       int     `json:"form"`
	Attachment int64   `json:"attachment"`
	Family     string  `json:"family"`
	Revision   string  `json:"revision"`
	Known      bool    `json:"known"`
	Confidence float64 `json:"confidence"`
	Pages      []int   `json:"pages"`
	Status     string  `json:"status"`
	Reason     string  `json:"reason,omitempty"`
	// Decision is accept, reject or review; empty while undecided.
	Decision string            `json:"decision"`
	Reasons  []ExportReason    `json:"reasons"`
	Rows     []json.RawMessage `json:"rows,omitempty"`
	Fields   []ExportField     `json:"fields"`
	Requests []ExportRequest   `json:"requests"`
	// Origins, for a form joined from the parts of a batch that came in
	// several messages, say where each of its pages came from (batch.go).
	Origins []PageOrigin `json:"origins,omitempty"`
}

// ExportReason is one rule the form failed.
type ExportReason struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Row     int    `json:"row,omitempty"`
	Message string `json:"message"`
}

// ExportField is one field's value as read or corrected.
type ExportField struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
	Sure       bool    `json:"sure"`
	Source     string  `json:"source"`
}

// ExportRequest is one request queued from the form.
type ExportRequest struct {
	ID             int64    `json:"id"`
	Row            int      `json:"row,omitempty"`
	Action         string   `json:"action"`
	EmployeeNumber string   `json:"employee_number"`
	RolesAdd       []string `json:"roles_add"`
	RolesRemove    []string `json:"roles_remove"`
	Queue          string   `json:"queue"`
	Status         string   `json:"status"`
}

// Export reads every message and what became of it.
func (s *Store) Export(ctx context.Context) (Export, error) {
	out := Export{}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return exportTx(ctx, tx, out)
	})
	if err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	return out, nil
}

func exportTx(ctx context.Context, tx pgx.Tx, out Export) error {
	byID := map[int64]*ExportMessage{}
	rows, err := tx.Query(ctx, `SELECT id, message_key, status, reason, sha256, duplicate_of FROM messages ORDER BY id`)
	if err != nil {
		return err
	}
	type dup struct {
		of int64
		d  ExportDuplicate
	}
	var dups []dup
	for rows.Next() {
		var m ExportMessage
		var of *int64
		if err := rows.Scan(&m.ID, &m.MessageID, &m.Status, &m.Reason, &m.SHA256, &of); err != nil {
			return err
		}
		if of != nil {
			dups = append(dups, dup{*of, ExportDuplicate{ID: m.ID, SHA256: m.SHA256, Reason: m.Reason}})
			continue
		}
		m.Attachments, m.Forms = []ExportAttachment{}, []ExportForm{}
		byID[m.ID] = &m
		out[m.MessageID] = &m
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range dups {
		if m := byID[d.of]; m != nil {
			m.Duplicates = append(m.Duplicates, d.d)
		}
	}

	// Attachments, in message order.
	type attRef struct {
		msg *ExportMessage
		idx int
	}
	atts := map[int64]attRef{}
	rows, err = tx.Query(ctx, `SELECT id, message_id, filename, doc_type, status, reason, COALESCE(duplicate_of, 0)
		FROM attachments ORDER BY message_id, ordinal`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var a ExportAttachment
		var msgID int64
		if err := rows.Scan(&a.ID, &msgID, &a.Filename, &a.Type, &a.Status, &a.Reason, &a.DuplicateOf); err != nil {
			return err
		}
		m := byID[msgID]
		if m == nil {
			continue // an attachment of a duplicate message: there are none
		}
		a.Pages = []ExportPage{}
		m.Attachments = append(m.Attachments, a)
		atts[a.ID] = attRef{m, len(m.Attachments) - 1}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	// Forms, numbered across the message in attachment and page order,
	// with their latest decision.
	forms := map[int64]*ExportForm{}
	type formRef struct {
		msg *ExportMessage
		idx int
	}
	formRefs := map[int64]formRef{}
	rows, err = tx.Query(ctx, `SELECT f.id, f.attachment_id, f.family, f.revision, f.known, f.confidence, f.pages,
			f.status, f.reason, COALESCE(d.outcome, ''), COALESCE(d.reasons, '[]'), COALESCE(d.rows, '[]')
		FROM forms f JOIN attachments a ON a.id = f.attachment_id
		LEFT JOIN LATERAL (SELECT outcome, reasons, rows FROM decisions WHERE form_id = f.id ORDER BY round DESC LIMIT 1) d ON true
		ORDER BY a.message_id, a.ordinal, f.ordinal`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var f ExportForm
		var reasons []byte
		if err := rows.Scan(&f.ID, &f.Attachment, &f.Family, &f.Revision, &f.Known, &f.Confidence, &f.Pages,
			&f.Status, &f.Reason, &f.Decision, &reasons, &f.Rows); err != nil {
			return err
		}
		if err := json.Unmarshal(reasons, &f.Reasons); err != nil {
			return fmt.Errorf("reasons of form %d: %w", f.ID, err)
		}
		if len(f.Rows) == 0 {
			f.Rows = nil
		}
		ref, ok := atts[f.Attachment]
		if !ok {
			continue
		}
		f.Form = len(ref.msg.Forms)
		f.Fields, f.Requests = []ExportField{}, []ExportRequest{}
		ref.msg.Forms = append(ref.msg.Forms, f)
		formRefs[f.ID] = formRef{ref.msg, f.Form}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, r := range formRefs {
		forms[id] = &r.msg.Forms[r.idx]
	}

	rows, err = tx.Query(ctx, `SELECT attachment_id, page, family, revision, COALESCE(form_id, 0) FROM pages ORDER BY attachment_id, page`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var attID, formID int64
		var p ExportPage
		if err := rows.Scan(&attID, &p.Page, &p.Family, &p.Revision, &formID); err != nil {
			return err
		}
		ref, ok := atts[attID]
		if !ok {
			continue
		}
		p.Form = -1
		if f := forms[formID]; f != nil {
			p.Form = f.Form
		}
		a := &ref.msg.Attachments[ref.idx]
		a.Pages = append(a.Pages, p)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.Query(ctx, originsQuery+` WHERE b.form_id IS NOT NULL AND b.status <> 'superseded' ORDER BY b.form_id, bp.batch_page, bp.duplicate, bp.arrived`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var formID int64
		var o PageOrigin
		if err := rows.Scan(&formID, &o.BatchPage, &o.MessageID, &o.MessageKey, &o.AttachmentID, &o.Filename, &o.Page, &o.Rotation, &o.Duplicate); err != nil {
			return err
		}
		if f := forms[formID]; f != nil {
			f.Origins = append(f.Origins, o)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.Query(ctx, `SELECT form_id, name, value, confidence, sure, source FROM fields ORDER BY form_id, name`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var formID int64
		var x ExportField
		if err := rows.Scan(&formID, &x.Name, &x.Value, &x.Confidence, &x.Sure, &x.Source); err != nil {
			return err
		}
		if f := forms[formID]; f != nil {
			f.Fields = append(f.Fields, x)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.Query(ctx, `SELECT id, form_id, form_row, action, employee_number, roles_add, roles_remove, queue, status
		FROM requests ORDER BY form_id, form_row`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var formID int64
		var q ExportRequest
		if err := rows.Scan(&q.ID, &formID, &q.Row, &q.Action, &q.EmployeeNumber, &q.RolesAdd, &q.RolesRemove, &q.Queue, &q.Status); err != nil {
			return err
		}
		if f := forms[formID]; f != nil {
			f.Requests = append(f.Requests, q)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range out {
		for i := range m.Forms {
			if m.Forms[i].Reasons == nil {
				m.Forms[i].Reasons = []ExportReason{}
			}
		}
		sort.Slice(m.Duplicates, func(i, j int) bool { return m.Duplicates[i].ID < m.Duplicates[j].ID })
	}
	return nil
}
