package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/lausd/misis-intake/config"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/review"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/pglocal"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

// The demo's accounts of the review UI, one per role, sharing one
// password kept in DIR/demo/password.
var demoAccounts = []struct{ name, role string }{
	{"reviewer", store.RoleReviewer},
	{"admin", store.RoleAdmin},
	{"provisioner", store.RoleProvisioner},
}

// demoFallbackPG is where the demo keeps its database when the postgres
// user cannot reach --dir.
const demoFallbackPG = "/var/lib/misis-intake-demo/pg"

// demoOptions are the demo's settings.
type demoOptions struct {
	dir       string // .data: pg/ and demo/
	addr      string // the review UI
	imapAddr  string // the local mailbox
	samples   string // directory of sample .eml files
	roster    string
	locations string
	workers   int
	asOf      string
	exitDone  bool
	rules     *config.RuleFlags
}

// runDemo runs the whole intake on one machine from nothing: a private
// PostgreSQL under DIR/pg (made on the first run, reused after), the
// schema, the sample roster and locations, accounts for the review UI, a
// local IMAP mailbox holding the sample faxes, the mailbox poller, the
// workers and the review UI, all in this process. It reports progress on
// stdout, then the UI's address and sign-in, and serves until interrupted.
func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var o demoOptions
	fs.StringVar(&o.dir, "dir", ".data", "directory of the demo's database (DIR/pg) and accounts (DIR/demo), kept between runs")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address of the review UI, with /healthz, /readyz and /metrics")
	fs.StringVar(&o.imapAddr, "imap-addr", "127.0.0.1:1143", "address of the local IMAP mailbox holding the sample faxes")
	fs.StringVar(&o.samples, "samples", "testdata/sample", "directory of the sample messages (*.eml) to put in the mailbox")
	fs.StringVar(&o.roster, "roster", "testdata/roster.csv", "HR roster to import")
	fs.StringVar(&o.locations, "locations", "testdata/locations.csv", "location list to import")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "jobs of each stage at once, and Tesseract clients")
	fs.StringVar(&o.asOf, "as-of", "", "judge dates as on this day (YYYY-MM-DD); default: the samples' corpus.json as_of, else today")
	fs.BoolVar(&o.exitDone, "exit-when-done", false, "stop once every sample is worked, instead of serving until interrupted")
	o.rules = config.AddRuleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return demo(ctx, o, stdout)
}

