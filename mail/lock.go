package mail

import (
	"context"
	"sync"
)

// Locker lets one Poller at a time watch a mailbox, so that fetches never
// overlap: two pollers on one mailbox would fetch, commit and move the same
// messages at once. The store implements it with a PostgreSQL advisory
// lock, which keeps pollers in several processes apart; without one
// (PollerConfig.Lock nil) only the pollers of this process are.
type Locker interface {
	// Lock blocks until the caller holds the lock on the mailbox
	// (Server.MailboxKey), or ctx ends.
	Lock(ctx context.Context, mailbox string) (Lease, error)
}

// Lease is a held mailbox lock.
type Lease interface {
	// Lost is closed when the lock was lost without Unlock (the database
	// connection holding it broke): the holder must stop at once, as
	// another poller may now take the mailbox.
	Lost() <-chan struct{}
	// Unlock releases the lock.
	Unlock()
}

// processLocks keeps the pollers of one process apart by mailbox.
var processLocks = &localLocker{held: map[string]chan struct{}{}}

type localLocker struct {
	mu   sync.Mutex
	held map[string]chan struct{} // closed when released
}

func (l *localLocker) Lock(ctx context.Context, mailbox string) (Lease, error) {
	for {
		l.mu.Lock()
		released, busy := l.held[mailbox]
		if !busy {
			ch := make(chan struct{})
			l.held[mailbox] = ch
			l.mu.Unlock()
			return &localLease{l: l, mailbox: mailbox, ch: ch}, nil
		}
		l.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type localLease struct {
	l       *localLocker
	mailbox string
	ch      chan struct{}
	once    sync.Once
}

func (*localLease) Lost() <-chan struct{} { return nil } // never lost

func (s *localLease) Unlock() {
	s.once.Do(func() {
		s.l.mu.Lock()
		delete(s.l.held, s.mailbox)
		s.l.mu.Unlock()
		close(s.ch)
	})
}
