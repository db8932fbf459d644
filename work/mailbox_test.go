package work_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/mail/dovecottest"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

// TestMailboxTwoProcesses: two processes (each its own pool and Runner)
// poll one Dovecot mailbox through the database: the advisory lock lets one
// at a time fetch, so every message is stored once, recorded once and its
// splitting queued once, a message delivered twice and one without a
// document included.
func TestMailboxTwoProcesses(t *testing.T) {
	dc := dovecottest.Start(t)
	url, _ := openDB(t)
	ctx := context.Background()
	samples := []string{"sub-0001.eml", "sub-0002.eml", "sub-0003.eml", "sub-0004.eml", "sub-0005.eml"}
	for _, name := range samples {
		raw, err := os.ReadFile(filepath.Join(sampleDir, name))
		if err != nil {
			t.Fatal(err)
		}
		dc.Deliver(t, raw)
		if name == "sub-0001.eml" {
			dc.Deliver(t, raw) // the gateway's retry
		}
	}
	dc.Deliver(t, []byte("From: clerk@lausd.net\r\nMessage-ID: <question.1@lausd.net>\r\nSubject: status?\r\n\r\nWhere is my request?\r\n"))

	srv, err := mail.ParseIMAPURL(dc.URL("INBOX"))
	if err != nil {
		t.Fatal(err)
	}
	var pollers [2]*mail.Poller
	var stores [2]*store.Store
	for i := range pollers {
		st, err := store.Open(ctx, url, store.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		stores[i] = st
		r, err := work.New(work.Config{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		box := r.Mailbox()
		pollers[i], err = mail.NewPoller(mail.PollerConfig{Server: srv, Sink: box, Lock: box, CommandTimeout: 10 * time.Second,
			IdleRestart: time.Hour, PollInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
	}
	start := make(chan struct{})
	errs := make([]error, len(pollers))
	var wg sync.WaitGroup
	for i, p := range pollers {
		wg.Go(func() {
			<-start
			errs[i] = p.Drain(ctx)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("poller %d: %v\n%s", i, err, dc.Log())
		}
	}

	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := stores[0].Pool().QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	distinct := len(samples) + 1
	if n := count(`SELECT count(*) FROM messages`); n != distinct {
		t.Errorf("%d messages stored, want %d (each once)", n, distinct)
	}
	if n := count(`SELECT count(*) FROM river_job WHERE kind = 'split_message'`); n != distinct {
		t.Errorf("%d split jobs, want %d", n, distinct)
	}
	if n, err := stores[0].CountSeen(ctx, srv.MailboxKey()); err != nil || n != distinct+1 {
		t.Errorf("%d messages recorded (%v), want %d (every delivery)", n, err, distinct+1)
	}
	if n := count(`SELECT count(*) FROM mailbox_seen WHERE duplicate`); n != 1 {
		t.Errorf("%d records marked duplicate, want the retry", n)
	}
	if n := count(`SELECT count(*) FROM mailbox_seen WHERE quarantine AND code = 'mail.no_attachment' AND message_id IS NOT NULL`); n != 1 {
		t.Errorf("%d no-attachment messages recorded and stored, want 1", n)
	}
	if i, p, q := dc.Count(t, "INBOX"), dc.Count(t, "Processed"), dc.Count(t, "Quarantine"); i != 0 || p != uint32(len(samples)+1) || q != 1 {
		t.Errorf("INBOX %d, Processed %d, Quarantine %d; want 0, %d, 1", i, p, q, len(samples)+1)
	}
	uv, last, err := stores[0].MailboxState(ctx, srv.MailboxKey())
	if err != nil || uv == 0 || last != uint32(distinct+1) {
		t.Errorf("mailbox state %d, %d, %v", uv, last, err)
	}

	// Both watch; one holds the lock and takes new mail in through IDLE.
	runCtx, stop := context.WithCancel(ctx)
	var running sync.WaitGroup
	for _, p := range pollers {
		running.Go(func() { p.Run(runCtx) })
	}
	dc.Deliver(t, []byte(fmt.Sprintf("From: clerk@lausd.net\r\nMessage-ID: <question.2@lausd.net>\r\nSubject: again\r\n\r\nAny news? %d\r\n", time.Now().UnixNano())))
	deadline := time.Now().Add(15 * time.Second)
	for count(`SELECT count(*) FROM messages`) != distinct+1 {
		if time.Now().After(deadline) {
			t.Fatalf("new mail not taken in while both pollers run\n%s", dc.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	running.Wait()
}