func demo(ctx context.Context, o demoOptions, stdout io.Writer) error {
	log := logger()
	say := func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }

	emls, err := filepath.Glob(filepath.Join(o.samples, "*.eml"))
	if err != nil || len(emls) == 0 {
		return fmt.Errorf("demo: no sample messages (*.eml) in %s (run from the repository's top directory, or pass --samples)", o.samples)
	}
	sort.Strings(emls)
	rules, asOf, err := demoRules(o)
	if err != nil {
		return err
	}

	// The database: a private server under DIR/pg.
	pgDir := filepath.Join(o.dir, "pg")
	if ok, err := pglocal.Reachable(pgDir); err != nil {
		return fmt.Errorf("demo: %w", err)
	} else if !ok {
		// A home directory of mode 0700 keeps the postgres user out.
		say("database: the postgres user cannot enter the directories above %s; using %s instead", pgDir, demoFallbackPG)
		pgDir = demoFallbackPG
	}
	say("database: starting a private PostgreSQL in %s", pgDir)
	pg, err := pglocal.Start(ctx, pglocal.Config{Dir: pgDir, MaxConnections: 100})
	if errors.Is(err, pglocal.ErrInUse) {
		return fmt.Errorf("demo: %w: is another demo running? stop it first (Ctrl-C)", err)
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer pg.Stop()
	if pg.Created {
		say("database: created a new cluster (first run)")
	} else {
		say("database: reusing the cluster of an earlier run")
	}
	dbURL, err := pglocal.EnsureDatabase(ctx, pg.AdminURL, "intake")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	st, err := store.Open(ctx, dbURL, store.Config{MaxConns: int32(3*o.workers + 8)})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer st.Close()
	res, err := store.Migrate(ctx, st.Pool())
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	say("database: schema up to date (%d intake and %d River migrations applied now)", len(res.Applied), len(res.RiverApplied))
	nEmp, nLoc, err := demoImport(ctx, st, o)
	if err != nil {
		return err
	}
	say("rules: imported %d employees from %s and %d locations from %s; dates judged as on %s", nEmp, o.roster, nLoc, o.locations, asOf)
	password, created, err := demoUsers(ctx, st, filepath.Join(o.dir, "demo"))
	if err != nil {
		return err
	}
	if created > 0 {
		say("accounts: created %d accounts for the review UI", created)
	} else {
		say("accounts: reusing the accounts of an earlier run")
	}

	// The mailbox: an in-memory IMAP server holding the samples.
	box, err := startDemoMailbox(o.imapAddr, emls)
	if err != nil {
		return err
	}
	defer box.close()
	say("mailbox: %d sample faxes delivered to %s", len(emls), box.server)

	// The pipeline: the engine, the workers and the mailbox poller.
	reg, err := forms.Load()
	if err != nil {
		return err
	}
	places, err := storePlaces(ctx, st)
	if err != nil {
		return err
	}
	eng, err := ocr.New(ocr.Config{Registry: reg, Workers: o.workers, Places: places})
	if err != nil {
		return err
	}
	defer eng.Close()
	runner, err := work.New(work.Config{Store: st, Reader: eng, Registry: reg, Rules: rules, Workers: o.workers, Logger: log})
	if err != nil {
		return err
	}
	sink := runner.Mailbox()
	poller, err := mail.NewPoller(mail.PollerConfig{Server: box.server, Sink: sink, Lock: sink, Logger: log})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	// The review UI and the operations endpoints.
	ui, err := review.New(review.Config{Store: st, Registry: reg, Rules: rules, Retry: runner.Retry, Logger: log})
	if err != nil {
		return err
	}
	metrics.SetReviewQueue(reviewQueueStats(st))
	defer metrics.SetReviewQueue(nil)
	mux := http.NewServeMux()
	metrics.Mount(mux, st.CheckSchema)
	mux.Handle("/", ui)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("demo: review UI: %w (pass --addr HOST:PORT for another)", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	defer func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut) //nolint:errcheck // best effort at exit
	}()

	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	runDone := make(chan error, 1) // the workers' end: at stop, or on trouble
	wg.Go(func() { runDone <- runner.Run(runCtx) })
	wg.Go(func() { poller.Run(runCtx) }) //nolint:errcheck // returns nil when runCtx ends
	defer func() { stop(); wg.Wait() }()

	say("working: the poller takes the faxes from the mailbox; the workers read and decide them")
	if err := demoProgress(runCtx, st, runner, runDone, box, len(emls), say); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	say("")
	say("review UI:  %s", url)
	say("sign in:    reviewer / %s", password)
	say("            (admin and provisioner have the same password; it is kept in %s)", filepath.Join(o.dir, "demo", "password"))
	say("health:     %shealthz  %sreadyz  %smetrics", url, url, url)
	if o.exitDone {
		return nil
	}
	say("serving; press Ctrl-C to stop (the database and accounts are kept for the next run)")
	select {
	case <-ctx.Done():
		return nil
	case <-pg.Exited():
		return errors.New("demo: the database server stopped")
	case err := <-runDone:
		return fmt.Errorf("demo: the workers stopped: %w", err)
	}
}

