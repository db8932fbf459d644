package review

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// planQuality asks of people what policy asks for the form's engine
// decision, as the decide stage does.
func (e *env) planQuality(t *testing.T, formID int64, policy quality.Policy) quality.Plan {
	t.Helper()
	ctx := context.Background()
	f, err := e.st.Form(ctx, formID)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := e.st.LatestDecision(ctx, formID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := validate.Decide(ctx, &f.Reading, validate.Env{Registry: registry, Roster: e.st.Roster(), Locations: e.st.Locations(), Config: e.rules})
	if err != nil {
		t.Fatal(err)
	}
	plan := policy.Plan(registry, formID, &f.Reading, d)
	if err := e.st.InTx(ctx, func(tx pgx.Tx) error { return store.SaveQuality(ctx, tx, formID, dec.ID, plan) }); err != nil {
		t.Fatal(err)
	}
	return plan
}

// keyingTasks returns the form's open keying tasks of a purpose.
func (e *env) keyingTasks(t *testing.T, formID int64, purpose string) []store.KeyingTask {
	t.Helper()
	out, err := e.st.OpenKeying(context.Background(), formID, purpose)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDoubleKeyingPlan: the default rules key the employee number twice
// on a form that removes access and on a batch row, not on a form that
// only adds; a removal form is sampled for QA never while it waits.
func TestDoubleKeyingPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	policy := quality.Policy{HighRisk: quality.DefaultHighRisk, SampleRate: 1}
	for _, tc := range []struct {
		name   string
		sample string
		edit   func(r *forms.Reading)
		double []string
	}{
		{"adds only", "sub-0001", unsure("employee_number", "75358447", 0.55), nil},
		{"removal", "sub-0002", unsure("employee_number", "47192815", 0.55), []string{"employee_number"}},
		{"batch row", "sub-0005", both(unsure("row03.employee_number", "6O567428", 0.5), unsure("row03.last_name", "Smith", 0.5)), []string{"row03.employee_number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := e.seedForm(t, tc.sample, tc.edit)
			plan := e.planQuality(t, form, policy)
			var got []string
			for _, k := range plan.Double {
				got = append(got, k.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.double, ",") || len(plan.QA) != 0 {
				t.Errorf("double keyed %v, QA %d fields; want %v and no QA", got, len(plan.QA), tc.double)
			}
			if n := len(e.keyingTasks(t, form, store.KeyingDouble)); n != 2*len(tc.double[:min(1, len(tc.double))]) {
				t.Errorf("%d double keying tasks", n)
			}
		})
	}
}

// TestKeyingHTTP: the first keyer cannot key the second task; approving
// waits for the keying; keyers who disagree produce a supervisor task a
// reviewer may not take; once settled, the form is approved with the
// settled value, which the reviewer cannot change, and the reviewer's
// decisions on fields are outcomes.
func TestKeyingHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	form := e.seedForm(t, "sub-0002", both(unsure("employee_number", "47192815", 0.55), unsure("phone", "562-886-9851", 0.7)))
	e.planQuality(t, form, quality.Policy{HighRisk: quality.DefaultHighRisk})
	tasks := e.keyingTasks(t, form, store.KeyingDouble)
	if len(tasks) != 2 {
		t.Fatalf("%d double keying tasks, want 2", len(tasks))
	}
	rita, ritaCSRF := e.session(t, "rita")
	rob, robCSRF := e.session(t, "rob")
	sue, sueCSRF := e.session(t, "sue")
	key := func(c *http.Cookie, csrf string, task int64, value string) int {
		return e.do(t, "POST", fmt.Sprintf("/keying/%d", task), c, map[string]string{"csrf": csrf, "k.employee_number": value}).Code
	}
	if code := key(rita, ritaCSRF, tasks[0].ID, "47192816"); code != http.StatusSeeOther {
		t.Fatalf("rita's key: %d", code)
	}
	if code := e.do(t, "GET", fmt.Sprintf("/keying/%d", tasks[1].ID), rita, nil).Code; code != http.StatusConflict {
		t.Errorf("rita opening the second task: %d, want 409", code)
	}
	if code := key(rita, ritaCSRF, tasks[1].ID, "47192816"); code != http.StatusConflict {
		t.Errorf("rita keying the second task: %d, want 409", code)
	}
	if body := e.do(t, "GET", "/keying", rita, nil).Body.String(); !strings.Contains(body, "waiting for a second keyer") || strings.Contains(body, fmt.Sprintf(`href="/keying/%d"`, tasks[1].ID)) {
		t.Errorf("rita's keying list offers her the second task:\n%s", body)
	}
	// Approving waits for the keying.
	task, err := e.st.LatestReviewTask(ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	approve := func(c *http.Cookie, csrf, emp string) int {
		return e.do(t, "POST", fmt.Sprintf("/review/%d/approve", form), c, map[string]string{
			"csrf": csrf, "task": fmt.Sprint(task.ID), "v.employee_number": emp, "v.phone": "562-886-9851",
		}).Code
	}
	if code := approve(rob, robCSRF, "47192816"); code != http.StatusConflict {
		t.Errorf("approving while keying is pending: %d, want 409", code)
	}
	if code := key(rob, robCSRF, tasks[1].ID, "47192811"); code != http.StatusSeeOther {
		t.Fatalf("rob's key: %d", code)
	}
	sup := e.keyingTasks(t, form, store.KeyingSupervisor)
	if len(sup) != 1 {
		t.Fatalf("%d supervisor tasks after a disagreement, want 1", len(sup))
	}
	if code := e.do(t, "GET", fmt.Sprintf("/keying/%d", sup[0].ID), rob, nil).Code; code != http.StatusForbidden {
		t.Errorf("a reviewer opening the supervisor task: %d, want 403", code)
	}
	page := e.do(t, "GET", fmt.Sprintf("/keying/%d", sup[0].ID), sue, nil).Body.String()
	if !strings.Contains(page, "47192816") || !strings.Contains(page, "47192811") || strings.Contains(page, "47192815") {
		t.Errorf("the supervisor's page must show both keys and not the machine's value:\n%s", page)
	}
	if code := key(sue, sueCSRF, sup[0].ID, "47192816"); code != http.StatusSeeOther {
		t.Fatalf("sue's key: %d", code)
	}
	if code := approve(rob, robCSRF, "47192810"); code != http.StatusConflict {
		t.Errorf("changing the settled value on approval: %d, want 409", code)
	}
	if code := approve(rob, robCSRF, "47192816"); code != http.StatusSeeOther {
		t.Fatalf("approve with the settled value: %d", code)
	}
	qs, err := e.st.Requests(ctx, store.RequestFilter{})
	var emp string
	for _, q := range qs {
		if q.FormID == form {
			emp = q.EmployeeNumber
		}
	}
	if err != nil || emp != "47192816" {
		t.Errorf("request after approval: employee %q (%v), want 47192816", emp, err)
	}
	outs, err := e.st.Outcomes(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range outs {
		got[o.Source+":"+o.Field] = fmt.Sprintf("%s %v %s agree=%v", o.Kind, o.Confidence, o.FinalValue, o.Agree)
	}
	want := map[string]string{
		"supervisor:employee_number": "digits 0.55 47192816 agree=false",
		"review:phone":               "digits 0.7 562-886-9851 agree=true",
	}
	// The keyed value was settled by the keying, and is its outcome only.
	if len(got) != len(want) {
		t.Errorf("outcomes %v, want %d", got, len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("outcome %s: %q, want %q (all: %v)", k, got[k], w, got)
		}
	}
}

// TestKeyingBrowser: in headless Chromium, the keying page and the form's
// review page never hold the machine's value of a field being keyed blind,
// the first keyer is not offered the second key, and a disagreement
// reaches the supervisor, who settles it.
func TestKeyingBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const machine = "6O567428" // what the engine read of row 3's employee number
	form := e.seedForm(t, "sub-0005", unsure("row03.employee_number", machine, 0.5))
	e.planQuality(t, form, quality.Policy{HighRisk: quality.DefaultHighRisk})
	tasks := e.keyingTasks(t, form, store.KeyingDouble)
	if len(tasks) != 2 {
		t.Fatalf("%d double keying tasks, want 2", len(tasks))
	}
	base := serve(t, e.srv)
	dir := artifacts(t)
	newTab := browser(t)
	html := func(ctx context.Context) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	rita, cancel := newTab()
	defer cancel()
	if err := signin(rita, base, "rita"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err := chromedp.Do(rita,
		chromedp.Navigate(base+"/keying"),
		chromedp.WaitVisible(chromedp.CSS(`table.keying`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#keying-%d a`, tasks[0].ID))),
		chromedp.WaitVisible(chromedp.ID("keying-form")),
		imagesLoaded(),
		screenshot(t, dir, "keying-01-blind"),
	)
	if err != nil {
		t.Fatalf("open the keying task: %v", err)
	}
	page := html(rita)
	if strings.Contains(page, machine) {
		t.Errorf("the keying page holds the machine's value %s", machine)
	}
	if !strings.Contains(page, fmt.Sprintf(`src="/review/%d/crop/row03.employee_number"`, form)) {
		t.Errorf("the keying page lacks the field's crop")
	}
	if loaded, err := chromedp.Run(rita, chromedp.Evaluate[bool](`Array.from(document.images).some(i => i.src.includes("/crop/row03.employee_number") && i.naturalWidth > 0)`)); err != nil || !loaded {
		t.Errorf("the crop did not load (%v)", err)
	}
	err = chromedp.Do(rita,
		chromedp.SendKeys(chromedp.CSS(`[id="k.row03.employee_number"]`), "60567428"),
		chromedp.Click(chromedp.ID("key-submit")),
		chromedp.WaitVisible(chromedp.ID("keying-message")),
		chromedp.Navigate(fmt.Sprintf("%s/review/%d", base, form)),
		chromedp.WaitVisible(chromedp.CSS(`table.rows`)),
		screenshot(t, dir, "keying-02-review-page-blind"),
	)
	if err != nil {
		t.Fatalf("key and open the review page: %v", err)
	}
	if strings.Contains(html(rita), machine) {
		t.Errorf("the form's review page holds the machine's value %s while it is keyed blind", machine)
	}
	err = chromedp.Do(rita, chromedp.Navigate(base+"/keying"), chromedp.WaitVisible(chromedp.CSS(`table.keying`)))
	if err != nil {
		t.Fatal(err)
	}
	if row := text(t, rita, fmt.Sprintf("#keying-%d", tasks[1].ID)); !strings.Contains(row, "waiting for a second keyer") {
		t.Errorf("rita's list after her key: %q", row)
	}
	if n, err := chromedp.Run(rita, chromedp.Evaluate[int](`document.querySelectorAll("table.keying a").length`)); err != nil || n != 0 {
		t.Errorf("rita is offered %d keying tasks after keying the only one (%v)", n, err)
	}

	rob, cancelR := newTab()
	defer cancelR()
	if err := signin(rob, base, "rob"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err = chromedp.Do(rob,
		chromedp.Navigate(base+"/keying"),
		chromedp.WaitVisible(chromedp.CSS(`table.keying`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#keying-%d a`, tasks[1].ID))),
		chromedp.WaitVisible(chromedp.ID("keying-form")),
	)
	if err != nil {
		t.Fatalf("rob opens the second key: %v", err)
	}
	if page := html(rob); strings.Contains(page, machine) || strings.Contains(page, "60567428") {
		t.Errorf("the second keyer's page holds the machine's value or the first keyer's")
	}
	err = chromedp.Do(rob,
		chromedp.SendKeys(chromedp.CSS(`[id="k.row03.employee_number"]`), "60567420"),
		chromedp.Click(chromedp.ID("key-submit")),
		chromedp.WaitVisible(chromedp.ID("keying-message")),
	)
	if err != nil {
		t.Fatalf("rob keys: %v", err)
	}
	if m := text(t, rob, "#keying-message"); !strings.Contains(m, "supervisor") {
		t.Errorf("after a disagreement: %q", m)
	}
	sup := e.keyingTasks(t, form, store.KeyingSupervisor)
	if len(sup) != 1 {
		t.Fatalf("%d supervisor tasks, want 1", len(sup))
	}

	sue, cancelS := newTab()
	defer cancelS()
	if err := signin(sue, base, "sue"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err = chromedp.Do(sue,
		chromedp.Navigate(base+"/keying"),
		chromedp.WaitVisible(chromedp.CSS(`table.keying`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#keying-%d a`, sup[0].ID))),
		chromedp.WaitVisible(chromedp.ID("keying-form")),
		screenshot(t, dir, "keying-03-supervisor"),
	)
	if err != nil {
		t.Fatalf("sue opens the supervisor task: %v", err)
	}
	if k := text(t, sue, "p.keys"); !strings.Contains(k, "60567428") || !strings.Contains(k, "60567420") || strings.Contains(html(sue), machine) {
		t.Errorf("the supervisor sees %q; want both keys and never the machine's value", k)
	}
	err = chromedp.Do(sue,
		chromedp.SendKeys(chromedp.CSS(`[id="k.row03.employee_number"]`), "60567428"),
		chromedp.Click(chromedp.ID("key-submit")),
		chromedp.WaitVisible(chromedp.ID("keying-message")),
	)
	if err != nil {
		t.Fatalf("sue settles: %v", err)
	}
	f, err := e.st.Form(context.Background(), form)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.Reading.Values["row03.employee_number"]; v.Text != "60567428" || v.Source != forms.FromReviewer {
		t.Errorf("row 3 after the supervisor: %+v", v)
	}
}

// TestQADashboard: a QA key of a sampled form records an outcome per
// auto-accepted field; a wrong one among few raises the alert on the
// dashboard and in the metric.
func TestQADashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := e.seedForm(t, "sub-0001", nil)
	plan := e.planQuality(t, form, quality.Policy{SampleRate: 1})
	qa := e.keyingTasks(t, form, store.KeyingQA)
	if len(qa) != 1 || len(plan.QA) == 0 || len(qa[0].Fields) != len(plan.QA) {
		t.Fatalf("QA tasks %+v for plan %+v", qa, plan.QA)
	}
	f, err := e.st.Form(context.Background(), form)
	if err != nil {
		t.Fatal(err)
	}
	ada, csrf := e.session(t, "ada")
	body := map[string]string{"csrf": csrf}
	for _, fd := range qa[0].Fields {
		body["k."+fd.Name] = f.Reading.Values[fd.Name].Text
	}
	body["k.employee_number"] = "75353440" // the engine accepted a wrong number
	page := e.do(t, "GET", fmt.Sprintf("/keying/%d", qa[0].ID), ada, nil).Body.String()
	if strings.Contains(page, "75353447") {
		t.Error("the QA keying page holds the machine's employee number")
	}
	if code := e.do(t, "POST", fmt.Sprintf("/keying/%d", qa[0].ID), ada, body).Code; code != http.StatusSeeOther {
		t.Fatalf("QA key: %d", code)
	}
	outs, err := e.st.Outcomes(context.Background(), time.Time{})
	if err != nil || len(outs) != len(plan.QA) {
		t.Fatalf("%d outcomes, want %d (%v)", len(outs), len(plan.QA), err)
	}
	wrong := 0
	for _, o := range outs {
		if o.Source != store.OutcomeQA || !o.Auto || o.Weight != 1 {
			t.Errorf("QA outcome %+v", o)
		}
		if !o.Agree {
			wrong++
		}
	}
	if wrong != 1 {
		t.Errorf("%d QA outcomes disagree, want 1", wrong)
	}
	dash := e.do(t, "GET", "/", ada, nil).Body.String()
	if !strings.Contains(dash, `id="qa-alert"`) || !strings.Contains(dash, "1 / ") {
		t.Errorf("dashboard lacks the QA alert:\n%s", dash)
	}
	// The metric is shared by the tests running at once, so the alert is
	// read from the server's state, and the metric only checked to exist.
	e.srv.qa.mu.Lock()
	raised := e.srv.qa.raised["digits/7d"] && e.srv.qa.raised["digits/30d"] && !e.srv.qa.raised["text/7d"]
	e.srv.qa.mu.Unlock()
	if !raised {
		t.Errorf("alerts raised: %v; want digits in both windows and not text", e.srv.qa.raised)
	}
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		found = found || mf.GetName() == "intake_qa_alert"
	}
	if !found {
		t.Error("no intake_qa_alert metric")
	}
}
