package eval

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/validate"
)

// TestSampleCorpus runs the engine and the rules over the committed sample
// corpus (testdata/sample) and holds them to the figures they reach, with
// a small margin: what is read, what is accepted unchecked, and what the
// rules decide. A change that makes the engine or the rules worse fails
// here. The full report is written to $INTAKE_ARTIFACTS/sample-eval.json
// when that is set.
func TestSampleCorpus(t *testing.T) {
	reg, roster, locs := sampleData(t)
	clock, err := Clock("../testdata/sample")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := ocr.New(ocr.Config{Registry: reg, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	rep, err := Run(context.Background(), Config{
		Dir: "../testdata/sample", Reader: eng, Registry: reg, Roster: roster, Locations: locs,
	})
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("INTAKE_ARTIFACTS"); dir != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		os.WriteFile(dir+"/sample-eval.json", b, 0o644)
	}
	t.Logf("identification %.4f; outcomes %v; review causes %v", rep.Identification.Accuracy, rep.Decisions.Outcomes, rep.Decisions.ReviewCauses)

	if rep.Submissions != 40 || rep.Pages != 69 || len(rep.Failures) > 0 {
		t.Fatalf("read %d submissions, %d pages, failures %q; want 40, 69, none", rep.Submissions, rep.Pages, rep.Failures)
	}
	atLeast := func(what string, got, want float64) {
		t.Helper()
		if got < want {
			t.Errorf("%s = %.4f, want at least %.4f", what, got, want)
		}
	}
	atMost := func(what string, got, want float64) {
		t.Helper()
		if got > want {
			t.Errorf("%s = %.4f, want at most %.4f", what, got, want)
		}
	}
	atLeast("identification accuracy", rep.Identification.Accuracy, 0.94)
	atMost("cover sheets taken for forms", float64(rep.Identification.CoversAsForms), 0)
	typed, hand := rep.ByStyle["typed"], rep.ByStyle["hand"]
	atLeast("typed employee number accuracy", typed["employee_number"].Accuracy, 0.93)
	atLeast("typed role mark accuracy", typed["role_mark"].Accuracy, 0.99)
	atLeast("typed signature accuracy", typed["signature"].Accuracy, 0.98)
	atLeast("hand role mark accuracy", hand["role_mark"].Accuracy, 0.97)
	atLeast("hand signature accuracy", hand["signature"].Accuracy, 0.97)
	for style, scores := range rep.ByStyle {
		atMost(style+" errors among auto-accepted values", scores["all"].AutoErrorRate, 0.002)
	}
	atMost("false accepts", float64(rep.Decisions.FalseAccepts), 0)
	atMost("values settled wrong", float64(rep.Decisions.SettledWrong), 0)
	atLeast("retired revisions rejected", rep.Decisions.RetiredRejected, 1)
	if rep.BatchRows != nil {
		atMost("wrong-person removals", float64(rep.BatchRows.WrongPersonRemovals), 0)
	}
}

// sampleData loads the forms and the sample roster and locations the
// committed corpus was made from.
func sampleData(t testing.TB) (*forms.Registry, *validate.MemRoster, *validate.MemLocations) {
	t.Helper()
	roster, err := validate.ReadRosterFile("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	locs, err := validate.ReadLocationsFile("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	return forms.MustLoad(), roster, locs
}
