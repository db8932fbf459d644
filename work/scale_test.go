package work_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail/dovecottest"
)

// TestTwoWorkersShareTheWork runs two `intake work` processes against one
// database and one Dovecot mailbox, as an operator scales out: exactly one
// of them polls the mailbox, both work jobs, and no job is run twice (every
// job completed at its first try, each stage's jobs counted once across
// the two processes' /metrics).
func TestTwoWorkersShareTheWork(t *testing.T) {
	bin := buildIntake(t)
	dc := dovecottest.Start(t)
	url, st := openDB(t)
	subs := loadSample(t, 6)

	var ws [2]*worker
	var addrs [2]string
	for i := range ws {
		addrs[i] = freeLoopback(t)
		ws[i] = startWorker(t, bin, url, "--imap-url", dc.URL("INBOX"), "--metrics-addr", addrs[i], "-v")
	}
	// Both must be working before the mail comes, so that either may take
	// the jobs.
	for i, w := range ws {
		waitHealthy(t, w, addrs[i])
	}
	time.Sleep(time.Second)
	for _, s := range subs {
		dc.Deliver(t, s.raw)
	}

	deadline := time.Now().Add(3 * time.Minute)
	for {
		stored := count(t, st, `SELECT count(*) FROM messages`)
		open := count(t, st, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled')`)
		if stored == len(subs) && open == 0 && count(t, st, `SELECT count(*) FROM forms WHERE status = 'read'`) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done after 3 minutes: %d of %d messages stored, %d jobs open\n%s\n%s", stored, len(subs), open, ws[0].out.String(), ws[1].out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Nothing done twice: every job completed at its first try, every form
	// decided once.
	if n := count(t, st, `SELECT count(*) FROM river_job WHERE state <> 'completed' OR attempt <> 1`); n != 0 {
		t.Errorf("%d jobs not completed at their first try", n)
	}
	if n := count(t, st, `SELECT count(*) FROM decisions WHERE round <> 1`); n != 0 {
		t.Errorf("%d forms decided more than once", n)
	}
	jobs := count(t, st, `SELECT count(*) FROM river_job`)
	// Both did work.
	if n := count(t, st, `SELECT count(DISTINCT attempted_by[1]) FROM river_job`); n != 2 {
		t.Errorf("jobs worked by %d processes, want both", n)
	}

	var fetched, stageJobs [2]int
	for i, addr := range addrs {
		body := scrape(t, addr)
		fetched[i] = metricValue(t, body, `intake_messages_fetched_total{source="imap"}`)
		for _, stage := range []string{"split", "read", "decide"} {
			stageJobs[i] += metricValue(t, body, fmt.Sprintf(`intake_stage_duration_seconds_count{result="ok",stage="%s"}`, stage))
		}
	}
	// One mailbox poller between them.
	if (fetched[0] == 0) == (fetched[1] == 0) || fetched[0]+fetched[1] != len(subs) {
		t.Errorf("messages fetched by the two processes: %v, want all %d by one of them", fetched, len(subs))
	}
	if stageJobs[0] == 0 || stageJobs[1] == 0 || stageJobs[0]+stageJobs[1] != jobs {
		t.Errorf("jobs by the two processes' metrics: %v, want both some, %d in all", stageJobs, jobs)
	}

	for _, w := range ws {
		w.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // checked by wait
	}
	for _, w := range ws {
		if err := w.wait(t, time.Minute); err != nil {
			t.Errorf("worker after SIGTERM: %v\n%s", err, w.out.String())
		}
	}
	if i, p := dc.Count(t, "INBOX"), dc.Count(t, "Processed"); i != 0 || p != uint32(len(subs)) {
		t.Errorf("INBOX %d, Processed %d; want 0, %d", i, p, len(subs))
	}
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHealthy waits until the worker answers /readyz.
func waitHealthy(t *testing.T, w *worker, addr string) {
	t.Helper()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		select {
		case <-w.exited:
			t.Fatalf("worker exited (%v):\n%s", w.err, w.out.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("worker not ready on %s within a minute:\n%s", addr, w.out.String())
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metricValue returns a sample's value (0 when absent).
func metricValue(t *testing.T, body, series string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(v)
}
