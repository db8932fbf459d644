package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Seen is the record of one message the mailbox poller saw, at its place
// in the mailbox. Every message gets one, whether or not it yields a
// document; the record, not the UID, says a message was handled.
type Seen struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	// Key is the Message-ID, or "" when the message has none.
	Key string
	// SHA256 is the hash of the message's bytes, hex.
	SHA256 string
	Size   int64
	// MessageID is the stored message, 0 when none was stored (a message
	// too large to fetch).
	MessageID int64
	// Duplicate: the message had been handled before (at another place in
	// the mailbox, or under the same Message-ID).
	Duplicate bool
	// Quarantine, Code and Reason are the verdict that chose where the
	// message was moved.
	Quarantine   bool
	Code, Reason string
}

const seenColumns = `mailbox, uidvalidity, uid, message_key, sha256, size, coalesce(message_id, 0), duplicate, quarantine, code, reason`

func scanSeen(row pgx.Row) (Seen, bool, error) {
	var s Seen
	var uv, uid int64
	err := row.Scan(&s.Mailbox, &uv, &uid, &s.Key, &s.SHA256, &s.Size, &s.MessageID, &s.Duplicate, &s.Quarantine, &s.Code, &s.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return Seen{}, false, nil
	}
	if err != nil {
		return Seen{}, false, err
	}
	s.UIDValidity, s.UID = uint32(uv), uint32(uid)
	return s, true, nil
}

// SeenAt returns the record of the message at a place in a mailbox, and
// false when there is none.
func (s *Store) SeenAt(ctx context.Context, mailbox string, uidValidity, uid uint32) (Seen, bool, error) {
	return seenAt(ctx, s.pool, mailbox, uidValidity, uid)
}

// SeenInTx is SeenAt inside a transaction.
func SeenInTx(ctx context.Context, tx pgx.Tx, mailbox string, uidValidity, uid uint32) (Seen, bool, error) {
	return seenAt(ctx, tx, mailbox, uidValidity, uid)
}

func seenAt(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, mailbox string, uidValidity, uid uint32) (Seen, bool, error) {
	r, ok, err := scanSeen(q.QueryRow(ctx, `SELECT `+seenColumns+` FROM mailbox_seen
		WHERE mailbox = $1 AND uidvalidity = $2 AND uid = $3`, mailbox, int64(uidValidity), int64(uid)))
	if err != nil {
		return Seen{}, false, fmt.Errorf("store: mailbox record: %w", err)
	}
	return r, ok, nil
}

// SeenContent returns the first record of a message with these bytes in a
// mailbox, at any place and under any UIDVALIDITY, and false when there is
// none.
func SeenContent(ctx context.Context, tx pgx.Tx, mailbox, sha256 string) (Seen, bool, error) {
	r, ok, err := scanSeen(tx.QueryRow(ctx, `SELECT `+seenColumns+` FROM mailbox_seen
		WHERE mailbox = $1 AND sha256 = $2 ORDER BY duplicate, seen_at LIMIT 1`, mailbox, sha256))
	if err != nil {
		return Seen{}, false, fmt.Errorf("store: mailbox record by content: %w", err)
	}
	return r, ok, nil
}

// SeenMessage returns the first record of a stored message, and false when
// there is none (it came another way, by `intake ingest`).
func SeenMessage(ctx context.Context, tx pgx.Tx, messageID int64) (Seen, bool, error) {
	r, ok, err := scanSeen(tx.QueryRow(ctx, `SELECT `+seenColumns+` FROM mailbox_seen
		WHERE message_id = $1 ORDER BY duplicate, seen_at LIMIT 1`, messageID))
	if err != nil {
		return Seen{}, false, fmt.Errorf("store: mailbox record of message %d: %w", messageID, err)
	}
	return r, ok, nil
}

// ErrSeenTwice is returned by RecordSeen when the place already has a
// record: another poller recorded it first, and the transaction must be
// rolled back.
var ErrSeenTwice = errors.New("store: the message at this place is recorded already")

// RecordSeen records a message at its place.
func RecordSeen(ctx context.Context, tx pgx.Tx, r Seen) error {
	var msg *int64
	if r.MessageID != 0 {
		msg = &r.MessageID
	}
	tag, err := tx.Exec(ctx, `INSERT INTO mailbox_seen (mailbox, uidvalidity, uid, message_key, sha256, size, message_id, duplicate, quarantine, code, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
		r.Mailbox, int64(r.UIDValidity), int64(r.UID), r.Key, r.SHA256, r.Size, msg, r.Duplicate, r.Quarantine, r.Code, r.Reason)
	if err != nil {
		return fmt.Errorf("store: record mailbox message: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrSeenTwice
	}
	return nil
}

// CountSeen returns how many messages of a mailbox are recorded.
func (s *Store) CountSeen(ctx context.Context, mailbox string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM mailbox_seen WHERE mailbox = $1`, mailbox).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count mailbox records: %w", err)
	}
	return n, nil
}

// MailboxState returns what the poller saved of a mailbox: its
// UIDVALIDITY and the UID up to which every message was handled; zeros
// when nothing was saved.
func (s *Store) MailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	var uv, last int64
	err = s.pool.QueryRow(ctx, `SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = $1`, mailbox).Scan(&uv, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: mailbox state: %w", err)
	}
	return uint32(uv), uint32(last), nil
}

// SaveMailboxState saves a mailbox's state.
func (s *Store) SaveMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid) VALUES ($1, $2, $3)
		ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid, updated_at = now()`,
		mailbox, int64(uidValidity), int64(lastUID))
	if err != nil {
		return fmt.Errorf("store: save mailbox state: %w", err)
	}
	return nil
}
