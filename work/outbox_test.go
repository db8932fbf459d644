package work_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/mail/smtptest"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

// queueEmail puts an e-mail straight into the outbox and returns its ID.
func queueEmail(t *testing.T, st *store.Store, to, subject string) int64 {
	t.Helper()
	var id int64
	err := st.Pool().QueryRow(context.Background(), `INSERT INTO outbox (kind, to_addr, subject, body, in_reply_to)
		VALUES ('rejection', $1, $2, 'Hello,\nthe form could not be accepted.\n', 'sub-1@corpus') RETURNING id`, to, subject).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newOutbox returns an Outbox sending through srv with mail.Sender, with
// no wait between tries.
func newOutbox(t *testing.T, st *store.Store, srv *smtptest.Server) *work.Outbox {
	t.Helper()
	server, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	snd, err := mail.NewSender(mail.SenderConfig{Server: server, From: "MiSiS Access Requests <misis-access@lausd.net>",
		Hostname: "intake.test", TLSConfig: srv.ClientTLS, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o, err := work.NewOutbox(work.OutboxConfig{Store: st, Sender: snd, Interval: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return 0 }, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func outboxRow(t *testing.T, st *store.Store, id int64) store.OutboxEmail {
	t.Helper()
	all, err := st.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no outbox e-mail %d", id)
	return store.OutboxEmail{}
}

// TestOutboxSendsOnce: each e-mail is sent once over STARTTLS with a
// login, with its stable Message-ID and In-Reply-To, and marked sent; a
// restarted sender, or two at once, send nothing again.
func TestOutboxSendsOnce(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	srv := smtptest.Start(t, smtptest.Options{StartTLS: true, Username: "notify", Password: "p@ss word"})
	a := queueEmail(t, st, "irinas@lausd.net", "one")
	b := queueEmail(t, st, "alee@lausd.net", "two")
	o := newOutbox(t, st, srv)
	d, err := o.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d != (work.Delivery{Sent: 2}) {
		t.Errorf("flush: %+v, want 2 sent", d)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server received %d messages, want 2", len(msgs))
	}
	for i, id := range []int64{a, b} {
		row := outboxRow(t, st, id)
		m := msgs[i]
		if row.SentAt == nil || row.Attempts != 1 || row.MessageID == "" || m.MessageID != row.MessageID {
			t.Errorf("outbox %d after sending: %+v; message %q", id, row, m.MessageID)
		}
		if !m.TLS || !m.Authed || m.To[0] != row.To || m.From != "misis-access@lausd.net" || !strings.Contains(string(m.Data), "In-Reply-To: <sub-1@corpus>") {
			t.Errorf("message %d: tls %v authed %v to %v from %s\n%s", i, m.TLS, m.Authed, m.To, m.From, m.Data)
		}
	}
	if msgs[0].MessageID == msgs[1].MessageID {
		t.Errorf("two e-mails share the Message-ID %s", msgs[0].MessageID)
	}

	// A restart: a new store connection and a new sender find nothing to send.
	st2, err := store.Open(ctx, st.Pool().Config().ConnString(), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if d, err := newOutbox(t, st2, srv).Flush(ctx); err != nil || d != (work.Delivery{}) {
		t.Errorf("flush after a restart: %+v %v, want nothing", d, err)
	}

	// Two senders at once share the work and send each e-mail once.
	var ids []int64
	for i := range 10 {
		ids = append(ids, queueEmail(t, st, fmt.Sprintf("user%d@lausd.net", i), fmt.Sprintf("batch %d", i)))
	}
	var wg sync.WaitGroup
	for _, s := range []*store.Store{st, st2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := newOutbox(t, s, srv).Drain(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	msgs = srv.Messages()
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	if len(msgs) != 12 || len(seen) != 12 {
		t.Errorf("%d messages with %d Message-IDs after two senders, want 12 and 12", len(msgs), len(seen))
	}
	for _, id := range ids {
		if row := outboxRow(t, st, id); row.SentAt == nil || row.Attempts != 1 {
			t.Errorf("outbox %d: %+v, want sent at the first try", id, row)
		}
	}
}

// TestOutboxRetries: a transient failure (451) is tried again with the
// same Message-ID and sent; after MaxAttempts transient failures the
// e-mail is parked.
func TestOutboxRetries(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	srv := smtptest.Start(t, smtptest.Options{})
	id := queueEmail(t, st, "irinas@lausd.net", "retried")
	o := newOutbox(t, st, srv)
	srv.FailNext(2, 451)
	d, err := o.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d != (work.Delivery{Retry: 1}) {
		t.Errorf("first flush: %+v, want one retry", d)
	}
	row := outboxRow(t, st, id)
	if row.SentAt != nil || row.Attempts != 1 || !strings.Contains(row.LastError, "451") {
		t.Errorf("after a transient failure: %+v", row)
	}
	if err := o.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].MessageID != o.MessageID(store.Outgoing{ID: id, Kind: "rejection"}) {
		t.Fatalf("after retrying: %+v, want one message with the row's Message-ID", msgs)
	}
	if row := outboxRow(t, st, id); row.SentAt == nil || row.Attempts != 3 || row.LastError != "" || row.MessageID != msgs[0].MessageID {
		t.Errorf("sent at the third try: %+v", row)
	}

	// Always busy: parked after MaxAttempts (3) tries.
	busy := queueEmail(t, st, "busy@lausd.net", "busy")
	if err := o.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if row := outboxRow(t, st, busy); row.ParkedAt == nil || row.Attempts != 3 || !strings.Contains(row.ParkReason, "gave up after 3 tries") {
		t.Errorf("always busy: %+v, want parked after 3 tries", row)
	}
}

// TestOutboxParks: a permanent failure (an unknown recipient, a refused
// message, an address that cannot be written) is parked with its reason at
// once and never tried again.
func TestOutboxParks(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	srv := smtptest.Start(t, smtptest.Options{})
	o := newOutbox(t, st, srv)
	cases := []struct {
		to, want string
		failData bool
	}{
		{"nobody@lausd.net", "550", false},
		{"irinas@lausd.net", "554", true},
		{"not an address", "cannot be sent", false},
	}
	for _, tc := range cases {
		t.Run(tc.to, func(t *testing.T) {
			id := queueEmail(t, st, tc.to, "parked")
			if tc.failData {
				srv.FailNext(1, 554)
			}
			d, err := o.Flush(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d != (work.Delivery{Parked: 1}) {
				t.Errorf("flush: %+v, want one parked", d)
			}
			row := outboxRow(t, st, id)
			if row.ParkedAt == nil || row.SentAt != nil || row.Attempts != 1 || !strings.Contains(row.ParkReason, tc.want) {
				t.Errorf("outbox %d: %+v, want parked for %q", id, row, tc.want)
			}
			if d, _ := o.Flush(ctx); d != (work.Delivery{}) {
				t.Errorf("a parked e-mail was tried again: %+v", d)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted, want none", n)
	}
	if p, _ := st.PendingOutbox(ctx); p.Unsent != 0 || p.Parked != 3 {
		t.Errorf("pending %+v", p)
	}
}

// crashingSender sends, then cancels the Flush's context before the
// result can be recorded, as a process killed at that moment would.
type crashingSender struct {
	work.Sender
	cancel context.CancelFunc
}

func (c crashingSender) Send(ctx context.Context, m mail.OutgoingMessage) error {
	err := c.Sender.Send(ctx, m)
	c.cancel()
	return err
}

// TestOutboxCrashAfterSend: when the process dies after the server took
// an e-mail and before it was marked sent, the e-mail is sent again after
// the restart, with the same Message-ID, so the copy is recognisably the
// same message; and it is then marked sent once.
func TestOutboxCrashAfterSend(t *testing.T) {
	_, st := openDB(t)
	srv := smtptest.Start(t, smtptest.Options{})
	id := queueEmail(t, st, "irinas@lausd.net", "crash")
	server, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	snd, err := mail.NewSender(mail.SenderConfig{Server: server, From: "misis-access@lausd.net", Hostname: "intake.test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	crashing, err := work.NewOutbox(work.OutboxConfig{Store: st, Sender: crashingSender{Sender: snd, cancel: cancel}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crashing.Flush(ctx); err == nil {
		t.Fatalf("flush with its context cancelled mid-way: no error")
	}
	if row := outboxRow(t, st, id); row.SentAt != nil || row.Attempts != 0 {
		t.Fatalf("the crash left %+v, want it unsent and untried", row)
	}
	if d, err := newOutbox(t, st, srv).Flush(context.Background()); err != nil || d != (work.Delivery{Sent: 1}) {
		t.Fatalf("flush after the restart: %+v %v", d, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[0].MessageID != msgs[1].MessageID || msgs[0].MessageID == "" {
		t.Errorf("sent %d times with Message-IDs %v, want twice with the same", len(msgs), msgs)
	}
	if row := outboxRow(t, st, id); row.SentAt == nil || row.MessageID != msgs[0].MessageID {
		t.Errorf("after the restart: %+v", row)
	}
}