// demoRules judges dates as on --as-of, else the samples' corpus day, so
// that the samples are decided as their ground truth says.
func demoRules(o demoOptions) (validate.Config, string, error) {
	day := o.asOf
	if day == "" {
		if b, err := os.ReadFile(filepath.Join(o.samples, "corpus.json")); err == nil {
			var c struct {
				AsOf string `json:"as_of"`
			}
			if json.Unmarshal(b, &c) == nil {
				day = c.AsOf
			}
		}
	}
	rules, err := o.rules.Rules(day)
	if err != nil {
		return validate.Config{}, "", fmt.Errorf("demo: --%w", err)
	}
	if day == "" {
		day = time.Now().Format("2006-01-02")
	}
	return rules, day, nil
}

func demoImport(ctx context.Context, st *store.Store, o demoOptions) (int, int, error) {
	rf, err := os.Open(o.roster)
	if err != nil {
		return 0, 0, fmt.Errorf("demo: %w", err)
	}
	defer rf.Close()
	roster, err := validate.ReadRoster(rf)
	if err != nil {
		return 0, 0, fmt.Errorf("demo: %s: %w", o.roster, err)
	}
	lf, err := os.Open(o.locations)
	if err != nil {
		return 0, 0, fmt.Errorf("demo: %w", err)
	}
	defer lf.Close()
	locs, err := validate.ReadLocations(lf)
	if err != nil {
		return 0, 0, fmt.Errorf("demo: %s: %w", o.locations, err)
	}
	nEmp, err := st.ImportRoster(ctx, "demo", roster)
	if err != nil {
		return 0, 0, err
	}
	nLoc, err := st.ImportLocations(ctx, "demo", locs)
	if err != nil {
		return 0, 0, err
	}
	return nEmp, nLoc, nil
}

// demoUsers makes the demo's accounts that do not exist yet, with the
// password kept in dir/password (made on the first run), and returns the
// password and how many accounts it made.
func demoUsers(ctx context.Context, st *store.Store, dir string) (string, int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("demo: %w", err)
	}
	pwFile := filepath.Join(dir, "password")
	b, err := os.ReadFile(pwFile)
	password := strings.TrimSpace(string(b))
	switch {
	case errors.Is(err, os.ErrNotExist) || password == "":
		password = newPassword()
		if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
			return "", 0, fmt.Errorf("demo: %w", err)
		}
	case err != nil:
		return "", 0, fmt.Errorf("demo: %w", err)
	}
	existing, err := st.Users(ctx)
	if err != nil {
		return "", 0, err
	}
	have := map[string]bool{}
	for _, u := range existing {
		have[u.Name] = true
	}
	hash, err := review.HashPassword(password)
	if err != nil {
		return "", 0, err
	}
	created := 0
	for _, a := range demoAccounts {
		if have[a.name] {
			continue
		}
		if err := st.AddUser(ctx, "demo", a.name, a.role, hash); err != nil {
			return "", 0, err
		}
		created++
	}
	return password, created, nil
}

// newPassword returns 16 random letters and digits, in groups of four.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand never fails on Linux
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}

// demoMailbox is the in-memory IMAP server of the demo.
type demoMailbox struct {
	srv    *imapserver.Server
	user   *imapmemserver.User
	server mail.Server
}

// startDemoMailbox serves an in-memory mailbox on addr (user "intake", a
// fresh password) with INBOX holding the messages, and the Processed and
// Quarantine mailboxes. A fixed address and the same messages in the same
// order give the same mailbox (UIDVALIDITY, UIDs) run after run, so that
// the store recognises what it took in before.
func startDemoMailbox(addr string, emls []string) (*demoMailbox, error) {
	password := newPassword()
	user := imapmemserver.NewUser("intake", password)
	for _, name := range []string{"INBOX", "Processed", "Quarantine"} {
		if err := user.Create(name, nil); err != nil {
			return nil, fmt.Errorf("demo: mailbox %s: %w", name, err)
		}
	}
	for _, name := range emls {
		raw, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if _, err := user.Append("INBOX", literal{strings.NewReader(string(raw)), int64(len(raw))}, &imap.AppendOptions{}); err != nil {
			return nil, fmt.Errorf("demo: deliver %s: %w", name, err)
		}
	}
	mem := imapmemserver.New()
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true, // loopback only
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo: mailbox: %w (pass --imap-addr HOST:PORT for another)", err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	server, err := mail.ParseIMAPURL(fmt.Sprintf("imap://intake:%s@%s/INBOX", password, ln.Addr()))
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &demoMailbox{srv: srv, user: user, server: server}, nil
}

