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
// otherwise package pglocal makes a throw-away cluster in a temporary
// directory, listening on 127.0.0.1 and a free port, run as the postgres
// system user when the tests run as root (PostgreSQL refuses to run as
// root).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/pglocal"
)

// Server is a PostgreSQL server for tests.
type Server struct {
	// AdminURL connects to the server's maintenance database.
	AdminURL string
	dir      string
	pg       *pglocal.Server

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

// Start starts a throw-away server (pglocal, in a temporary directory), or
// uses DATABASE_URL when it is set.
func Start(ctx context.Context) (*Server, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return &Server{AdminURL: u}, nil
	}
	dir, err := os.MkdirTemp("", "storetest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
	s.pg, err = pglocal.Start(ctx, pglocal.Config{Dir: dir, Throwaway: true})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.AdminURL = s.pg.AdminURL
	return s, nil
}

// Close stops the server it started and removes its files.
func (s *Server) Close() {
	if s.pg != nil {
		s.pg.Stop()
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
