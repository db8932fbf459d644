package review

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lausd/misis-intake/store"
)

// chromium is Debian's headless browser the browser tests drive.
const chromium = "/usr/bin/chromium"

// artifacts returns where screenshots go: $INTAKE_ARTIFACTS when set,
// else the test's temporary directory.
func artifacts(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("INTAKE_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browser starts headless Chromium and returns a function making a
// browser context of its own (its own cookies) per person.
func browser(t *testing.T) func() (context.Context, context.CancelFunc) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the browser tests need %s (apt-get install chromium): %v", chromium, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil { // start the browser
		cancelRoot()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancelRoot(); cancelAlloc() })
	return func() (context.Context, context.CancelFunc) {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
		return ctx, func() { cancelT(); cancel() }
	}
}

// serve runs the UI on 127.0.0.1 and a free port.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// screenshot saves the whole page as NAME.png in dir.
func screenshot(t *testing.T, dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name+".png")
		t.Logf("screenshot %s", p)
		return os.WriteFile(p, buf, 0o644)
	})
}

// imagesLoaded waits until every image of the page has loaded.
func imagesLoaded() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](`Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)`,
			chromedp.WithPollingTimeout(20*time.Second))(ctx, tg)
		return err
	})
}

func signin(ctx context.Context, base, name string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), password(name)),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("header nav")),
	)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestBrowser drives the UI in headless Chromium against the real server
