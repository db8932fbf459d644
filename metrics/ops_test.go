package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/metrics"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func TestHealthAndReady(t *testing.T) {
	var readyErr error
	h := metrics.Ops(func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("readiness check without a deadline")
		}
		return readyErr
	})
	tests := []struct {
		name     string
		path     string
		readyErr error
		code     int
		body     string
	}{
		{"alive", "/healthz", nil, 200, "ok"},
		{"alive without the database", "/healthz", errors.New("connection refused"), 200, "ok"},
		{"ready", "/readyz", nil, 200, "ready"},
		{"not migrated", "/readyz", errors.New("schema at version 2, want 300"), 503, "not ready: schema at version 2, want 300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readyErr = tt.readyErr
			code, body := get(t, h, tt.path)
			if code != tt.code || strings.TrimSpace(body) != tt.body {
				t.Errorf("GET %s: %d %q, want %d %q", tt.path, code, body, tt.code, tt.body)
			}
		})
	}
}

func TestMetricsExposition(t *testing.T) {
	h := metrics.Ops(func(context.Context) error { return nil })
	oldest := time.Now().Add(-90 * time.Second)
	metrics.SetReviewQueue(func(context.Context) (int, *time.Time, error) { return 3, &oldest, nil })
	t.Cleanup(func() { metrics.SetReviewQueue(nil) })
	metrics.ObserveStage(metrics.StageRead, time.Now().Add(-2*time.Second), nil)
	metrics.ObserveFailure(metrics.StageDecide, true)
	metrics.ObserveField(0.42, false)
	metrics.PagesRead.Add(2)
	metrics.Decisions.WithLabelValues("review").Inc()

	code, body := get(t, h, "/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, want := range []string{
		"intake_review_queue_depth 3",
		`intake_stage_duration_seconds_count{result="ok",stage="read"} 1`,
		`intake_job_failures_total{parked="true",stage="decide"} 1`,
		`intake_job_failures_total{parked="false",stage="split"} 0`,
		`intake_field_confidence_bucket{sure="false",le="0.5"} 1`,
		`intake_field_confidence_bucket{sure="false",le="0.4"} 0`,
		"intake_pages_read_total 2",
		`intake_decisions_total{outcome="review"} 1`,
		`intake_decisions_total{outcome="accept"} 0`,
		`intake_messages_fetched_total{source="imap"} 0`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	var age float64
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, "intake_review_queue_oldest_age_seconds "); ok {
			if _, err := fmt.Sscan(v, &age); err != nil {
				t.Fatal(err)
			}
		}
	}
	if age < 89 || age > 200 {
		t.Errorf("oldest review age %v s, want about 90", age)
	}

	metrics.SetReviewQueue(func(context.Context) (int, *time.Time, error) { return 0, nil, errors.New("down") })
	_, body = get(t, h, "/metrics")
	if !strings.Contains(body, "intake_review_queue_scrape_ok 0") || strings.Contains(body, "intake_review_queue_depth ") {
		t.Errorf("with the database down, want scrape_ok 0 and no depth:\n%s", grep(body, "intake_review"))
	}
}

func grep(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
