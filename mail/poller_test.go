package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// formMessage is a small message with one PDF and the given Message-ID.
func formMessage(id string) []byte {
	return msg("From: faxgateway@lausd.net", "Message-ID: <"+id+">", "Subject: Fax", `Content-Type: multipart/mixed; boundary="b"`, "",
		"--b", "Content-Type: text/plain", "", "Fax attached.", "",
		"--b", "Content-Type: application/pdf; name=fax.pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", "")
}

func textMessage(id string) []byte {
	return msg("From: someone@lausd.net", "Message-ID: <"+id+">", "Subject: question", "", "Where is my request?")
}

func newTestPoller(t *testing.T, srv Server, sink Sink, tune func(*PollerConfig)) *Poller {
	t.Helper()
	cfg := PollerConfig{
		Server:         srv,
		Sink:           sink,
		CommandTimeout: 5 * time.Second,
		Backoff:        func(int) time.Duration { return 20 * time.Millisecond },
	}
	if tune != nil {
		tune(&cfg)
	}
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPollerDrain(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	sample, err := os.ReadFile("../testdata/sample/sub-0017.eml")
	if err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "INBOX", sample)
	ts.deliver(t, "INBOX", formMessage("form.1@lausd.net"))
	ts.deliver(t, "INBOX", textMessage("question.1@lausd.net"))
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	if err := newTestPoller(t, srv, sink, nil).Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if n := ts.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d messages, want 0", n)
	}
	processed := ts.contents(t, "Processed")
	if len(processed) != 2 || !bytes.Equal(processed[0].raw, sample) {
		t.Errorf("Processed holds %d messages (first intact: %v), want the 2 forms", len(processed), len(processed) > 0 && bytes.Equal(processed[0].raw, sample))
	}
	for _, m := range processed {
		if hasFlag(m.flags, imap.FlagSeen) {
			t.Errorf("processed message was marked \\Seen: fetch must use BODY.PEEK")
		}
	}
	quarantined := ts.contents(t, "Quarantine")
	if len(quarantined) != 1 || !bytes.Equal(quarantined[0].raw, textMessage("question.1@lausd.net")) {
		t.Fatalf("Quarantine holds %d messages, want the text-only one", len(quarantined))
	}
	if !hasFlag(quarantined[0].flags, "Intake-mail.no_attachment") {
		t.Errorf("quarantined message flags %v lack the reason keyword", quarantined[0].flags)
	}
	commits := sink.committed()
	if len(commits) != 3 {
		t.Fatalf("%d commits, want 3", len(commits))
	}
	if commits[0].MessageID != "sub-0017.9ce987e1e3b448ab@corpus.misis-intake" || !bytes.Equal(commits[0].Raw, sample) ||
		commits[0].Size != int64(len(sample)) || commits[0].UID != 1 || commits[0].Hash == "" || commits[0].Received.IsZero() {
		t.Errorf("first commit = %+v", commits[0].MessageID)
	}
	st := sink.state(srv.MailboxKey())
	if st.LastUID != 3 || st.UIDValidity == 0 {
		t.Errorf("state = %+v, want LastUID 3 and a UIDVALIDITY", st)
	}
}

