package quality

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteProposals prints, per kind, the current and proposed threshold and
// what each does to the straight-through share and to the error rate among
// accepted values (with the upper bound of its 95% interval), and whether
// the threshold moves.
func WriteProposals(w io.Writer, ps []Proposal) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tVALUES\tCURRENT\tSTRAIGHT-THROUGH\tERRORS (95% HIGH)\tPROPOSED\tSTRAIGHT-THROUGH\tERRORS (95% HIGH)\tCHANGE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Kind, p.Samples,
			threshold(p.Current.Threshold), percent(p.Current.STP), errorRate(p.Current),
			threshold(p.Proposed.Threshold), percent(p.Proposed.STP), errorRate(p.Proposed), change(p))
	}
	return tw.Flush()
}

func threshold(t float64) string {
	if t > 1 {
		return "never"
	}
	return fmt.Sprintf("%.4f", t)
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func errorRate(e Effect) string {
	if e.Accepted == 0 {
		return "none accepted"
	}
	return fmt.Sprintf("%.2f%% (%.2f%%)", 100*e.ErrorRate, 100*e.ErrorHi)
}

func change(p Proposal) string {
	switch {
	case p.Kept != "":
		return "keep: " + p.Kept
	case p.Proposed.Threshold > p.Current.Threshold:
		return "raise"
	case p.Proposed.Threshold < p.Current.Threshold:
		return "lower"
	}
	return "same"
}
