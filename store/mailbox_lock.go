package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// mailboxLockSpace is the first key of every mailbox lock ("mail"), apart
// from the migration lock and the runners' locks.
const mailboxLockSpace = 0x6d61696c

// MailboxLockCheck is how often a held mailbox lock checks that its
// database session is alive.
const MailboxLockCheck = 2 * time.Second

// MailboxLock is a held lock on one mailbox: the database decides which
// process polls it. It is a PostgreSQL session advisory lock on a
// connection of its own, taken out of the pool, so it goes with the
// session when the process dies or the connection breaks.
type MailboxLock struct {
	conn    *pgx.Conn
	mailbox string
	lost    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// LockMailbox blocks until this process holds the lock on the mailbox (a
// name such as mail.Server.MailboxKey), or ctx ends.
func (s *Store) LockMailbox(ctx context.Context, mailbox string) (*MailboxLock, error) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock mailbox: %w", err)
	}
	// Out of the pool: the lock lives and dies with this connection, which
	// must never serve anything else.
	conn := pc.Hijack()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, mailboxLockSpace, mailbox); err != nil {
		conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // closing releases whatever it held
		return nil, fmt.Errorf("store: lock mailbox: %w", err)
	}
	l := &MailboxLock{conn: conn, mailbox: mailbox, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.watch()
	return l, nil
}

// watch checks the session every MailboxLockCheck; when it is gone, so is
// the lock (a session lock lasts as long as its session).
func (l *MailboxLock) watch() {
	defer close(l.done)
	t := time.NewTicker(MailboxLockCheck)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), MailboxLockCheck)
		_, err := l.conn.Exec(ctx, `SELECT 1`)
		cancel()
		if err != nil {
			close(l.lost)
			return
		}
	}
}

// Lost is closed when the lock was lost without Unlock: its database
// session ended.
func (l *MailboxLock) Lost() <-chan struct{} { return l.lost }

// Unlock releases the lock by closing its connection.
func (l *MailboxLock) Unlock() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.conn.Close(ctx) //nolint:errcheck // the session's end releases the lock either way
	})
}
