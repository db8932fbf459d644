package work

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/store"
)

// Mailbox is the pipeline's side of the mailbox poller (mail.Poller): as
// its mail.Sink it records every message the poller sees and stores it with
// its splitting queued, in one transaction; as its mail.Locker it lets the
// database decide which process polls a mailbox. Get one from
// Runner.Mailbox.
type Mailbox struct {
	r *Runner
}

// Mailbox returns the Sink and Locker for a mail.Poller feeding this
// Runner's pipeline.
func (r *Runner) Mailbox() *Mailbox { return &Mailbox{r: r} }

var (
	_ mail.Sink   = (*Mailbox)(nil)
	_ mail.Locker = (*Mailbox)(nil)
)

// Lock takes the mailbox's database lock (store.LockMailbox).
func (m *Mailbox) Lock(ctx context.Context, mailbox string) (mail.Lease, error) {
	l, err := m.r.cfg.Store.LockMailbox(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Seen returns the verdict recorded for the message at a place.
func (m *Mailbox) Seen(ctx context.Context, mailbox string, uidValidity, uid uint32) (mail.Verdict, bool, error) {
	r, ok, err := m.r.cfg.Store.SeenAt(ctx, mailbox, uidValidity, uid)
	if err != nil || !ok {
		return mail.Verdict{}, false, err
	}
	return verdictOf(r), true, nil
}

func verdictOf(r store.Seen) mail.Verdict {
	return mail.Verdict{Duplicate: r.Duplicate, Quarantine: r.Quarantine, Code: r.Code, Reason: r.Reason}
}

// Commit records the message at its place and, unless it was handled
// before, stores it and queues its splitting, all in one transaction. A
// message with the content of one recorded before in the mailbox (the
// UIDVALIDITY changed, or it was put back), or with a Message-ID stored
// before, gets the first one's verdict, marked Duplicate; a message with
// the same Message-ID is stored as a duplicate (store.InsertMessage) and
// not worked on. A message too large to fetch is recorded and quarantined
// without being stored; it stays whole in the Quarantine mailbox.
func (m *Mailbox) Commit(ctx context.Context, in mail.Incoming) (mail.Verdict, error) {
	var v mail.Verdict
	err := m.r.cfg.Store.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		v, err = m.commit(ctx, tx, in)
		return err
	})
	if err != nil {
		return mail.Verdict{}, fmt.Errorf("work: commit message from the mailbox: %w", err)
	}
	if !v.Duplicate && !in.Oversize {
		metrics.MessagesFetched.WithLabelValues(metrics.SourceIMAP).Inc()
	}
	return v, nil
}

func (m *Mailbox) commit(ctx context.Context, tx pgx.Tx, in mail.Incoming) (mail.Verdict, error) {
	rec := store.Seen{Mailbox: in.Mailbox, UIDValidity: in.UIDValidity, UID: in.UID, Key: in.MessageID, SHA256: in.Hash, Size: in.Size}
	if r, ok, err := store.SeenInTx(ctx, tx, in.Mailbox, in.UIDValidity, in.UID); err != nil || ok {
		v := verdictOf(r)
		v.Duplicate = true
		return v, err
	}
	if first, ok, err := store.SeenContent(ctx, tx, in.Mailbox, in.Hash); err != nil {
		return mail.Verdict{}, err
	} else if ok {
		rec.MessageID, rec.Duplicate, rec.Quarantine, rec.Code, rec.Reason = first.MessageID, true, first.Quarantine, first.Code, first.Reason
		return verdictOf(rec), store.RecordSeen(ctx, tx, rec)
	}
	if in.Oversize {
		rec.Quarantine, rec.Code = true, "mail.too_large"
		rec.Reason = fmt.Sprintf("the message (%d bytes) is larger than the intake takes; it was not read", in.Size)
		return verdictOf(rec), store.RecordSeen(ctx, tx, rec)
	}
	parsed, perr := mail.Parse(in.Raw, m.r.cfg.MailLimits) // never nil
	v := judge(parsed, perr)
	key := in.MessageID
	if key == "" {
		key = store.HashKey(in.Raw)
	}
	origin := fmt.Sprintf("imap:%s/%d/%d", in.Mailbox, in.UIDValidity, in.UID)
	ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Key: key, Raw: in.Raw, Origin: origin, From: parsed.From, Subject: parsed.Subject})
	if err != nil {
		return mail.Verdict{}, err
	}
	rec.MessageID = ins.ID
	if ins.DuplicateOf != 0 {
		rec.Duplicate = true
		if first, ok, err := store.SeenMessage(ctx, tx, ins.DuplicateOf); err != nil {
			return mail.Verdict{}, err
		} else if ok {
			v = verdictOf(first)
		}
		v.Duplicate = true
	} else if _, err := m.r.client.InsertTx(ctx, tx, SplitArgs{MessageID: ins.ID}, nil); err != nil {
		return mail.Verdict{}, fmt.Errorf("queue splitting: %w", err)
	}
	rec.Quarantine, rec.Code, rec.Reason = v.Quarantine, v.Code, v.Reason
	return v, store.RecordSeen(ctx, tx, rec)
}

// judge decides which IMAP mailbox a message goes to: Quarantine when it
// cannot be read or carries no document (the split stage records the same
// in the store), Processed otherwise.
func judge(m *mail.Message, perr error) mail.Verdict {
	var pe *mail.ParseError
	switch {
	case errors.As(perr, &pe):
		code := "mail.unreadable"
		switch {
		case errors.Is(pe, mail.ErrTooLarge):
			code = "mail.too_large"
		case errors.Is(pe, mail.ErrTooComplex):
			code = "mail.too_complex"
		}
		return mail.Verdict{Quarantine: true, Code: code, Reason: pe.Reason}
	case perr != nil:
		return mail.Verdict{Quarantine: true, Code: "mail.unreadable", Reason: "the message cannot be read"}
	}
	if err := m.Usable(); err != nil {
		return mail.Verdict{Quarantine: true, Code: "mail.no_attachment", Reason: mail.NoAttachmentReason}
	}
	return mail.Verdict{}
}

// LoadState returns the mailbox's saved state.
func (m *Mailbox) LoadState(ctx context.Context, mailbox string) (mail.State, error) {
	uv, last, err := m.r.cfg.Store.MailboxState(ctx, mailbox)
	return mail.State{UIDValidity: uv, LastUID: last}, err
}

// SaveState saves the mailbox's state.
func (m *Mailbox) SaveState(ctx context.Context, mailbox string, st mail.State) error {
	return m.r.cfg.Store.SaveMailboxState(ctx, mailbox, st.UIDValidity, st.LastUID)
}
