package work_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

// buildIntake builds the intake binary for the test.
func buildIntake(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intake")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "github.com/lausd/misis-intake/cmd/intake")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build intake: %v\n%s", err, out)
	}
	return bin
}

// worker is an `intake work` process.
type worker struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	exited chan struct{} // closed when the process has exited
	err    error         // its exit, once exited is closed
}

func startWorker(t *testing.T, bin, url string, args ...string) *worker {
	t.Helper()
	w := &worker{exited: make(chan struct{})}
	w.cmd = exec.Command(bin, append([]string{"work", "--workers", "2", "--as-of", "2026-11-20", "--database-url", url}, args...)...)
	w.cmd.Stdout, w.cmd.Stderr = &w.out, &w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.err = w.cmd.Wait(); close(w.exited) }()
	t.Cleanup(func() {
		select {
		case <-w.exited:
		default:
			w.cmd.Process.Kill() //nolint:errcheck // a test that failed half-way
			<-w.exited
		}
	})
	return w
}

func (w *worker) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-w.exited:
		return w.err
	case <-time.After(limit):
		t.Fatalf("worker did not exit within %v; output:\n%s", limit, w.out.String())
		return nil
	}
}

func count(t *testing.T, st *store.Store, q string) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitDecisions waits until at least n forms are decided.
func waitDecisions(t *testing.T, st *store.Store, w *worker, n int) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if got := count(t, st, `SELECT count(*) FROM decisions`); got >= n {
			return got
		}
		select {
		case <-w.exited:
			t.Fatalf("worker exited early (%v):\n%s", w.err, w.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("fewer than %d decisions after 2 minutes", n)
	return 0
}

// TestCrashAndStop kills a worker mid-way (SIGKILL), stops another
// (SIGTERM), then drains with a third, and checks that every submission
// still has exactly one outcome per form and no request was doubled.
func TestCrashAndStop(t *testing.T) {
	ctx := context.Background()
	bin := buildIntake(t)
	url, st := openDB(t)
	subs := loadSample(t, 12)
	q, err := work.New(work.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if _, err := q.IngestFile(ctx, s.path, s.raw); err != nil {
			t.Fatal(err)
		}
	}
	forms := 0
	for _, s := range subs {
		forms += len(s.truth.Forms)
	}

	w1 := startWorker(t, bin, url)
	at := waitDecisions(t, st, w1, 2)
	running := count(t, st, `SELECT count(*) FROM river_job WHERE state = 'running'`)
	if err := w1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	w1.wait(t, 10*time.Second)
	t.Logf("killed the first worker after %d of %d decisions, %d jobs running", at, forms, running)

	w2 := startWorker(t, bin, url, "--stop-timeout", "20s")
	at = waitDecisions(t, st, w2, at+2)
	if err := w2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := w2.wait(t, time.Minute); err != nil {
		t.Fatalf("worker stopped by SIGTERM: %v\n%s", err, w2.out.String())
	}
	if n := count(t, st, `SELECT count(*) FROM river_job WHERE state = 'running'`); n != 0 {
		t.Errorf("%d jobs left running after a clean stop", n)
	}
	t.Logf("stopped the second worker after %d of %d decisions", count(t, st, `SELECT count(*) FROM decisions`), forms)

	w3 := startWorker(t, bin, url, "--drain")
	if err := w3.wait(t, 3*time.Minute); err != nil {
		t.Fatalf("draining worker: %v\n%s", err, w3.out.String())
	}
	checkOutcomes(t, st, subs)
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT subject FROM audit_log WHERE action = 'form.decided' GROUP BY subject HAVING count(*) > 1) x`,
		`SELECT count(*) FROM (SELECT subject FROM audit_log WHERE action = 'attachment.read' GROUP BY subject HAVING count(*) > 1) x`,
		`SELECT count(*) FROM (SELECT form_id, employee_number FROM requests GROUP BY 1, 2 HAVING count(*) > 1) x`,
		`SELECT count(*) FROM (SELECT form_id FROM decisions GROUP BY 1 HAVING count(*) > 1) x`,
	} {
		if n := count(t, st, q); n != 0 {
			t.Errorf("%s: %d, want 0", q, n)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM decisions`); n != forms {
		t.Errorf("%d decisions, want one per form: %d", n, forms)
	}
	if n := count(t, st, `SELECT count(*) FROM messages WHERE status <> 'processed'`); n != 0 {
		t.Errorf("%d messages not processed", n)
	}
}
