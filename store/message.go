package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Statuses of messages, attachments and forms.
const (
	StatusReceived    = "received"    // stored, not yet worked on
	StatusProcessed   = "processed"   // its stage is done
	StatusQuarantined = "quarantined" // set aside at once with a reason, never retried
	StatusFailed      = "failed"      // every try failed; `intake retry` runs it again
	StatusDuplicate   = "duplicate"   // a copy of an earlier one (DuplicateOf)
	StatusIgnored     = "ignored"     // an attachment that is not a document
	StatusRead        = "read"        // a form read, waiting for its decision
	StatusDecided     = "decided"     // a form decided
)

// Hash returns the hex SHA-256 of b.
func Hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// HashKey is the key of a message that has no Message-ID: its bytes' hash.
func HashKey(raw []byte) string { return "sha256:" + Hash(raw) }

// NewMessage is a message as it arrived.
type NewMessage struct {
	// Key identifies the message: its Message-ID, or HashKey(Raw) when it
	// has none.
	Key string
	Raw []byte
	// Origin says where it came from: "imap:MAILBOX/UID", "file:NAME", ...
	Origin  string
	From    string
	Subject string
}

// Inserted says what InsertMessage stored.
type Inserted struct {
	ID int64
	// DuplicateOf is the first copy's ID when the message was received
	// before; 0 when this is the first copy.
	DuplicateOf int64
}

