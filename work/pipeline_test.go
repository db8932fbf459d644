package work_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

func newEngine(t testing.TB, reg *forms.Registry) *ocr.Engine {
	t.Helper()
	eng, err := ocr.New(ocr.Config{Registry: reg, Workers: 2, Now: func() time.Time { return asOf }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return eng
}

// checkOutcomes checks what must hold whatever the engine reads: every
// submission's message was split, every attachment read, and every form
// found has exactly one decision; the forms are those of the ground truth;
// requests come only from accepted forms and batch rows, once each. It
// returns how many forms' decisions agree with the ground truth, of how
// many.
func checkOutcomes(t *testing.T, st *store.Store, subs []submission) (agree, total int) {
	t.Helper()
	ctx := context.Background()
	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	requests := 0
	for _, s := range subs {
		m := exp[s.key]
		if m == nil {
			t.Errorf("%s: message %s not exported", s.name, s.key)
			continue
		}
		if m.Status != store.StatusProcessed {
			t.Errorf("%s: message %s (%s), want processed", s.name, m.Status, m.Reason)
		}
		if len(m.Attachments) != len(s.truth.Attachments) {
			t.Errorf("%s: %d attachments, want %d", s.name, len(m.Attachments), len(s.truth.Attachments))
			continue
		}
		for i, a := range m.Attachments {
			ta := s.truth.Attachments[i]
			if a.Filename != ta.Filename || a.Status != store.StatusProcessed || len(a.Pages) != len(ta.Pages) {
				t.Errorf("%s: attachment %s %s (%s) with %d pages, want %s processed with %d pages",
					s.name, a.Filename, a.Status, a.Reason, len(a.Pages), ta.Filename, len(ta.Pages))
			}
		}
		if len(m.Forms) != len(s.truth.Forms) {
			t.Errorf("%s: %d forms, want %d", s.name, len(m.Forms), len(s.truth.Forms))
		}
		for i, f := range m.Forms {
			if f.Status != store.StatusDecided || f.Decision == "" {
				t.Errorf("%s: form %d is %s with decision %q, want decided", s.name, i, f.Status, f.Decision)
			}
			if f.Family != "batch-removal" && len(f.Requests) > 0 && (f.Decision != "accept" || len(f.Requests) != 1) {
				t.Errorf("%s: form %d decided %s has %d requests", s.name, i, f.Decision, len(f.Requests))
			}
			seen := map[string]bool{}
			for _, q := range f.Requests {
				if seen[q.EmployeeNumber] || q.Queue == "" || q.Status != store.RequestQueued {
					t.Errorf("%s: form %d: request %d repeated, unrouted or not queued", s.name, i, q.ID)
				}
				seen[q.EmployeeNumber] = true
				requests++
			}
			if i >= len(s.truth.Forms) {
				continue
			}
			tf := s.truth.Forms[i]
			total++
			if f.Decision == tf.Decision {
				agree++
			}
			if tf.Decision == corpus.Reject && slices.Contains(tf.Reasons, "revision.retired") {
				if f.Decision != corpus.Reject || !hasCode(f.Reasons, "revision.retired") {
					t.Errorf("%s: form %d (%s %s, retired) decided %s %v, want reject revision.retired",
						s.name, i, tf.Family, tf.Revision, f.Decision, f.Reasons)
				}
			}
		}
	}
	all, err := st.Requests(ctx, store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != requests {
		t.Errorf("%d requests in the database, %d reached from the submissions' forms", len(all), requests)
	}
	var inFlight int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled')`).Scan(&inFlight); err != nil {
		t.Fatal(err)
	}
	if inFlight != 0 {
		t.Errorf("%d jobs still in flight", inFlight)
	}
	return agree, total
}

func hasCode(rs []store.ExportReason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// TestSampleEndToEnd feeds the committed sample corpus through the whole
// pipeline, with a message delivered twice, a document resent in a message
// of its own and a corrupt attachment, and compares the export with the
// ground truth.
func TestSampleEndToEnd(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	r, subs := ingestSample(t, st, forms.MustLoad())
	// The same message again, a resent document and a corrupt one.
	again, err := r.IngestFile(ctx, subs[0].path, subs[0].raw)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.Parse(subs[1].raw, mail.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	resent, err := r.IngestFile(ctx, "resent.pdf", parsed.Attachments[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	corrupt, err := r.IngestFile(ctx, "broken.pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog"))
	if err != nil {
		t.Fatal(err)
	}
	if again.DuplicateOf == 0 || resent.DuplicateOf != 0 || corrupt.DuplicateOf != 0 {
		t.Fatalf("ingest: again %+v, resent %+v, corrupt %+v", again, resent, corrupt)
	}

	if err := r.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	agree, total := checkOutcomes(t, st, subs)
	t.Logf("decisions agreeing with the ground truth: %d of %d forms (%.0f%%)", agree, total, 100*float64(agree)/float64(total))

	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := exp[subs[0].key]
	if len(first.Duplicates) != 1 || first.Duplicates[0].ID != again.ID {
		t.Errorf("message delivered twice: duplicates %+v, want message %d", first.Duplicates, again.ID)
	}
	var resentMsg, corruptMsg *store.ExportMessage
	for _, m := range exp {
		switch m.ID {
		case resent.ID:
			resentMsg = m
		case corrupt.ID:
			corruptMsg = m
		}
	}
	orig := exp[subs[1].key].Attachments[0]
	if a := resentMsg.Attachments; len(a) != 1 || a[0].Status != store.StatusDuplicate || a[0].DuplicateOf != orig.ID || len(resentMsg.Forms) != 0 {
		t.Errorf("resent document: %+v, want a duplicate of attachment %d and no forms", resentMsg, orig.ID)
	}
	if a := corruptMsg.Attachments; len(a) != 1 || a[0].Status != store.StatusQuarantined || !strings.Contains(a[0].Reason, "corrupt") {
		t.Errorf("corrupt document: %+v, want quarantined as corrupt", corruptMsg.Attachments)
	}
	var attempts int
	if err := st.Pool().QueryRow(ctx, `SELECT max(attempt) FROM river_job WHERE kind = 'read_attachment' AND args->>'attachment_id' = $1`,
		fmt.Sprint(corruptMsg.Attachments[0].ID)).Scan(&attempts); err != nil || attempts != 1 {
		t.Errorf("corrupt document tried %d times (%v), want once", attempts, err)
	}
	if fs, err := st.Failures(ctx); err != nil || len(fs) != 0 {
		t.Errorf("failures: %+v (%v), want none", fs, err)
	}

	// Draining again finds nothing to do and changes nothing.
	before, _ := st.Requests(ctx, store.RequestFilter{})
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Requests(ctx, store.RequestFilter{})
	if len(before) != len(after) {
		t.Errorf("requests %d before a second drain, %d after", len(before), len(after))
	}
}

// failReader fails every read, as a reader whose engine is broken would.
type failReader struct{}

var errEngine = errors.New("engine unavailable")

func (failReader) ReadPages(context.Context, []ocr.Page) (ocr.Result, error) {
	return ocr.Result{}, errEngine
}

// TestFailedItemParkedAndRetried checks that an attachment whose every
// try fails is parked as failed with its reason, and that Retry runs it
// again.
func TestFailedItemParkedAndRetried(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	reg := forms.MustLoad()
	subs := loadSample(t, 1)
	broken, err := work.New(work.Config{Store: st, Reader: failReader{}, Registry: reg, Rules: rules(),
		MaxAttempts: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.IngestFile(ctx, subs[0].path, subs[0].raw); err != nil {
		t.Fatal(err)
	}
	if err := broken.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err := st.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Item, "attachment/") || !strings.Contains(fs[0].Reason, errEngine.Error()) {
		t.Fatalf("failures: %+v, want the attachment with the engine's error", fs)
	}
	it, err := store.ParseItem(fs[0].Item)
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := work.New(work.Config{Store: st, Reader: newEngine(t, reg), Registry: reg, Rules: rules()})
	if err != nil {
		t.Fatal(err)
	}
	if err := fixed.Retry(ctx, "ops", it); err != nil {
		t.Fatal(err)
	}
	if err := fixed.Retry(ctx, "ops", it); !errors.Is(err, store.ErrNotFailed) {
		t.Errorf("retrying an item queued again: %v, want ErrNotFailed", err)
	}
	if err := fixed.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if fs, _ := st.Failures(ctx); len(fs) != 0 {
		t.Errorf("failures after the retry: %+v", fs)
	}
	checkOutcomes(t, st, subs)
}

// panicReader panics, as a decoder tripping on a strange file might.
type panicReader struct{}

func (panicReader) ReadPages(context.Context, []ocr.Page) (ocr.Result, error) {
	panic("index out of range")
}

// TestPanicParked checks that a stage that panics on its last try parks
// its item as failed, rather than losing it with its job.
func TestPanicParked(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	subs := loadSample(t, 1)
	r, err := work.New(work.Config{Store: st, Reader: panicReader{}, Rules: rules(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.IngestFile(ctx, subs[0].path, subs[0].raw); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err := st.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.Contains(fs[0].Reason, "panic: index out of range") {
		t.Errorf("failures: %+v, want the attachment parked with the panic", fs)
	}
}
