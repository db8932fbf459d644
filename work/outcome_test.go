package work_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

// reviewer is the name the test's reviewer works under.
const reviewer = "test-reviewer"

// TestSampleRightOutcome feeds the committed sample corpus through the
// whole pipeline and checks the outcome the system reaches, machine and
// reviewer together. Every decision the machine makes alone must be the
// ground truth's; every form it sends to review is then settled as a
// reviewer would, through the store's review API, entering the true value
// of every field the review names; after that every form's outcome must be
// the ground truth's, with its requests, once each, and the reviewer's
// changes in the audit log.
func TestSampleRightOutcome(t *testing.T) {
	ctx := context.Background()
	_, st := openDB(t)
	reg := forms.MustLoad()
	r, subs := ingestSample(t, st, reg)
	if err := r.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	checkOutcomes(t, st, subs)
	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	queue, err := st.ReviewQueue(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	inReview := map[int64]store.ReviewQueueItem{}
	for _, it := range queue {
		inReview[it.FormID] = it
	}

	// The machine alone: every decision without a reviewer to come is
	// the ground truth's, and so is every rejection it already sent.
	var accepted, rejected, reviewed, wrong int
	truthOf := map[int64]corpus.FormTruth{}
	for _, s := range subs {
		for i, f := range exp[s.key].Forms {
			if i >= len(s.truth.Forms) {
				continue
			}
			tf := s.truth.Forms[i]
			truthOf[f.ID] = tf
			if _, ok := inReview[f.ID]; ok {
				reviewed++
				if f.Decision == corpus.Reject && tf.Decision != corpus.Reject {
					wrong++
					t.Errorf("%s form %d (%s): the machine rejected it %v with values still to check, truth %s",
						s.name, i, tf.Family, codes(f.Reasons), tf.Decision)
				}
				continue
			}
			switch f.Decision {
			case corpus.Accept:
				accepted++
			case corpus.Reject:
				rejected++
			default:
				t.Errorf("%s form %d: decided %s with no review task", s.name, i, f.Decision)
			}
			if problem := wrongOutcome(ctx, st, reg, f, tf); problem != "" {
				wrong++
				t.Errorf("%s form %d (%s), decided by the machine alone: %s", s.name, i, tf.Family, problem)
			}
		}
	}
	t.Logf("the machine alone: %d accepted, %d rejected, %d sent to review, %d wrong", accepted, rejected, reviewed, wrong)
	if accepted+rejected+reviewed != len(truthOf) {
		t.Errorf("%d forms counted, %d in the ground truth's forms found", accepted+rejected+reviewed, len(truthOf))
	}

	// The reviewer settles every form in review with the true values.
	if err := st.AddUser(ctx, "test", reviewer, store.RoleReviewer, "x"); err != nil {
		t.Fatal(err)
	}
	env := validate.Env{Registry: reg, Roster: st.Roster(), Locations: st.Locations(), Config: rules()}
	set := map[int64]map[string]string{} // form -> field -> value the reviewer set
	later, laterForms := 0, 0
	for _, it := range queue {
		tf, ok := truthOf[it.FormID]
		if !ok {
			t.Errorf("form %d in review is no form of the ground truth", it.FormID)
			continue
		}
		vs, n := settle(ctx, t, st, env, it, tf)
		set[it.FormID], later = vs, later+n
		if n > 0 {
			laterForms++
		}
	}
	values := 0
	for _, vs := range set {
		values += len(vs)
	}
	t.Logf("the reviewer entered %d values on %d forms; the rules named %d fields on %d forms only after the first values", values, len(set), later, laterForms)
	if err := r.Drain(ctx); err != nil {
		t.Fatalf("Drain after review: %v", err)
	}
	if left, err := st.ReviewQueue(ctx, time.Now()); err != nil || len(left) != 0 {
		t.Errorf("review queue after the reviewer: %d forms (%v), want none", len(left), err)
	}

	// The whole system: every form's outcome is the ground truth's.
	checkOutcomes(t, st, subs)
	exp, err = st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var final [3]int
	for _, s := range subs {
		for i, f := range exp[s.key].Forms {
			tf, ok := truthOf[f.ID]
			if !ok {
				continue
			}
			switch f.Decision {
			case corpus.Accept:
				final[0]++
			case corpus.Reject:
				final[1]++
			default:
				final[2]++
			}
			if problem := wrongOutcome(ctx, st, reg, f, tf); problem != "" {
				t.Errorf("%s form %d (%s), after review: %s", s.name, i, tf.Family, problem)
			}
			if vs, ok := set[f.ID]; ok {
				checkReviewerValues(ctx, t, st, f, vs)
			}
		}
	}
	t.Logf("after review: %d accepted, %d rejected, %d still in review", final[0], final[1], final[2])
}

// ingestSample makes a runner of two workers reading with Tesseract on st
// and ingests the whole sample corpus into it.
func ingestSample(t *testing.T, st *store.Store, reg *forms.Registry) (*work.Runner, []submission) {
	t.Helper()
	r, err := work.New(work.Config{Store: st, Reader: newEngine(t, reg), Registry: reg, Rules: rules(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	subs := loadSample(t, 0)
	for _, s := range subs {
		if _, err := r.IngestFile(context.Background(), s.path, s.raw); err != nil {
			t.Fatal(err)
		}
	}
	return r, subs
}

// settle acts as a reviewer on one form waiting in review, as the review
// UI does when a reviewer approves: claim the form, enter the ground
// truth's value of every field the review names (the truth's family and
// revision for an identification in doubt), judge the corrected reading
// by the rules (entering the true value of whatever more they name, as a
// reviewer does when the page shows what the rules found), and resolve the
// review with their decision. It returns the values set, and how many
// fields the rules named only after the reviewer's first values.
func settle(ctx context.Context, t *testing.T, st *store.Store, env validate.Env, it store.ReviewQueueItem, tf corpus.FormTruth) (map[string]string, int) {
	t.Helper()
	now := time.Now()
	if _, err := st.ClaimForm(ctx, it.FormID, reviewer, now, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	f, err := st.Form(ctx, it.FormID)
	if err != nil {
		t.Fatal(err)
	}
	prior, err := st.LatestDecision(ctx, it.FormID)
	if err != nil {
		t.Fatal(err)
	}
	rd := &f.Reading
	res := store.Resolution{FormID: it.FormID, TaskID: it.TaskID, By: reviewer, Now: now, Values: map[string]forms.Value{}}
	out := map[string]string{}
	items := it.Items
	later := 0
	var d validate.Decision
	for round := 0; ; round++ {
		for _, item := range items {
			switch item.Field {
			case "family", "revision":
				res.Family, res.Revision = tf.Family, tf.Revision
				rd.Family, rd.Revision, rd.Known, rd.Confidence = tf.Family, tf.Revision, true, 1
			default:
				v := rd.Values[item.Field] // keeps the page and box of a field read
				v.Text, v.Source, v.Sure = tf.Fields[item.Field], forms.FromReviewer, true
				if rd.Values == nil {
					rd.Values = map[string]forms.Value{}
				}
				rd.Values[item.Field] = v
				res.Values[item.Field] = v
				out[item.Field] = v.Text
			}
		}
		if d, err = validate.Decide(ctx, rd, env); err != nil {
			t.Fatal(err)
		}
		if d.Outcome != validate.Review {
			break
		}
		if round == 3 {
			t.Errorf("form %d (%s): still in review after the reviewer gave the true values: %+v", it.FormID, tf.Family, d.Review)
			return out, later
		}
		items = d.Review
		later += len(items)
	}
	res.Decision = d
	if d.Outcome == validate.Reject && !sameCodes(prior, d.Reasons) {
		e, err := st.Notices().Rejection(f.Notice(), d.Reasons, "")
		switch {
		case errors.Is(err, notice.ErrNoReason):
		case err != nil:
			t.Fatal(err)
		default:
			res.Notice = store.EmailFrom(e)
		}
	}
	if _, err := st.ResolveReview(ctx, res); err != nil {
		t.Fatalf("form %d: %v", it.FormID, err)
	}
	return out, later
}

// sameCodes reports whether the prior decision rejected the form for the
// same reasons, so that the school was told them already.
func sameCodes(prior store.DecisionRecord, rs []validate.Reason) bool {
	if prior.Outcome != string(validate.Reject) || len(prior.Reasons) != len(rs) {
		return false
	}
	for i := range rs {
		if prior.Reasons[i].Code != rs[i].Code {
			return false
		}
	}
	return true
}

// checkReviewerValues checks that each value the reviewer set is stored
// as theirs and that the audit log records it with the reviewer as actor
// and source.
func checkReviewerValues(ctx context.Context, t *testing.T, st *store.Store, f store.ExportForm, set map[string]string) {
	t.Helper()
	stored := map[string]store.ExportField{}
	for _, fv := range f.Fields {
		stored[fv.Name] = fv
	}
	log, err := st.Audit(ctx, fmt.Sprintf("form/%d", f.ID))
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]bool{}
	for _, e := range log {
		if e.Action != "field.corrected" && e.Action != "field.confirmed" {
			continue
		}
		name, _ := e.Detail["field"].(string)
		if e.Actor == reviewer && e.Detail["source"] == string(forms.FromReviewer) && e.Detail["new"] == set[name] {
			audited[name] = true
		}
	}
	for name, v := range set {
		if fv, ok := stored[name]; !ok || fv.Value != v || fv.Source != string(forms.FromReviewer) || !fv.Sure {
			t.Errorf("form %d: field %s stored as %+v, want the reviewer's value", f.ID, name, fv)
		}
		if !audited[name] {
			t.Errorf("form %d: the reviewer's value of %s is not in the audit log with source reviewer", f.ID, name)
		}
	}
}

// wrongOutcome says how a form's decision differs from the ground truth's
// ("" when it does not): an accepted form must be accepted in the truth
// with the requests the truth's values make; a rejected one rejected with
// every reason code of the truth among its reasons. A batch form's
// requests are those of its accepted rows, one per employee.
func wrongOutcome(ctx context.Context, st *store.Store, reg *forms.Registry, f store.ExportForm, tf corpus.FormTruth) string {
	if f.Decision != tf.Decision {
		return fmt.Sprintf("decided %s %v, truth %s %v", f.Decision, codes(f.Reasons), tf.Decision, tf.Reasons)
	}
	if f.Decision == corpus.Reject {
		got := codes(f.Reasons)
		for _, c := range tf.Reasons {
			if !slices.Contains(got, c) {
				return fmt.Sprintf("rejected for %v, the truth's %v lack %s", got, tf.Reasons, c)
			}
		}
	}
	want, err := wantRequests(ctx, st, reg, tf)
	if err != nil {
		return err.Error()
	}
	got := make([]string, 0, len(f.Requests))
	for _, q := range f.Requests {
		got = append(got, requestKey(q.Action, q.EmployeeNumber, q.RolesAdd, q.RolesRemove, q.Queue))
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		return fmt.Sprintf("requests %q, want %q", masked(got), masked(want))
	}
	return ""
}

// wantRequests returns the requests the ground truth's values make, as
// requestKey strings, sorted: for an accepted access form one request with
// the marked roles; for a batch one removal per accepted row's employee
// (a repeated employee once); none otherwise.
func wantRequests(ctx context.Context, st *store.Store, reg *forms.Registry, tf corpus.FormTruth) ([]string, error) {
	loc, found, err := st.Locations().Location(ctx, tf.Fields["location_code"])
	if err != nil {
		return nil, err
	}
	var want []string
	switch {
	case tf.Family == "batch-removal":
		// One removal per employee an accepted row lists. A row the truth
		// marks Duplicate lists someone an earlier row did; when every
		// earlier row was rejected, it is the one that yields the request.
		seen := map[string]bool{}
		for _, row := range tf.Rows {
			if row.Decision == corpus.Accept && !seen[row.EmployeeNumber] {
				seen[row.EmployeeNumber] = true
				want = append(want, requestKey(string(validate.ActionRemoveAll), row.EmployeeNumber, nil, nil, loc.Queue()))
			}
		}
	case tf.Decision == corpus.Accept:
		rev := reg.Revision(tf.Family, tf.Revision)
		if rev == nil {
			return nil, fmt.Errorf("the truth's revision %s@%s is not in the registry", tf.Family, tf.Revision)
		}
		var add, remove []string
		for _, fd := range rev.Fields() {
			if fd.Kind != forms.KindMark || fd.Group != "" {
				continue
			}
			switch strings.ToUpper(tf.Fields[fd.Name]) {
			case forms.MarkAdd:
				add = append(add, fd.Role)
			case forms.MarkRem:
				remove = append(remove, fd.Role)
			}
		}
		action := validate.ActionAdd
		if len(remove) > 0 {
			action = validate.ActionRemoveAll
		}
		want = append(want, requestKey(string(action), tf.Fields["employee_number"], add, remove, loc.Queue()))
	}
	if len(want) > 0 && !found {
		return nil, fmt.Errorf("the truth's location %q is not in the locations", tf.Fields["location_code"])
	}
	sort.Strings(want)
	return want, nil
}

// requestKey is a request's action, employee number, roles and queue in
// one comparable string.
func requestKey(action, employee string, add, remove []string, queue string) string {
	add, remove = slices.Sorted(slices.Values(add)), slices.Sorted(slices.Values(remove))
	return fmt.Sprintf("%s %s +%s -%s -> %s", action, employee, strings.Join(add, ","), strings.Join(remove, ","), queue)
}

// masked hides all but the last two digits of the employee number in
// request keys, for messages.
func masked(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		f := strings.SplitN(k, " ", 3)
		if len(f) == 3 && len(f[1]) > 2 {
			f[1] = strings.Repeat("*", len(f[1])-2) + f[1][len(f[1])-2:]
		}
		out[i] = strings.Join(f, " ")
	}
	return out
}

func codes(rs []store.ExportReason) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if !slices.Contains(out, r.Code) {
			out = append(out, r.Code)
		}
	}
	return out
}