// InsertMessage stores a message's bytes before anything else is done with
// it. A message whose key was received before is stored too, as a
// duplicate of the first copy; the caller starts work only on a first copy.
func InsertMessage(ctx context.Context, tx pgx.Tx, m NewMessage) (Inserted, error) {
	if m.Key == "" {
		m.Key = HashKey(m.Raw)
	}
	sum := Hash(m.Raw)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO messages (message_key, sha256, raw, origin, from_addr, subject)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (message_key) WHERE duplicate_of IS NULL DO NOTHING RETURNING id`,
		m.Key, sum, m.Raw, m.Origin, m.From, m.Subject).Scan(&id)
	if err == nil {
		return Inserted{ID: id}, audit(ctx, tx, ActorEngine, "message.received", subject("message", id), map[string]any{"origin": m.Origin, "sha256": sum})
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Inserted{}, fmt.Errorf("store: insert message: %w", err)
	}
	var first int64
	var firstSum string
	if err := tx.QueryRow(ctx, `SELECT id, sha256 FROM messages WHERE message_key = $1 AND duplicate_of IS NULL`, m.Key).Scan(&first, &firstSum); err != nil {
		return Inserted{}, fmt.Errorf("store: find first copy of message: %w", err)
	}
	reason := "same Message-ID as message " + fmt.Sprint(first)
	if firstSum != sum {
		reason += " (different bytes)"
	}
	err = tx.QueryRow(ctx, `INSERT INTO messages (message_key, sha256, raw, origin, from_addr, subject, status, reason, duplicate_of)
		VALUES ($1, $2, $3, $4, $5, $6, 'duplicate', $7, $8) RETURNING id`,
		m.Key, sum, m.Raw, m.Origin, m.From, m.Subject, reason, first).Scan(&id)
	if err != nil {
		return Inserted{}, fmt.Errorf("store: insert duplicate message: %w", err)
	}
	return Inserted{ID: id, DuplicateOf: first}, audit(ctx, tx, ActorEngine, "message.duplicate", subject("message", id), map[string]any{"duplicate_of": first})
}

func subject(kind string, id int64) string { return fmt.Sprintf("%s/%d", kind, id) }

// Message is a stored message.
type Message struct {
	ID      int64
	Key     string
	Raw     []byte
	From    string
	Status  string
	Reason  string
	Subject string
}

// Message returns the stored message with the given ID.
func (s *Store) Message(ctx context.Context, id int64) (Message, error) {
	m := Message{ID: id}
	err := s.pool.QueryRow(ctx, `SELECT message_key, raw, from_addr, subject, status, reason FROM messages WHERE id = $1`, id).
		Scan(&m.Key, &m.Raw, &m.From, &m.Subject, &m.Status, &m.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, fmt.Errorf("store: message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("store: message %d: %w", id, err)
	}
	return m, nil
}

// NewAttachment is one part of a message as split.
type NewAttachment struct {
	Filename     string
	DeclaredType string
	// Type is "pdf", "tiff", "jpeg" or "png" for a document, "" for a
	// part that is not one (it is recorded and ignored).
	Type string
	Data []byte
	// SetAside, for a part that is not a document, says why it was
	// expected to be one (declared or named as a PDF, but its bytes are
	// not): it is recorded as quarantined with this reason rather than
	// ignored.
	SetAside string
}

// SplitResult says what SaveSplit stored.
type SplitResult struct {
	// Done is false when the message had been split already (the work is
	// a repeat) and nothing was written.
	Done bool
	// ToRead are the attachments whose pages must be read: documents not
	// received before.
	ToRead []int64
}

// SaveSplit records a message's attachments and marks it processed, or
// quarantined with reason when it has no document to read. A document
// whose bytes were received before, in this message or another, is
// recorded as a duplicate of the first copy and not read again.
func SaveSplit(ctx context.Context, tx pgx.Tx, messageID int64, atts []NewAttachment) (SplitResult, error) {
	status, reason := StatusProcessed, ""
	docs := 0
	for _, a := range atts {
		if a.Type != "" {
			docs++
		}
	}
	if docs == 0 {
		status, reason = StatusQuarantined, "no PDF, TIFF, JPEG or PNG attachment"
	}
	ok, err := advance(ctx, tx, "messages", messageID, StatusReceived, status, reason)
	if err != nil || !ok {
		return SplitResult{}, err
	}
	res := SplitResult{Done: true}
	for i, a := range atts {
		id, err := insertAttachment(ctx, tx, messageID, i+1, a)
		if err != nil {
			return SplitResult{}, err
		}
		if id != 0 {
			res.ToRead = append(res.ToRead, id)
		}
	}
	return res, audit(ctx, tx, ActorEngine, "message."+status, subject("message", messageID),
		map[string]any{"attachments": len(atts), "to_read": len(res.ToRead), "reason": reason})
}

// insertAttachment stores one attachment and returns its ID when it must
// be read, 0 when it is a duplicate or not a document.
func insertAttachment(ctx context.Context, tx pgx.Tx, messageID int64, ordinal int, a NewAttachment) (int64, error) {
	sum := Hash(a.Data)
	if a.Type == "" {
		status, reason := StatusIgnored, "not a PDF, TIFF, JPEG or PNG document"
		if a.SetAside != "" {
			status, reason = StatusQuarantined, a.SetAside
		}
		_, err := tx.Exec(ctx, `INSERT INTO attachments (message_id, ordinal, filename, declared_type, doc_type, sha256, data, status, reason)
			VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8)`,
			messageID, ordinal, a.Filename, a.DeclaredType, sum, a.Data, status, reason)
		if err != nil {
			return 0, fmt.Errorf("store: insert attachment: %w", err)
		}
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO attachments (message_id, ordinal, filename, declared_type, doc_type, sha256, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (sha256) WHERE duplicate_of IS NULL AND doc_type <> '' DO NOTHING RETURNING id`,
		messageID, ordinal, a.Filename, a.DeclaredType, a.Type, sum, a.Data).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: insert attachment: %w", err)
	}
	var first, firstMsg int64
	if err := tx.QueryRow(ctx, `SELECT id, message_id FROM attachments WHERE sha256 = $1 AND duplicate_of IS NULL AND doc_type <> ''`, sum).
		Scan(&first, &firstMsg); err != nil {
		return 0, fmt.Errorf("store: find first copy of attachment: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO attachments (message_id, ordinal, filename, declared_type, doc_type, sha256, data, status, reason, duplicate_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'duplicate', $8, $9)`,
		messageID, ordinal, a.Filename, a.DeclaredType, a.Type, sum, a.Data,
		fmt.Sprintf("same document as attachment %d of message %d", first, firstMsg), first)
	if err != nil {
		return 0, fmt.Errorf("store: insert duplicate attachment: %w", err)
	}
	return 0, nil
}

// advance moves an item from one status to the next, locking its row. It
// returns false, writing nothing, when the item is not in status from: its
// stage was done already.
func advance(ctx context.Context, tx pgx.Tx, table string, id int64, from, to, reason string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE `+table+` SET status = $3, reason = $4, updated_at = now()
		WHERE id = $1 AND status = $2`, id, from, to, reason)
	if err != nil {
		return false, fmt.Errorf("store: set %s %d %s: %w", table, id, to, err)
	}
	return tag.RowsAffected() == 1, nil
}
