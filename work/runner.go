package work

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// Config configures a Runner. Zero fields take the documented defaults.
type Config struct {
	Store *store.Store
	// Reader reads attachments' pages (an *ocr.Engine). It may be nil for a
	// Runner that only queues work (Ingest, Retry); Run needs it.
	Reader pipeline.Reader
	// Attachments, when set, reads each attachment instead of
	// pipeline.ReadAttachment with Reader in this process: a
	// *sandbox.Pool, which reads it in a child process under limits, so
	// that a document that crashes or exhausts the reader costs only
	// itself (its item is retried, then parked as failed with the reason).
	Attachments AttachmentReader
	// Registry holds the form definitions; nil loads the embedded ones.
	Registry *forms.Registry
	// Rules configures the district's rules.
	Rules validate.Config
	// Quality is the threshold set in force, the double-keyed fields and
	// the QA sampling (package quality); its zero value leaves the engine's
	// Sure as it is and asks no extra keying.
	Quality quality.Policy
	// Notices writes the rejection notices; nil means the store's
	// (Store.Notices).
	Notices *notice.Notices
	// Workers is how many jobs of each stage run at once. Zero means one
	// per CPU.
	Workers int
	// MaxAttempts is how many times a job is tried before its item is
	// parked as failed. Zero means 5.
	MaxAttempts int
	// Backoff is how long to wait before try attempt+1 after try attempt
	// failed. Nil means 5s·4^(attempt-1), at most 10 minutes.
	Backoff func(attempt int) time.Duration
	// JobTimeout bounds one job. Zero means 10 minutes.
	JobTimeout time.Duration
	// StopTimeout is how long a stopping Run lets jobs in flight finish
	// before cancelling them (they are handed back, not lost). Zero means
	// 30 seconds.
	StopTimeout time.Duration
	// RescueInterval is how often a Runner looks for jobs left running by
	// a process that died. Zero means 5 seconds.
	RescueInterval time.Duration
	// Poll, when set, is run every PollInterval by exactly one of the
	// processes sharing the database (the one holding the poller lock),
	// and never while draining: the hook for the mailbox poller.
	Poll         func(ctx context.Context) error
	PollInterval time.Duration // zero means 30 seconds
	RasterLimits raster.Limits
	MailLimits   mail.Limits
	// Logger receives the runner's lines (never a value read from a form);
	// nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("work: no store")
	}
	if c.Registry == nil {
		reg, err := forms.Load()
		if err != nil {
			return c, fmt.Errorf("work: %w", err)
		}
		c.Registry = reg
	}
	if c.Notices == nil {
		c.Notices = c.Store.Notices()
	}
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Backoff == nil {
		c.Backoff = func(attempt int) time.Duration {
			d := 5 * time.Second * time.Duration(math.Pow(4, float64(max(attempt-1, 0))))
			return min(d, 10*time.Minute)
		}
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 10 * time.Minute
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = 30 * time.Second
	}
	if c.RescueInterval <= 0 {
		c.RescueInterval = 5 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// AttachmentReader reads one attachment's bytes into a document, as
// pipeline.ReadAttachment does; *sandbox.Pool is one.
type AttachmentReader interface {
	ReadAttachment(ctx context.Context, data []byte, lim raster.Limits) (pipeline.Document, error)
}

// Runner runs the pipeline's jobs, and queues new work.
type Runner struct {
	cfg    Config
	client *river.Client[pgx.Tx]
	id     string
	log    *slog.Logger
	// poller is set once this process holds the poller lock; it keeps it
	// until its session ends.
	poller bool
}

// backoff is River's retry policy from Config.Backoff.
type backoff struct{ f func(int) time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.f(job.Attempt))
}

