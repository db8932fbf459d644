package work_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/mail/dovecottest"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/pglocal"
	"github.com/lausd/misis-intake/validate"
)

// soakCount is how many submissions the soak test delivers at once.
const soakCount = 300

// soakTransports are the fax transports the burst is drawn from: what the
// gateways send all day.
var soakTransports = []string{"fax-g4-fine-pdf", "fax-g3-fine-pdf", "fax-g4-normal-pdf", "fax-g3-normal-pdf", "fax-g4-fine-tiff"}

// TestSoak delivers a burst of 300 generated submissions into a Dovecot
// mailbox and runs `intake work --workers 2` on a private PostgreSQL while
// the worker is killed (SIGKILL) at random moments and restarted, and
// PostgreSQL and Dovecot are each restarted once. Once drained, every
// message is in Processed or Quarantine, every submission has one outcome
// per form in `intake export --json`, no request is doubled and nothing is
// left in flight. It takes 5-10 minutes on two cores and runs in every
// test run, CI included; `make soak` runs it alone with its log.
func TestSoak(t *testing.T) {
	ctx := context.Background()
	began := time.Now()
	bin := buildIntake(t)
	subs := generateSoak(t)
	nForms := 0
	for _, s := range subs {
		nForms += len(s.truth.Forms)
	}
	t.Logf("generated %d submissions (%d forms) in %s", len(subs), nForms, time.Since(began).Round(time.Second))

	db := startSoakPG(t)
	url, err := pglocal.EnsureDatabase(ctx, db.srv.AdminURL, "intake")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"migrate", "--database-url", url},
		{"roster", "import", "--database-url", url, "../testdata/roster.csv"},
		{"locations", "import", "--database-url", url, "../testdata/locations.csv"},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("intake %s: %v\n%s", args[0], err, out)
		}
	}
	st, err := store.Open(ctx, url, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	dc := dovecottest.Start(t)
	for _, s := range subs {
		dc.Deliver(t, s.raw)
	}
	t.Logf("delivered %d messages into the INBOX", len(subs))

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 777))
	t.Logf("chaos seed %d", seed)

	// Every fax holds its whole batch, so a batch part waits for pages
	// only when a page count or number was misread; a short wait lets such
	// a part go to review within the soak, as it would after two days.
	start := func() *worker {
		return startWorker(t, bin, url, "--imap-url", dc.URL("INBOX"), "--batch-wait", "2s")
	}
	work0 := time.Now()
	w := start()
	var logs []string
	// keepAlive restarts a worker that stopped by itself (told by its
	// exit), counting it: a worker that loses its database may exit and be
	// restarted by its supervisor, as systemd does.
	selfExits := 0
	keepAlive := func() {
		select {
		case <-w.exited:
			selfExits++
			t.Logf("worker exited by itself (%v); restarting it; its last output:\n%s", w.err, tail(w.out.String(), 2000))
			logs = append(logs, w.out.String())
			w = start()
		default:
		}
	}
	decided := func() int {
		var n int
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM decisions`).Scan(&n); err != nil {
			return -1 // the database is restarting
		}
		return n
	}
	// waitFor waits until at least n forms are decided (or the worker has
	// nothing left), keeping the worker alive.
	waitFor := func(n int) {
		deadline := time.Now().Add(10 * time.Minute)
		for decided() < n && time.Now().Before(deadline) {
			keepAlive()
			time.Sleep(200 * time.Millisecond)
		}
	}

	// Four kills, one PostgreSQL restart, one Dovecot restart: the first
	// kill while the mailbox is being taken in, the others at random points
	// of the work.
	events := []string{"kill", "kill", "postgres", "kill", "dovecot", "kill"}
	if rng.IntN(2) == 0 {
		events = append(events, "kill")
	}
	kills, pgRestarts, dcRestarts := 0, 0, 0
	for i, ev := range events {
		if i == 0 {
			time.Sleep(time.Duration(2000+rng.IntN(8000)) * time.Millisecond)
		} else {
			// Spread over the first 85% of the forms, with jitter.
			target := nForms * (10 + 75*i/len(events) + rng.IntN(8)) / 100
			waitFor(target)
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Millisecond)
		}
		keepAlive()
		at := decided()
		switch ev {
		case "kill":
			w.cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck // it may have exited by itself a moment ago
			w.wait(t, 10*time.Second)
			logs = append(logs, w.out.String())
			kills++
			t.Logf("%s: SIGKILL to the worker at %d of %d decisions", time.Since(work0).Round(time.Second), at, nForms)
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Millisecond)
			w = start()
		case "postgres":
			db.restart(t, time.Duration(2000+rng.IntN(3000))*time.Millisecond)
			pgRestarts++
			t.Logf("%s: restarted PostgreSQL at %d of %d decisions", time.Since(work0).Round(time.Second), at, nForms)
		case "dovecot":
			down := time.Duration(1000+rng.IntN(3000)) * time.Millisecond
			dc.Restart(t, func() { time.Sleep(down) })
			dcRestarts++
			t.Logf("%s: restarted Dovecot at %d of %d decisions", time.Since(work0).Round(time.Second), at, nForms)
		}
	}

	// Drain: the worker goes on until everything is taken in and worked.
	deadline := time.Now().Add(30 * time.Minute)
	for {
		keepAlive()
		var stored, open, midway int
		err := st.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM messages),
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')),
			(SELECT count(*) FROM forms WHERE status IN ('read', 'waiting'))`).Scan(&stored, &open, &midway)
		if err == nil && stored >= len(subs) && open == 0 && midway == 0 && dc.Count(t, "INBOX") == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained after 30 minutes: %d of %d messages stored, %d jobs open, %d forms read or waiting and undecided (%v)\n%s",
				stored, len(subs), open, midway, err, tail(w.out.String(), 4000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := w.wait(t, 2*time.Minute); err != nil {
		t.Errorf("worker after SIGTERM: %v\n%s", err, tail(w.out.String(), 4000))
	}
	logs = append(logs, w.out.String())
	workTime := time.Since(work0)

	// Every message moved out of the INBOX.
	inbox, processed, quarantined := dc.Count(t, "INBOX"), dc.Count(t, "Processed"), dc.Count(t, "Quarantine")
	if inbox != 0 || int(processed+quarantined) != len(subs) {
		t.Errorf("INBOX %d, Processed %d, Quarantine %d; want 0 and %d moved", inbox, processed, quarantined, len(subs))
	}

	// Every submission in the export, once, with one outcome per form.
	out, err := exec.Command(bin, "export", "--json", "--database-url", url).Output()
	if err != nil {
		t.Fatalf("intake export: %v", err)
	}
	var exp store.Export
	if err := json.Unmarshal(out, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) != len(subs) {
		t.Errorf("export has %d messages, want %d", len(exp), len(subs))
	}
	outcomes := map[string]int{}
	// truthVsOutcome counts "truth->outcome" pairs of forms matched by
	// position; reviewWhy counts the reason codes of the forms sent to
	// review: accuracy, not soundness, but worth seeing in the log.
	truthVsOutcome, reviewWhy := map[string]int{}, map[string]int{}
	exported, formsOut, requests, formsOff, quarantinedMsgs := 0, 0, 0, 0, 0
	for _, s := range subs {
		m := exp[s.key]
		if m == nil {
			t.Errorf("%s (%s) is not in the export", s.name, s.key)
			continue
		}
		exported++
		if len(m.Duplicates) != 0 {
			t.Errorf("%s stored %d more times", s.name, len(m.Duplicates))
		}
		switch m.Status {
		case store.StatusProcessed:
		case store.StatusQuarantined:
			quarantinedMsgs++
			t.Logf("%s quarantined: %s", s.name, m.Reason)
		default:
			t.Errorf("%s: message %s (%s), want processed or quarantined", s.name, m.Status, m.Reason)
		}
		for _, a := range m.Attachments {
			if a.Status == store.StatusReceived || a.Status == store.StatusFailed {
				t.Errorf("%s: attachment %s left %s (%s)", s.name, a.Filename, a.Status, a.Reason)
			}
		}
		if len(m.Forms) != len(s.truth.Forms) {
			formsOff++
		}
		for i, f := range m.Forms {
			formsOut++
			if f.Status == store.StatusJoined {
				// A batch part joined into another form (here: after its
				// wait for pages a misread number promised): its outcome is
				// that form's, which the export lists and this loop checks.
				continue
			}
			if i < len(s.truth.Forms) {
				truthVsOutcome[s.truth.Forms[i].Decision+"->"+f.Decision]++
			}
			if f.Decision == "review" {
				for _, r := range f.Reasons {
					reviewWhy[r.Code]++
				}
			}
			switch f.Decision {
			case "accept", "reject", "review":
				outcomes[f.Decision]++
			default:
				t.Errorf("%s form %d: status %s, decision %q, want one outcome", s.name, f.Form, f.Status, f.Decision)
			}
			if f.Status != store.StatusDecided {
				t.Errorf("%s form %d: status %s, want decided", s.name, f.Form, f.Status)
			}
			seen := map[string]bool{}
			for _, q := range f.Requests {
				if seen[q.EmployeeNumber+"/"+q.Action] {
					t.Errorf("%s form %d: request %d repeated", s.name, f.Form, q.ID)
				}
				seen[q.EmployeeNumber+"/"+q.Action] = true
				requests++
			}
		}
	}

	// Nothing done twice, nothing left in flight.
	for _, c := range []struct{ what, q string }{
		{"forms decided more than once by the engine", `SELECT count(*) FROM (SELECT form_id FROM decisions WHERE round = 1 GROUP BY 1 HAVING count(*) > 1) x`},
		{"forms with more than one form.decided audit entry", `SELECT count(*) FROM (SELECT subject FROM audit_log WHERE action = 'form.decided' GROUP BY subject HAVING count(*) > 1) x`},
		{"attachments read more than once", `SELECT count(*) FROM (SELECT subject FROM audit_log WHERE action = 'attachment.read' GROUP BY subject HAVING count(*) > 1) x`},
		{"requests doubled", `SELECT count(*) FROM (SELECT form_id, employee_number FROM requests GROUP BY 1, 2 HAVING count(*) > 1) x`},
		{"River jobs neither completed nor discarded", `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded')`},
		{"messages still received", `SELECT count(*) FROM messages WHERE status = 'received'`},
		{"attachments still received", `SELECT count(*) FROM attachments WHERE status = 'received'`},
		{"forms read and undecided", `SELECT count(*) FROM forms WHERE status = 'read'`},
	} {
		if n := count(t, st, c.q); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
	discarded := count(t, st, `SELECT count(*) FROM river_job WHERE state = 'discarded'`)
	jobs := count(t, st, `SELECT count(*) FROM river_job`)
	retried := count(t, st, `SELECT count(*) FROM river_job WHERE attempt > 1`)
	dbRequests := count(t, st, `SELECT count(*) FROM requests`)
	if dbRequests != requests {
		t.Errorf("%d requests in the database, %d in the export", dbRequests, requests)
	}
	for _, l := range logs {
		if strings.Contains(l, "panic:") {
			t.Errorf("a worker panicked:\n%s", tail(l, 4000))
		}
	}

	t.Logf("soak: %d messages (%d exported), %d processed and %d quarantined in the mailbox (%d quarantined in the database)",
		len(subs), exported, processed, quarantined, quarantinedMsgs)
	t.Logf("soak: %d forms in the truth, %d in the export (%d submissions with another count); decisions %v; %d requests",
		nForms, formsOut, formsOff, outcomes, requests)
	t.Logf("soak: truth->outcome %v; review reasons %v", truthVsOutcome, reviewWhy)
	t.Logf("soak: %d River jobs, %d retried, %d discarded", jobs, retried, discarded)
	t.Logf("soak: %d kills, %d PostgreSQL restarts, %d Dovecot restarts, %d exits by itself; work %s, wall %s",
		kills, pgRestarts, dcRestarts, selfExits, workTime.Round(time.Second), time.Since(began).Round(time.Second))
}

// generateSoak writes the burst with corpus.Generate (seed 777) into a
// temporary directory and returns its submissions.
func generateSoak(t *testing.T) []submission {
	t.Helper()
	reg, err := forms.Load()
	if err != nil {
		t.Fatal(err)
	}
	roster, err := validate.ReadRosterFile("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	locs, err := validate.ReadLocationsFile("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := corpus.DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := corpus.Generate(context.Background(), corpus.Config{
		Out: dir, Count: soakCount, Seed: 777, AsOf: asOf,
		Registry: reg, People: roster.Employees(), Locations: locs.All(), Fonts: fonts,
		Transports: soakTransports,
	})
	if err != nil {
		t.Fatal(err)
	}
	var subs []submission
	for _, id := range m.Submissions {
		var s submission
		b, err := os.ReadFile(filepath.Join(dir, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &s.truth); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		s.name = s.truth.ID
		s.path = filepath.Join(dir, s.truth.EML)
		if s.raw, err = os.ReadFile(s.path); err != nil {
			t.Fatal(err)
		}
		// The message that arrives: a forwarded submission has its own
		// Message-ID.
		pm, err := mail.Parse(s.raw, mail.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		s.key = pm.MessageID
		subs = append(subs, s)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
	if len(subs) != soakCount {
		t.Fatalf("generated %d submissions, want %d", len(subs), soakCount)
	}
	return subs
}

// soakPG is the soak test's own PostgreSQL, on a fixed port so that the
// workers find it again after a restart.
type soakPG struct {
	cfg pglocal.Config
	srv *pglocal.Server
}

func startSoakPG(t *testing.T) *soakPG {
	t.Helper()
	// Not t.TempDir: the server runs as the postgres user, which must
	// enter the directory.
	dir, err := os.MkdirTemp("", "soak-pg-")
	if err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(freeLoopback(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &soakPG{cfg: pglocal.Config{Dir: dir, Throwaway: true}}
	if p.cfg.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	if p.srv, err = pglocal.Start(context.Background(), p.cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.srv.Stop()
		os.RemoveAll(dir)
	})
	return p
}

// restart stops the server (ending every session), waits down, and starts
// it again on the same directory and port.
func (p *soakPG) restart(t *testing.T, down time.Duration) {
	t.Helper()
	p.srv.Stop()
	time.Sleep(down)
	var err error
	if p.srv, err = pglocal.Start(context.Background(), p.cfg); err != nil {
		t.Fatalf("start PostgreSQL again: %v", err)
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("...%s", s[len(s)-n:])
}
