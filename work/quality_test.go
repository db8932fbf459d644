package work_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

// engineSet is the threshold set a worker records as version 1 on its
// first start (the engine's defaults); the seeded values, read at 0.99,
// are Sure under it.
var engineSet = quality.Thresholds{
	forms.KindText: 0.97, forms.KindDigits: 0.96, forms.KindDate: 0.92,
	forms.KindEmail: 0.955, forms.KindMark: 0.9, forms.KindSignature: 0.85,
}

// qualityEnv stores forms as the read stage leaves them and has the decide
// stage of a Runner decide them, through River, on a fresh database.
type qualityEnv struct {
	st     *store.Store
	reg    *forms.Registry
	insert *river.Client[pgx.Tx] // queues decide jobs, as the read stage does
	n      int
}

// newQualityEnv opens a fresh database and records engineSet as its first
// threshold set, as a worker's first start does; it returns that set.
func newQualityEnv(t *testing.T) (*qualityEnv, store.ThresholdSet) {
	t.Helper()
	_, st := openDB(t)
	insert, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	set, err := st.EnsureThresholds(context.Background(), "test", engineSet)
	if err != nil {
		t.Fatal(err)
	}
	if set.Version != 1 {
		t.Fatalf("first threshold set: version %d, want 1", set.Version)
	}
	return &qualityEnv{st: st, reg: forms.MustLoad(), insert: insert}, set
}

// policy is the quality policy `intake work` builds at start from the
// threshold set in force, with the default high-risk fields.
func policy(set store.ThresholdSet, rate float64) quality.Policy {
	return quality.Policy{Version: set.Version, Thresholds: set.Thresholds, HighRisk: quality.DefaultHighRisk, SampleRate: rate}
}

