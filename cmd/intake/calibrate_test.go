package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// seedOutcomes stores n outcomes of a kind at confidences spread evenly
// over [lo, hi), wrong where wrong says.
func seedOutcomes(t *testing.T, st *store.Store, form int64, kind forms.Kind, source string, weight float64, n int, lo, hi float64, wrong func(i int, conf float64) bool) {
	t.Helper()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	outs := make([]store.FieldOutcome, n)
	for i := range outs {
		c := lo + (hi-lo)*float64(i)/float64(n)
		outs[i] = store.FieldOutcome{FormID: form, Field: "f", Kind: kind, EngineValue: "a", Confidence: c, FinalValue: "a",
			Agree: !wrong(i, c), Source: source, Weight: weight, DecidedBy: "test", DecidedAt: at}
		if !outs[i].Agree {
			outs[i].FinalValue = "b"
		}
	}
	if err := st.RecordOutcomes(context.Background(), outs); err != nil {
		t.Fatal(err)
	}
}

// TestCalibrateCommand: on seeded outcomes (digits wrong now and then up
// to 0.978, text right down to 0.90, marks reviewed below their threshold
// 0.9 with every fourth wrong and QA samples weighing 50 above it, too few
// dates), calibrate raises digits, lowers text, lowers marks only past the
// last wrong one (however many good QA samples weigh above), keeps the
// rest, and prints the figures of the golden file; it changes nothing
// until --apply, which records version 2.
func TestCalibrateCommand(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	st, err := store.Open(ctx, url, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set, err := st.EnsureThresholds(ctx, "test", quality.Thresholds{
		forms.KindText: 0.97, forms.KindDigits: 0.96, forms.KindDate: 0.92, forms.KindEmail: 0.955, forms.KindMark: 0.9, forms.KindSignature: 0.85,
	})
	if err != nil || set.Version != 1 {
		t.Fatalf("first set: %+v %v", set, err)
	}
	var form int64
	if err := st.Pool().QueryRow(ctx, `WITH m AS (INSERT INTO messages (message_key, sha256, raw) VALUES ('k', 'h', 'x') RETURNING id),
		a AS (INSERT INTO attachments (message_id, ordinal, sha256, data) SELECT id, 1, 'h', 'x' FROM m RETURNING id)
		INSERT INTO forms (attachment_id, ordinal) SELECT id, 1 FROM a RETURNING id`).Scan(&form); err != nil {
		t.Fatal(err)
	}
	never := func(int, float64) bool { return false }
	seedOutcomes(t, st, form, forms.KindDigits, store.OutcomeReview, 1, 1000, 0.90, 1.0, func(i int, c float64) bool { return c < 0.98 && i%20 == 0 })
	seedOutcomes(t, st, form, forms.KindText, store.OutcomeReview, 1, 400, 0.80, 1.0, func(i int, c float64) bool { return c < 0.90 && i%3 == 0 })
	seedOutcomes(t, st, form, forms.KindMark, store.OutcomeReview, 1, 100, 0.5, 0.9, func(i int, _ float64) bool { return i%4 == 0 })
	seedOutcomes(t, st, form, forms.KindMark, store.OutcomeQA, 50, 150, 0.9, 1.0, never)
	seedOutcomes(t, st, form, forms.KindDate, store.OutcomeReview, 1, 20, 0.5, 1.0, never)

	var out bytes.Buffer
	if err := run(ctx, []string{"calibrate", "--database-url", url}, &out); err != nil {
		t.Fatalf("calibrate: %v\n%s", err, out.String())
	}
	golden := filepath.Join("testdata", "calibrate.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("calibrate printed:\n%s\nwant (%s):\n%s", out.String(), golden, want)
	}
	if cur, err := st.CurrentThresholds(ctx); err != nil || cur.Version != 1 {
		t.Fatalf("without --apply the current set is %+v (%v), want version 1", cur, err)
	}

	out.Reset()
	if err := run(ctx, []string{"calibrate", "--database-url", url, "--apply"}, &out); err != nil {
		t.Fatalf("calibrate --apply: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "applied as version 2") {
		t.Errorf("calibrate --apply printed:\n%s", out.String())
	}
	cur, err := st.CurrentThresholds(ctx)
	if err != nil || cur.Version != 2 {
		t.Fatalf("after --apply: %+v %v, want version 2", cur, err)
	}
	th := cur.Thresholds
	if !(th[forms.KindDigits] > 0.978 && th[forms.KindDigits] <= 0.98) {
		t.Errorf("digits threshold %v, want raised just past the last error (0.978)", th[forms.KindDigits])
	}
	if !(th[forms.KindText] >= 0.899 && th[forms.KindText] <= 0.90) {
		t.Errorf("text threshold %v, want lowered to 0.90", th[forms.KindText])
	}
	if !(th[forms.KindMark] > 0.884 && th[forms.KindMark] < 0.8881) {
		t.Errorf("mark threshold %v, want lowered just past the last error below 0.9 (0.884)", th[forms.KindMark])
	}
	for k, v := range map[forms.Kind]float64{forms.KindDate: 0.92, forms.KindEmail: 0.955, forms.KindSignature: 0.85} {
		if th[k] != v {
			t.Errorf("%s threshold %v, want %v kept", k, th[k], v)
		}
	}
	log, err := st.Audit(ctx, "thresholds/2")
	if err != nil || len(log) != 1 || log[0].Action != "thresholds.applied" {
		t.Errorf("audit of the new set: %+v %v", log, err)
	}
}