func TestPollerSinkFailureLeavesMessage(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	for i := 1; i <= 3; i++ {
		ts.deliver(t, "INBOX", formMessage(fmt.Sprintf("form.%d@lausd.net", i)))
	}
	sink := newMemSink()
	sink.fail = func(in Incoming) error {
		if in.MessageID == "form.2@lausd.net" {
			return errors.New("database unavailable")
		}
		return nil
	}
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	p := newTestPoller(t, srv, sink, nil)
	err := p.Drain(context.Background())
	if !errors.Is(err, ErrMessagesLeft) {
		t.Fatalf("Drain error = %v, want ErrMessagesLeft", err)
	}
	left := ts.contents(t, "INBOX")
	if len(left) != 1 || !bytes.Contains(left[0].raw, []byte("form.2@lausd.net")) {
		t.Fatalf("INBOX holds %d messages, want form.2 only", len(left))
	}
	if n := ts.count(t, "Processed"); n != 2 {
		t.Errorf("Processed holds %d, want 2", n)
	}
	if st := sink.state(srv.MailboxKey()); st.LastUID != 1 {
		t.Errorf("LastUID = %d, want 1 (the failed UID 2 is not passed)", st.LastUID)
	}
	// The database is back: the next pass takes the message in.
	sink.mu.Lock()
	sink.fail = nil
	sink.mu.Unlock()
	if err := p.Drain(context.Background()); err != nil {
		t.Fatalf("second Drain: %v", err)
	}
	if n := ts.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d after recovery", n)
	}
	if n := len(sink.committed()); n != 3 {
		t.Errorf("%d commits, want 3", n)
	}
	if st := sink.state(srv.MailboxKey()); st.LastUID != 2 {
		t.Errorf("LastUID = %d, want 2", st.LastUID)
	}
}

func TestPollerQuarantineOversize(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	big := formMessage("big@lausd.net")
	ts.deliver(t, "INBOX", big)
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) { c.MaxMessageBytes = 1000 })
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := sink.committed()
	if len(c) != 1 || !c[0].Oversize || c[0].MessageID != "big@lausd.net" || bytes.Contains(c[0].Raw, []byte("--b")) || c[0].Size != int64(len(big)) {
		t.Fatalf("commit = %+v, want the header only, marked oversize", c)
	}
	q := ts.contents(t, "Quarantine")
	if len(q) != 1 || !bytes.Equal(q[0].raw, big) || !hasFlag(q[0].flags, "Intake-mail.too_large") {
		t.Errorf("Quarantine holds %d messages, want the whole oversize message tagged", len(q))
	}
}

func TestPollerDuplicates(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ts.deliver(t, "INBOX", formMessage("twice@lausd.net"))
	ts.deliver(t, "INBOX", formMessage("twice@lausd.net")) // the sender's retry
	ts.deliver(t, "INBOX", textMessage("crash@lausd.net"))
	sink := newMemSink()
	// The process dies after committing the text message, before moving it.
	sink.crash = func(in Incoming) bool { return in.MessageID == "crash@lausd.net" }
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	p := newTestPoller(t, srv, sink, nil)
	if err := p.Drain(context.Background()); !errors.Is(err, ErrMessagesLeft) {
		t.Fatalf("Drain = %v, want the crashed message left", err)
	}
	sink.mu.Lock()
	sink.crash = nil
	sink.mu.Unlock()
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.committed()); n != 2 {
		t.Errorf("%d messages committed, want 2 (one per Message-ID)", n)
	}
	if n := ts.count(t, "Processed"); n != 2 {
		t.Errorf("Processed holds %d, want both copies", n)
	}
	// The refetched message keeps the verdict it was committed with.
	if n := ts.count(t, "Quarantine"); n != 1 {
		t.Errorf("Quarantine holds %d, want the crashed text message", n)
	}
	if n := ts.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d", n)
	}
}

func TestPollerUIDValidityChange(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{mailbox: "Faxes"})
	ts.deliver(t, "Faxes", formMessage("a@lausd.net"))
	ts.deliver(t, "Faxes", formMessage("b@lausd.net"))
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "Faxes", "")
	p := newTestPoller(t, srv, sink, nil)
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := sink.state(srv.MailboxKey())
	// The server rebuilds the mailbox: new UIDVALIDITY, and the messages
	// come back (say, restored from a backup) alongside a new one.
	if err := ts.user.Delete("Faxes"); err != nil {
		t.Fatal(err)
	}
	if err := ts.user.Create("Faxes", nil); err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "Faxes", formMessage("c@lausd.net"))
	ts.deliver(t, "Faxes", formMessage("a@lausd.net"))
	ts.deliver(t, "Faxes", formMessage("b@lausd.net"))
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := sink.state(srv.MailboxKey())
	if after.UIDValidity == before.UIDValidity || after.LastUID != 3 {
		t.Errorf("state before %+v, after %+v: want a new UIDVALIDITY and LastUID 3", before, after)
	}
	if n := len(sink.committed()); n != 3 {
		t.Errorf("%d commits, want 3 (a and b deduped)", n)
	}
	if n := ts.count(t, "Processed"); n != 5 {
		t.Errorf("Processed holds %d, want 5", n)
	}
}

