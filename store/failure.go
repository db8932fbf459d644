package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// waiting is the status an item of each kind has while its stage is to
// be done.
var waiting = map[string]string{
	"message":    StatusReceived,
	"attachment": StatusReceived,
	"form":       StatusRead,
}

// Item names a message, attachment or form: "attachment/34".
type Item struct {
	Kind string // "message", "attachment" or "form"
	ID   int64
}

func (i Item) String() string { return subject(i.Kind, i.ID) }

// ParseItem parses "KIND/ID" as Item.String writes it.
func ParseItem(s string) (Item, error) {
	kind, num, ok := strings.Cut(s, "/")
	id, err := strconv.ParseInt(num, 10, 64)
	if _, known := waiting[kind]; !ok || !known || err != nil || id < 1 {
		return Item{}, fmt.Errorf("store: %q is not an item: want message/ID, attachment/ID or form/ID", s)
	}
	return Item{kind, id}, nil
}

// MarkFailed parks an item whose every try failed, with the reason. It
// returns false when the item was no longer waiting.
func (s *Store) MarkFailed(ctx context.Context, it Item, reason string) (bool, error) {
	table, err := tableOf(it.Kind)
	if err != nil {
		return false, err
	}
	var ok bool
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		ok, err = advance(ctx, tx, table, it.ID, waiting[it.Kind], StatusFailed, reason)
		if err != nil || !ok {
			return err
		}
		return audit(ctx, tx, ActorEngine, it.Kind+".failed", it.String(), map[string]any{"reason": reason})
	})
	return ok, err
}

// Failed is an item parked after its last try.
type Failed struct {
	Item      string    `json:"item"`
	Reason    string    `json:"reason"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Failures lists every parked item, oldest first.
func (s *Store) Failures(ctx context.Context) ([]Failed, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT 'message/' || id, reason, updated_at FROM messages WHERE status = 'failed'
		UNION ALL SELECT 'attachment/' || id, reason, updated_at FROM attachments WHERE status = 'failed'
		UNION ALL SELECT 'form/' || id, reason, updated_at FROM forms WHERE status = 'failed'
		ORDER BY 3`)
	if err != nil {
		return nil, fmt.Errorf("store: list failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Failed, error) {
		var f Failed
		err := r.Scan(&f.Item, &f.Reason, &f.UpdatedAt)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list failures: %w", err)
	}
	return out, nil
}

// ErrNotFailed is returned by Reset for an item that is not failed.
var ErrNotFailed = fmt.Errorf("store: item is not failed")

// Reset puts a failed item back to waiting for its stage, so that the
// caller can queue its job again in the same transaction.
func Reset(ctx context.Context, tx pgx.Tx, actor string, it Item) error {
	table, err := tableOf(it.Kind)
	if err != nil {
		return err
	}
	ok, err := advance(ctx, tx, table, it.ID, StatusFailed, waiting[it.Kind], "")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: %w", it, ErrNotFailed)
	}
	return audit(ctx, tx, actor, it.Kind+".retry", it.String(), nil)
}
