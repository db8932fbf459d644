package retention

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Actor is who the audit log names for a purge.
const Actor = "retention"

// Result says what a purge did (or, with DryRun, would do).
type Result struct {
	// Messages is how many messages' originals were purged.
	Messages int `json:"messages"`
	// Attachments is how many attachments' bytes were purged.
	Attachments int `json:"attachments"`
	// Bytes is how many bytes of originals were freed.
	Bytes int64 `json:"bytes"`
}

// Options configure Purge.
type Options struct {
	// OlderThan is the retention period: a message is purged once it and
	// everything that came of it has been finished for this long. It must
	// be positive.
	OlderThan time.Duration
	// Now is the current time; zero means time.Now().
	Now time.Time
	// DryRun counts what would be purged without changing anything.
	DryRun bool
}

// finished selects the messages whose originals may go: finished, idle
// since $1, and not purged yet.
const finished = `
SELECT m.id, octet_length(m.raw) + COALESCE((SELECT sum(octet_length(a.data)) FROM attachments a WHERE a.message_id = m.id), 0)
FROM messages m
WHERE m.status IN ('processed', 'quarantined', 'duplicate')
  AND (octet_length(m.raw) > 0 OR EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND octet_length(a.data) > 0))
  AND m.updated_at < $1
  AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id
      AND (a.status NOT IN ('processed', 'quarantined', 'ignored', 'duplicate') OR a.updated_at >= $1))
  AND NOT EXISTS (SELECT 1 FROM attachments a JOIN forms f ON f.attachment_id = a.id WHERE a.message_id = m.id
      AND (f.status <> 'decided' OR f.updated_at >= $1))
  AND NOT EXISTS (SELECT 1 FROM attachments a JOIN forms f ON f.attachment_id = a.id
      JOIN review_tasks rt ON rt.form_id = f.id WHERE a.message_id = m.id
      AND (rt.status = 'open' OR rt.created_at >= $1 OR rt.closed_at >= $1))
  AND NOT EXISTS (SELECT 1 FROM attachments a JOIN forms f ON f.attachment_id = a.id
      JOIN decisions d ON d.form_id = f.id WHERE a.message_id = m.id AND d.decided_at >= $1)
  AND NOT EXISTS (SELECT 1 FROM attachments a JOIN forms f ON f.attachment_id = a.id
      JOIN requests r ON r.form_id = f.id WHERE a.message_id = m.id
      AND (r.status IN ('queued', 'claimed') OR r.created_at >= $1 OR r.done_at >= $1))
ORDER BY m.id
FOR UPDATE OF m SKIP LOCKED`

// Purge empties the originals of every finished message older than
// opts.OlderThan, and of its attachments, in one transaction, with an
// audit line per message.
func Purge(ctx context.Context, pool *pgxpool.Pool, opts Options) (Result, error) {
	if opts.OlderThan <= 0 {
		return Result{}, errors.New("retention: the retention period must be positive")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	cutoff := now.Add(-opts.OlderThan)
	var res Result
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, finished, cutoff)
		if err != nil {
			return fmt.Errorf("find finished messages: %w", err)
		}
		type msg struct {
			id    int64
			bytes int64
		}
		msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (msg, error) {
			var m msg
			err := r.Scan(&m.id, &m.bytes)
			return m, err
		})
		if err != nil {
			return fmt.Errorf("find finished messages: %w", err)
		}
		for _, m := range msgs {
			res.Messages++
			res.Bytes += m.bytes
			var n int64
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM attachments WHERE message_id = $1 AND octet_length(data) > 0`, m.id).Scan(&n); err != nil {
				return fmt.Errorf("message %d: %w", m.id, err)
			}
			res.Attachments += int(n)
			if opts.DryRun {
				continue
			}
			// updated_at is left alone: it says when the message's stage
			// ended, which the purge is not.
			if _, err := tx.Exec(ctx, `UPDATE attachments SET data = ''::bytea WHERE message_id = $1 AND octet_length(data) > 0`, m.id); err != nil {
				return fmt.Errorf("purge attachments of message %d: %w", m.id, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE messages SET raw = ''::bytea WHERE id = $1`, m.id); err != nil {
				return fmt.Errorf("purge message %d: %w", m.id, err)
			}
			detail := map[string]any{"bytes": m.bytes, "attachments": n, "older_than_days": opts.OlderThan.Hours() / 24}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, 'message.purged', $2, $3)`,
				Actor, "message/"+strconv.FormatInt(m.id, 10), detail); err != nil {
				return fmt.Errorf("audit purge of message %d: %w", m.id, err)
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("retention: %w", err)
	}
	return res, nil
}

// ParseAge reads a retention period: "30d" (days), "12h", "90m", or any Go
// duration.
func ParseAge(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(t, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("retention: %q is not a number of days (e.g. 30d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("retention: %q is not a period (e.g. 30d or 720h)", s)
	}
	return d, nil
}
