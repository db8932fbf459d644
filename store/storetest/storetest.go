// Package storetest starts a PostgreSQL server for tests and hands each
// test a fresh, migrated database of its own.
//
// A test binary starts one server in TestMain:
//
//	var pg *storetest.Server
//
//	func TestMain(m *testing.M) {
//		pg = storetest.MustStart()
//		code := m.Run()
//		pg.Close()
//		os.Exit(code)
//	}
//
// and each test calls pg.Database(t). When DATABASE_URL is set, its
// server is used instead (the role must be allowed to create databases);
// otherwise initdb makes a throw-away cluster in a temporary directory,
// listening on 127.0.0.1 and a free port, run as the postgres system user
// when the tests run as root (PostgreSQL refuses to run as root).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lausd/misis-intake/store"
)

// BinDir is where the PostgreSQL server binaries are looked for when they
// are not on PATH; empty means the newest /usr/lib/postgresql/*/bin.
var BinDir = ""

// Server is a PostgreSQL server for tests.
type Server struct {
	// AdminURL connects to the server's maintenance database.
	AdminURL string
	dir      string
	cmd      *exec.Cmd
	exited   chan struct{}

	once     sync.Once
	template string
	tmplErr  error
	seq      atomic.Int64
}

// MustStart starts a server or exits the test binary saying why.
func MustStart() *Server {
	s, err := Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		os.Exit(2)
	}
	return s
}

// Start starts a throw-away server, or uses DATABASE_URL when it is set.
func Start(ctx context.Context) (*Server, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return &Server{AdminURL: u}, nil
	}
	dir, err := os.MkdirTemp("", "storetest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
	if err := s.start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func bin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dir := BinDir
	if dir == "" {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
		dir = "/usr/lib/postgresql/15/bin"
		if len(dirs) > 0 {
			dir = dirs[len(dirs)-1]
		}
	}
	return filepath.Join(dir, name)
}

// versionOf returns the major version in /usr/lib/postgresql/N/bin.
func versionOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// credential returns who to run the server as: the postgres system user
// when running as root, nil (ourselves) otherwise.
func credential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root needs a postgres system user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

func (s *Server) start(ctx context.Context) error {
	cred, uid, gid, err := credential()
	if err != nil {
		return err
	}
	data, sock := filepath.Join(s.dir, "data"), filepath.Join(s.dir, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	if cred != nil {
		// The server's user must reach its directories.
		if err := os.Chmod(s.dir, 0o755); err != nil {
			return err
		}
		for _, d := range []string{data, sock} {
			if err := os.Chown(d, uid, gid); err != nil {
				return err
			}
		}
	}
	initdb := exec.CommandContext(ctx, bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	s.cmd = exec.Command(bin("postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", sock,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=64MB")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig stops the server if the test binary dies without Close.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }() //nolint:errcheck // the exit is reported through exited
	s.AdminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)

	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, s.AdminURL)
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			return fmt.Errorf("postgres exited at start:\n%s", log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %w", err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Close stops the server it started and removes its files.
func (s *Server) Close() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGINT) //nolint:errcheck // it may be gone already
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill() //nolint:errcheck // last resort
			<-s.exited
		}
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// WithDatabase returns u with its database name replaced.
func WithDatabase(u, name string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("storetest: parse url: %w", err)
	}
	p.Path = "/" + name
	return p.String(), nil
}

// prepareTemplate makes, once, a migrated database that every test's
// database is copied from.
func (s *Server) prepareTemplate(ctx context.Context) (string, error) {
	s.once.Do(func() {
		name := fmt.Sprintf("intake_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
		s.tmplErr = s.createDatabase(ctx, name, "")
		if s.tmplErr != nil {
			return
		}
		u, err := WithDatabase(s.AdminURL, name)
		if err != nil {
			s.tmplErr = err
			return
		}
		pool, err := pgxpool.New(ctx, u)
		if err != nil {
			s.tmplErr = err
			return
		}
		_, err = store.Migrate(ctx, pool)
		pool.Close()
		if err != nil {
			s.tmplErr = err
			return
		}
		s.template = name
	})
	return s.template, s.tmplErr
}

func (s *Server) createDatabase(ctx context.Context, name, template string) error {
	conn, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		return fmt.Errorf("storetest: connect: %w", err)
	}
	defer conn.Close(ctx)
	q := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		q += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	// A template still in use by a closing connection refuses to be
	// copied for a moment; try again briefly.
	for i := 0; ; i++ {
		_, err = conn.Exec(ctx, q)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("storetest: %s: %w", q, err)
	}
	return nil
}

// Database creates a fresh database for the test, migrated (the intake's
// schema and River's), and returns its URL. It is dropped when the test
// ends.
func (s *Server) Database(tb testing.TB) string {
	tb.Helper()
	u, err := s.NewDatabase(context.Background(), true)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.drop(u) })
	return u
}

// EmptyDatabase creates a fresh database with no schema at all, dropped
// when the test ends.
func (s *Server) EmptyDatabase(tb testing.TB) string {
	tb.Helper()
	u, err := s.NewDatabase(context.Background(), false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.drop(u) })
	return u
}

// NewDatabase creates a database, migrated or empty, and returns its URL.
// The caller drops it; tests use Database.
func (s *Server) NewDatabase(ctx context.Context, migrated bool) (string, error) {
	tmpl := ""
	if migrated {
		var err error
		if tmpl, err = s.prepareTemplate(ctx); err != nil {
			return "", err
		}
	}
	name := fmt.Sprintf("intake_test_%d_%d", os.Getpid(), s.seq.Add(1))
	if err := s.createDatabase(ctx, name, tmpl); err != nil {
		return "", err
	}
	return WithDatabase(s.AdminURL, name)
}

func (s *Server) drop(u string) {
	p, err := url.Parse(u)
	if err != nil {
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{p.Path[1:]}.Sanitize()+" WITH (FORCE)")
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "storetest: drop database:", err)
	}
}
