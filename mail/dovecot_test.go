package mail

import (
	"context"
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
