package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outgoing is an outbox e-mail due to be sent.
type Outgoing struct {
	ID        int64
	Kind      string
	To        string
	Subject   string
	Body      string
	InReplyTo string
	// Attempts counts the tries before this one.
	Attempts  int
	CreatedAt time.Time
}

// DeliveryResult is what came of one try to send an outbox e-mail.
type DeliveryResult struct {
	// MessageID is the Message-ID the e-mail was sent with (recorded
	// whatever the outcome).
	MessageID string
	// Sent: the server took the message.
	Sent bool
	// Park, when not "", says why the e-mail will never be sent: it is
	// parked and not tried again.
	Park string
	// Err says why this try failed; RetryAt is when to try again.
	Err     string
	RetryAt time.Time
}

// DeliverNext sends the oldest outbox e-mail that is due by dueBy
// (unsent, not parked, its retry time not after dueBy) with send, and
// records the result. It returns false when none is due.
//
// The row stays locked (FOR UPDATE SKIP LOCKED) from before send until the
// result is committed, so two senders, in this process or another, never
// send the same e-mail at once; and an e-mail marked sent is never sent
// again. A crash after the server took the message and before the commit
// sends it once more after the restart, with the same Message-ID (the
// caller derives it from the row's ID), so that the copy is recognisable
// as the same message.
func (s *Store) DeliverNext(ctx context.Context, dueBy time.Time, send func(context.Context, Outgoing) DeliveryResult) (Outgoing, DeliveryResult, bool, error) {
	var o Outgoing
	var res DeliveryResult
	found := false
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, kind, to_addr, subject, body, in_reply_to, attempts, created_at FROM outbox
			WHERE sent_at IS NULL AND parked_at IS NULL AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`, dueBy).
			Scan(&o.ID, &o.Kind, &o.To, &o.Subject, &o.Body, &o.InReplyTo, &o.Attempts, &o.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: next outbox e-mail: %w", err)
		}
		found = true
		res = send(ctx, o)
		switch {
		case res.Sent:
			_, err = tx.Exec(ctx, `UPDATE outbox SET sent_at = now(), message_id = $2, attempts = attempts + 1, last_error = ''
				WHERE id = $1 AND sent_at IS NULL`, o.ID, res.MessageID)
		case res.Park != "":
			_, err = tx.Exec(ctx, `UPDATE outbox SET parked_at = now(), park_reason = $2, message_id = $3,
				attempts = attempts + 1, last_error = $4 WHERE id = $1`, o.ID, res.Park, res.MessageID, res.Err)
		default:
			_, err = tx.Exec(ctx, `UPDATE outbox SET next_attempt_at = $2, message_id = $3, attempts = attempts + 1, last_error = $4
				WHERE id = $1`, o.ID, res.RetryAt, res.MessageID, res.Err)
		}
		if err != nil {
			return fmt.Errorf("store: record delivery of outbox e-mail %d: %w", o.ID, err)
		}
		return nil
	})
	if err != nil {
		return Outgoing{}, DeliveryResult{}, false, err
	}
	return o, res, found, nil
}

// OutboxPending says what remains to be sent.
type OutboxPending struct {
	// Unsent counts the e-mails neither sent nor parked.
	Unsent int
	// NextAttempt is when the earliest of them is due (zero when none is).
	NextAttempt time.Time
	// Parked counts the e-mails that will not be sent.
	Parked int
}

// PendingOutbox counts the outbox e-mails still to send.
func (s *Store) PendingOutbox(ctx context.Context) (OutboxPending, error) {
	var p OutboxPending
	var next *time.Time
	err := s.pool.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE sent_at IS NULL AND parked_at IS NULL),
			min(next_attempt_at) FILTER (WHERE sent_at IS NULL AND parked_at IS NULL),
			count(*) FILTER (WHERE parked_at IS NOT NULL)
		FROM outbox`).Scan(&p.Unsent, &next, &p.Parked)
	if err != nil {
		return p, fmt.Errorf("store: count unsent e-mail: %w", err)
	}
	if next != nil {
		p.NextAttempt = *next
	}
	return p, nil
}

// RequeueOutbox puts parked e-mails back to be sent at once (after the
// address or the server was fixed), with an audit entry each; ids nil
// requeues every parked e-mail. It returns how many were requeued.
func (s *Store) RequeueOutbox(ctx context.Context, actor string, ids []int64) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE outbox SET parked_at = NULL, park_reason = '', next_attempt_at = now()
			WHERE parked_at IS NOT NULL AND ($1::bigint[] IS NULL OR id = ANY($1)) RETURNING id`, ids)
		if err != nil {
			return fmt.Errorf("store: requeue e-mail: %w", err)
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("store: requeue e-mail: %w", err)
		}
		for _, id := range done {
			if err := audit(ctx, tx, actor, "email.requeued", subject("email", id), nil); err != nil {
				return err
			}
		}
		n = len(done)
		return nil
	})
	return n, err
}