func TestPollerWithoutMove(t *testing.T) {
	tests := []struct {
		name string
		caps imap.CapSet
		// keepsDeleted: a message someone else flagged \Deleted survives
		// (UID EXPUNGE touches only the moved message).
		keepsDeleted bool
	}{
		{"COPY and UID EXPUNGE", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}, true},
		{"COPY and EXPUNGE", imap.CapSet{imap.CapIMAP4rev1: {}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startIMAP(t, imapTestOptions{caps: tc.caps})
			ts.deliver(t, "INBOX", formMessage("other@lausd.net"), imap.FlagDeleted)
			ts.deliver(t, "INBOX", formMessage("form@lausd.net"))
			sink := newMemSink()
			sink.fail = func(in Incoming) error {
				if in.MessageID == "other@lausd.net" {
					return errors.New("not now")
				}
				return nil
			}
			srv := imapURL(t, "imap", ts.addr, "INBOX", "")
			err := newTestPoller(t, srv, sink, nil).Drain(context.Background())
			if !errors.Is(err, ErrMessagesLeft) {
				t.Fatalf("Drain = %v", err)
			}
			p := ts.contents(t, "Processed")
			if len(p) != 1 || !bytes.Contains(p[0].raw, []byte("form@lausd.net")) {
				t.Fatalf("Processed holds %d messages, want form@", len(p))
			}
			if hasFlag(p[0].flags, imap.FlagDeleted) {
				t.Error("the copy in Processed carries \\Deleted")
			}
			want := uint32(0)
			if tc.keepsDeleted {
				want = 1
			}
			if n := ts.count(t, "INBOX"); n != want {
				t.Errorf("INBOX holds %d, want %d", n, want)
			}
		})
	}
}

func TestPollerIdle(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	// Polling and IDLE restarts far away: only IDLE can bring the message.
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) { c.PollInterval = time.Hour; c.IdleRestart = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	ts.deliver(t, "INBOX", formMessage("first@lausd.net"))
	eventually(t, "first message", func() bool { return ts.count(t, "Processed") == 1 })
	ts.deliver(t, "INBOX", formMessage("second@lausd.net"))
	eventually(t, "second message through IDLE", func() bool { return ts.count(t, "Processed") == 2 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestPollerPollsWithoutIdle(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}})
	sink := newMemSink()
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) { c.PollInterval = 50 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	for i := 1; i <= 3; i++ {
		ts.deliver(t, "INBOX", formMessage(fmt.Sprintf("poll.%d@lausd.net", i)))
		eventually(t, "polled message", func() bool { return ts.count(t, "Processed") == uint32(i) })
	}
}

func TestPollerReconnects(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	px := startProxy(t, ts.addr)
	sink := newMemSink()
	srv := imapURL(t, "imap", px.addr(), "INBOX", "")
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) { c.IdleRestart = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	ts.deliver(t, "INBOX", formMessage("before@lausd.net"))
	eventually(t, "message before the cut", func() bool { return ts.count(t, "Processed") == 1 })
	if n := px.cut(); n == 0 {
		t.Fatal("no connection to cut")
	}
	ts.deliver(t, "INBOX", formMessage("after@lausd.net"))
	eventually(t, "message after reconnecting", func() bool { return ts.count(t, "Processed") == 2 })
}

