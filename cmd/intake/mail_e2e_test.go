package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/mail/dovecottest"
	"github.com/lausd/misis-intake/mail/smtptest"
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/store"
)

// sample is one submission of the committed sample corpus.
type sample struct {
	raw   []byte
	truth corpus.Truth
}

func loadSamples(t *testing.T, ids ...string) []sample {
	t.Helper()
	var out []sample
	for _, id := range ids {
		var s sample
		b, err := os.ReadFile(filepath.Join("../../testdata/sample", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &s.truth); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if s.raw, err = os.ReadFile(filepath.Join("../../testdata/sample", s.truth.EML)); err != nil {
			t.Fatal(err)
		}
		// The message that arrives: a forwarded submission has its own
		// Message-ID and sender.
		m, err := mail.Parse(s.raw, mail.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		s.truth.MessageID, s.truth.From = m.MessageID, m.From
		out = append(out, s)
	}
	return out
}

// mailEnv is a migrated database with the sample lists, a Dovecot mailbox
// and an SMTP server.
type mailEnv struct {
	url      string
	db, imap string
	smtp     *smtptest.Server
	dc       *dovecottest.Server
	st       *store.Store
}

func newMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	e := &mailEnv{url: pg.EmptyDatabase(t)}
	e.db = "--database-url=" + e.url
	mustIntake(t, "migrate", e.db)
	mustIntake(t, "roster", "import", e.db, "../../testdata/roster.csv")
	mustIntake(t, "locations", "import", e.db, "../../testdata/locations.csv")
	e.dc = dovecottest.Start(t)
	e.imap = "--imap-url=" + e.dc.URL("INBOX")
	e.smtp = smtptest.Start(t, smtptest.Options{Username: "notify", Password: "s3cret"})
	st, err := store.Open(context.Background(), e.url, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	e.st = st
	return e
}

func (e *mailEnv) workArgs(extra ...string) []string {
	return append([]string{"work", e.db, e.imap, "--smtp-url=" + e.smtp.URL(), "--as-of=2026-11-20", "--workers=2"}, extra...)
}

// check asserts that every delivered submission was taken in once, moved
// out of the INBOX, decided once per form, and that every notice reached
// the SMTP server once; it returns the export.
func (e *mailEnv) check(t *testing.T, subs []sample) store.Export {
	t.Helper()
	ctx := context.Background()
	if in, p, q := e.dc.Count(t, "INBOX"), e.dc.Count(t, "Processed"), e.dc.Count(t, "Quarantine"); in != 0 || int(p+q) != len(subs) {
		t.Errorf("INBOX %d, Processed %d, Quarantine %d; want 0 and %d moved", in, p, q, len(subs))
	}
	var exp store.Export
	if err := json.Unmarshal([]byte(mustIntake(t, "export", e.db, "--json")), &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) != len(subs) {
		t.Errorf("export has %d messages, want %d", len(exp), len(subs))
	}
	rejected := 0
	for _, s := range subs {
		m := exp[s.truth.MessageID]
		if m == nil {
			t.Errorf("%s (%s) is not in the export", s.truth.ID, s.truth.MessageID)
			continue
		}
		if len(m.Duplicates) != 0 {
			t.Errorf("%s stored %d more times", s.truth.ID, len(m.Duplicates))
		}
		if len(m.Forms) == 0 {
			t.Errorf("%s: no form found (status %s %s)", s.truth.ID, m.Status, m.Reason)
		}
		for _, f := range m.Forms {
			switch f.Decision {
			case "accept", "review":
			case "reject":
				rejected++
			default:
				t.Errorf("%s form %d: status %s, decision %q, want one outcome", s.truth.ID, f.Form, f.Status, f.Decision)
			}
		}
	}
	var twice int
	if err := e.st.Pool().QueryRow(ctx, `SELECT count(*) FROM (SELECT form_id FROM decisions WHERE round = 1
		GROUP BY form_id HAVING count(*) > 1) d`).Scan(&twice); err != nil || twice != 0 {
		t.Errorf("%d forms decided twice by the engine (%v)", twice, err)
	}

	out, err := e.st.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := e.smtp.Messages()
	byID := map[string]int{}
	for _, m := range got {
		byID[m.MessageID]++
	}
	rejections := 0
	for _, o := range out {
		if o.SentAt == nil || o.ParkedAt != nil {
			t.Errorf("outbox %d (%s) not sent: attempts %d, %s %s", o.ID, o.Kind, o.Attempts, o.LastError, o.ParkReason)
		}
		if n := byID[o.MessageID]; n != 1 {
			t.Errorf("outbox %d (%s, %s) reached the SMTP server %d times, want once", o.ID, o.Kind, o.MessageID, n)
		}
		if o.Kind == "rejection" {
			rejections++
		}
	}
	if len(got) != len(out) {
		t.Errorf("the SMTP server received %d messages for %d outbox e-mails", len(got), len(out))
	}
	if rejections != rejected {
		t.Errorf("%d rejection notices for %d rejected forms", rejections, rejected)
	}
	return exp
}

// TestMailEndToEnd delivers sample submissions into a real Dovecot, runs
// `intake work --drain` with the mailbox and an SMTP server, and follows
// every message to its outcome and every notice to the server; then a
// request is completed and the next drain sends its confirmations to the
// user and the administrator who signed.
func TestMailEndToEnd(t *testing.T) {
	e := newMailEnv(t)
	subs := loadSamples(t, "sub-0001", "sub-0002", "sub-0003", "sub-0004", "sub-0005", "sub-0008",
		"sub-0010", "sub-0013", "sub-0018", "sub-0028", "sub-0031", "sub-0009")
	for _, s := range subs {
		e.dc.Deliver(t, s.raw)
	}
	mustIntake(t, e.workArgs("--drain")...)
	exp := e.check(t, subs)

	// The addressing rule on real submissions: a person who sent the fax
	// is answered; a gateway's or scanner's message is answered at the
	// form's e-mail or the help desk.
	ctx := context.Background()
	out, _ := e.st.Outbox(ctx)
	n, _ := notice.New(notice.Config{})
	for _, s := range subs {
		m := exp[s.truth.MessageID]
		if m == nil {
			continue
		}
		for _, f := range m.Forms {
			if f.Decision != "reject" {
				continue
			}
			for _, o := range out {
				if o.FormID == nil || *o.FormID != f.ID {
					continue
				}
				if n.SenderKnown(s.truth.From) != (o.To == s.truth.From) {
					t.Errorf("%s: rejection to %s, sender %s", s.truth.ID, o.To, s.truth.From)
				}
				if !strings.HasSuffix(o.To, "@lausd.net") || !strings.Contains(o.Body, "F-"+strconv.FormatInt(f.ID, 10)) {
					t.Errorf("%s: rejection to %s:\n%s", s.truth.ID, o.To, o.Body)
				}
			}
		}
	}
	found := false
	for _, m := range e.smtp.Messages() {
		if slicesContains(m.To, "office.7957@lausd.net") && m.Authed {
			found = true
		}
	}
	if !found {
		t.Errorf("no notice reached office.7957@lausd.net, who faxed sub-0031 (rejected)")
	}

	// A completed request: the confirmation goes to the user and to the
	// signing administrator at the next drain.
	id := acceptedRequest(t, e.url)
	if _, err := e.st.Pool().Exec(ctx, `UPDATE requests SET email = 'alee@lausd.net', admin_email = 'irinas@lausd.net' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	mustIntake(t, "queue", "done", e.db, strconv.FormatInt(id, 10), "--granted", "--by", "pat", "--note", "set up")
	before := len(e.smtp.Messages())
	mustIntake(t, e.workArgs("--drain")...)
	q, err := e.st.Request(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range e.smtp.Messages()[before:] {
		if strings.Contains(m.Subject, fmt.Sprintf("R-%d", id)) {
			to = append(to, m.To...)
		}
	}
	if len(to) != 2 || to[0] != q.Email || to[1] != q.AdminEmail {
		t.Errorf("confirmations went to %v, want the user %s and the administrator %s", to, q.Email, q.AdminEmail)
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestMailDovecotRestart runs `intake work` (watching the mailbox with
// IDLE) while Dovecot is stopped in the middle of taking in a first batch
// of mail and started again, with a second batch delivered while it was
// down: nothing is lost, nothing doubled, every notice sent once. Then a
// drain started while Dovecot is down again takes the mailbox in once it
// is back.
func TestMailDovecotRestart(t *testing.T) {
	e := newMailEnv(t)
	subs := loadSamples(t, "sub-0011", "sub-0014", "sub-0016", "sub-0019", "sub-0022", "sub-0030", "sub-0032", "sub-0033")
	first, second := subs[:4], subs[4:]
	for _, s := range first {
		e.dc.Deliver(t, s.raw)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, e.workArgs(), &logs) }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cancel()
			<-done
		}
	})
	// Stopped as soon as the first message is moved: the others of the
	// batch may be anywhere between fetch, commit and move.
	waitUntil(t, 60*time.Second, "the first message taken in", func() bool {
		return e.dc.Count(t, "Processed")+e.dc.Count(t, "Quarantine") >= 1
	})

	e.dc.Restart(t, func() {
		for _, s := range second {
			e.dc.Deliver(t, s.raw)
		}
	})
	waitUntil(t, 90*time.Second, "every message taken in and worked, every notice sent", func() bool {
		var left int
		err := e.st.Pool().QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled'))
			+ (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL)
			+ (SELECT `+strconv.Itoa(len(subs))+` - count(*) FROM messages)`).Scan(&left)
		return err == nil && left == 0 && e.dc.Count(t, "INBOX") == 0
	})
	cancel()
	stopped = true
	if err := <-done; err != nil {
		t.Errorf("intake work: %v", err)
	}
	e.check(t, subs)

	// A drain started while Dovecot is down connects once it is back.
	third := loadSamples(t, "sub-0021", "sub-0036")
	for _, s := range third {
		e.dc.Deliver(t, s.raw)
	}
	drained := make(chan error, 1)
	e.dc.Restart(t, func() {
		go func() {
			_, err := intake(t, e.workArgs("--drain")...)
			drained <- err
		}()
		time.Sleep(1500 * time.Millisecond) // the first tries find no server
	})
	if err := <-drained; err != nil {
		t.Errorf("intake work --drain across the restart: %v", err)
	}
	e.check(t, append(subs, third...))
}

func waitUntil(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
