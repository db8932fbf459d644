package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

var keyForms atomic.Int64

// keyForm stores a read batch form with two row employee numbers sent to
// review, decided with the plan made by policy, and returns its ID.
func keyForm(t *testing.T, s *store.Store, policy quality.Policy) int64 {
	t.Helper()
	ctx := context.Background()
	reg := forms.MustLoad()
	rd := forms.Reading{Family: "batch-removal", Revision: "05/01/2023", Known: true, Confidence: 0.99, Pages: []int{1},
		Values: map[string]forms.Value{
			"school_name":           {Text: "Hoover Street Elementary", Confidence: 0.99, Sure: true, Source: forms.FromEngine},
			"row01.employee_number": {Text: "75358447", Confidence: 0.55, Source: forms.FromEngine},
			"row02.employee_number": {Text: "60567428", Confidence: 0.62, Source: forms.FromEngine},
		}}
	d := validate.Decision{Outcome: validate.Review, Review: []validate.ReviewItem{
		{Field: "row01.employee_number", Row: 1, Why: validate.WhyLowConfidence, Code: validate.CodeValueUnsure},
		{Field: "row02.employee_number", Row: 2, Why: validate.WhyLowConfidence, Code: validate.CodeValueUnsure},
	}}
	var formID int64
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		n := keyForms.Add(1) // each form its own message and document
		ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Raw: fmt.Appendf(nil, "Subject: %d\r\n\r\nx", n)})
		if err != nil {
			return err
		}
		split, err := store.SaveSplit(ctx, tx, ins.ID, []store.NewAttachment{{Filename: "a.pdf", Type: "pdf", Data: fmt.Appendf(nil, "%%PDF-1.4 %d", n)}})
		if err != nil {
			return err
		}
		read, err := store.SaveRead(ctx, tx, split.ToRead[0], []store.Page{{Page: 1}}, []forms.Reading{rd})
		if err != nil {
			return err
		}
		formID = read.Forms[0]
		res, err := store.SaveDecision(ctx, tx, formID, d, nil)
		if err != nil {
			return err
		}
		return store.SaveQuality(ctx, tx, formID, res.DecisionID, policy.Plan(reg, formID, &rd, d))
	})
	if err != nil {
		t.Fatal(err)
	}
	return formID
}

