package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestPollerOverlappingFetch: two pollers on one mailbox (two replicas of
// the service) never fetch at once: each message is fetched and committed
// once, and neither trips over the other's moves. When the one watching
// stops, the other takes over.
func TestPollerOverlappingFetch(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	const n = 20
	for i := 1; i <= n; i++ {
		ts.deliver(t, "INBOX", formMessage(fmt.Sprintf("overlap.%d@lausd.net", i)))
	}
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	pollers := []*Poller{newTestPoller(t, srv, sink, nil), newTestPoller(t, srv, sink, nil)}
	start := make(chan struct{})
	errs := make([]error, len(pollers))
	var wg sync.WaitGroup
	for i, p := range pollers {
		wg.Go(func() {
			<-start
			errs[i] = p.Drain(context.Background())
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("poller %d: %v", i, err)
		}
	}
	check := func(want int) {
		t.Helper()
		sink.mu.Lock()
		calls, commits := sink.calls, len(sink.commits)
		sink.mu.Unlock()
		if calls != want || commits != want {
			t.Errorf("%d Commit calls, %d messages committed, want %d of each", calls, commits, want)
		}
		if got := ts.bodyFetches.Load(); got != int64(want) {
			t.Errorf("%d messages fetched whole, want %d", got, want)
		}
		if got := ts.count(t, "Processed"); got != uint32(want) {
			t.Errorf("Processed holds %d, want %d", got, want)
		}
	}
	check(n)

	// Both watch; only one holds the mailbox, the other takes over when it
	// stops.
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := make(chan struct{})
	before := ts.loginCount()
	go func() { pollers[0].Run(ctxA); close(doneA) }()
	eventually(t, "the first poller watching", func() bool { return ts.loginCount() > before })
	go pollers[1].Run(ctxB)
	for i := 1; i <= 5; i++ {
		ts.deliver(t, "INBOX", formMessage(fmt.Sprintf("watched.%d@lausd.net", i)))
	}
	eventually(t, "mail while both run", func() bool { return ts.count(t, "Processed") == n+5 })
	logins := ts.loginCount()
	stopA()
	<-doneA
	ts.deliver(t, "INBOX", formMessage("takeover@lausd.net"))
	eventually(t, "mail after the take-over", func() bool { return ts.count(t, "Processed") == n+6 })
	if got := ts.loginCount(); got == logins {
		t.Errorf("no new session took over (%d sign-ins before, %d after)", logins, got)
	}
	check(n + 6)
}

// TestPollerNoAttachmentSeenTwice: a message with no document is recorded
// like any other. When the server will not let it go (the Quarantine
// mailbox is over quota), later passes only try to move it again: it is
// neither downloaded nor committed again. Put back in the mailbox by a
// person, it is recognised by its content.
func TestPollerNoAttachmentSeenTwice(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ts.refuseInto = "Quarantine"
	ts.deliver(t, "INBOX", textMessage("question@lausd.net"))
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	p := newTestPoller(t, srv, sink, nil)
	for i := 0; i < 3; i++ {
		if err := p.Drain(context.Background()); !errors.Is(err, ErrMessagesLeft) {
			t.Fatalf("Drain %d = %v, want the message left (the move is refused)", i, err)
		}
	}
	if sink.calls != 1 || ts.bodyFetches.Load() != 1 {
		t.Errorf("after 3 passes: %d commits and %d downloads, want 1 of each", sink.calls, ts.bodyFetches.Load())
	}
	v, seen, _ := sink.Seen(context.Background(), srv.MailboxKey(), sink.state(srv.MailboxKey()).UIDValidity, 1)
	if !seen || !v.Quarantine || v.Code != "mail.no_attachment" {
		t.Errorf("record = %+v (seen %v), want the no-attachment verdict", v, seen)
	}

	ts.mu.Lock()
	ts.refuseInto = ""
	ts.mu.Unlock()
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sink.calls != 1 || ts.bodyFetches.Load() != 1 {
		t.Errorf("after the move: %d commits and %d downloads, want 1 of each", sink.calls, ts.bodyFetches.Load())
	}
	q := ts.contents(t, "Quarantine")
	if len(q) != 1 || !hasFlag(q[0].flags, "Intake-mail.no_attachment") || ts.count(t, "INBOX") != 0 {
		t.Fatalf("Quarantine holds %d messages, INBOX %d: want the message moved and tagged", len(q), ts.count(t, "INBOX"))
	}

	// Someone drags it back into the INBOX: a new UID, the same content.
	ts.deliver(t, "INBOX", textMessage("question@lausd.net"))
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.committed()); n != 1 {
		t.Errorf("%d messages committed as new, want 1", n)
	}
	if n := ts.count(t, "Quarantine"); n != 2 {
		t.Errorf("Quarantine holds %d, want 2", n)
	}
}

// TestPollerInlineDocuments: PDFs and images sent inline (Content-
// Disposition inline, or none and no file name, as scanners and Outlook
// send them) are found.
func TestPollerInlineDocuments(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	outlook := msg("From: clerk@lausd.net", "Message-ID: <inline.1@lausd.net>", "Subject: form", `Content-Type: multipart/alternative; boundary="a"`, "",
		"--a", "Content-Type: text/plain", "", "See the form.", "",
		"--a", `Content-Type: multipart/related; boundary="r"`, "",
		"--r", "Content-Type: text/html", "", "<p>See the form.</p>", "",
		"--r", "Content-Type: application/pdf", "Content-Disposition: inline", "Content-Transfer-Encoding: base64", "", "{{pdf}}",
		"--r--", "", "--a--", "")
	scanner := msg("From: scanner@lausd.net", "Message-ID: <inline.2@lausd.net>", "Subject: Scan", "MIME-Version: 1.0",
		"Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}")
	photo := msg("From: clerk@lausd.net", "Message-ID: <inline.3@lausd.net>", "Subject: photo of the form", `Content-Type: multipart/mixed; boundary="b"`, "",
		"--b", "Content-Type: text/plain", "", "Photo attached.", "",
		"--b", "Content-Type: image/jpeg", "Content-Transfer-Encoding: base64", "", "{{jpeg}}--b--", "")
	for _, raw := range [][]byte{outlook, scanner, photo} {
		m, err := Parse(raw, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Type == "" {
			t.Fatalf("%s: attachments %+v, want the one inline document", m.MessageID, m.Attachments)
		}
		ts.deliver(t, "INBOX", raw)
	}
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	if err := newTestPoller(t, srv, sink, nil).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p, q := ts.count(t, "Processed"), ts.count(t, "Quarantine"); p != 3 || q != 0 {
		t.Errorf("Processed %d, Quarantine %d: want every inline document taken in", p, q)
	}
}

// TestLocalLocker: the process's own lock lets one holder at a time per
// mailbox, and a waiter gives up when its context ends.
func TestLocalLocker(t *testing.T) {
	l := &localLocker{held: map[string]chan struct{}{}}
	a, err := l.Lock(context.Background(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.Lock(context.Background(), "m2")
	if err != nil {
		t.Fatal(err)
	}
	other.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, "m1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock = %v, want it to wait until its deadline", err)
	}
	got := make(chan Lease)
	go func() {
		b, _ := l.Lock(context.Background(), "m1")
		got <- b
	}()
	a.Unlock()
	a.Unlock() // twice is harmless
	select {
	case b := <-got:
		b.Unlock()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter did not get the lock after Unlock")
	}
}
