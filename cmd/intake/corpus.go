package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lausd/misis-intake/corpus"
)

func runCorpus(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("corpus", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the submissions into")
	count := fs.Int("count", 40, "number of submissions")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same corpus")
	style := fs.String("style", "mixed", "fills: typed, hand or mixed")
	asOf := fs.String("as-of", "", "the day the submissions are judged on, YYYY-MM-DD (default today)")
	rosterPath := fs.String("roster", "testdata/roster.csv", "HR roster CSV the people are drawn from")
	locPath := fs.String("locations", "testdata/locations.csv", "locations CSV")
	maxRows := fs.Int("max-batch-rows", 30, "most rows on a batch removal form")
	transports := fs.String("transports", "", "comma-separated transports to draw from (default all: "+strings.Join(corpus.TransportNames(), ",")+")")
	keepVector := fs.Bool("keep-vector", false, "also write each attachment as drawn, before fax or scan (NAME.vector.pdf)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("corpus: --out DIR is required")
	}
	cfg, err := corpusConfig(*rosterPath, *locPath)
	if err != nil {
		return err
	}
	cfg.Out, cfg.Count, cfg.Seed, cfg.Style = *out, *count, *seed, *style
	cfg.MaxBatchRows, cfg.KeepVector = *maxRows, *keepVector
	if *transports != "" {
		cfg.Transports = strings.Split(*transports, ",")
	}
	if *asOf != "" {
		if cfg.AsOf, err = time.Parse("2006-01-02", *asOf); err != nil {
			return fmt.Errorf("corpus: --as-of: %w", err)
		}
	}
	start := time.Now()
	cfg.Progress = func(done, total int) {
		if done%10 == 0 || done == total {
			fmt.Fprintf(os.Stderr, "\rcorpus: %d/%d submissions", done, total)
		}
	}
	m, err := corpus.Generate(ctx, cfg)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d submissions to %s (seed %d, as of %s) in %s\n",
		len(m.Submissions), *out, m.Seed, m.AsOf, time.Since(start).Round(time.Second))
	return nil
}

// corpusConfig loads what every corpus needs: forms, roster, locations, fonts.
func corpusConfig(rosterPath, locPath string) (corpus.Config, error) {
	d, err := loadRosterData(rosterPath, locPath)
	if err != nil {
		return corpus.Config{}, err
	}
	fonts, err := corpus.DefaultFonts()
	if err != nil {
		return corpus.Config{}, err
	}
	return corpus.Config{Registry: d.reg, People: d.roster.Employees(), Locations: d.locs.All(), Fonts: fonts}, nil
}
