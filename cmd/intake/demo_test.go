package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/store/pglocal"
)

// freeAddr returns a loopback address free at the moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDemoFirstAndSecondRun runs the demo on three sample faxes: the first
// run makes the database and the accounts, takes the faxes from its
// mailbox, works them and serves the review UI with its health endpoints;
// the second run reuses the database and the accounts and stores no
// message twice.
func TestDemoFirstAndSecondRun(t *testing.T) {
	base := t.TempDir()
	// The database server runs as postgres when the tests run as root.
	if err := os.Chmod(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	samples := filepath.Join(base, "samples")
	if err := os.Mkdir(samples, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sub-0001.eml", "sub-0002.eml", "sub-0003.eml", "corpus.json"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/sample", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(samples, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := filepath.Join(base, ".data")
	uiAddr, imapAddr := freeAddr(t), freeAddr(t)
	args := []string{"demo", "--dir", dataDir, "--addr", uiAddr, "--imap-addr", imapAddr, "--samples", samples,
		"--roster", "../../testdata/roster.csv", "--locations", "../../testdata/locations.csv", "--workers", "2"}

	// First run: serving until cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, pw); pw.Close() }()
	var first strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		first.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "health:") {
			break
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck // drain the rest
	out := first.String()
	for _, want := range []string{
		"database: created a new cluster (first run)",
		"accounts: created 3 accounts",
		"mailbox: 3 sample faxes delivered",
		"messages fetched 3/3",
		"done: every sample fax is worked",
		"review UI:  http://" + uiAddr + "/",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first run's output lacks %q:\n%s", want, out)
		}
	}
	password := regexp.MustCompile(`sign in:\s+reviewer / (\S+)`).FindStringSubmatch(out)
	if password == nil {
		t.Fatalf("no sign-in printed:\n%s", out)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/signin": 200} {
		resp, err := http.Get("http://" + uiAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		if path == "/metrics" && !strings.Contains(string(body), `intake_messages_fetched_total{source="imap"} 3`) {
			t.Errorf("/metrics does not count the 3 messages fetched:\n%s", grepLines(string(body), "intake_messages"))
		}
	}
	// The printed password signs in.
	if code := signIn(t, "http://"+uiAddr, "reviewer", password[1]); code != http.StatusOK {
		t.Errorf("signed in with the printed password, the review queue answers %d, want 200", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}

	// Second run: everything reused, nothing stored twice.
	var second strings.Builder
	if err := run(context.Background(), append(args, "--exit-when-done"), &second); err != nil {
		t.Fatalf("second run: %v\n%s", err, second.String())
	}
	out2 := second.String()
	for _, want := range []string{
		"database: reusing the cluster of an earlier run",
		"(0 intake and 0 River migrations applied now)",
		"accounts: reusing the accounts of an earlier run",
		"sign in:    reviewer / " + password[1],
		"done: every sample fax is worked",
	} {
		if !strings.Contains(out2, want) {
			t.Errorf("second run's output lacks %q:\n%s", want, out2)
		}
	}

	// The database is kept: start it again to count.
	counts := demoDatabaseCounts(t, dataDir)
	if counts != "messages 3, duplicates 0, users 3" {
		t.Errorf("after two runs: %s, want messages 3, duplicates 0, users 3", counts)
	}
}

// demoDatabaseCounts starts the demo's kept database and counts its
// messages and accounts.
func demoDatabaseCounts(t *testing.T, dataDir string) string {
	t.Helper()
	ctx := context.Background()
	srv, err := startKept(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	u := strings.Replace(srv.AdminURL, "/postgres?", "/intake?", 1)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var msgs, dups, users int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM messages WHERE duplicate_of IS NULL),
		(SELECT count(*) FROM messages WHERE duplicate_of IS NOT NULL), (SELECT count(*) FROM users)`).Scan(&msgs, &dups, &users); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("messages %d, duplicates %d, users %d", msgs, dups, users)
}

func grepLines(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func startKept(ctx context.Context, dataDir string) (*pglocal.Server, error) {
	return pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dataDir, "pg")})
}

// signIn signs in through the sign-in form and returns the status of the
// review queue's page then.
func signIn(t *testing.T, base, name, password string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in token on the sign-in page:\n%s", page)
	}
	resp, err = client.PostForm(base+"/signin", url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = client.Get(base + "/review")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/review" {
		return http.StatusUnauthorized // sent back to sign in
	}
	return resp.StatusCode
}
