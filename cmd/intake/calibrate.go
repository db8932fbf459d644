package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/lausd/misis-intake/eval"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/store"
)

// runCalibrate proposes per-kind auto-accept thresholds from the outcomes
// of people's decisions on fields (and a corpus evaluation with --corpus),
// prints what they change, and makes them the current set with --apply.
func runCalibrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	db := databaseFlag(fs)
	corpusDir := fs.String("corpus", "", "also evaluate the engine on this corpus (made by 'intake corpus') and count its values")
	rosterPath := fs.String("roster", "testdata/roster.csv", "with --corpus: HR roster CSV")
	locPath := fs.String("locations", "testdata/locations.csv", "with --corpus: locations CSV")
	workers := fs.Int("workers", runtime.NumCPU(), "with --corpus: Tesseract clients")
	days := fs.Int("days", 0, "count the outcomes of the last N days only (0: all)")
	maxError := fs.Float64("max-error", quality.DefaultMaxError, "most errors among accepted values a threshold may allow")
	minAccepted := fs.Int("min-accepted", quality.DefaultMinAccepted, "least values a threshold must accept to be proposed")
	apply := fs.Bool("apply", false, "make the proposed thresholds the current set (workers use it from their next start)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("calibrate: unexpected %q", fs.Arg(0))
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	cur, err := st.CurrentThresholds(ctx)
	if errors.Is(err, store.ErrNotFound) {
		cur = store.ThresholdSet{Thresholds: thresholdsOf(ocr.DefaultThresholds)} // version 0: the engine's defaults
	} else if err != nil {
		return err
	}
	var since time.Time
	if *days > 0 {
		since = time.Now().AddDate(0, 0, -*days)
	}
	outs, err := st.Outcomes(ctx, since)
	if err != nil {
		return err
	}
	samples := make([]quality.Sample, 0, len(outs))
	bySource := map[string]int{}
	for _, o := range outs {
		samples = append(samples, quality.Sample{Kind: o.Kind, Confidence: o.Confidence, Right: o.Agree, Weight: o.Weight})
		bySource[o.Source]++
	}
	corpusNote := "none"
	if *corpusDir != "" {
		cs, err := corpusSamples(ctx, *corpusDir, *rosterPath, *locPath, *workers)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		samples = append(samples, cs...)
		corpusNote = fmt.Sprintf("%s (%d values)", *corpusDir, len(cs))
	}

	props := quality.Calibrate(samples, cur.Thresholds, quality.CalibrateOptions{MaxError: *maxError, MinAccepted: *minAccepted})
	version := "the engine's defaults (no set recorded yet)"
	if cur.Version > 0 {
		version = fmt.Sprintf("version %d", cur.Version)
	}
	fmt.Fprintf(stdout, "thresholds in force: %s: %s\n", version, cur.Thresholds)
	fmt.Fprintf(stdout, "outcomes: %d%s; corpus: %s\n", len(outs), sourceCounts(bySource), corpusNote)
	fmt.Fprintf(stdout, "proposed: per kind, the least threshold with at most %.2f%% errors among at least %d accepted values\n\n",
		100**maxError, *minAccepted)
	if err := quality.WriteProposals(stdout, props); err != nil {
		return err
	}
	next := quality.Thresholds{}
	for k, v := range cur.Thresholds {
		next[k] = v
	}
	changed := 0
	for _, p := range props {
		if p.Changed() {
			next[p.Kind] = p.Proposed.Threshold
			changed++
		}
	}
	fmt.Fprintln(stdout)
	switch {
	case changed == 0:
		fmt.Fprintln(stdout, "no threshold changes")
	case !*apply:
		fmt.Fprintf(stdout, "not applied: %d threshold(s) would change; run again with --apply to make them current\n", changed)
	default:
		note := fmt.Sprintf("intake calibrate: %d outcomes, corpus %s, max error %.4g", len(outs), corpusNote, *maxError)
		set, err := st.AddThresholds(ctx, actor(), next, note)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied as version %d: %s\nthe workers use it from their next start\n", set.Version, set.Thresholds)
	}
	return nil
}

// sourceCounts writes " (review 3, qa 2)" for the outcomes by source.
func sourceCounts(by map[string]int) string {
	if len(by) == 0 {
		return ""
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, by[n])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// corpusSamples evaluates the engine on a corpus and returns its values'
// calibration curves as samples.
func corpusSamples(ctx context.Context, dir, rosterPath, locPath string, workers int) ([]quality.Sample, error) {
	data, err := loadRosterData(rosterPath, locPath)
	if err != nil {
		return nil, err
	}
	env := data.env()
	clock, err := eval.Clock(dir)
	if err != nil {
		return nil, err
	}
	eng, err := ocr.New(ocr.Config{Registry: env.Registry, Workers: workers, Now: clock, Places: data.locs})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	rep, err := eval.Run(ctx, eval.Config{Dir: dir, Reader: eng, Registry: env.Registry, Roster: env.Roster,
		Locations: env.Locations, Parallel: workers})
	if err != nil {
		return nil, err
	}
	var out []quality.Sample
	for kind, curve := range rep.Calibration {
		points := make([]quality.CurvePoint, len(curve))
		for i, c := range curve {
			points[i] = quality.CurvePoint{Threshold: c.Threshold, Right: c.Right, AutoRate: c.AutoRate, Count: c.Count}
		}
		out = append(out, quality.FromCurve(forms.Kind(kind), points)...)
	}
	return out, nil
}

// thresholdsOf returns the engine's thresholds by kind.
func thresholdsOf(t ocr.Thresholds) quality.Thresholds {
	out := quality.Thresholds{}
	for _, k := range quality.Kinds {
		out[k] = t.For(k)
	}
	return out
}

// ocrThresholds returns a set's thresholds for the engine; kinds the set
// lacks keep the engine's defaults.
func ocrThresholds(t quality.Thresholds) ocr.Thresholds {
	return ocr.Thresholds{
		Text: t[forms.KindText], Digits: t[forms.KindDigits], Date: t[forms.KindDate],
		Email: t[forms.KindEmail], Mark: t[forms.KindMark], Signature: t[forms.KindSignature],
	}
}
