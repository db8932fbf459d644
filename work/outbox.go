package work

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/store"
)

// Sender sends one e-mail; *mail.Sender is one. An error wrapping
// mail.ErrRejected or mail.ErrBadMessage is permanent.
type Sender interface {
	Send(ctx context.Context, m mail.OutgoingMessage) error
}

// DefaultMessageDomain is the right-hand side of the notices' Message-IDs.
const DefaultMessageDomain = "misis-intake.lausd.net"

// OutboxConfig configures an Outbox. Zero fields take the documented
// defaults.
type OutboxConfig struct {
	Store  *store.Store
	Sender Sender
	// Domain is the right-hand side of the Message-IDs; "" means
	// DefaultMessageDomain.
	Domain string
	// Interval is how often Run looks for e-mail to send. Zero means
	// 5 seconds.
	Interval time.Duration
	// Backoff is the wait before try attempt+1 after try attempt failed
	// for a reason that may pass. Nil means 30s·2^(attempt-1), at most an
	// hour.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many transient failures an e-mail may have
	// before it is parked. Zero means 20 (about a day with the default
	// backoff).
	MaxAttempts int
	// DrainWait bounds how long Drain waits for e-mail due for a retry
	// (the server is down or busy); what is still unsent then stays in
	// the outbox for the next run. Zero means 2 minutes.
	DrainWait time.Duration
	// Logger receives a line per e-mail sent, retried or parked (never an
	// address or a body); nil discards.
	Logger *slog.Logger
}

// Outbox sends the outbox's e-mails. Every process may run one: the store
// hands each e-mail to one sender at a time.
type Outbox struct {
	cfg OutboxConfig
	log *slog.Logger
}

// NewOutbox checks cfg and returns an Outbox.
func NewOutbox(cfg OutboxConfig) (*Outbox, error) {
	if cfg.Store == nil || cfg.Sender == nil {
		return nil, errors.New("work: the outbox needs a store and a sender")
	}
	if cfg.Domain == "" {
		cfg.Domain = DefaultMessageDomain
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(attempt int) time.Duration {
			if attempt > 8 {
				return time.Hour
			}
			return min(30*time.Second<<max(attempt-1, 0), time.Hour)
		}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 20
	}
	if cfg.DrainWait <= 0 {
		cfg.DrainWait = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{cfg: cfg, log: cfg.Logger}, nil
}

// MessageID returns the Message-ID of an outbox e-mail: the same for every
// try, so that a copy sent again after a crash is recognisably the same
// message.
func (o *Outbox) MessageID(e store.Outgoing) string {
	return mail.StableMessageID(e.Kind, "outbox/"+strconv.FormatInt(e.ID, 10), o.cfg.Domain)
}

// Delivery counts what one Flush did.
type Delivery struct {
	Sent, Retry, Parked int
}

// Flush sends every e-mail that is due, once each, and returns what came
// of them. It stops at the first database error.
func (o *Outbox) Flush(ctx context.Context) (Delivery, error) {
	var d Delivery
	// An e-mail tried now is due again only after now.
	now := time.Now()
	for ctx.Err() == nil {
		_, res, found, err := o.cfg.Store.DeliverNext(ctx, now, o.send)
		if err != nil {
			return d, fmt.Errorf("work: outbox: %w", err)
		}
		if !found {
			return d, nil
		}
		switch {
		case res.Sent:
			d.Sent++
		case res.Park != "":
			d.Parked++
		default:
			d.Retry++
		}
	}
	return d, ctx.Err()
}

// send tries one e-mail and says what to record.
func (o *Outbox) send(ctx context.Context, e store.Outgoing) store.DeliveryResult {
	res := store.DeliveryResult{MessageID: o.MessageID(e)}
	msg := mail.OutgoingMessage{MessageID: res.MessageID, To: []string{e.To}, Subject: e.Subject, Text: e.Body, InReplyTo: e.InReplyTo}
	err := o.cfg.Sender.Send(ctx, msg)
	attempt := e.Attempts + 1
	switch {
	case err == nil:
		res.Sent = true
		o.log.Info("e-mail sent", "outbox", e.ID, "kind", e.Kind, "message_id", res.MessageID, "attempt", attempt)
	case errors.Is(err, mail.ErrRejected), errors.Is(err, mail.ErrBadMessage):
		res.Err, res.Park = err.Error(), "not sendable: "+err.Error()
		o.log.Error("e-mail parked: the server refused it or it cannot be sent", "outbox", e.ID, "kind", e.Kind, "error", err)
	case attempt >= o.cfg.MaxAttempts:
		res.Err, res.Park = err.Error(), fmt.Sprintf("gave up after %d tries: %v", attempt, err)
		o.log.Error("e-mail parked after its last try", "outbox", e.ID, "kind", e.Kind, "attempts", attempt, "error", err)
	default:
		wait := o.cfg.Backoff(attempt)
		// Never due again within the Flush that tried it.
		res.Err, res.RetryAt = err.Error(), time.Now().Add(max(wait, time.Millisecond))
		o.log.Warn("e-mail not sent; trying again later", "outbox", e.ID, "kind", e.Kind, "attempt", attempt, "wait", wait, "error", err)
	}
	return res
}

// Run sends due e-mail every Interval until ctx is done, then returns nil.
func (o *Outbox) Run(ctx context.Context) error {
	t := time.NewTicker(o.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := o.Flush(ctx); err != nil && ctx.Err() == nil {
			o.log.Warn("outbox", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ErrUnsent is returned by Drain when e-mail was still waiting for a
// retry after DrainWait; it stays in the outbox.
var ErrUnsent = errors.New("work: e-mail left unsent in the outbox for a later run")

// Drain sends until no e-mail is left to send, waiting up to DrainWait for
// those due for a retry; parked e-mails are left. It returns when done or
// when ctx is.
func (o *Outbox) Drain(ctx context.Context) error {
	deadline := time.Now().Add(o.cfg.DrainWait)
	for {
		if _, err := o.Flush(ctx); err != nil {
			return err
		}
		p, err := o.cfg.Store.PendingOutbox(ctx)
		if err != nil {
			return fmt.Errorf("work: outbox: %w", err)
		}
		if p.Unsent == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w (%d)", ErrUnsent, p.Unsent)
		}
		wait := min(max(time.Until(p.NextAttempt), 10*time.Millisecond), o.cfg.Interval)
		o.log.Info("e-mail waiting for a retry", "unsent", p.Unsent, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
