package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/store"
)

// TestLockMailbox: two processes (two pools) on one database: one holds a
// mailbox's lock at a time, the other takes it when it is released or when
// the holder's session dies, and the holder learns it lost it.
func TestLockMailbox(t *testing.T) {
	url := pg.Database(t)
	ctx := context.Background()
	var stores [2]*store.Store
	for i := range stores {
		s, err := store.Open(ctx, url, store.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		stores[i] = s
	}
	a, err := stores[0].LockMailbox(ctx, "intake@mail:993/INBOX")
	if err != nil {
		t.Fatal(err)
	}
	// Another mailbox is another lock.
	other, err := stores[1].LockMailbox(ctx, "intake@mail:993/Faxes")
	if err != nil {
		t.Fatal(err)
	}
	other.Unlock()

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := stores[1].LockMailbox(short, "intake@mail:993/INBOX"); err == nil {
		t.Fatal("a second process took a held lock")
	}
	got := make(chan *store.MailboxLock, 1)
	go func() {
		b, err := stores[1].LockMailbox(ctx, "intake@mail:993/INBOX")
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	select {
	case <-got:
		t.Fatal("taken while held")
	case <-time.After(200 * time.Millisecond):
	}
	a.Unlock()
	var b *store.MailboxLock
	select {
	case b = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("not taken over after Unlock")
	}

	// The holder's session is killed (its connection broke): the lock is
	// gone with it, the holder learns it, and another takes it.
	var pid int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[0].Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Lost():
	case <-time.After(3 * store.MailboxLockCheck):
		t.Fatal("the holder did not notice it lost the lock")
	}
	b.Unlock()
	c, err := stores[0].LockMailbox(ctx, "intake@mail:993/INBOX")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Lost():
		t.Error("a fresh lock reports lost")
	default:
	}
	c.Unlock()
}

func TestMailboxSeen(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	const box = "intake@mail:993/INBOX"
	if _, ok, err := s.SeenAt(ctx, box, 7, 1); err != nil || ok {
		t.Fatalf("SeenAt on an empty table = %v, %v", ok, err)
	}
	var msgID int64
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Key: "q@lausd.net", Raw: []byte("Subject: q\r\n\r\nhello")})
		if err != nil {
			return err
		}
		msgID = ins.ID
		return store.RecordSeen(ctx, tx, store.Seen{Mailbox: box, UIDValidity: 7, UID: 1, Key: "q@lausd.net", SHA256: "abc", Size: 20,
			MessageID: ins.ID, Quarantine: true, Code: "mail.no_attachment", Reason: "no document"})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, ok, err := s.SeenAt(ctx, box, 7, 1)
	if err != nil || !ok || r.MessageID != msgID || !r.Quarantine || r.Code != "mail.no_attachment" || r.SHA256 != "abc" || r.Key != "q@lausd.net" {
		t.Fatalf("SeenAt = %+v, %v, %v", r, ok, err)
	}
	if _, ok, _ := s.SeenAt(ctx, box, 8, 1); ok {
		t.Error("a record under another UIDVALIDITY matched")
	}
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		first, ok, err := store.SeenContent(ctx, tx, box, "abc")
		if err != nil || !ok || first.UID != 1 {
			t.Errorf("SeenContent = %+v, %v, %v", first, ok, err)
		}
		if _, ok, _ := store.SeenContent(ctx, tx, "other@mail:993/INBOX", "abc"); ok {
			t.Error("content matched in another mailbox")
		}
		byMsg, ok, err := store.SeenMessage(ctx, tx, msgID)
		if err != nil || !ok || byMsg.UID != 1 {
			t.Errorf("SeenMessage = %+v, %v, %v", byMsg, ok, err)
		}
		return store.RecordSeen(ctx, tx, store.Seen{Mailbox: box, UIDValidity: 7, UID: 1, SHA256: "abc"})
	})
	if !errors.Is(err, store.ErrSeenTwice) {
		t.Errorf("recording a place twice = %v, want ErrSeenTwice", err)
	}
	if n, err := s.CountSeen(ctx, box); err != nil || n != 1 {
		t.Errorf("CountSeen = %d, %v", n, err)
	}

	if uv, last, err := s.MailboxState(ctx, box); err != nil || uv != 0 || last != 0 {
		t.Errorf("MailboxState before saving = %d, %d, %v", uv, last, err)
	}
	for _, st := range [][2]uint32{{7, 3}, {4294967295, 4294967290}} {
		if err := s.SaveMailboxState(ctx, box, st[0], st[1]); err != nil {
			t.Fatal(err)
		}
		if uv, last, err := s.MailboxState(ctx, box); err != nil || uv != st[0] || last != st[1] {
			t.Errorf("MailboxState = %d, %d, %v, want %v", uv, last, err, st)
		}
	}
}
