package store

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lausd/misis-intake/notice"
)

// ErrNoDatabase is returned by URL when neither a flag nor DATABASE_URL
// names the database.
var ErrNoDatabase = errors.New("store: no database: pass --database-url or set DATABASE_URL")

// ErrNotFound is returned when the item asked for does not exist.
var ErrNotFound = errors.New("store: not found")

// URL returns flagValue when set, else $DATABASE_URL.
func URL(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	return "", ErrNoDatabase
}

// Store is the intake's database. It is safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	notices *notice.Notices
}

// Config configures Open.
type Config struct {
	// MaxConns is the pool's size; zero leaves pgx's default (the larger
	// of 4 and the number of CPUs).
	MaxConns int32
	// Tracer, when set, is told of every query (a benchmark measures the
	// time spent in the database with it). It may also implement
	// pgx.BatchTracer and pgx.CopyFromTracer.
	Tracer pgx.QueryTracer
	// Notices writes the notices the store queues itself (the
	// confirmations of Complete) and that the workers and the review UI
	// queue through it (Store.Notices); nil means notice.New's defaults.
	Notices *notice.Notices
}

// Open connects to the database at url. It does not check the schema; see
// CheckSchema.
func Open(ctx context.Context, url string, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: parse database url: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.Tracer != nil {
		pc.ConnConfig.Tracer = cfg.Tracer
	}
	notices := cfg.Notices
	if notices == nil {
		if notices, err = notice.New(notice.Config{}); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return &Store{pool: pool, notices: notices}, nil
}

// Notices returns the notice writer the store was opened with.
func (s *Store) Notices() *notice.Notices { return s.notices }

// Close closes every connection.
func (s *Store) Close() { s.pool.Close() }

// Pool returns the connection pool, for the job queue that shares it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn in a transaction, committing when fn returns nil and
// rolling back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
