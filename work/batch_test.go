package work_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

// batchFax is a batch-removal form the corpus made to order, one message
// per part, with its ground truth.
type batchFax struct {
	parts []submission
	truth corpus.FormTruth
	queue string // the queue of the batch's location
}

// makeBatch generates the batch spec asks for, typed and faxed.
func makeBatch(t *testing.T, spec corpus.BatchSpec) batchFax {
	t.Helper()
	reg := forms.MustLoad()
	roster, err := validate.ReadRosterFile("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	locs, err := validate.ReadLocationsFile("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truths, err := corpus.GenerateBatch(context.Background(), corpus.Config{
		Out: dir, Seed: 3, Style: "typed", AsOf: asOf, Registry: reg,
		People: roster.Employees(), Locations: locs.All(),
	}, spec)
	if err != nil {
		t.Fatal(err)
	}
	var b batchFax
	for _, tr := range truths {
		raw, err := os.ReadFile(filepath.Join(dir, tr.EML))
		if err != nil {
			t.Fatal(err)
		}
		key := strings.Trim(tr.MessageID, "<>")
		b.parts = append(b.parts, submission{name: tr.ID, path: filepath.Join(dir, tr.EML), raw: raw, key: key, truth: tr})
	}
	b.truth = truths[0].Forms[0]
	loc, found, err := locs.Location(context.Background(), b.truth.Fields["location_code"])
	if err != nil || !found {
		t.Fatalf("the batch's location %s: %v %v", b.truth.Fields["location_code"], found, err)
	}
	b.queue = loc.Queue()
	return b
}

// batchRunner returns a runner with the real engine on a fresh database.
func batchRunner(t *testing.T, rules validate.Config) (*work.Runner, *store.Store) {
	t.Helper()
	_, st := openDB(t)
	reg := forms.MustLoad()
	r, err := work.New(work.Config{Store: st, Reader: newEngine(t, reg), Registry: reg, Rules: rules, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// ingest feeds a part's message to the runner and works it through.
func ingest(t *testing.T, r *work.Runner, s submission) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.IngestFile(ctx, s.path, s.raw); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkBatch checks a decided batch form against the ground truth of
// its rows on the given batch pages (all when nil): each row's outcome
// with its reason codes, and the exact set of requests queued (employee
// numbers, each once, on the location's queue, as removals). A row goes
// to review only when the engine read one of its cells without
// confidence, and then yields nothing; every other row is decided as the
// truth says. When waiting is set, the batch went to review as it is:
// nothing is queued and its good rows wait for a reviewer.
func checkBatch(t *testing.T, st *store.Store, f store.ExportForm, tr corpus.FormTruth, pages []int, waiting bool, queue string) {
	t.Helper()
	decided := map[int]validate.RowDecision{}
	for _, raw := range f.Rows {
		var rd validate.RowDecision
		if err := json.Unmarshal(raw, &rd); err != nil {
			t.Fatal(err)
		}
		decided[rd.Row] = rd
	}
	// unsure reports whether a row waits for a reviewer because the
	// engine was unsure of some cell of it, and for nothing else.
	unsure := func(rd validate.RowDecision) bool {
		if rd.Outcome != validate.Review || len(rd.Review) == 0 || len(rd.Reasons) > 0 {
			return false
		}
		for _, it := range rd.Review {
			if it.Why != validate.WhyLowConfidence || !strings.HasPrefix(it.Field, fmt.Sprintf("row%02d.", rd.Row)) {
				return false
			}
		}
		return true
	}
	// A header the engine was unsure of waits for a reviewer, and every
	// good row with it.
	dec, err := st.LatestDecision(context.Background(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	expired := waiting
	for _, it := range dec.Review {
		if it.Row == 0 && it.Why == validate.WhyLowConfidence {
			t.Logf("the header waits for a reviewer: %s", it.Message)
			waiting = true
		}
	}
	per := forms.MustLoad().Revision(tr.Family, tr.Revision).TableRows()
	var want []string
	listed, auto := 0, 0
	for _, row := range tr.Rows {
		if pages != nil && !slices.Contains(pages, (row.Row-1)/per+1) {
			continue
		}
		listed++
		rd, ok := decided[row.Row]
		got := string(rd.Outcome)
		for _, r := range rd.Reasons {
			got += " " + string(r.Code)
		}
		exp := "accept"
		switch {
		case ok && unsure(rd):
			exp = "review"
		case row.Decision == corpus.Reject:
			exp = "reject " + row.Reason
		case waiting:
			exp = "review"
		}
		if !ok || got != exp {
			t.Errorf("row %d (%s %s): decided %q, want %q", row.Row, row.Decision, row.Reason, got, exp)
		}
		if exp == "accept" && !slices.Contains(want, row.EmployeeNumber) {
			want = append(want, row.EmployeeNumber)
		}
		if exp != "review" {
			auto++
		}
	}
	// A row left empty is skipped, or reviewed when the engine is unsure
	// it is empty; it is never decided.
	for n, rd := range decided {
		if slices.ContainsFunc(tr.Rows, func(row corpus.RowTruth) bool { return row.Row == n }) {
			continue
		}
		if !unsure(rd) {
			t.Errorf("row %d decided %+v, but the form lists no one there", n, rd)
		}
	}
	t.Logf("%d of %d rows decided without a reviewer", auto, listed)
	if !expired && auto*2 < listed {
		t.Errorf("only %d of %d rows read with confidence: the batch tests too little", auto, listed)
	}
	sort.Strings(want)
	var got []string
	for _, q := range f.Requests {
		got = append(got, q.EmployeeNumber)
		if q.Queue != queue || q.Action != string(validate.ActionRemoveAll) || q.Status != store.RequestQueued {
			t.Errorf("request %d: %s on %s (%s), want remove_all queued on %s", q.ID, q.Action, q.Queue, q.Status, queue)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("requests queued for %v, want %v", got, want)
	}
	all, err := st.Requests(context.Background(), store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Errorf("%d requests in the database, want %d", len(all), len(want))
	}
}

// TestBatchFaxEndToEnd faxes a two-page batch with a bad row of each kind
// and an employee listed twice through the whole pipeline, and checks
// what was queued, reviewed and rejected against the ground truth.
func TestBatchFaxEndToEnd(t *testing.T) {
	b := makeBatch(t, corpus.BatchSpec{ID: "batch", Rows: []string{
		corpus.RowValid, corpus.RowValid, "unknown_employee", corpus.RowValid, "wrong_location",
		corpus.RowValid, "invalid_date", corpus.RowDuplicate, corpus.RowValid, "unknown_reason",
		corpus.RowValid, "future_date", corpus.RowValid, "employee_number_7_digits", corpus.RowValid,
	}})
	if p := b.parts[0].truth.Attachments[0].Pages; len(b.parts) != 1 || len(p) != 2 {
		t.Fatalf("generated %d messages, the first of %d pages; want one of 2", len(b.parts), len(p))
	}
	r, st := batchRunner(t, rules())
	ingest(t, r, b.parts[0])

	exp, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := exp[b.parts[0].key]
	if m == nil || len(m.Forms) != 1 {
		t.Fatalf("message %s exported as %+v, want one form", b.parts[0].key, m)
	}
	f := m.Forms[0]
	if f.Status != store.StatusDecided || f.Decision == corpus.Accept || len(f.Pages) != 2 || f.Origins != nil {
		t.Fatalf("batch %s, decided %q on pages %v (origins %v); want decided on 2 pages of its one message, not accepted",
			f.Status, f.Decision, f.Pages, f.Origins)
	}
	checkBatch(t, st, f, b.truth, nil, false, b.queue)
	// The rows' reasons are the form's, for the notice to tell; the
	// school is told once nothing waits for a reviewer.
	var codes []string
	for _, r := range f.Reasons {
		codes = append(codes, r.Code+"@"+fmt.Sprint(r.Row))
	}
	for _, raw := range f.Rows {
		var rd validate.RowDecision
		if err := json.Unmarshal(raw, &rd); err != nil {
			t.Fatal(err)
		}
		for _, r := range rd.Reasons {
			if !slices.Contains(codes, string(r.Code)+"@"+fmt.Sprint(rd.Row)) {
				t.Errorf("row %d's reason %s is not among the form's reasons %v", rd.Row, r.Code, codes)
			}
		}
	}
	wantNotices := map[string]int{corpus.Reject: 1, corpus.Review: 0}[f.Decision]
	var notices int
	if err := st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE form_id = $1 AND kind = 'rejection'`, f.ID).
		Scan(&notices); err != nil || notices != wantNotices {
		t.Errorf("%d rejection notices (%v) for a batch decided %s, want %d", notices, err, f.Decision, wantNotices)
	}
}

// TestBatchInTwoFaxes sends pages 1-2 of a three-page batch, then page 3
// in a second fax: the first part waits, and the second completes it;
// the batch is decided once, with its rows numbered on across both faxes,
// an employee listed on both pages queued once, and every page's origin
// recorded.
func TestBatchInTwoFaxes(t *testing.T) {
	rows := []string{
		corpus.RowValid, corpus.RowValid, "unknown_employee", corpus.RowValid, corpus.RowValid,
		corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, "wrong_location", corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, "invalid_date", corpus.RowDuplicate,
	}
	b := makeBatch(t, corpus.BatchSpec{ID: "split", Rows: rows, Parts: [][]int{{1, 2}, {3}}})
	r, st := batchRunner(t, rules())
	ctx := context.Background()

	ingest(t, r, b.parts[0])
	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := exp[b.parts[0].key]
	if first == nil || len(first.Forms) != 1 {
		t.Fatalf("first fax exported as %+v, want one form", first)
	}
	if f := first.Forms[0]; f.Status != store.StatusWaiting || f.Decision != "" || !strings.Contains(f.Reason, "page 3 of its batch of 3 pages") {
		t.Fatalf("first part %s (%q), decided %q; want waiting for page 3", f.Status, f.Reason, f.Decision)
	}
	if all, _ := st.Requests(ctx, store.RequestFilter{}); len(all) != 0 {
		t.Fatalf("%d requests queued from part of a batch", len(all))
	}

	ingest(t, r, b.parts[1])
	exp, err = st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, second := exp[b.parts[0].key], exp[b.parts[1].key]
	if len(first.Forms) != 2 || len(second.Forms) != 1 {
		t.Fatalf("the faxes hold %d and %d forms; want the first part and the joined batch, and the second part",
			len(first.Forms), len(second.Forms))
	}
	joined := first.Forms[1]
	for _, part := range []store.ExportForm{first.Forms[0], second.Forms[0]} {
		want := fmt.Sprintf("into form %d", joined.ID)
		if part.Status != store.StatusJoined || !strings.Contains(part.Reason, want) || part.Decision != "" || len(part.Requests) != 0 {
			t.Errorf("part %d: %s (%q) decided %q with %d requests; want joined %s, undecided",
				part.ID, part.Status, part.Reason, part.Decision, len(part.Requests), want)
		}
	}
	if joined.Status != store.StatusDecided || !slices.Equal(joined.Pages, []int{1, 2, 3}) {
		t.Fatalf("joined batch %s on pages %v; want decided on pages 1, 2, 3", joined.Status, joined.Pages)
	}
	checkBatch(t, st, joined, b.truth, nil, false, b.queue)
	var origins []string
	for _, o := range joined.Origins {
		origins = append(origins, fmt.Sprintf("%d:%s/%s/%d", o.BatchPage, o.MessageKey, o.Filename, o.Page))
	}
	att1, att2 := b.parts[0].truth.Attachments[0].Filename, b.parts[1].truth.Attachments[0].Filename
	wantOrigins := []string{
		fmt.Sprintf("1:%s/%s/1", b.parts[0].key, att1),
		fmt.Sprintf("2:%s/%s/2", b.parts[0].key, att1),
		fmt.Sprintf("3:%s/%s/1", b.parts[1].key, att2),
	}
	if !slices.Equal(origins, wantOrigins) {
		t.Errorf("origins %v, want %v", origins, wantOrigins)
	}
	// The pages stay keyed by message, document and page.
	if p := second.Attachments[0].Pages; len(p) != 1 || p[0].Page != 1 || p[0].Form != 0 {
		t.Errorf("second fax's pages %+v, want its page 1 as its form 0", p)
	}
	src, err := st.PageOrigins(ctx, joined.ID)
	if err != nil || len(src) != 3 || src[2].AttachmentID != second.Attachments[0].ID {
		t.Errorf("PageOrigins = %+v, %v; want page 3 from the second fax's document", src, err)
	}
}

// TestBatchPageSentTwice sends pages 1-2 of a three-page batch, then
// pages 2-3: the second copy of page 2 is kept as a duplicate and never
// read into the batch, so its rows yield no second request.
func TestBatchPageSentTwice(t *testing.T) {
	rows := slices.Repeat([]string{corpus.RowValid}, 21)
	rows[12] = "unknown_employee"
	b := makeBatch(t, corpus.BatchSpec{ID: "twice", Rows: rows, Parts: [][]int{{1, 2}, {2, 3}}})
	r, st := batchRunner(t, rules())
	ingest(t, r, b.parts[0])
	ingest(t, r, b.parts[1])
	exp, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first, second := exp[b.parts[0].key], exp[b.parts[1].key]
	if len(first.Forms) != 2 || len(second.Forms) != 1 || second.Forms[0].Status != store.StatusJoined {
		t.Fatalf("the faxes hold %d and %d forms (second %s); want the first part and the joined batch, and the second part joined",
			len(first.Forms), len(second.Forms), second.Forms[0].Status)
	}
	joined := first.Forms[1]
	checkBatch(t, st, joined, b.truth, nil, false, b.queue)
	var origins []string
	for _, o := range joined.Origins {
		origins = append(origins, fmt.Sprintf("%d:%s/%d dup=%v", o.BatchPage, o.MessageKey, o.Page, o.Duplicate))
	}
	want := []string{
		fmt.Sprintf("1:%s/1 dup=false", b.parts[0].key),
		fmt.Sprintf("2:%s/2 dup=false", b.parts[0].key),
		fmt.Sprintf("2:%s/1 dup=true", b.parts[1].key),
		fmt.Sprintf("3:%s/2 dup=false", b.parts[1].key),
	}
	if !slices.Equal(origins, want) {
		t.Errorf("origins %v, want %v", origins, want)
	}
}

// TestBatchSentWhole sends pages 1-2 of a three-page batch, then the
// whole batch again, then page 3 once more: the waiting part is
// superseded by the whole, which is decided once, and the last page is a
// copy of what the whole holds; no row is requested twice.
func TestBatchSentWhole(t *testing.T) {
	rows := slices.Repeat([]string{corpus.RowValid}, 22)
	rows[4] = "wrong_location"
	b := makeBatch(t, corpus.BatchSpec{ID: "again", Rows: rows, Parts: [][]int{{1, 2}, {1, 2, 3}, {3}}})
	r, st := batchRunner(t, rules())
	ctx := context.Background()
	for _, p := range b.parts {
		ingest(t, r, p)
	}
	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fs []store.ExportForm
	for _, p := range b.parts {
		if m := exp[p.key]; m == nil || len(m.Forms) != 1 {
			t.Fatalf("message %s exported as %+v, want one form", p.key, m)
		}
		fs = append(fs, exp[p.key].Forms[0])
	}
	whole := fs[1]
	for _, part := range []store.ExportForm{fs[0], fs[2]} {
		if want := fmt.Sprintf("superseded by form %d", whole.ID); part.Status != store.StatusJoined || !strings.Contains(part.Reason, want) || part.Decision != "" {
			t.Errorf("part %d %s (%q) decided %q; want joined, %s, undecided", part.ID, part.Status, part.Reason, part.Decision, want)
		}
	}
	if whole.Status != store.StatusDecided || len(whole.Pages) != 3 || whole.Origins != nil {
		t.Fatalf("whole batch %s on pages %v with origins %v; want decided on its own 3 pages", whole.Status, whole.Pages, whole.Origins)
	}
	checkBatch(t, st, whole, b.truth, nil, false, b.queue)
	if n, err := r.ExpireBatches(ctx, time.Now().Add(72*time.Hour)); err != nil || n != 0 {
		t.Errorf("ExpireBatches after the wait = %d, %v; want nothing left waiting", n, err)
	}
}

// TestBatchPartNeverCompletes sends pages 1-2 of a three-page batch and
// never page 3: the part waits for Rules.BatchWait, then the batch goes
// to review as it is, naming the missing page, with nothing queued.
func TestBatchPartNeverCompletes(t *testing.T) {
	rows := []string{
		corpus.RowValid, "unknown_employee", corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid, corpus.RowValid,
		corpus.RowValid, corpus.RowValid,
	}
	b := makeBatch(t, corpus.BatchSpec{ID: "lost", Rows: rows, Parts: [][]int{{1, 2}, {3}}})
	cfg := rules()
	cfg.BatchWait = time.Hour
	r, st := batchRunner(t, cfg)
	ctx := context.Background()
	ingest(t, r, b.parts[0])

	if n, err := r.ExpireBatches(ctx, time.Now().Add(30*time.Minute)); err != nil || n != 0 {
		t.Fatalf("within the wait: ExpireBatches = %d, %v; want 0", n, err)
	}
	if n, err := r.ExpireBatches(ctx, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("after the wait: ExpireBatches = %d, %v; want 1", n, err)
	}
	if n, err := r.ExpireBatches(ctx, time.Now().Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("again: ExpireBatches = %d, %v; want 0", n, err)
	}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := exp[b.parts[0].key]
	if m == nil || len(m.Forms) != 2 {
		t.Fatalf("fax exported as %+v, want the part and the batch sent to review", m)
	}
	part, joined := m.Forms[0], m.Forms[1]
	if part.Status != store.StatusJoined || joined.Status != store.StatusDecided || joined.Decision != corpus.Review {
		t.Fatalf("part %s, batch %s decided %q; want the part joined and the batch in review", part.Status, joined.Status, joined.Decision)
	}
	if !slices.Equal(joined.Pages, []int{1, 2}) || len(joined.Origins) != 2 {
		t.Errorf("batch on pages %v from %d origins, want pages 1 and 2", joined.Pages, len(joined.Origins))
	}
	checkBatch(t, st, joined, b.truth, []int{1, 2}, true, b.queue)
	task, err := st.LatestReviewTask(ctx, joined.ID)
	if err != nil {
		t.Fatal(err)
	}
	var missing *validate.ReviewItem
	for i, it := range task.Items {
		if it.Code == validate.CodeBatchIncomplete {
			missing = &task.Items[i]
		}
	}
	if task.Status != "open" || missing == nil || missing.Field != "page_count" ||
		!strings.HasPrefix(missing.Message, "Page 3 of 3 of this batch never arrived (it holds pages 1 and 2)") {
		t.Errorf("review task %s with items %+v; want one naming page 3 of 3 as missing", task.Status, task.Items)
	}
}