// TestPollerSilentConnection: a server that stops answering is noticed by
// the NOOP after an IDLE restart, and the Poller reconnects.
func TestPollerSilentConnection(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	px := startProxy(t, ts.addr)
	sink := newMemSink()
	srv := imapURL(t, "imap", px.addr(), "INBOX", "")
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) {
		c.IdleRestart = 100 * time.Millisecond
		c.CommandTimeout = 300 * time.Millisecond
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	ts.deliver(t, "INBOX", formMessage("one@lausd.net"))
	eventually(t, "first message", func() bool { return ts.count(t, "Processed") == 1 })
	connections := px.accepted.Load()
	px.freeze()
	ts.deliver(t, "INBOX", formMessage("two@lausd.net"))
	eventually(t, "message after the silence", func() bool { return ts.count(t, "Processed") == 2 })
	if px.accepted.Load() <= connections {
		t.Error("the message came in without a new connection")
	}
}

func TestPollerTLS(t *testing.T) {
	tests := []struct {
		name   string
		opts   imapTestOptions
		scheme string
		query  string
	}{
		{"implicit TLS", imapTestOptions{tls: true}, "imaps", ""},
		{"STARTTLS", imapTestOptions{starttls: true}, "imap", "starttls=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startIMAP(t, tc.opts)
			ts.deliver(t, "INBOX", formMessage("tls@lausd.net"))
			sink := newMemSink()
			srv := imapURL(t, tc.scheme, ts.addr, "INBOX", tc.query)
			p := newTestPoller(t, srv, sink, func(c *PollerConfig) { c.TLSConfig = ts.rootCAs() })
			if err := p.Drain(context.Background()); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			if n := len(sink.committed()); n != 1 {
				t.Errorf("%d commits", n)
			}
			// Without the server's certificate the connection is refused.
			untrusting := newTestPoller(t, srv, newMemSink(), nil)
			if err := untrusting.Drain(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("Drain without the CA = %v, want a certificate error", err)
			}
		})
	}
}

func TestPollerLoginFailure(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	srv.Password = "wrong-password-xyz"
	err := newTestPoller(t, srv, newMemSink(), nil).Drain(context.Background())
	if err == nil || !strings.Contains(err.Error(), "log in") {
		t.Fatalf("Drain = %v, want a login error", err)
	}
	if strings.Contains(err.Error(), "wrong-password-xyz") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestNewPollerChecks(t *testing.T) {
	srv, err := ParseIMAPURL("imap://u:p@127.0.0.1/INBOX")
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := ParseSMTPURL("smtp://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []PollerConfig{{Server: srv}, {Server: smtp, Sink: newMemSink()}, {Sink: newMemSink()}} {
		if _, err := NewPoller(cfg); err == nil {
			t.Errorf("NewPoller(%+v) accepted", cfg.Server)
		}
	}
}

func TestKeyword(t *testing.T) {
	for in, want := range map[string]string{"": "", "mail.too_large": "Intake-mail.too_large", `a b(c)"d\*%]`: "Intake-a_b_c__d____"} {
		if got := keyword(in); got != want {
			t.Errorf("keyword(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPollerRetriesLeftMessages: a message the Sink could not take is
// tried again after RetryInterval, without new mail to trigger it.
func TestPollerRetriesLeftMessages(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ts.deliver(t, "INBOX", formMessage("retry@lausd.net"))
	sink := newMemSink()
	failures := 0
	sink.fail = func(Incoming) error {
		if failures < 2 {
			failures++
			return errors.New("database restarting")
		}
		return nil
	}
	srv := imapURL(t, "imap", ts.addr, "INBOX", "")
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) {
		c.IdleRestart = time.Hour
		c.PollInterval = time.Hour
		c.RetryInterval = 50 * time.Millisecond
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	eventually(t, "the retried message", func() bool { return ts.count(t, "Processed") == 1 })
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if failures != 2 {
		t.Errorf("%d failures before success, want 2", failures)
	}
}
