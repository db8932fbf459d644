package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

// syncBuffer is a bytes.Buffer many goroutines and children write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// personal are the fields whose values identify a person.
var personal = regexp.MustCompile(`(^|\.)(employee_number|first_name|last_name|admin_name|notify_name|email|admin_email|notify_email)$`)

// Employee numbers, names and signature images never reach the logs: a
// few sample submissions go through the whole pipeline with every log at
// debug level (the runner's, River's, the pool's and the children's
// standard error, engine lines included), and the logs are searched for
// every personal value of their ground truth.
func TestLogsFreeOfPersonalData(t *testing.T) {
	ctx := context.Background()
	st := database(t)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	cfg := testConfig(t)
	cfg.Children, cfg.Stderr, cfg.Logger, cfg.Verbose = 2, &logs, log, true
	pool := newPool(t, cfg)
	r, err := work.New(work.Config{
		Store: st, Attachments: pool, Registry: forms.MustLoad(), Workers: 2, Logger: log,
		Rules: validate.Config{Now: func() time.Time { return time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("../testdata/sample/sub-*.json")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	values := map[string]bool{}
	for _, jn := range names[:4] {
		b, err := os.ReadFile(jn)
		if err != nil {
			t.Fatal(err)
		}
		var truth corpus.Truth
		if err := json.Unmarshal(b, &truth); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join("../testdata/sample", truth.EML))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Ingest(ctx, raw, "test:"+truth.ID); err != nil {
			t.Fatal(err)
		}
		for _, f := range truth.Forms {
			for name, v := range f.Fields {
				if personal.MatchString(name) && strings.TrimSpace(v) != "" {
					values[strings.TrimSpace(v)] = true
				}
			}
		}
	}
	if len(values) < 10 {
		t.Fatalf("only %d personal values in the ground truth; the test would prove little", len(values))
	}
	dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := r.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "attachment reader started") || !strings.Contains(out, "worker started") || !strings.Contains(out, "page read") {
		t.Fatalf("the logs were not captured:\n%s", out)
	}
	for v := range values {
		// Whole words only: a first name may be part of another word.
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\b`).MatchString(out) {
			t.Errorf("the logs hold the personal value %q", v)
		}
	}
	// A signature image would show as a long run of base64 or binary.
	if m := regexp.MustCompile(`[A-Za-z0-9+/=]{200,}`).FindString(out); m != "" {
		t.Errorf("the logs hold %d characters of what may be an encoded image", len(m))
	}
	t.Logf("%d lines of logs searched for %d personal values", strings.Count(out, "\n"), len(values))
}