// waiting returns how many messages are still in INBOX.
func (b *demoMailbox) waiting() (int, error) {
	sd, err := b.user.Status("INBOX", &imap.StatusOptions{NumMessages: true})
	if err != nil || sd.NumMessages == nil {
		return 0, fmt.Errorf("demo: mailbox status: %v", err)
	}
	return int(*sd.NumMessages), nil
}

func (b *demoMailbox) close() { b.srv.Close() }

// literal is an imap.LiteralReader over a message.
type literal struct {
	*strings.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// demoCounts is the progress the demo reports.
type demoCounts struct {
	fetched, forms, accepted, rejected, review int
}

func (c demoCounts) String() string {
	return fmt.Sprintf("forms read %d · accepted %d · rejected %d · waiting review %d", c.forms, c.accepted, c.rejected, c.review)
}

// countDemo reads the pipeline's totals: forms read, forms whose latest
// decision accepts or rejects them, and forms waiting in the review queue
// (as the review UI counts them).
func countDemo(ctx context.Context, st *store.Store) (demoCounts, error) {
	var c demoCounts
	err := st.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM forms),
			count(*) FILTER (WHERE outcome = 'accept'),
			count(*) FILTER (WHERE outcome = 'reject'),
			(SELECT count(*) FROM review_tasks WHERE status = 'open')
		FROM (SELECT DISTINCT ON (form_id) outcome FROM decisions ORDER BY form_id, round DESC) d`).
		Scan(&c.forms, &c.accepted, &c.rejected, &c.review)
	if err != nil {
		return c, fmt.Errorf("demo: count: %w", err)
	}
	return c, nil
}

// progressEvery is the least time between two progress lines.
const progressEvery = 3 * time.Second

// demoProgress prints a line whenever the counts change, until the
// mailbox is empty and no job is left.
func demoProgress(ctx context.Context, st *store.Store, r *work.Runner, runDone <-chan error, box *demoMailbox, delivered int, say func(string, ...any)) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last demoCounts
	var lastSaid time.Time
	lastFetched, idle := -1, 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-runDone:
			return fmt.Errorf("demo: the workers stopped: %w", err)
		case <-tick.C:
		}
		left, err := box.waiting()
		if err != nil {
			return err
		}
		c, err := countDemo(ctx, st)
		if err != nil {
			return err
		}
		fetched := delivered - left
		// A line when something changed, at most every few seconds.
		if (fetched != lastFetched || c != last) && time.Since(lastSaid) >= progressEvery {
			say("  messages fetched %d/%d · %s", fetched, delivered, c)
			last, lastFetched, lastSaid = c, fetched, time.Now()
		}
		n, err := r.InFlight(ctx)
		if err != nil {
			return err
		}
		if left == 0 && n == 0 {
			idle++
		} else {
			idle = 0
		}
		if idle >= 2 {
			say("done: every sample fax is worked (%s)", c)
			return nil
		}
	}
}

// reviewQueueStats reads the review queue's depth and age for the metrics.
func reviewQueueStats(st *store.Store) metrics.QueueStats {
	return func(ctx context.Context) (int, *time.Time, error) {
		d, err := st.Dashboard(ctx, time.Now())
		if err != nil {
			return 0, nil, err
		}
		return d.ReviewWaiting, d.OldestReview, nil
	}
}

// logger returns the logger the global --log-format and --log-level
// configured.
func logger() *slog.Logger { return slog.Default() }
