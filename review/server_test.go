package review

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
)

// TestRoutePermissions tries every role against every route: a role the
// route names is let through (whatever the handler then answers), any
// other gets 403, and a browser without a session is sent to sign in.
func TestRoutePermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := e.seedForm(t, "sub-0001", unsure("employee_number", "75358447", 0.55))
	fill := strings.NewReplacer("{form}", fmt.Sprint(form), "{page}", "1", "{field}", "employee_number",
		"{row}", "1", "{queue}", "ld-northeast", "{id}", "999999", "{task}", "999999", "{$}", "")
	// Bodies that pass the guard but change nothing: a stale task, no
	// reason, an unknown request or item.
	bodies := map[string]map[string]string{
		"POST /failures/retry":         {"item": "form/999999"},
		"POST /review/{form}/approve":  {"task": "0"},
		"POST /review/{form}/reject":   {"task": "0"},
		"POST /requests/{id}/complete": {"outcome": "granted"},
		"POST /search":                 {"q": "75353447"},
		"POST /review/{form}/claim":    {},
		"POST /review/{form}/release":  {},
		"POST /requests/{id}/claim":    {},
		"POST /signout":                {},
		"POST /keying/{task}":          {},
	}
	for _, rt := range e.srv.routes() {
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		target := fill.Replace(pattern)
		for _, role := range []string{"", store.RoleReviewer, store.RoleSupervisor, store.RoleProvisioner, store.RoleAdmin} {
			name := map[string]string{"": "nobody", store.RoleReviewer: "rob", store.RoleSupervisor: "sue", store.RoleProvisioner: "paula", store.RoleAdmin: "ada"}[role]
			t.Run(rt.pattern+"/"+name, func(t *testing.T) {
				var cookie *http.Cookie
				form := map[string]string(nil)
				if method == http.MethodPost {
					form = map[string]string{}
					for k, v := range bodies[rt.pattern] {
						form[k] = v
					}
				}
				if role != "" {
					var csrf string
					cookie, csrf = e.session(t, name)
					if form != nil {
						form["csrf"] = csrf
					}
				}
				rec := e.do(t, method, target, cookie, form)
				switch {
				case role == "":
					if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/signin") {
						t.Errorf("no session: %d %s, want 303 to /signin", rec.Code, rec.Header().Get("Location"))
					}
				case rt.roles.has(role):
					signedOut := strings.HasPrefix(rec.Header().Get("Location"), "/signin") && rt.pattern != "POST /signout"
					if rec.Code == http.StatusForbidden || rec.Code >= 500 || signedOut {
						t.Errorf("%s allowed: got %d (%s)", role, rec.Code, rec.Header().Get("Location"))
					}
				default:
					if rec.Code != http.StatusForbidden {
						t.Errorf("%s not allowed: got %d, want 403", role, rec.Code)
					}
				}
			})
		}
	}
	// The roles the routes name are the ones the product asks for.
	want := map[string]string{
		"GET /review/{form}":             "reviewer supervisor admin",
		"GET /review/{form}/page/{page}": "reviewer supervisor admin",
		"POST /review/{form}/approve":    "reviewer supervisor admin",
		"GET /queues/{queue}":            "provisioner admin",
		"POST /requests/{id}/complete":   "provisioner admin",
		"POST /failures/retry":           "admin",
		"POST /search":                   "reviewer supervisor admin",
		"GET /{$}":                       "reviewer supervisor provisioner admin",
		"POST /keying/{task}":            "reviewer supervisor admin",
	}
	for _, rt := range e.srv.routes() {
		if w, ok := want[rt.pattern]; ok && strings.Join(rt.roles, " ") != w {
			t.Errorf("%s: roles %v, want %s", rt.pattern, rt.roles, w)
		}
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := e.seedForm(t, "sub-0001", unsure("employee_number", "75358447", 0.55))
	cookie, csrf := e.session(t, "rita")
	target := fmt.Sprintf("/review/%d/release", form)
	for _, tc := range []struct {
		name string
		body map[string]string
		want int
	}{
		{"no token", map[string]string{}, http.StatusForbidden},
		{"wrong token", map[string]string{"csrf": "x" + csrf}, http.StatusForbidden},
		{"another session's token", map[string]string{"csrf": func() string { _, c := e.session(t, "rita"); return c }()}, http.StatusForbidden},
		{"right token", map[string]string{"csrf": csrf}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := e.do(t, http.MethodPost, target, cookie, tc.body); rec.Code != tc.want {
				t.Errorf("got %d, want %d", rec.Code, tc.want)
			}
		})
	}

	// Sign-in needs its form's token, matched by the cookie set with it.
	rec := e.do(t, http.MethodPost, "/signin", nil, map[string]string{"name": "rita", "password": password("rita"), "csrf": "forged"})
	if rec.Code != http.StatusForbidden {
		t.Errorf("sign-in without the form's cookie: %d, want 403", rec.Code)
	}
}

