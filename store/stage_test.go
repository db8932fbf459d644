package store_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// readForm stores a message with one attachment read into the given
// forms, and returns the forms' IDs.
func readForm(t *testing.T, s *store.Store, key string, readings ...forms.Reading) []int64 {
	t.Helper()
	ctx := context.Background()
	m := insert(t, s, store.NewMessage{Key: key, Raw: []byte(key), From: "fax@gateway.example"})
	var ids []int64
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		res, err := store.SaveSplit(ctx, tx, m.ID, []store.NewAttachment{{Filename: "f.pdf", Type: "pdf", Data: []byte(key)}})
		if err != nil {
			return err
		}
		var pages []store.Page
		for _, r := range readings {
			for _, p := range r.Pages {
				pages = append(pages, store.Page{Page: p, Family: r.Family, Revision: r.Revision, Known: r.Known})
			}
		}
		rr, err := store.SaveRead(ctx, tx, res.ToRead[0], pages, readings)
		ids = rr.Forms
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func sampleReading() forms.Reading {
	return forms.Reading{
		Family: "district-staff", Revision: "07/01/2023", Known: true, Confidence: 0.97, Pages: []int{1},
		Values: map[string]forms.Value{
			"employee_number":        {Text: "12345678", Confidence: 0.99, Present: 0.999, Page: 1, Box: forms.Box{X: 10, Y: 20, W: 100, H: 12}, Source: forms.FromEngine, Sure: true},
			"phone":                  {Text: "213-55S-0147", Confidence: 0.4, Present: 0.98, Page: 1, Source: forms.FromEngine},
			"role.help_desk_support": {Text: "A", Confidence: 0.95, Page: 1, Box: forms.Box{X: 1, Y: 2, W: 3, H: 4}, Source: forms.FromEngine, Sure: true},
			"first_name":             {Text: "", Confidence: 0.3, Page: 1, Source: forms.FromEngine},
		},
	}
}

func TestSaveReadAndForm(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	want := sampleReading()
	ids := readForm(t, s, "read@x", want)
	if len(ids) != 1 {
		t.Fatalf("%d forms stored, want 1", len(ids))
	}
	f, err := s.Form(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != store.StatusRead || f.From != "fax@gateway.example" || f.MessageKey != "read@x" {
		t.Errorf("form: status %s from %q key %q", f.Status, f.From, f.MessageKey)
	}
	if !reflect.DeepEqual(f.Reading, want) {
		t.Errorf("reading came back as\n%+v\nwant\n%+v", f.Reading, want)
	}
	// Reading the attachment again writes nothing.
	a, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	attID := a["read@x"].Attachments[0].ID
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		res, err := store.SaveRead(ctx, tx, attID, nil, []forms.Reading{want})
		if err == nil && res.Done {
			t.Errorf("second SaveRead of one attachment wrote again")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func decide(t *testing.T, s *store.Store, formID int64, d validate.Decision, notice *store.Email) store.DecideResult {
	t.Helper()
	var res store.DecideResult
	err := s.InTx(context.Background(), func(tx pgx.Tx) error {
		var err error
		res, err = store.SaveDecision(context.Background(), tx, formID, d, notice)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func acceptance() validate.Decision {
	return validate.Decision{Outcome: validate.Accept, Requests: []validate.Request{{
		Action: validate.ActionAdd, Family: "district-staff", EmployeeNumber: "12345678",
		FirstName: "Ann", LastName: "Lee", Email: "alee@lausd.net", AdminEmail: "boss@lausd.net",
		RolesAdd: []string{"Help Desk Support"}, Queue: "ld-east", LocationCode: "1234",
		EndDate: validate.Date{Year: 2027, Month: 6, Day: 30},
	}}}
}

func TestSaveDecisionOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	id := readForm(t, s, "decide@x", sampleReading())[0]
	res := decide(t, s, id, acceptance(), nil)
	if !res.Done || len(res.Requests) != 1 || res.ReviewTask != 0 {
		t.Fatalf("first decision: %+v, want one request and no review", res)
	}
	if again := decide(t, s, id, acceptance(), nil); again.Done {
		t.Errorf("second decision of one form wrote again: %+v", again)
	}
	qs, err := s.Requests(ctx, store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 {
		t.Fatalf("%d requests, want 1", len(qs))
	}
	q := qs[0]
	if q.Queue != "ld-east" || q.Status != store.RequestQueued || q.EndDate == nil || q.EndDate.Format("2006-01-02") != "2027-06-30" ||
		!reflect.DeepEqual(q.RolesAdd, []string{"Help Desk Support"}) || len(q.RolesRemove) != 0 {
		t.Errorf("request stored as %+v", q)
	}
}

func TestSaveDecisionRejectAndReview(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	second := sampleReading()
	second.Pages = []int{2}
	ids := readForm(t, s, "two@x", sampleReading(), second)
	reject := validate.Decision{Outcome: validate.Reject, Reasons: []validate.Reason{{Code: validate.CodeRevisionRetired, Message: "old form"}}}
	notice := &store.Email{To: "boss@lausd.net", Subject: "rejected", Body: "old form"}
	if res := decide(t, s, ids[0], reject, notice); len(res.Requests) != 0 || res.ReviewTask != 0 {
		t.Errorf("rejection: %+v, want no request and no review", res)
	}
	review := validate.Decision{Outcome: validate.Review, Review: []validate.ReviewItem{{Field: "first_name", Why: validate.WhyLowConfidence, Code: validate.CodeValueUnsure, Message: "check"}}}
	if res := decide(t, s, ids[1], review, nil); res.ReviewTask == 0 {
		t.Errorf("review: no review task")
	}
	out, err := s.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Kind != "rejection" || out[0].To != "boss@lausd.net" || *out[0].FormID != ids[0] {
		t.Errorf("outbox: %+v, want the one rejection notice", out)
	}
	exp, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fs := exp["two@x"].Forms
	if len(fs) != 2 || fs[0].Decision != "reject" || fs[0].Reasons[0].Code != "revision.retired" || fs[1].Decision != "review" {
		t.Errorf("exported forms: %+v", fs)
	}
}

func TestQueue(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	id := readForm(t, s, "queue@x", sampleReading())[0]
	reqID := decide(t, s, id, acceptance(), nil).Requests[0]

	if _, err := s.Complete(ctx, reqID, store.Completion{Granted: true}); err == nil {
		t.Errorf("completing an unclaimed request without naming who: no error")
	}
	q, err := s.Claim(ctx, reqID, "pat")
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != store.RequestClaimed || q.ClaimedBy != "pat" || q.ClaimedAt == nil {
		t.Errorf("claimed request: %+v", q)
	}
	if _, err := s.Claim(ctx, reqID, "sam"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("claiming a claimed request: %v, want ErrConflict", err)
	}
	q, err = s.Complete(ctx, reqID, store.Completion{Granted: true, Note: "set up"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != store.RequestGranted || q.DoneBy != "pat" || q.Note != "set up" {
		t.Errorf("completed request: %+v", q)
	}
	if _, err := s.Complete(ctx, reqID, store.Completion{Granted: false}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("completing twice: %v, want ErrConflict", err)
	}
	if _, err := s.Claim(ctx, 999999, "pat"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("claiming no request: %v, want ErrNotFound", err)
	}
	out, err := s.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, e := range out {
		if e.Kind == "confirmation" && e.RequestID != nil && *e.RequestID == reqID {
			to = append(to, e.To)
		}
	}
	if !reflect.DeepEqual(to, []string{"alee@lausd.net", "boss@lausd.net"}) {
		t.Errorf("confirmations to %v, want the user and the administrator", to)
	}
	log, err := s.Audit(ctx, "request/"+strconv.FormatInt(reqID, 10))
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if !reflect.DeepEqual(actions, []string{"pat:request.claimed", "pat:request.granted"}) {
		t.Errorf("audit of the request: %v", actions)
	}
	if n, err := s.Requests(ctx, store.RequestFilter{Queue: "central-office"}); err != nil || len(n) != 0 {
		t.Errorf("central-office queue: %d requests (%v), want none", len(n), err)
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	id := readForm(t, s, "fail@x", sampleReading())[0]
	it := store.Item{Kind: "form", ID: id}
	if ok, err := s.MarkFailed(ctx, it, "roster lookup timed out"); err != nil || !ok {
		t.Fatalf("MarkFailed: %v %v", ok, err)
	}
	fs, err := s.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Item != it.String() || fs[0].Reason != "roster lookup timed out" {
		t.Fatalf("failures: %+v", fs)
	}
	parsed, err := store.ParseItem(fs[0].Item)
	if err != nil || parsed != it {
		t.Fatalf("ParseItem(%q) = %v, %v", fs[0].Item, parsed, err)
	}
	reset := func() error {
		return s.InTx(ctx, func(tx pgx.Tx) error { return store.Reset(ctx, tx, "ops", it) })
	}
	if err := reset(); err != nil {
		t.Fatal(err)
	}
	if err := reset(); !errors.Is(err, store.ErrNotFailed) {
		t.Errorf("resetting a waiting item: %v, want ErrNotFailed", err)
	}
	if f, _ := s.Form(ctx, id); f.Status != store.StatusRead {
		t.Errorf("form after reset: %s, want read", f.Status)
	}
	for _, bad := range []string{"form", "form/0", "page/3", "form/x"} {
		if _, err := store.ParseItem(bad); err == nil {
			t.Errorf("ParseItem(%q): no error", bad)
		}
	}
}

func TestRosterAndLocations(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	rf, err := os.Open("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	mem, err := validate.ReadRoster(rf)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.ImportRoster(ctx, "ops", mem); err != nil || n != mem.Len() {
		t.Fatalf("ImportRoster: %d, %v", n, err)
	}
	// Importing again replaces, never adds.
	if _, err := s.ImportRoster(ctx, "ops", mem); err != nil {
		t.Fatal(err)
	}
	for _, e := range mem.Employees() {
		got, ok, err := s.Roster().Employee(ctx, e.Number)
		if err != nil || !ok || got != e {
			t.Fatalf("employee: got %+v %v %v, want %+v", got, ok, err, e)
		}
	}
	if _, ok, err := s.Roster().Employee(ctx, "00000000"); ok || err != nil {
		t.Errorf("unknown employee: found %v, err %v", ok, err)
	}
	// The database lists the same staff at each location as the file.
	for _, e := range mem.Employees()[:5] {
		want, _ := mem.Staff(ctx, e.LocationCode)
		got, err := s.Roster().Staff(ctx, e.LocationCode)
		slices.SortFunc(want, func(a, b validate.Employee) int { return strings.Compare(a.Number, b.Number) })
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("staff at %s: got %+v, %v; want %+v", e.LocationCode, got, err, want)
		}
	}
	for _, e := range mem.Employees()[:5] {
		want, _ := mem.Named(ctx, e.FirstName, e.LastName)
		got, err := s.Roster().Named(ctx, " "+strings.ToUpper(e.FirstName), e.LastName+".")
		slices.SortFunc(want, func(a, b validate.Employee) int { return strings.Compare(a.Number, b.Number) })
		if err != nil || len(got) == 0 || !slices.Equal(got, want) {
			t.Fatalf("employees named %s %s: got %+v, %v; want %+v", e.FirstName, e.LastName, got, err, want)
		}
	}
	for _, e := range mem.Employees()[:5] {
		for _, q := range [][2]string{{e.FirstName, ""}, {"", e.LastName}} {
			want, _ := mem.Named(ctx, q[0], q[1])
			got, err := s.Roster().Named(ctx, q[0], q[1])
			slices.SortFunc(want, func(a, b validate.Employee) int { return strings.Compare(a.Number, b.Number) })
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("employees named %q %q: got %d, %v; want %d", q[0], q[1], len(got), err, len(want))
			}
		}
	}
	if named, err := s.Roster().Named(ctx, "", " "); len(named) != 0 || err != nil {
		t.Errorf("employees of no name: %d, %v", len(named), err)
	}
	if staff, err := s.Roster().Staff(ctx, "0000"); len(staff) != 0 || err != nil {
		t.Errorf("staff at an unknown location: %+v, %v", staff, err)
	}

	lf, err := os.Open("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	locs, err := validate.ReadLocations(lf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportLocations(ctx, "ops", locs); err != nil {
		t.Fatal(err)
	}
	for _, l := range locs.All() {
		got, ok, err := s.Locations().Location(ctx, l.Code)
		if err != nil || !ok || got != l || got.Queue() == "" {
			t.Fatalf("location: got %+v %v %v, want %+v", got, ok, err, l)
		}
	}
	all, err := s.Locations().All(ctx)
	want := locs.All()
	slices.SortFunc(want, func(a, b validate.Location) int { return strings.Compare(a.Code, b.Code) })
	if err != nil || !slices.Equal(all, want) {
		t.Errorf("all locations: %d, %v; want the %d imported", len(all), err, len(want))
	}
	if _, ok, _ := s.Locations().Location(ctx, "0000"); ok {
		t.Errorf("unknown location found")
	}
}
