package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"text/tabwriter"

	"github.com/lausd/misis-intake/config"
	"github.com/lausd/misis-intake/eval"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/validate"
)

func runEval(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	rosterPath := fs.String("roster", "testdata/roster.csv", "HR roster CSV")
	locPath := fs.String("locations", "testdata/locations.csv", "locations CSV")
	workers := fs.Int("workers", runtime.NumCPU(), "Tesseract clients (pages read at once)")
	mistakes := fs.Int("mistakes", 0, "also list this many values read wrong")
	doubts := fs.Int("doubts", 0, "with --json, also list this many values read right but not sure, and forms misjudged")
	ruleFlags := config.AddRuleFlags(fs) // dates are judged as on each submission's as_of day
	dirs, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 {
		return fmt.Errorf("eval: want one corpus directory (made by 'intake corpus')")
	}
	rules, err := ruleFlags.Rules("")
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	data, err := loadRosterData(*rosterPath, *locPath)
	if err != nil {
		return err
	}
	env := data.env()
	clock, err := eval.Clock(dirs[0])
	if err != nil {
		return err
	}
	eng, err := ocr.New(ocr.Config{Registry: env.Registry, Workers: *workers, Now: clock, Places: data.locs})
	if err != nil {
		return err
	}
	defer eng.Close()
	rep, err := eval.Run(ctx, eval.Config{
		Dir: dirs[0], Reader: eng, Registry: env.Registry, Roster: env.Roster, Locations: env.Locations,
		Rules: rules, Parallel: *workers,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		if *mistakes >= 0 && len(rep.Mistakes) > *mistakes {
			rep.Mistakes = rep.Mistakes[:*mistakes]
		}
		if len(rep.Doubts) > *doubts {
			rep.Doubts = rep.Doubts[:*doubts]
		}
		if len(rep.Misjudged) > *doubts {
			rep.Misjudged = rep.Misjudged[:*doubts]
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(stdout, rep, *mistakes)
	return nil
}

// rosterData is what the rules consult, read from files: forms, the HR
// roster and the locations.
type rosterData struct {
	reg    *forms.Registry
	roster *validate.MemRoster
	locs   *validate.MemLocations
}

func (d rosterData) env() validate.Env {
	return validate.Env{Registry: d.reg, Roster: d.roster, Locations: d.locs}
}

// loadRosterData reads the embedded forms and the roster and locations CSVs.
func loadRosterData(rosterPath, locPath string) (rosterData, error) {
	var d rosterData
	var err error
	if d.reg, err = forms.Load(); err != nil {
		return d, err
	}
	if d.roster, err = validate.ReadRosterFile(rosterPath); err != nil {
		return d, err
	}
	d.locs, err = validate.ReadLocationsFile(locPath)
	return d, err
}

func printReport(w io.Writer, rep *eval.Report, mistakes int) {
	fmt.Fprintf(w, "%d submissions, %d pages, in %s\n", rep.Submissions, rep.Pages, rep.Elapsed)
	id := rep.Identification
	fmt.Fprintf(w, "identification: %.2f%% of %d form pages; %d of %d cover sheets taken for a form\n\n",
		100*id.Accuracy, id.FormPages, id.CoversAsForms, id.Covers)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "style\tfield\tcount\taccuracy\tauto\terrors among auto\t")
	styles := []string{"all"}
	for s := range rep.ByStyle {
		styles = append(styles, s)
	}
	sort.Strings(styles[1:])
	for _, style := range styles {
		scores := rep.Fields
		if style != "all" {
			scores = rep.ByStyle[style]
		}
		keys := make([]string, 0, len(scores))
		for k := range scores {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s := scores[k]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f%%\t%.2f%%\t%.2f%% (%d)\t\n", style, k, s.Count,
				100*s.Accuracy, 100*s.AutoRate, 100*s.AutoErrorRate, s.AutoWrong)
		}
	}
	tw.Flush()
	if d := rep.Decisions; d != nil {
		fmt.Fprintf(w, "\ndecisions: %.2f%% right of %d; valid forms accepted with no person %.2f%%; "+
			"submissions with no person %.2f%%; false accepts %d; retired revisions rejected %.2f%%\n",
			100*d.Accuracy, d.Count, 100*d.STPRate, 100*d.NoTouchRate, d.FalseAccepts, 100*d.RetiredRejected)
		fmt.Fprintf(w, "values the rules settled: %d, %d of them not what the form says\n", d.Settled, d.SettledWrong)
		fmt.Fprintf(w, "outcomes (truth->machine): %v\n", d.Outcomes)
		fmt.Fprintf(w, "what sent forms to review: %v\n", d.ReviewCauses)
	}
	if b := rep.BatchRows; b != nil {
		fmt.Fprintf(w, "batch rows: %d, %.2f%% right, %.2f%% auto, %.2f%% errors among auto, %d wrong-person removals\n",
			b.Count, 100*b.Accuracy, 100*b.AutoRate, 100*b.AutoErrorRate, b.WrongPersonRemovals)
	}
	fmt.Fprintf(w, "suggested thresholds (errors among auto <= 0.2%%): %v\n", rep.SuggestedThresholds)
	for _, f := range rep.Failures {
		fmt.Fprintln(w, "failed:", f)
	}
	for i, m := range rep.Mistakes {
		if i >= mistakes {
			break
		}
		fmt.Fprintf(w, "wrong: %s %s (%s): got %q want %q conf %.2f sure %v\n", m.Submission, m.Field, m.Kind, m.Got, m.Want, m.Confidence, m.Sure)
	}
}
