package work_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

// dbClock adds up the time spent in queries, batches and copies.
type dbClock struct{ total atomic.Int64 }

type startKey struct{}

func (c *dbClock) start(ctx context.Context) context.Context {
	return context.WithValue(ctx, startKey{}, time.Now())
}

func (c *dbClock) end(ctx context.Context) {
	if t, ok := ctx.Value(startKey{}).(time.Time); ok {
		c.total.Add(int64(time.Since(t)))
	}
}

func (c *dbClock) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return c.start(ctx)
}
func (c *dbClock) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	c.end(ctx)
}
func (c *dbClock) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return c.start(ctx)
}
func (c *dbClock) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *dbClock) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	c.end(ctx)
}
func (c *dbClock) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	return c.start(ctx)
}
func (c *dbClock) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromEndData) {
	c.end(ctx)
}

// BenchmarkPipeline runs 12 sample submissions through the whole
// pipeline on a fresh database per iteration (ingest, then drain with two
// workers) and reports submissions per minute end to end and the share of
// the workers' time spent waiting on the database.
func BenchmarkPipeline(b *testing.B) {
	const workers = 2
	ctx := context.Background()
	reg := forms.MustLoad()
	eng := newEngine(b, reg)
	subs := loadSample(b, 12)
	var wall, db time.Duration
	for b.Loop() {
		b.StopTimer()
		url, _ := openDB(b)
		clock := &dbClock{}
		st, err := store.Open(ctx, url, store.Config{Tracer: clock})
		if err != nil {
			b.Fatal(err)
		}
		r, err := work.New(work.Config{Store: st, Reader: eng, Registry: reg, Rules: rules(), Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for _, s := range subs {
			if _, err := r.IngestFile(ctx, s.path, s.raw); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		db += time.Duration(clock.total.Load())
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	n := float64(b.N * len(subs))
	b.ReportMetric(n/wall.Minutes(), "submissions/min")
	b.ReportMetric(float64(db)/float64(wall*workers), "db_share")
	b.ReportMetric(float64(db.Milliseconds())/n, "db_ms/submission")
}
