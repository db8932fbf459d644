package pglocal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/store/pglocal"
)

// TestReuse: the first start makes the cluster, a second server on the
// same directory is refused while the first runs, and a start after a stop
// keeps what the first made.
func TestReuse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// As root, the server runs as postgres, which must reach the directory.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Created {
		t.Error("first start: Created false, want true")
	}
	u, err := pglocal.EnsureDatabase(ctx, s.AdminURL, "kept")
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	if again, err := pglocal.EnsureDatabase(ctx, s.AdminURL, "kept"); err != nil || again != u {
		t.Errorf("EnsureDatabase again: %q, %v; want %q", again, err, u)
	}
	exec(t, u, `CREATE TABLE marks (n int); INSERT INTO marks VALUES (42)`)

	if _, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Throwaway: true}); !errors.Is(err, pglocal.ErrInUse) {
		t.Errorf("second server on a running directory: %v, want ErrInUse", err)
	}
	s.Stop()

	s2, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	if s2.Created {
		t.Error("second start: Created true, want the cluster reused")
	}
	u2, err := pglocal.EnsureDatabase(ctx, s2.AdminURL, "kept")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u2)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT n FROM marks`).Scan(&n); err != nil || n != 42 {
		t.Errorf("row kept across restarts: %d, %v; want 42", n, err)
	}
}

func exec(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

func TestReachable(t *testing.T) {
	if os.Geteuid() != 0 {
		ok, err := pglocal.Reachable("/root/x/y")
		if !ok || err != nil {
			t.Errorf("not root: Reachable = %v, %v; want true (the server runs as this user)", ok, err)
		}
		return
	}
	base := t.TempDir()
	open := filepath.Join(base, "open", "pg")
	closed := filepath.Join(base, "closed", "pg")
	for _, d := range []string{filepath.Dir(open), filepath.Dir(closed)} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Dir(closed), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{open: true, closed: false, filepath.Join(closed, "deeper"): false} {
		if ok, err := pglocal.Reachable(dir); ok != want || err != nil {
			t.Errorf("Reachable(%s) = %v, %v; want %v", dir, ok, err, want)
		}
	}
}
