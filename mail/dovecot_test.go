package mail

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail/dovecottest"
)

// TestPollerDovecot runs the Poller against a real Dovecot: maildir
// delivery, mailbox creation, MOVE with UIDPLUS, keywords, and IDLE.
func TestPollerDovecot(t *testing.T) {
	dc := dovecottest.Start(t)
	sample, err := os.ReadFile("../testdata/sample/sub-0008.eml")
	if err != nil {
		t.Fatal(err)
	}
	dc.Deliver(t, sample)
	dc.Deliver(t, textMessage("dovecot.question@lausd.net"))
	dc.Deliver(t, sample) // delivered twice

	srv, err := ParseIMAPURL(dc.URL("INBOX"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) { c.IdleRestart = time.Hour; c.PollInterval = time.Hour })
	if err := p.Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v\n%s", err, dc.Log())
	}
	counts := func() map[string]uint32 {
		return map[string]uint32{"INBOX": dc.Count(t, "INBOX"), "Processed": dc.Count(t, "Processed"), "Quarantine": dc.Count(t, "Quarantine")}
	}
	if got := counts(); got["INBOX"] != 0 || got["Processed"] != 2 || got["Quarantine"] != 1 {
		t.Fatalf("after Drain: %v, want INBOX 0, Processed 2, Quarantine 1", got)
	}
	if n := len(sink.committed()); n != 2 {
		t.Errorf("%d commits, want 2 (the second delivery deduped)", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	dc.Deliver(t, formMessage("dovecot.first@lausd.net"))
	eventually(t, "first message", func() bool { return counts()["Processed"] == 3 })
	// Polling is an hour away: only IDLE brings this one in.
	dc.Deliver(t, formMessage("dovecot.idle@lausd.net"))
	eventually(t, "IDLE pickup from Dovecot", func() bool { return counts()["Processed"] == 4 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestPollerDovecotUIDValidity: the watched mailbox is deleted and created
// again (UIDVALIDITY changes, UIDs start again from 1), and the old mail is
// restored into it beside new mail. The new mail, whose UIDs were used
// before, is taken in (a poller that trusts UIDs alone skips it); the old
// mail is recognised by its content and not taken in twice.
func TestPollerDovecotUIDValidity(t *testing.T) {
	dc := dovecottest.Start(t)
	old := [][]byte{formMessage("restored.1@lausd.net"), textMessage("restored.2@lausd.net")}
	uv1 := dc.Recreate(t, "Faxes")
	for _, raw := range old {
		dc.Append(t, "Faxes", raw)
	}
	srv, err := ParseIMAPURL(dc.URL("Faxes"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	p := newTestPoller(t, srv, sink, nil)
	if err := p.Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v\n%s", err, dc.Log())
	}
	if st := sink.state(srv.MailboxKey()); st.UIDValidity != uv1 || st.LastUID != 2 {
		t.Fatalf("state %+v, want UIDVALIDITY %d and LastUID 2", st, uv1)
	}

	uv2 := dc.Recreate(t, "Faxes")
	if uv2 == uv1 {
		t.Fatalf("UIDVALIDITY %d did not change", uv2)
	}
	// New mail takes UIDs 1 and 3, the restored old mail 2 and 4.
	dc.Append(t, "Faxes", formMessage("new.1@lausd.net"))
	dc.Append(t, "Faxes", old[0])
	dc.Append(t, "Faxes", textMessage("new.2@lausd.net"))
	dc.Append(t, "Faxes", old[1])
	if err := p.Drain(context.Background()); err != nil {
		t.Fatalf("Drain after the change: %v\n%s", err, dc.Log())
	}
	var ids []string
	for _, in := range sink.committed() {
		ids = append(ids, in.MessageID)
	}
	want := []string{"restored.1@lausd.net", "restored.2@lausd.net", "new.1@lausd.net", "new.2@lausd.net"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("committed %v, want %v (new mail once, old mail not again)", ids, want)
	}
	for uid, dup := range map[uint32]bool{1: false, 2: true, 3: false, 4: true} {
		v, seen, _ := sink.Seen(context.Background(), srv.MailboxKey(), uv2, uid)
		if !seen || v.Duplicate != dup {
			t.Errorf("record of UID %d under the new UIDVALIDITY: %+v (seen %v), want duplicate %v", uid, v, seen, dup)
		}
	}
	if st := sink.state(srv.MailboxKey()); st.UIDValidity != uv2 || st.LastUID != 4 {
		t.Errorf("state %+v, want UIDVALIDITY %d and LastUID 4", st, uv2)
	}
	if n, p, q := dc.Count(t, "Faxes"), dc.Count(t, "Processed"), dc.Count(t, "Quarantine"); n != 0 || p != 3 || q != 3 {
		t.Errorf("Faxes %d, Processed %d, Quarantine %d: want 0, 3 and 3", n, p, q)
	}
}