// signin signs in through the sign-in page as a browser does and returns
// the session cookie.
func (e *env) signin(t *testing.T, name, pw string) (*httptest.ResponseRecorder, *http.Cookie) {
	t.Helper()
	page := e.do(t, http.MethodGet, "/signin", nil, nil)
	var pre *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == signinCookie {
			pre = c
		}
	}
	if pre == nil || !strings.Contains(page.Body.String(), `value="`+pre.Value+`"`) {
		t.Fatalf("sign-in page: no token cookie matching the form")
	}
	rec := e.do(t, http.MethodPost, "/signin", pre, map[string]string{"name": name, "password": pw, "csrf": pre.Value, "next": "/review"})
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return rec, c
		}
	}
	return rec, nil
}

func TestSignin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec, c := e.signin(t, "rita", "wrong-password")
	if rec.Code != http.StatusUnauthorized || c != nil {
		t.Errorf("wrong password: %d, cookie %v; want 401 and none", rec.Code, c)
	}
	rec, c = e.signin(t, "nobody", "whatever-password")
	if rec.Code != http.StatusUnauthorized || c != nil {
		t.Errorf("unknown user: %d, cookie %v; want 401 and none", rec.Code, c)
	}
	rec, c = e.signin(t, "rita", password("rita"))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/review" || c == nil {
		t.Fatalf("right password: %d to %q, cookie %v", rec.Code, rec.Header().Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", c)
	}
	page := e.do(t, http.MethodGet, "/review", c, nil)
	if page.Code != http.StatusOK {
		t.Errorf("GET /review signed in: %d", page.Code)
	}
	for h, want := range map[string]string{
		"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'self'",
	} {
		if got := page.Header().Get(h); !strings.Contains(got, want) {
			t.Errorf("header %s: %q, want %q", h, got, want)
		}
	}
	// The database keeps only the token's hash.
	var n int
	if err := e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE token_hash = $1`, c.Value).Scan(&n); err != nil || n != 0 {
		t.Errorf("the raw token is stored (%d rows, %v)", n, err)
	}
	// Signing out ends the session.
	_, csrf := csrfOf(t, e, c)
	if got := e.do(t, http.MethodPost, "/signout", c, map[string]string{"csrf": csrf}).Code; got != http.StatusSeeOther {
		t.Fatalf("sign out: %d", got)
	}
	if got := e.do(t, http.MethodGet, "/review", c, nil); got.Code != http.StatusSeeOther {
		t.Errorf("after sign-out: %d, want a redirect to sign in", got.Code)
	}
	// A local next only.
	for next, want := range map[string]string{"/audit": "/audit", "//evil.example/": "/", "https://evil.example/": "/", "": "/"} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// csrfOf returns a session's CSRF token as its pages carry it.
func csrfOf(t *testing.T, e *env, c *http.Cookie) (string, string) {
	t.Helper()
	body := e.do(t, http.MethodGet, "/", c, nil).Body.String()
	_, rest, ok := strings.Cut(body, `name="csrf" value="`)
	if !ok {
		t.Fatal("no CSRF token on the dashboard")
	}
	tok, _, _ := strings.Cut(rest, `"`)
	return body, tok
}

func TestSigninThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := 0; i < maxFailures; i++ {
		if rec, _ := e.signin(t, "rita", "wrong-password"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, rec.Code)
		}
	}
	if rec, c := e.signin(t, "rita", password("rita")); rec.Code != http.StatusTooManyRequests || c != nil {
		t.Errorf("right password after %d failures: %d, want 429 and no session", maxFailures, rec.Code)
	}
	if _, c := e.signin(t, "rob", password("rob")); c == nil {
		t.Errorf("another name is refused too")
	}
	e.clock.Add(failureWindow)
	if _, c := e.signin(t, "rita", password("rita")); c == nil {
		t.Errorf("still refused after the window passed")
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, c := e.signin(t, "paula", password("paula"))
	if c == nil {
		t.Fatal("no session")
	}
	ok := func(when string, want bool) {
		t.Helper()
		rec := e.do(t, http.MethodGet, "/queues", c, nil)
		if got := rec.Code == http.StatusOK; got != want {
			t.Errorf("%s: %d (%s), want signed in %v", when, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	ok("at once", true)
	e.clock.Add(DefaultSessionIdle - time.Minute)
	ok("just before the idle limit", true) // and renewed
	e.clock.Add(DefaultSessionIdle - time.Minute)
	ok("used again before the renewed limit", true)
	e.clock.Add(DefaultSessionIdle + time.Second)
	ok("idle too long", false)

	// Activity never stretches a session past its absolute limit.
	_, c = e.signin(t, "paula", password("paula"))
	for elapsed := time.Duration(0); elapsed < DefaultSessionMax-20*time.Minute; elapsed += 20 * time.Minute {
		e.clock.Add(20 * time.Minute)
		if rec := e.do(t, http.MethodGet, "/queues", c, nil); rec.Code != http.StatusOK {
			t.Fatalf("after %v of activity: %d", elapsed+20*time.Minute, rec.Code)
		}
	}
	e.clock.Add(21 * time.Minute)
	ok("past the absolute limit", false)
}

// TestReviewApprove corrects a misread field and approves: the rules
// accept, the request is queued on its Local District's queue, and the
// audit log holds the old and the new value.
func TestReviewApprove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0001", both(unsure("employee_number", "75358447", 0.55), unsure("phone", "818-802-0087", 0.7)))
	cookie, csrf := e.session(t, "rita")
	page := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil)
	if page.Code != http.StatusOK {
		t.Fatalf("review page: %d", page.Code)
	}
	body := page.Body.String()
	for _, want := range []string{`id="v.employee_number"`, `value="75358447"`, `/review/` + fmt.Sprint(id) + `/crop/employee_number`, `data-box="employee_number"`, "55%"} {
		if !strings.Contains(body, want) {
			t.Errorf("review page lacks %s", want)
		}
	}
	task, err := e.st.LatestReviewTask(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	// Another reviewer sees the claim and cannot act.
	robCookie, robCSRF := e.session(t, "rob")
	rp := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), robCookie, nil)
	if !strings.Contains(rp.Body.String(), "Being reviewed by <strong>rita</strong>") || strings.Contains(rp.Body.String(), `id="review-form"`) {
		t.Errorf("second reviewer's page does not show rita's claim read-only")
	}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), robCookie, map[string]string{
		"csrf": robCSRF, "task": fmt.Sprint(task.ID), "v.employee_number": "75353447", "v.phone": "818-802-0087",
	}); rec.Code != http.StatusConflict {
		t.Errorf("second reviewer's approve: %d, want 409", rec.Code)
	}

	rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "v.employee_number": "75353447", "v.phone": "818-802-0087",
	})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/review?done=approved" {
		t.Fatalf("approve: %d %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	qs, err := e.st.Requests(ctx, store.RequestFilter{Queue: "ld-northeast"})
	if err != nil || len(qs) != 1 || qs[0].EmployeeNumber != "75353447" || qs[0].FormID != id {
		t.Fatalf("ld-northeast queue: %+v, %v; want the corrected request", qs, err)
	}
	f, _ := e.st.Form(ctx, id)
	if v := f.Reading.Values["employee_number"]; v.Text != "75353447" || v.Source != "reviewer" || !v.Sure {
		t.Errorf("stored employee_number %+v, want the reviewer's sure value", v)
	}
	log, err := e.st.AuditLog(ctx, store.AuditFilter{FormID: id, Actor: "rita"})
	if err != nil {
		t.Fatal(err)
	}
	var corrected, confirmed, approved bool
	for _, a := range log {
		switch {
		case a.Action == "field.corrected" && a.Detail["field"] == "employee_number":
			corrected = a.Detail["old"] == "75358447" && a.Detail["new"] == "75353447"
		case a.Action == "field.confirmed" && a.Detail["field"] == "phone":
			confirmed = a.Detail["old"] == "818-802-0087" && a.Detail["new"] == "818-802-0087"
		case a.Action == "form.approved":
			approved = true
		}
	}
	if !corrected || !confirmed || !approved {
		t.Errorf("audit log (corrected %v, confirmed %v, approved %v): %+v", corrected, confirmed, approved, log)
	}
	if rec := e.do(t, http.MethodGet, "/review", cookie, nil); strings.Contains(rec.Body.String(), fmt.Sprintf(`href="/review/%d"`, id)) {
		t.Errorf("the approved form is still in the review queue")
	}
	// The audit page filters by form and person.
	ap := e.do(t, http.MethodGet, fmt.Sprintf("/audit?form=%d&person=rita", id), cookie, nil).Body.String()
	if !strings.Contains(ap, "field.corrected") || !strings.Contains(ap, "75358447") || strings.Contains(ap, "message.received") {
		t.Errorf("audit page filtered by form and person is wrong")
	}
	// The log is stamped by the database's clock.
	tomorrow := time.Now().In(e.srv.cfg.Zone).AddDate(0, 0, 1).Format("2006-01-02")
	ap = e.do(t, http.MethodGet, fmt.Sprintf("/audit?form=%d&from=%s", id, tomorrow), cookie, nil).Body.String()
	if strings.Contains(ap, "field.corrected") {
		t.Errorf("audit page shows entries before its from date")
	}
	ap = e.do(t, http.MethodGet, fmt.Sprintf("/audit?form=%d&to=%s", id, tomorrow), cookie, nil).Body.String()
	if !strings.Contains(ap, "field.corrected") {
		t.Errorf("audit page leaves out entries before its to date")
	}
}

