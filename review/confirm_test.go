package review

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// TestBrowserConfirmUnchanged: a form identified without confidence goes
// to review for its identification alone; once the reviewer confirms it,
// the rules name the phone, read right but unsure. The reviewer approves
// again without touching it, and the form is accepted with the phone as
// the reviewer's, the same text, and no other field taken as theirs.
func TestBrowserConfirmUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const phone = "818-802-0087" // as the ground truth has it
	id := e.seedForm(t, "sub-0001", both(unsure("phone", phone, 0.7), func(r *forms.Reading) { r.Confidence = 0.5 }))
	task, err := e.st.LatestReviewTask(ctx, id)
	if err != nil || len(task.Items) != 1 || task.Items[0].Field != "revision" {
		t.Fatalf("review task %+v (%v), want the revision alone", task, err)
	}
	base := serve(t, e.srv)
	dir := artifacts(t)
	rita, cancel := browser(t)()
	defer cancel()
	if err := signin(rita, base, "rita"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	// approve clicks Approve and returns the status of the page answered.
	approve := func(shot string) int64 {
		t.Helper()
		resp, err := chromedp.RunResponse(rita, chromedp.Click(chromedp.ID("approve")))
		if err != nil {
			t.Fatalf("approve: %v", err)
		}
		if err := chromedp.Do(rita, screenshot(t, dir, shot)); err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	if err := chromedp.Do(rita,
		chromedp.Navigate(fmt.Sprintf("%s/review/%d", base, id)),
		chromedp.WaitVisible(chromedp.ID("review-form")),
	); err != nil {
		t.Fatalf("open the form: %v", err)
	}
	if code := approve("confirm-01-rules-name-the-phone"); code != http.StatusUnprocessableEntity {
		t.Fatalf("approving the identification: %d, want 422 naming the phone", code)
	}
	if r := text(t, rita, "#result"); !strings.Contains(r, "phone number was not read with confidence") {
		t.Errorf("result box does not ask for the phone: %s", r)
	}
	shown, err := chromedp.Run(rita, chromedp.Value(chromedp.CSS(`[id="v.phone"]`)))
	if err != nil || shown != phone {
		t.Fatalf("phone input holds %q (%v), want %q", shown, err, phone)
	}
	if code := approve("confirm-02-approved"); code != http.StatusOK {
		t.Fatalf("approving with the phone unchanged: %d, want the review queue", code)
	}
	if f := text(t, rita, "p.flash"); !strings.Contains(f, "approved") {
		t.Errorf("flash after approving: %q", f)
	}

	if d, err := e.st.LatestDecision(ctx, id); err != nil || d.Outcome != string(validate.Accept) || d.DecidedBy != "rita" {
		t.Errorf("decision %+v (%v), want rita's accept", d, err)
	}
	if qs, err := e.st.Requests(ctx, store.RequestFilter{}); err != nil || len(qs) != 1 || qs[0].FormID != id {
		t.Errorf("requests %+v (%v), want the form's one", qs, err)
	}
	f, err := e.st.Form(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range f.Reading.Values {
		switch {
		case name == "phone" && (v.Source != forms.FromReviewer || v.Text != phone || !v.Sure):
			t.Errorf("stored phone %+v, want the reviewer's sure %q", v, phone)
		case name != "phone" && v.Source == forms.FromReviewer:
			t.Errorf("%s taken as the reviewer's, though never asked about", name)
		}
	}
}

// TestAskedOnlyWhatRulesName: a form that says it asked about a field the
// rules never named does not make that field the reviewer's.
func TestAskedOnlyWhatRulesName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.seedForm(t, "sub-0001", unsure("phone", "818-802-0087", 0.7))
	cookie, csrf := e.session(t, "rita")
	e.do(t, http.MethodGet, fmt.Sprintf("/review/%d", id), cookie, nil)
	task, err := e.st.LatestReviewTask(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.st.Form(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	number := f.Reading.Values["employee_number"].Text
	rec := e.do(t, http.MethodPost, fmt.Sprintf("/review/%d/approve", id), cookie, map[string]string{
		"csrf": csrf, "task": fmt.Sprint(task.ID), "asked": "employee_number",
		"v.employee_number": number, "v.phone": "818-802-0087",
	})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/review?done=approved" {
		t.Fatalf("approve: %d %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	f, err = e.st.Form(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.Reading.Values["employee_number"]; v.Source == forms.FromReviewer {
		t.Errorf("employee_number %+v taken as the reviewer's, though the rules never named it", v)
	}
	if v := f.Reading.Values["phone"]; v.Source != forms.FromReviewer {
		t.Errorf("phone %+v, want the reviewer's", v)
	}
}