// and a real PostgreSQL: a reviewer corrects a field with the keyboard and
// approves, provisioning sees the request on its Local District's queue,
// another form is rejected and its notice is in the outbox, and a second
// reviewer sees the first one's claim.
func TestBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	approveID := e.seedForm(t, "sub-0001", both(unsure("employee_number", "75358447", 0.55), unsure("phone", "818-802-0087", 0.7)))
	rejectID := e.seedForm(t, "sub-0011", unsure("phone", "2I3-555-0I47", 0.3))
	batchID := e.seedForm(t, "sub-0005", unsure("row03.employee_number", "6O567428", 0.5))
	rulesID := e.seedForm(t, "sub-0023", unsure("employee_number", "1234567", 0.4))
	base := serve(t, e.srv)
	dir := artifacts(t)
	newTab := browser(t)

	rita, cancel := newTab()
	defer cancel()
	if err := signin(rita, base, "rita"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err := chromedp.Do(rita,
		screenshot(t, dir, "01-dashboard"),
		chromedp.Click(chromedp.CSS(`a[href="/review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.queue`)),
		screenshot(t, dir, "02-review-queue"),
	)
	if err != nil {
		t.Fatalf("review queue: %v", err)
	}
	if q := text(t, rita, "table.queue"); !strings.Contains(q, fmt.Sprint("Form ", approveID)) || !strings.Contains(q, "not read with confidence") {
		t.Errorf("review queue text lacks the form and why:\n%s", q)
	}
	err = chromedp.Do(rita,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/review/%d"]`, approveID))),
		chromedp.WaitVisible(chromedp.ID("review-form")),
		imagesLoaded(),
		screenshot(t, dir, "03-review-form"),
	)
	if err != nil {
		t.Fatalf("open the form to review: %v", err)
	}
	if f := text(t, rita, "#main"); !strings.Contains(f, "Fields to check") || !strings.Contains(f, "55%") {
		t.Errorf("review page text lacks the fields to check:\n%s", f)
	}

	// Keyboard only: the first field to check has the focus with its text
	// selected; type over it, Enter to the next field, Ctrl+Enter approves.
	focused, err := chromedp.Run(rita, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(rita, chromedp.KeyEvent("75353447")); err != nil {
		t.Fatal(err)
	}
	typed, err := chromedp.Run(rita, chromedp.Value(chromedp.CSS(`[id="v.employee_number"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(rita, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	next, err := chromedp.Run(rita, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(rita,
		screenshot(t, dir, "04-corrected"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
		screenshot(t, dir, "05-approved"),
	)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if focused != "v.employee_number" || typed != "75353447" || next != "v.phone" {
		t.Errorf("focus on %q with %q typed, then Enter to %q; want v.employee_number holding 75353447, then v.phone", focused, typed, next)
	}
	all, err := e.st.Requests(ctx, store.RequestFilter{Queue: "ld-northeast"})
	var qs []store.Request
	for _, q := range all {
		if q.FormID == approveID {
			qs = append(qs, q)
		}
	}
	if err != nil || len(qs) != 1 || qs[0].EmployeeNumber != "75353447" {
		t.Fatalf("ld-northeast queue after approval: %+v %v", all, err)
	}

	// Provisioning sees it on the Local District's queue.
	paula, cancelP := newTab()
	defer cancelP()
	if err := signin(paula, base, "paula"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	row := fmt.Sprintf("#request-%d", qs[0].ID)
	err = chromedp.Do(paula,
		chromedp.Click(chromedp.CSS(`a[href="/queues"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/queues/ld-northeast"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/queues/ld-northeast"]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
		screenshot(t, dir, "06-ld-northeast-queue"),
	)
	if err != nil {
		t.Fatalf("provisioning queue: %v", err)
	}
	if p := text(t, paula, row); !strings.Contains(p, "75353447") || !strings.Contains(p, "Add roles") {
		t.Errorf("queue row lacks the request: %s", p)
	}

	// Reject another form for a reason, and find the notice in the outbox.
	err = chromedp.Do(rita,
		chromedp.Navigate(fmt.Sprintf("%s/review/%d", base, rejectID)),
		chromedp.WaitVisible(chromedp.ID("reject-form")),
		chromedp.SetValue(chromedp.ID("reason"), "illegible"),
		chromedp.SendKeys(chromedp.ID("note"), "The phone number is smudged."),
		screenshot(t, dir, "07-reject"),
		chromedp.Click(chromedp.ID("reject")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
		chromedp.Click(chromedp.CSS(`a[href="/outbox"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.outbox`)),
		screenshot(t, dir, "08-outbox"),
	)
	if err != nil {
		t.Fatalf("reject: %v", err)
	}
	if o := text(t, rita, "ol.outbox"); !strings.Contains(o, "nareks@lausd.net") || !strings.Contains(o, "smudged") ||
		!strings.Contains(o, fmt.Sprint("form ", rejectID)) {
		t.Errorf("outbox lacks the rejection notice:\n%s", o)
	}

	// A correction the rules reject is shown, and sent only when confirmed.
	err = chromedp.Do(rita,
		chromedp.Navigate(fmt.Sprintf("%s/review/%d", base, rulesID)),
		chromedp.WaitVisible(chromedp.ID("review-form")),
		chromedp.KeyEvent("1234567"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(chromedp.ID("result")),
		imagesLoaded(),
		screenshot(t, dir, "09-rules-reject"),
	)
	if err != nil {
		t.Fatalf("rules reject: %v", err)
	}
	if r := text(t, rita, "#result"); !strings.Contains(r, "The rules reject the corrected form") || !strings.Contains(r, "8 digits") {
		t.Errorf("result box: %s", r)
	}
	err = chromedp.Do(rita,
		chromedp.Click(chromedp.ID("confirm-reject")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if err != nil {
		t.Fatalf("confirm the rules' rejection: %v", err)
	}
	if f := text(t, rita, "p.flash"); !strings.Contains(f, "rejected") {
		t.Errorf("flash after the rules' rejection: %q", f)
	}
	err = chromedp.Do(rita,
		chromedp.Navigate(fmt.Sprintf("%s/audit?form=%d", base, approveID)),
		chromedp.WaitVisible(chromedp.CSS(`table.audit`)),
		screenshot(t, dir, "10-audit"),
	)
	if err != nil {
		t.Fatalf("audit page: %v", err)
	}
	if a := text(t, rita, "table.audit"); !strings.Contains(a, "field.corrected") || !strings.Contains(a, "75358447") || !strings.Contains(a, "form.approved") {
		t.Errorf("audit page of the approved form:\n%s", a)
	}

	// rita opens the batch form; rob sees her claim.
	err = chromedp.Do(rita,
		chromedp.Navigate(fmt.Sprintf("%s/review/%d", base, batchID)),
		chromedp.WaitVisible(chromedp.CSS(`table.rows`)),
		imagesLoaded(),
		screenshot(t, dir, "11-batch"),
	)
	if err != nil {
		t.Fatalf("batch form: %v", err)
	}
	rob, cancelR := newTab()
	defer cancelR()
	if err := signin(rob, base, "rob"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err = chromedp.Do(rob,
		chromedp.Navigate(fmt.Sprintf("%s/review/%d", base, batchID)),
		chromedp.WaitVisible(chromedp.ID("claim-notice")),
		screenshot(t, dir, "12-claimed"),
	)
	if err != nil {
		t.Fatalf("second reviewer: %v", err)
	}
	if c := text(t, rob, "#claim-notice"); !strings.Contains(c, "Being reviewed by rita") {
		t.Errorf("second reviewer sees %q", c)
	}
	if n, err := chromedp.Run(rob, chromedp.Evaluate[int](`document.querySelectorAll("#review-form").length`)); err != nil || n != 0 {
		t.Errorf("second reviewer has a review form (%d, %v)", n, err)
	}
}