// TestReviewRulesReject corrects a value into one the rules reject: the
// page shows why, and the rejection is sent only when confirmed.
func TestReviewRulesReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0001", unsure("employee_number", "7535344", 0.4))
	cookie, csrf := e.session(t, "rita")
	e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil)
	task, _ := e.st.LatestReviewTask(ctx, id)
	post := map[string]string{"csrf": csrf, "task": fmt.Sprint(task.ID), "v.employee_number": "7535344"}
	rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, post)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "The rules reject the corrected form") ||
		!strings.Contains(rec.Body.String(), `value="7535344"`) {
		t.Fatalf("approve of a value the rules reject: %d\n%s", rec.Code, rec.Body)
	}
	if out, _ := e.st.Outbox(ctx); len(out) != 0 {
		t.Errorf("a notice was queued before the reviewer confirmed: %+v", out)
	}
	post["confirm"] = "reject"
	rec = e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, post)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/review?done=rejected" {
		t.Fatalf("confirmed rejection: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	out, _ := e.st.Outbox(ctx)
	if len(out) != 1 || out[0].Kind != "rejection" || out[0].To != "irinas@lausd.net" || !strings.Contains(out[0].Body, "8 digits") {
		t.Errorf("outbox %+v, want the rules' rejection to the signing administrator", out)
	}
	if qs, _ := e.st.Requests(ctx, store.RequestFilter{}); len(qs) != 0 {
		t.Errorf("requests queued for a rejected form: %+v", qs)
	}
}