// New makes a Runner. It does not start working; see Run and Drain.
func New(cfg Config) (*Runner, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var rnd [4]byte
	rand.Read(rnd[:]) //nolint:errcheck // crypto/rand never fails on Linux
	r := &Runner{cfg: cfg, log: cfg.Logger, id: fmt.Sprintf("intake-%s-%d-%s", host, os.Getpid(), hex.EncodeToString(rnd[:]))}
	workers := river.NewWorkers()
	river.AddWorker(workers, &splitWorker{r: r})
	river.AddWorker(workers, &readWorker{r: r})
	river.AddWorker(workers, &decideWorker{r: r})
	r.client, err = river.NewClient(riverpgxv5.New(cfg.Store.Pool()), &river.Config{
		ID:     r.id,
		Logger: cfg.Logger,
		Queues: map[string]river.QueueConfig{
			queueSplit:  {MaxWorkers: cfg.Workers},
			queueRead:   {MaxWorkers: cfg.Workers},
			queueDecide: {MaxWorkers: cfg.Workers},
		},
		Workers:              workers,
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          backoff{cfg.Backoff},
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout + 10*time.Minute,
		FetchPollInterval:    500 * time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("work: river client: %w", err)
	}
	return r, nil
}

// ID returns the runner's River client ID, unique per process.
func (r *Runner) ID() string { return r.id }

// lock keys: the first of the two 32-bit keys of every advisory lock the
// runners take, so they never meet another user's.
const (
	lockSpace     = 0x696e7461 // "inta"
	lockPollerKey = 1
)

// Run works jobs until ctx is done, then stops: no new job is fetched,
// jobs in flight get StopTimeout to finish, and those still running are
// then cancelled and handed back to be run again.
func (r *Runner) Run(ctx context.Context) error {
	return r.run(ctx, false)
}

// Drain works every job waiting, and those they queue, and returns when
// nothing is left in flight (or ctx is done). Jobs waiting for a retry are
// waited for.
func (r *Runner) Drain(ctx context.Context) error {
	return r.run(ctx, true)
}

func (r *Runner) run(ctx context.Context, drain bool) error {
	if r.cfg.Reader == nil && r.cfg.Attachments == nil {
		return errors.New("work: no page reader to run the pipeline with")
	}
	if err := r.cfg.Store.CheckSchema(ctx); err != nil {
		return fmt.Errorf("work: %w", err)
	}
	// The liveness connection holds this process's lock for as long as it
	// lives; the lock goes with the session when the process dies.
	live, err := r.cfg.Store.Pool().Acquire(ctx)
	if err != nil {
		return fmt.Errorf("work: %w", err)
	}
	defer live.Release()
	if _, err := live.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, lockSpace, r.id); err != nil {
		return fmt.Errorf("work: take liveness lock: %w", err)
	}
	defer func() {
		live.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock_all()`) //nolint:errcheck // released with the session anyway
		r.poller = false
	}()

	if _, err := r.rescue(ctx, live); err != nil {
		return err
	}
	// River's own context must outlive ctx so that stopping is graceful.
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("work: start: %w", err)
	}
	r.log.Info("worker started", "id", r.id, "workers", r.cfg.Workers, "drain", drain)

	tick := time.NewTicker(r.cfg.RescueInterval)
	defer tick.Stop()
	var poll <-chan time.Time
	if r.cfg.Poll != nil && !drain {
		pt := time.NewTicker(r.cfg.PollInterval)
		defer pt.Stop()
		poll = pt.C
		r.maybePoll(ctx, live)
	}
	var check <-chan time.Time
	if drain {
		ct := time.NewTicker(200 * time.Millisecond)
		defer ct.Stop()
		check = ct.C
	}
	idle := 0
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-r.client.Stopped():
			runErr = errors.New("work: the job client stopped by itself")
			break loop
		case <-tick.C:
			if _, err := r.rescue(ctx, live); err != nil && ctx.Err() == nil {
				r.log.Warn("rescue failed", "error", err)
			}
			r.sweepBatches(ctx)
		case <-poll:
			r.maybePoll(ctx, live)
		case <-check:
			n, err := r.InFlight(ctx)
			if err != nil {
				if ctx.Err() == nil {
					runErr = err
				}
				break loop
			}
			// Twice in a row, so that a job between its completion and its
			// successor's insertion cannot be missed (they commit together,
			// but River's own bookkeeping runs after).
			if n == 0 {
				idle++
			} else {
				idle = 0
			}
			if idle >= 2 {
				break loop
			}
		}
	}
	return errors.Join(runErr, r.stop())
}

// stop stops the client gracefully, then cancels what is still running.
func (r *Runner) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.StopTimeout)
	defer cancel()
	err := r.client.Stop(ctx)
	if err == nil {
		r.log.Info("worker stopped")
		return nil
	}
	r.log.Warn("jobs still running at the stop deadline: cancelling them", "error", err)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if err := r.client.StopAndCancel(ctx2); err != nil {
		return fmt.Errorf("work: stop: %w", err)
	}
	return nil
}

// InFlight counts the jobs waiting, running or due for a retry.
func (r *Runner) InFlight(ctx context.Context) (int, error) {
	var n int
	err := r.cfg.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable', 'scheduled')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("work: count jobs in flight: %w", err)
	}
	return n, nil
}

// rescue hands back, at once, the jobs left running by processes that are
// gone: a process's liveness lock is free once its session has ended.
func (r *Runner) rescue(ctx context.Context, live *pgxpool.Conn) (int, error) {
	rows, err := live.Query(ctx, `SELECT id, attempted_by[array_upper(attempted_by, 1)] FROM river_job
		WHERE state = 'running' AND attempted_by IS NOT NULL`)
	if err != nil {
		return 0, fmt.Errorf("work: find running jobs: %w", err)
	}
	byClient := map[string][]int64{}
	for rows.Next() {
		var id int64
		var client string
		if err := rows.Scan(&id, &client); err != nil {
			rows.Close()
			return 0, fmt.Errorf("work: find running jobs: %w", err)
		}
		if client != r.id {
			byClient[client] = append(byClient[client], id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("work: find running jobs: %w", err)
	}
	n := 0
	for client, ids := range byClient {
		var free bool
		if err := live.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, lockSpace, client).Scan(&free); err != nil {
			return n, fmt.Errorf("work: check process %s: %w", client, err)
		}
		if !free {
			continue // alive
		}
		if _, err := live.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, lockSpace, client); err != nil {
			return n, fmt.Errorf("work: check process %s: %w", client, err)
		}
		tag, err := live.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
			WHERE id = ANY($1) AND state = 'running'`, ids)
		if err != nil {
			return n, fmt.Errorf("work: hand back jobs of %s: %w", client, err)
		}
		n += int(tag.RowsAffected())
		r.log.Info("handed back jobs of a process that is gone", "process", client, "jobs", tag.RowsAffected())
	}
	return n, nil
}

// maybePoll runs the poller hook when this process holds, or can take,
// the poller lock.
func (r *Runner) maybePoll(ctx context.Context, live *pgxpool.Conn) {
	if !r.poller {
		if err := live.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockSpace, lockPollerKey).Scan(&r.poller); err != nil {
			r.log.Warn("poller lock", "error", err)
			return
		}
		if !r.poller {
			return
		}
		r.log.Info("this process polls the mailbox", "id", r.id)
	}
	if err := r.cfg.Poll(ctx); err != nil && ctx.Err() == nil {
		r.log.Warn("poll failed", "error", err)
	}
}