func tasksOf(t *testing.T, s *store.Store, formID int64, purpose string) []store.KeyingTask {
	t.Helper()
	out, err := s.OpenKeying(context.Background(), formID, purpose)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDoubleKeying: a batch form in review on two row employee numbers
// gets two blind keying tasks; the first keyer cannot key the second; two
// keyers who agree on one row and not the other settle the first and send
// the second to a supervisor, whom neither keyer may be; the supervisor
// settles it. Values settled are the reviewer's on the form, and every one
// is an outcome; the decision records the threshold version.
func TestDoubleKeying(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	set, err := s.EnsureThresholds(ctx, "test", quality.Thresholds{forms.KindDigits: 0.96, forms.KindText: 0.97})
	if err != nil || set.Version != 1 {
		t.Fatalf("first threshold set: %+v %v", set, err)
	}
	policy := quality.Policy{Version: set.Version, Thresholds: set.Thresholds, HighRisk: quality.DefaultHighRisk}
	form := keyForm(t, s, policy)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

	double := tasksOf(t, s, form, store.KeyingDouble)
	if len(double) != 2 || len(double[0].Fields) != 2 || double[0].Fields[0].Name != "row01.employee_number" {
		t.Fatalf("double keying tasks: %+v", double)
	}
	pending, err := s.BlindFields(ctx, form)
	if err != nil || !pending["row01.employee_number"] || !pending["row02.employee_number"] || pending["school_name"] {
		t.Fatalf("blind fields: %v %v", pending, err)
	}
	both := map[string]string{"row01.employee_number": "75358447", "row02.employee_number": "60567428"}
	if _, err := s.SubmitKeying(ctx, store.Keying{TaskID: double[0].ID, By: "ann", Now: now, Values: map[string]string{"row01.employee_number": "1"}}); !errors.Is(err, store.ErrKeyingIncomplete) {
		t.Errorf("a key missing a field: %v, want ErrKeyingIncomplete", err)
	}
	res, err := s.SubmitKeying(ctx, store.Keying{TaskID: double[0].ID, By: "ann", Now: now, Values: both})
	if err != nil || len(res.Agreed)+len(res.Disputed) != 0 {
		t.Fatalf("first key: %+v %v", res, err)
	}
	if _, err := s.SubmitKeying(ctx, store.Keying{TaskID: double[0].ID, By: "bob", Now: now, Values: both}); !errors.Is(err, store.ErrKeyingClosed) {
		t.Errorf("keying a done task: %v, want ErrKeyingClosed", err)
	}
	second, err := s.KeyingTask(ctx, double[1].ID)
	if err != nil || second.MayKey("ann") || !second.MayKey("bob") {
		t.Errorf("second task: may ann key it %v, bob %v (%v); want no, yes", second.MayKey("ann"), second.MayKey("bob"), err)
	}
	if _, err := s.SubmitKeying(ctx, store.Keying{TaskID: double[1].ID, By: "ann", Now: now, Values: both}); !errors.Is(err, store.ErrSameKeyer) {
		t.Fatalf("the first keyer keying the second task: %v, want ErrSameKeyer", err)
	}
	res, err = s.SubmitKeying(ctx, store.Keying{TaskID: double[1].ID, By: "bob", Now: now,
		Values: map[string]string{"row01.employee_number": " 7535 8447", "row02.employee_number": "60567426"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Agreed) != 1 || res.Agreed[0] != "row01.employee_number" || len(res.Disputed) != 1 || res.SupervisorTask == 0 {
		t.Fatalf("second key: %+v; want row 1 agreed and row 2 to a supervisor", res)
	}
	sup, err := s.KeyingTask(ctx, res.SupervisorTask)
	if err != nil || sup.Purpose != store.KeyingSupervisor || len(sup.Fields) != 1 || sup.Fields[0].Name != "row02.employee_number" {
		t.Fatalf("supervisor task: %+v %v", sup, err)
	}
	disputed, err := s.DisputedValues(ctx, sup.ID)
	if err != nil || disputed["row02.employee_number"] != [2]string{"60567428", "60567426"} {
		t.Errorf("disputed values: %v %v", disputed, err)
	}
	for _, keyer := range []string{"ann", "bob"} {
		if _, err := s.SubmitKeying(ctx, store.Keying{TaskID: sup.ID, By: keyer, Now: now, Values: map[string]string{"row02.employee_number": "60567428"}}); !errors.Is(err, store.ErrSameKeyer) {
			t.Errorf("keyer %s settling the dispute: %v, want ErrSameKeyer", keyer, err)
		}
	}
	keyed, err := s.KeyedFields(ctx, form)
	if err != nil || keyed["row01.employee_number"].Pending || keyed["row01.employee_number"].Value != " 7535 8447" || !keyed["row02.employee_number"].Pending {
		t.Errorf("keyed fields before the supervisor: %+v %v", keyed, err)
	}
	if _, err := s.SubmitKeying(ctx, store.Keying{TaskID: sup.ID, By: "sue", Now: now, Values: map[string]string{"row02.employee_number": "60567428"}}); err != nil {
		t.Fatal(err)
	}
	f, err := s.Form(ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"row01.employee_number": " 7535 8447", "row02.employee_number": "60567428"} {
		if v := f.Reading.Values[name]; v.Text != want || v.Source != forms.FromReviewer || !v.Sure {
			t.Errorf("%s after keying: %+v, want %q from a reviewer", name, v, want)
		}
	}
	if pending, _ := s.BlindFields(ctx, form); len(pending) != 0 {
		t.Errorf("blind fields after settling: %v", pending)
	}
	outs, err := s.Outcomes(ctx, time.Time{})
	if err != nil || len(outs) != 2 {
		t.Fatalf("outcomes: %+v %v", outs, err)
	}
	if o := outs[0]; o.Source != store.OutcomeDouble || o.Kind != forms.KindDigits || o.EngineValue != "75358447" || o.Confidence != 0.55 ||
		!o.Agree || o.DecidedBy != "ann+bob" || o.ThresholdVersion != 1 {
		t.Errorf("agreed outcome: %+v", o)
	}
	if o := outs[1]; o.Source != store.OutcomeSupervisor || !o.Agree || o.DecidedBy != "sue" {
		t.Errorf("supervisor outcome: %+v", o)
	}
	var version int
	if err := s.Pool().QueryRow(ctx, `SELECT threshold_version FROM decisions WHERE form_id = $1`, form).Scan(&version); err != nil || version != 1 {
		t.Errorf("decision's threshold version: %d %v, want 1", version, err)
	}
}

// TestSaveQualitySure: the Sure of every engine value under the set in
// force is stored with the decision; reviewers' values are left alone.
func TestSaveQualitySure(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	// Text at 0.99 is not sure under a threshold of 0.995.
	policy := quality.Policy{Version: 0, Thresholds: quality.Thresholds{forms.KindText: 0.995, forms.KindDigits: 0.5}}
	form := keyForm(t, s, policy)
	f, err := s.Form(ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	// keyForm decides the reading as read, so the plan carries the engine's
	// Sure; Apply is what makes them follow the set.
	if !f.Reading.Values["school_name"].Sure {
		t.Fatalf("school_name stored unsure before any set applied")
	}
	rd := f.Reading
	quality.Apply(policy.Thresholds, forms.MustLoad(), &rd)
	plan := policy.Plan(forms.MustLoad(), form, &rd, validate.Decision{Outcome: validate.Review})
	dec, err := s.LatestDecision(ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(tx pgx.Tx) error { return store.SaveQuality(ctx, tx, form, dec.ID, plan) }); err != nil {
		t.Fatal(err)
	}
	if f, err = s.Form(ctx, form); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"school_name": false, "row01.employee_number": true, "row02.employee_number": true} {
		if got := f.Reading.Values[name].Sure; got != want {
			t.Errorf("%s stored Sure %v, want %v", name, got, want)
		}
	}
}

// TestThresholdSets: the first set is recorded once, a new one replaces
// it as current, and decisions record the set in force.
func TestThresholdSets(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.CurrentThresholds(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any set: %v, want ErrNotFound", err)
	}
	def := quality.Thresholds{forms.KindText: 0.97}
	for i := 0; i < 2; i++ {
		if set, err := s.EnsureThresholds(ctx, "worker", def); err != nil || set.Version != 1 {
			t.Fatalf("ensure %d: %+v %v", i, set, err)
		}
	}
	next, err := s.AddThresholds(ctx, "ada", quality.Thresholds{forms.KindText: 0.95}, "calibrated")
	if err != nil || next.Version != 2 {
		t.Fatalf("add: %+v %v", next, err)
	}
	cur, err := s.CurrentThresholds(ctx)
	if err != nil || cur.Version != 2 || cur.Thresholds[forms.KindText] != 0.95 {
		t.Errorf("current: %+v %v", cur, err)
	}
	sets, err := s.ThresholdSets(ctx)
	if err != nil || len(sets) != 2 || sets[1].Current {
		t.Errorf("sets: %+v %v", sets, err)
	}
	// A decision saved without a version takes the current one.
	form := keyForm(t, s, quality.Policy{})
	var version int
	if err := s.Pool().QueryRow(ctx, `SELECT threshold_version FROM decisions WHERE form_id = $1`, form).Scan(&version); err != nil || version != 2 {
		t.Errorf("decision's threshold version: %d %v, want 2", version, err)
	}
}

// TestDoubleKeyingConcurrent: two people keying the two slots at the same
// moment are taken one after the other: both keys are saved and compared
// once, whoever commits second.
func TestDoubleKeyingConcurrent(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	for round := 0; round < 5; round++ {
		form := keyForm(t, s, quality.Policy{HighRisk: quality.DefaultHighRisk})
		tasks := tasksOf(t, s, form, store.KeyingDouble)
		vals := map[string]string{"row01.employee_number": "1", "row02.employee_number": "2"}
		errs := make(chan error, 2)
		for i, who := range []string{"ann", "bob"} {
			go func() {
				_, err := s.SubmitKeying(ctx, store.Keying{TaskID: tasks[i].ID, By: who, Now: time.Now(), Values: vals})
				errs <- err
			}()
		}
		for i := 0; i < 2; i++ {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		keyed, err := s.KeyedFields(ctx, form)
		if err != nil || keyed["row01.employee_number"].Pending || keyed["row02.employee_number"].Pending {
			t.Fatalf("round %d: keyed fields %+v %v; want both settled", round, keyed, err)
		}
	}
}

// TestRejectVoidsKeying: a form rejected by a reviewer while its fields
// wait to be keyed takes its keying off the queue.
func TestRejectVoidsKeying(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	form := keyForm(t, s, quality.Policy{HighRisk: quality.DefaultHighRisk})
	if len(tasksOf(t, s, form, store.KeyingDouble)) != 2 {
		t.Fatal("no double keying to void")
	}
	task, err := s.LatestReviewTask(ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveReview(ctx, store.Resolution{FormID: form, TaskID: task.ID, By: "rita", Now: time.Now(),
		Decision: validate.Decision{Outcome: validate.Reject, Reasons: []validate.Reason{{Code: "reviewer.illegible", Message: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if left := tasksOf(t, s, form, store.KeyingDouble); len(left) != 0 {
		t.Errorf("%d keying tasks left open after the rejection", len(left))
	}
	if blind, err := s.BlindFields(ctx, form); err != nil || len(blind) != 0 {
		t.Errorf("blind fields after the rejection: %v %v", blind, err)
	}
	log, err := s.Audit(ctx, fmt.Sprintf("form/%d", form))
	if err != nil {
		t.Fatal(err)
	}
	voided := false
	for _, e := range log {
		voided = voided || e.Action == "keying.void"
	}
	if !voided {
		t.Error("the voiding is not in the audit log")
	}
}
