package eval

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/ocr"
)

// TestBench runs the benchmark on a corpus of two submissions, two rounds,
// and checks that its report adds up: the ratio is the engine's CPU over
// the tesseract command's, and each round has its own.
func TestBench(t *testing.T) {
	reg, roster, locs := sampleData(t)
	fonts, err := corpus.DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	gen := corpus.Config{
		Registry: reg, People: roster.Employees(), Locations: locs.All(), Fonts: fonts,
		Count: 2, Seed: 9001, AsOf: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	}
	eng, err := ocr.New(ocr.Config{Registry: reg, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	rep, err := Bench(context.Background(), gen, eng, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Submissions != 2 || rep.Pages == 0 || rep.Rounds != 2 || len(rep.RoundRatios) != 2 {
		t.Fatalf("report %+v: want 2 submissions, their pages, 2 rounds with a ratio each", rep)
	}
	if rep.EngineCPUms <= 0 || rep.TesseractCPUms <= 0 || rep.PagesPerMinute <= 0 || rep.PeakRSSMB <= 0 {
		t.Fatalf("report %+v: want every figure measured", rep)
	}
	if want := rep.EngineCPUms / rep.TesseractCPUms; math.Abs(rep.Ratio-want) > 0.01 {
		t.Errorf("ratio %.3f, want engine over tesseract, %.3f", rep.Ratio, want)
	}
	for _, r := range rep.RoundRatios {
		if r <= 0 {
			t.Errorf("round ratios %v: want each measured", rep.RoundRatios)
		}
	}
}
