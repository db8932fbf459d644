package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/lausd/misis-intake/eval"
	"github.com/lausd/misis-intake/ocr"
)

func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	count := fs.Int("count", 20, "submissions to generate and read")
	seed := fs.Uint64("seed", 9001, "corpus seed")
	workers := fs.Int("workers", runtime.NumCPU(), "Tesseract clients")
	rounds := fs.Int("rounds", 2, "times the pages are read by the engine and then by the tesseract command, in turn")
	asJSON := fs.Bool("json", false, "print JSON")
	rosterPath := fs.String("roster", "testdata/roster.csv", "HR roster CSV")
	locPath := fs.String("locations", "testdata/locations.csv", "locations CSV")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	gen, err := corpusConfig(*rosterPath, *locPath)
	if err != nil {
		return err
	}
	gen.Count, gen.Seed, gen.AsOf = *count, *seed, time.Now()
	eng, err := ocr.New(ocr.Config{Registry: gen.Registry, Workers: *workers})
	if err != nil {
		return err
	}
	defer eng.Close()
	rep, err := eval.Bench(ctx, gen, eng, *workers, *rounds)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "%d submissions, %d pages, %d workers, %d rounds\n", rep.Submissions, rep.Pages, rep.Workers, rep.Rounds)
	fmt.Fprintf(stdout, "engine:    %.0f ms CPU per page (raster + ocr), %.1f pages per minute, peak RSS %.0f MB\n",
		rep.EngineCPUms, rep.PagesPerMinute, rep.PeakRSSMB)
	fmt.Fprintf(stdout, "tesseract: %.0f ms CPU per page (whole page at 300 dpi)\n", rep.TesseractCPUms)
	fmt.Fprintf(stdout, "ratio:     %.3f of full-page OCR (by round: %v)\n", rep.Ratio, rep.RoundRatios)
	return nil
}
