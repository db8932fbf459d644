package review

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
)

// TestDashboardRetry shows a failed item with its reason, and lets an
// admin (only) queue it again.
func TestDashboardRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var msg int64
	err := e.st.InTx(ctx, func(tx pgx.Tx) error {
		ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Raw: []byte("Subject: x\r\n\r\nbody"), Origin: "test"})
		msg = ins.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	it := store.Item{Kind: "message", ID: msg}
	if ok, err := e.st.MarkFailed(ctx, it, "split: the MIME structure broke the parser"); err != nil || !ok {
		t.Fatalf("MarkFailed: %v %v", ok, err)
	}
	ada, csrf := e.session(t, "ada")
	rita, _ := e.session(t, "rita")
	page := e.do(t, http.MethodGet, "/", ada, nil).Body.String()
	if !strings.Contains(page, it.String()) || !strings.Contains(page, "the MIME structure broke the parser") || !strings.Contains(page, ">Retry</button>") {
		t.Fatalf("admin's dashboard lacks the failed item or its retry button")
	}
	if page := e.do(t, http.MethodGet, "/", rita, nil).Body.String(); !strings.Contains(page, it.String()) || strings.Contains(page, ">Retry</button>") {
		t.Errorf("reviewer's dashboard: want the item without a retry button")
	}
	rec := e.do(t, http.MethodPost, "/failures/retry", ada, map[string]string{"csrf": csrf, "item": it.String()})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("retry: %d\n%s", rec.Code, rec.Body)
	}
	m, err := e.st.Message(ctx, msg)
	if err != nil || m.Status != store.StatusReceived {
		t.Errorf("message after retry: %q %v, want received", m.Status, err)
	}
	var jobs int
	if err := e.st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'split_message'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("split jobs queued: %d %v, want 1", jobs, err)
	}
	if rec := e.do(t, http.MethodPost, "/failures/retry", ada, map[string]string{"csrf": csrf, "item": it.String()}); rec.Code != http.StatusConflict {
		t.Errorf("second retry: %d, want 409", rec.Code)
	}
}

// TestLogsHoldNoPersonalData works a form through search, review and
// approval and checks that no employee number or name reached the log.
func TestLogsHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var buf bytes.Buffer
	e.srv.log = slog.New(slog.NewTextHandler(&buf, nil))
	id := e.seedForm(t, "sub-0001", unsure("employee_number", "75358447", 0.55))
	cookie, csrf := e.session(t, "rita")
	e.do(t, http.MethodPost, "/search", cookie, map[string]string{"csrf": csrf, "q": "Aram Kang"})
	e.do(t, http.MethodPost, "/search", cookie, map[string]string{"csrf": csrf, "q": "75353447"})
	e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil)
	task, _ := e.st.LatestReviewTask(context.Background(), id)
	rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "v.employee_number": "75353447",
	})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", rec.Code)
	}
	log := buf.String()
	if !strings.Contains(log, "path=/search") || !strings.Contains(log, "user=rita") {
		t.Fatalf("the requests were not logged:\n%s", log)
	}
	for _, secret := range []string{"75353447", "75358447", "Kang", "KANG", "Aram", "ARAM"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
}

// TestIdentification settles a form identified with low confidence: the
// reviewer confirms which revision it is, and the rules then judge it.
func TestIdentification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0002", func(r *forms.Reading) { r.Confidence = 0.5 })
	cookie, csrf := e.session(t, "rita")
	page := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil).Body.String()
	if !strings.Contains(page, `id="ident"`) || !strings.Contains(page, `value="district-staff@07/01/2023" selected`) {
		t.Fatalf("no identification choice on the page")
	}
	task, _ := e.st.LatestReviewTask(ctx, id)
	rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "ident": "district-staff@07/01/2023",
	})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/review?done=approved" {
		t.Fatalf("approve: %d %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	f, _ := e.st.Form(ctx, id)
	if f.Reading.Confidence != 1 {
		t.Errorf("identification confidence %v after the reviewer's confirmation, want 1", f.Reading.Confidence)
	}
	if qs, _ := e.st.Requests(ctx, store.RequestFilter{}); len(qs) != 1 || qs[0].FormID != id {
		t.Errorf("requests %+v, want the form's one", qs)
	}
	// An identification outside the registry is refused.
	id2 := e.seedForm(t, "sub-0023", func(r *forms.Reading) { r.Confidence = 0.5 })
	e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id2), cookie, nil)
	task2, _ := e.st.LatestReviewTask(ctx, id2)
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id2), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task2.ID), "ident": "district-staff@01/01/1999",
	}); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown revision: %d, want 400", rec.Code)
	}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id2), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task2.ID), "v.no_such_field": "x",
	}); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: %d, want 400", rec.Code)
	}
}

// TestMarkReview settles a role box holding an unclear mark: the page
// offers the marks as a list, and the reviewer's A is judged by the rules.
func TestMarkReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0001", func(r *forms.Reading) {
		v := r.Values["role.data_reporting_analyst"]
		v.Text, v.Confidence, v.Sure = forms.MarkOther, 0.95, true
		r.Values["role.data_reporting_analyst"] = v
	})
	cookie, csrf := e.session(t, "rita")
	page := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil).Body.String()
	if !strings.Contains(page, `<select id="v.role.data_reporting_analyst"`) || !strings.Contains(page, `<option value="other" selected>`) {
		t.Fatalf("the unclear mark is not offered as a list with its reading chosen")
	}
	task, _ := e.st.LatestReviewTask(ctx, id)
	post := map[string]string{"csrf": csrf, "task": fmt.Sprint(task.ID), "v.role.data_reporting_analyst": forms.MarkOther}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, post); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "still needs a person") {
		t.Fatalf("confirming an unclear mark: %d, want the page saying it still needs a person", rec.Code)
	}
	post["v.role.data_reporting_analyst"] = forms.MarkAdd
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, post); rec.Code != http.StatusSeeOther {
		t.Fatalf("marking A: %d\n%s", rec.Code, rec.Body)
	}
	qs, _ := e.st.Requests(ctx, store.RequestFilter{})
	if len(qs) != 1 || strings.Join(qs[0].RolesAdd, ",") != "Local District Administrator,Data Reporting Analyst" {
		t.Errorf("requests %+v, want both roles added", qs)
	}
}