// runner returns a Runner whose decide stage works under p. No attachment
// is read (the forms are stored read), so its page reader is never called.
func (e *qualityEnv) runner(t *testing.T, p quality.Policy) *work.Runner {
	t.Helper()
	r, err := work.New(work.Config{Store: e.st, Reader: failReader{}, Registry: e.reg, Rules: rules(), Quality: p, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sampleTruth reads a sample submission's ground truth.
func sampleTruth(t *testing.T, id string) corpus.Truth {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr corpus.Truth
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return tr
}

// seed stores the first form of a sample submission as the read stage
// would leave it, every value as the ground truth has it read surely at
// 0.99 and then changed by edit, and queues its decision in the same
// transaction. Each call is a message of its own. It returns the form's ID.
func (e *qualityEnv) seed(t *testing.T, id string, edit func(rd *forms.Reading)) int64 {
	t.Helper()
	ctx := context.Background()
	tr := sampleTruth(t, id)
	ft := tr.Forms[0]
	rev := e.reg.Revision(ft.Family, ft.Revision)
	if rev == nil {
		t.Fatalf("%s: no revision %s %s", id, ft.Family, ft.Revision)
	}
	rd := forms.Reading{Family: ft.Family, Revision: ft.Revision, Known: true, Confidence: 0.99, Values: map[string]forms.Value{}}
	var pages []store.Page
	for _, a := range tr.Attachments {
		for _, p := range a.Pages {
			if p.Form == 0 {
				rd.Pages = append(rd.Pages, p.Page)
				pages = append(pages, store.Page{Page: p.Page, Family: ft.Family, Revision: ft.Revision, Known: true,
					FormPage: len(rd.Pages), PageCount: 1, Confidence: 0.99})
			}
		}
		if len(rd.Pages) > 0 {
			break // the form's pages are in one attachment
		}
	}
	for _, f := range rev.Fields() {
		rd.Values[f.Name] = forms.Value{Text: ft.Fields[f.Name], Confidence: 0.99, Page: rd.Pages[f.Page-1],
			Box: f.Box, Source: forms.FromEngine, Sure: true}
	}
	if edit != nil {
		edit(&rd)
	}
	e.n++
	var formID int64
	err := e.st.InTx(ctx, func(tx pgx.Tx) error {
		raw := fmt.Appendf(nil, "Message-Id: <%s.%d@quality.test>\r\nSubject: %s\r\n\r\nx", id, e.n, id)
		ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Raw: raw, Origin: "file:" + id, From: tr.From, Subject: id})
		if err != nil {
			return err
		}
		split, err := store.SaveSplit(ctx, tx, ins.ID, []store.NewAttachment{{Filename: "scan.pdf", DeclaredType: "application/pdf",
			Type: "pdf", Data: fmt.Appendf(nil, "%%PDF-1.4 %s %d", id, e.n)}})
		if err != nil {
			return err
		}
		read, err := store.SaveRead(ctx, tx, split.ToRead[0], pages, []forms.Reading{rd})
		if err != nil {
			return err
		}
		formID = read.Forms[0]
		_, err = e.insert.InsertTx(ctx, tx, work.DecideArgs{FormID: formID}, nil)
		return err
	})
	if err != nil {
		t.Fatalf("seed %s: %v", id, err)
	}
	return formID
}

// decide works every queued decision with r.
func (e *qualityEnv) decide(t *testing.T, r *work.Runner) {
	t.Helper()
	if err := r.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// form returns a decided form as exported.
func (e *qualityEnv) form(t *testing.T, id int64) store.ExportForm {
	t.Helper()
	exp, err := e.st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exp {
		for _, f := range m.Forms {
			if f.ID == id {
				return f
			}
		}
	}
	t.Fatalf("form %d not exported", id)
	return store.ExportForm{}
}

// tasks returns a form's open keying tasks of a purpose.
func (e *qualityEnv) tasks(t *testing.T, formID int64, purpose string) []store.KeyingTask {
	t.Helper()
	out, err := e.st.OpenKeying(context.Background(), formID, purpose)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// versions returns the threshold version recorded with each of a form's
// decisions, by round.
func (e *qualityEnv) versions(t *testing.T, formID int64) []int {
	t.Helper()
	ctx := context.Background()
	rows, err := e.st.Pool().Query(ctx, `SELECT id FROM decisions WHERE form_id = $1 ORDER BY round`, formID)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, id := range ids {
		v, err := e.st.DecisionThresholdVersion(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// fieldNames lists a task's fields as name:kind.
func fieldNames(ts store.KeyingTask) []string {
	var out []string
	for _, f := range ts.Fields {
		out = append(out, f.Name+":"+string(f.Kind))
	}
	return out
}

// misread returns the number with its last digit changed, checked to be
// nobody's on the roster, so that no other source settles it.
func (e *qualityEnv) misread(t *testing.T, number string) string {
	t.Helper()
	last := number[len(number)-1] - '0'
	out := number[:len(number)-1] + fmt.Sprint((last+1)%10)
	if _, found, err := e.st.Roster().Employee(context.Background(), out); err != nil || found {
		t.Fatalf("misread number %s: on the roster %v (%v); want a number nobody has", out, found, err)
	}
	return out
}

// unsureNumber makes the employee number a misread the engine was unsure
// of.
func unsureNumber(number string) func(rd *forms.Reading) {
	return func(rd *forms.Reading) {
		v := rd.Values["employee_number"]
		v.Text, v.Confidence, v.Sure = number, 0.62, false
		rd.Values["employee_number"] = v
	}
}

// TestQualityDoubleKeying: a removal form (an R mark) whose employee
// number the engine was unsure of goes to review with exactly two blind
// keying tasks of that number and nothing else, no supervisor task, no QA
// sample (it was not accepted) and no request; the same doubt on a form
// that only adds roles asks no double keying.
func TestQualityDoubleKeying(t *testing.T) {
	ctx := context.Background()
	e, set := newQualityEnv(t)
	removalTruth := sampleTruth(t, "sub-0002").Forms[0]
	if removalTruth.Fields["role.special_education_coordinator"] != forms.MarkRem {
		t.Fatalf("sub-0002 no longer asks a removal: %v", removalTruth.Fields)
	}
	removal := e.seed(t, "sub-0002", unsureNumber(e.misread(t, removalTruth.Fields["employee_number"])))
	addition := e.seed(t, "sub-0001", unsureNumber(e.misread(t, sampleTruth(t, "sub-0001").Forms[0].Fields["employee_number"])))
	e.decide(t, e.runner(t, policy(set, 1)))

	f := e.form(t, removal)
	if f.Status != store.StatusDecided || f.Decision != "review" || len(f.Requests) != 0 {
		t.Errorf("removal form: %s, decided %q with %d requests; want decided review with none", f.Status, f.Decision, len(f.Requests))
	}
	double := e.tasks(t, removal, store.KeyingDouble)
	if len(double) != 2 {
		t.Fatalf("removal form: %d double keying tasks, want 2", len(double))
	}
	for i, task := range double {
		got := fieldNames(task)
		if task.Slot != i+1 || task.Round != 1 || task.Status != "open" || task.KeyedBy != "" ||
			!slices.Equal(got, []string{"employee_number:digits"}) {
			t.Errorf("double keying task %d: slot %d round %d %s by %q of %v; want slot %d round 1 open, unkeyed, of [employee_number:digits]",
				i, task.Slot, task.Round, task.Status, task.KeyedBy, got, i+1)
		}
	}
	if n := len(e.tasks(t, removal, store.KeyingSupervisor)); n != 0 {
		t.Errorf("removal form: %d supervisor tasks before anyone keyed, want 0", n)
	}
	if n := len(e.tasks(t, removal, store.KeyingQA)); n != 0 {
		t.Errorf("removal form in review: %d QA tasks, want 0 (only forms accepted untouched are sampled)", n)
	}
	blind, err := e.st.BlindFields(ctx, removal)
	if err != nil {
		t.Fatal(err)
	}
	if len(blind) != 1 || !blind["employee_number"] {
		t.Errorf("removal form: blind fields %v, want only employee_number", blind)
	}
	if v := e.versions(t, removal); !slices.Equal(v, []int{set.Version}) {
		t.Errorf("removal form: threshold versions %v, want [%d]", v, set.Version)
	}

	a := e.form(t, addition)
	if a.Decision != "review" || len(a.Requests) != 0 {
		t.Errorf("addition form: decided %q with %d requests; want review with none", a.Decision, len(a.Requests))
	}
	if n := len(e.tasks(t, addition, store.KeyingDouble)); n != 0 {
		t.Errorf("addition form: %d double keying tasks, want 0 (the employee number is high-risk on removals only)", n)
	}
}

// TestQualitySample: with every untouched accepted form sampled (rate
// 1), the decide stage asks one QA keying of exactly the fields the engine
// accepted unchecked, standing for one form; at rate 0 it asks none. A
// form whose employee number the engine doubted, settled by the roster,
// is accepted without that field in the sample.
func TestQualitySample(t *testing.T) {
	ctx := context.Background()
	e, set := newQualityEnv(t)
	const id = "sub-0001"
	ft := sampleTruth(t, id).Forms[0]
	var want []string
	for _, f := range e.reg.Revision(ft.Family, ft.Revision).Fields() {
		want = append(want, f.Name+":"+string(f.Kind))
	}
	sort.Strings(want)

	sampled := e.seed(t, id, nil)
	settled := e.seed(t, id, unsureNumber(ft.Fields["employee_number"]))
	e.decide(t, e.runner(t, policy(set, 1)))
	for _, c := range []struct {
		name string
		form int64
		want []string
	}{
		{"every value sure", sampled, want},
		{"employee number settled by the roster", settled, slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == "employee_number:digits" })},
	} {
		f := e.form(t, c.form)
		if f.Decision != "accept" || len(f.Requests) != 1 {
			t.Errorf("%s: decided %q with %d requests, want accept with 1", c.name, f.Decision, len(f.Requests))
		}
		qa := e.tasks(t, c.form, store.KeyingQA)
		if len(qa) != 1 {
			t.Errorf("%s: %d QA tasks at rate 1, want 1", c.name, len(qa))
			continue
		}
		if got := fieldNames(qa[0]); qa[0].Slot != 1 || !slices.Equal(got, c.want) {
			t.Errorf("%s: QA task slot %d of %v\nwant slot 1 of %v", c.name, qa[0].Slot, got, c.want)
		}
		var weight float64
		if err := e.st.Pool().QueryRow(ctx, `SELECT weight FROM keying_tasks WHERE id = $1`, qa[0].ID).Scan(&weight); err != nil {
			t.Fatal(err)
		}
		if weight != 1 {
			t.Errorf("%s: QA sample weight %v at rate 1, want 1", c.name, weight)
		}
		if n := len(e.tasks(t, c.form, store.KeyingDouble)); n != 0 {
			t.Errorf("%s: %d double keying tasks on an accepted form, want 0", c.name, n)
		}
	}

	unsampled := e.seed(t, id, nil)
	e.decide(t, e.runner(t, policy(set, 0)))
	if f := e.form(t, unsampled); f.Decision != "accept" {
		t.Errorf("at rate 0: decided %q, want accept", f.Decision)
	}
	if n := len(e.tasks(t, unsampled, store.KeyingQA)); n != 0 {
		t.Errorf("at rate 0: %d QA tasks, want 0", n)
	}
}

// TestQualityThresholdVersion: every decision records the threshold set
// its worker judged by. A new set made current (as `intake calibrate
// --apply` does) is used from a worker's next start: a worker started
// before keeps recording the set it has, and one started after records
// the new version and judges by it (a digits threshold above the values'
// confidence leaves the employee number unsure).
func TestQualityThresholdVersion(t *testing.T) {
	ctx := context.Background()
	e, first := newQualityEnv(t)
	const id = "sub-0001"
	before := e.runner(t, policy(first, 0))
	a := e.seed(t, id, nil)
	e.decide(t, before)

	raised := quality.Thresholds{}
	for k, v := range engineSet {
		raised[k] = v
	}
	raised[forms.KindDigits] = 0.995
	second, err := e.st.AddThresholds(ctx, "calibrate-test", raised, "digits raised")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := e.st.CurrentThresholds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.Version != 2 || cur.Version != 2 || cur.Thresholds[forms.KindDigits] != 0.995 {
		t.Fatalf("after AddThresholds: added version %d, current %d with digits %v; want 2, 2, 0.995",
			second.Version, cur.Version, cur.Thresholds[forms.KindDigits])
	}
	b := e.seed(t, id, nil)
	e.decide(t, before) // started under version 1
	c := e.seed(t, id, nil)
	e.decide(t, e.runner(t, policy(cur, 0)))

	for _, x := range []struct {
		name    string
		form    int64
		version int
		sure    bool // the employee number, read at 0.99
	}{
		{"decided under version 1", a, 1, true},
		{"decided after version 2 was made current, by a worker started under 1", b, 1, true},
		{"decided by a worker started under version 2", c, 2, false},
	} {
		if v := e.versions(t, x.form); !slices.Equal(v, []int{x.version}) {
			t.Errorf("%s: threshold versions %v, want [%d]", x.name, v, x.version)
		}
		f := e.form(t, x.form)
		found := false
		for _, fl := range f.Fields {
			if fl.Name == "employee_number" {
				found = true
				if fl.Sure != x.sure {
					t.Errorf("%s: employee number stored sure=%v, want %v", x.name, fl.Sure, x.sure)
				}
			}
		}
		if !found {
			t.Errorf("%s: no employee_number field stored", x.name)
		}
	}
}