// TestRulesRejectTold: a form the engine rejected but sent to review too
// (one value sure and wrong, one unsure) is not rejected to the school
// twice for the same reasons.
func TestRulesRejectTold(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0001", both(unsure("phone", "818-802-0087", 0.6), func(r *forms.Reading) {
		v := r.Values["employee_number"]
		v.Text = "7535344" // seven digits, read surely
		r.Values["employee_number"] = v
	}))
	if out, _ := e.st.Outbox(ctx); len(out) != 1 {
		t.Fatalf("the engine's notice: %d e-mails, want 1", len(out))
	}
	cookie, csrf := e.session(t, "rita")
	e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil)
	task, _ := e.st.LatestReviewTask(ctx, id)
	post := map[string]string{"csrf": csrf, "task": fmt.Sprint(task.ID), "v.phone": "818-802-0087", "confirm": "reject"}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, post); rec.Header().Get("Location") != "/review?done=rejected" {
		t.Fatalf("confirming the rules' rejection: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if out, _ := e.st.Outbox(ctx); len(out) != 1 {
		t.Errorf("outbox has %d e-mails after the same rejection, want the engine's one", len(out))
	}
}

// TestReviewRejectAndBatch rejects a form for a reviewer's reason and
// shows a batch form as its table.
func TestReviewRejectAndBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0011", unsure("phone", "2I3-555-0I47", 0.3))
	batch := e.seedForm(t, "sub-0005", unsure("row03.employee_number", "6O567428", 0.5))
	cookie, csrf := e.session(t, "rita")

	q := e.do(t, http.MethodGet, "/review", cookie, nil).Body.String()
	if !strings.Contains(q, fmt.Sprintf(`href="/review/%d"`, id)) || !strings.Contains(q, fmt.Sprintf(`href="/review/%d"`, batch)) ||
		!strings.Contains(q, "not read with confidence") {
		t.Errorf("review queue lacks the forms or why they wait:\n%s", q)
	}

	bp := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", batch), cookie, nil).Body.String()
	for _, want := range []string{`class="rows"`, fmt.Sprintf(`/review/%d/row/3`, batch), `id="v.row03.employee_number"`, `value="6O567428"`, `value="Jenkins"`} {
		if !strings.Contains(bp, want) {
			t.Errorf("batch page lacks %s", want)
		}
	}
	img := e.do(t, http.MethodGet, fmt.Sprintf("/review/%d/row/3", batch), cookie, nil)
	if img.Code != http.StatusOK || img.Header().Get("Content-Type") != "image/png" {
		t.Errorf("row crop: %d %s", img.Code, img.Header().Get("Content-Type"))
	}

	e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil)
	task, _ := e.st.LatestReviewTask(ctx, id)
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/reject", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "reason": "other",
	}); rec.Code != http.StatusBadRequest {
		t.Errorf("reject for Other without a note: %d, want 400", rec.Code)
	}
	rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/reject", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "reason": "illegible", "note": "The phone number is smudged.",
	})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reject: %d\n%s", rec.Code, rec.Body)
	}
	out, _ := e.st.Outbox(ctx)
	if len(out) != 1 || out[0].To != "nareks@lausd.net" || !strings.Contains(out[0].Body, "could not be read") ||
		!strings.Contains(out[0].Body, "smudged") {
		t.Errorf("outbox %+v, want the reviewer's rejection", out)
	}
	d, _ := e.st.LatestDecision(ctx, id)
	if d.Outcome != "reject" || d.DecidedBy != "rita" || d.Round != 2 {
		t.Errorf("decision %+v, want rita's reject in round 2", d)
	}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/reject", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "reason": "illegible",
	}); rec.Header().Get("Location") != "/review?done=closed" {
		t.Errorf("second reject of a closed review: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

// TestProvisioning claims and completes a request: the confirmations go
// to the outbox and someone else's claim is respected.
func TestProvisioning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.seedForm(t, "sub-0002", nil) // accepted by the rules at once
	qs, err := e.st.Requests(ctx, store.RequestFilter{})
	if err != nil || len(qs) != 1 {
		t.Fatalf("requests %+v %v", qs, err)
	}
	r := qs[0]
	paula, pcsrf := e.session(t, "paula")
	ada, acsrf := e.session(t, "ada")
	page := e.do(t, http.MethodGet, "/queues/"+r.Queue, paula, nil).Body.String()
	if !strings.Contains(page, fmt.Sprintf(`id="request-%d"`, r.ID)) || !strings.Contains(page, r.EmployeeNumber) {
		t.Fatalf("queue page lacks the request")
	}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/requests/%d/claim", r.ID), paula, map[string]string{"csrf": pcsrf}); rec.Code != http.StatusSeeOther {
		t.Fatalf("claim: %d", rec.Code)
	}
	if rec := e.do(t, http.MethodPost, fmt.Sprintf("/requests/%d/complete", r.ID), ada, map[string]string{"csrf": acsrf, "outcome": "granted"}); rec.Code != http.StatusConflict {
		t.Errorf("completing paula's claim as ada: %d, want 409", rec.Code)
	}
	rec := e.do(t, http.MethodPost, fmt.Sprintf("/requests/%d/complete", r.ID), paula, map[string]string{"csrf": pcsrf, "outcome": "granted", "note": "done in MiSiS"})
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "?done=granted") {
		t.Fatalf("complete: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	done, _ := e.st.Request(ctx, r.ID)
	if done.Status != store.RequestGranted || done.DoneBy != "paula" {
		t.Errorf("request after completion: %+v", done)
	}
	out, _ := e.st.Outbox(ctx)
	if len(out) == 0 || out[0].Kind != "confirmation" {
		t.Errorf("outbox %+v, want confirmations", out)
	}
}

func TestBusinessDays(t *testing.T) {
	t.Parallel()
	z := mustZone("America/Los_Angeles")
	fri := time.Date(2026, 11, 20, 12, 0, 0, 0, z)
	for _, tc := range []struct {
		to   time.Time
		want float64
	}{
		{fri.Add(6 * time.Hour), 0.25},
		{time.Date(2026, 11, 23, 12, 0, 0, 0, z), 1}, // Friday noon to Monday noon
		{time.Date(2026, 11, 25, 12, 0, 0, 0, z), 3},
		{fri.Add(-time.Hour), 0},
	} {
		if got := businessDays(fri, tc.to, z); got < tc.want-0.01 || got > tc.want+0.01 {
			t.Errorf("businessDays(Fri noon, %v) = %.2f, want %.2f", tc.to, got, tc.want)
		}
	}
}

func TestSearchKeepsTermsOutOfURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seedForm(t, "sub-0002", nil)
	cookie, csrf := e.session(t, "rita")
	f, _ := e.st.Form(context.Background(), id)
	num := f.Reading.Values["employee_number"].Text
	last := f.Reading.Values["last_name"].Text
	for _, q := range []string{num, strings.ToLower(last), f.Reading.Values["first_name"].Text + " " + last} {
		rec := e.do(t, http.MethodPost, "/search", cookie, map[string]string{"csrf": csrf, "q": q})
		body := rec.Body.String()
		if !strings.Contains(body, fmt.Sprintf(`href="/review/%d"`, id)) || !strings.Contains(body, "Requests (1)") {
			t.Errorf("search %q: form or request not found", q)
		}
	}
	rec := e.do(t, http.MethodPost, "/search", cookie, map[string]string{"csrf": csrf, "q": "Nobodyhere"})
	if !strings.Contains(rec.Body.String(), "Forms (0)") {
		t.Errorf("search for an unknown name found something")
	}
	// The search form posts; a GET with a query does not search.
	if rec := e.do(t, http.MethodGet, "/search?q="+url.QueryEscape(num), cookie, nil); strings.Contains(rec.Body.String(), "Forms (") {
		t.Errorf("GET /search?q= searched")
	}
}
