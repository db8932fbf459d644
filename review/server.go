package review

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config configures a Server. Zero fields take the documented defaults.
type Config struct {
	// Store is the database; required.
	Store *store.Store
	// Registry holds the form definitions; nil loads the embedded ones.
	Registry *forms.Registry
	// Rules configures the district's rules that judge a reviewer's
	// corrections; its zero value is the district's policy.
	Rules validate.Config
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Zone is where "today" and the times shown are reckoned. Nil means
	// America/Los_Angeles.
	Zone *time.Location
	// SessionIdle ends a session not used for this long; zero means 30
	// minutes. SessionMax ends any session this long after sign-in; zero
	// means 12 hours.
	SessionIdle time.Duration
	SessionMax  time.Duration
	// ClaimTTL is how long opening a form keeps it for one reviewer,
	// renewed by their activity. Zero means 15 minutes.
	ClaimTTL time.Duration
	// SecureCookies marks the session cookie Secure: set it whenever the UI
	// is reached over HTTPS.
	SecureCookies bool
	// Retry queues a failed item's stage again (work.Runner.Retry); nil
	// hides the dashboard's retry button.
	Retry func(ctx context.Context, actor string, it store.Item) error
	// RasterLimits bounds the page images rendered from stored
	// attachments; a zero RenderDPI means 150.
	RasterLimits raster.Limits
	// Logger receives one line per request (method, path, status, user)
	// and errors; nil discards them.
	Logger *slog.Logger
	// QAErrorLimit is the error rate of auto-accepted values, measured by
	// QA keying, above which the dashboard and the metrics raise an alert;
	// zero means DefaultQAErrorLimit (0.5%).
	QAErrorLimit float64
}

// Defaults of Config.
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
	DefaultClaimTTL    = 15 * time.Minute
	defaultRenderDPI   = 150
	// maxBody bounds a POST: a batch form's every cell fits many times.
	maxBody = 1 << 20
)

func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("review: no store")
	}
	if c.Registry == nil {
		reg, err := forms.Load()
		if err != nil {
			return c, fmt.Errorf("review: %w", err)
		}
		c.Registry = reg
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rules.Now == nil {
		c.Rules.Now = c.Now
	}
	if c.Zone == nil {
		z, err := time.LoadLocation("America/Los_Angeles")
		if err != nil {
			return c, fmt.Errorf("review: time zone: %w", err)
		}
		c.Zone = z
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.SessionMax <= 0 {
		c.SessionMax = DefaultSessionMax
	}
	if c.ClaimTTL <= 0 {
		c.ClaimTTL = DefaultClaimTTL
	}
	if c.RasterLimits.RenderDPI <= 0 {
		c.RasterLimits.RenderDPI = defaultRenderDPI
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.QAErrorLimit <= 0 {
		c.QAErrorLimit = DefaultQAErrorLimit
	}
	return c, nil
}

// Server is the review web UI. It is an http.Handler.
type Server struct {
	cfg    Config
	st     *store.Store
	reg    *forms.Registry
	log    *slog.Logger
	pages  map[string]*template.Template
	mux    *http.ServeMux
	images *imageCache
	tpls   *templates
	failed failures
	qa     qualityState
}

// New makes a Server.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, st: cfg.Store, reg: cfg.Registry, log: cfg.Logger, images: newImageCache(8), tpls: &templates{},
		qa: qualityState{raised: map[string]bool{}}}
	if s.pages, err = parseTemplates(s.funcs()); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /signin", s.signinPage)
	s.mux.HandleFunc("POST /signin", s.signin)
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	return s, nil
}

// Roles of the UI, as sets.
type roleSet []string

var (
	everyone     = roleSet{store.RoleReviewer, store.RoleSupervisor, store.RoleProvisioner, store.RoleAdmin}
	reviewers    = roleSet{store.RoleReviewer, store.RoleSupervisor, store.RoleAdmin}
	supervisors  = roleSet{store.RoleSupervisor, store.RoleAdmin}
	provisioners = roleSet{store.RoleProvisioner, store.RoleAdmin}
	admins       = roleSet{store.RoleAdmin}
)

func (rs roleSet) has(role string) bool {
	for _, r := range rs {
		if r == role {
			return true
		}
	}
	return false
}

// route is one page or action and the roles that may use it.
type route struct {
	pattern string // "METHOD /path"
	roles   roleSet
	handle  func(w http.ResponseWriter, r *http.Request, ss *store.Session)
}

// routes lists every page and action behind sign-in. The handler tests
// try each role against each of them.
func (s *Server) routes() []route {
	return []route{
		{"GET /{$}", everyone, s.dashboard},
		{"POST /signout", everyone, s.signout},
		{"POST /failures/retry", admins, s.retry},

		{"GET /review", reviewers, s.reviewQueue},
		{"GET /review/{form}", reviewers, s.reviewForm},
		{"GET /review/{form}/page/{page}", reviewers, s.pageImage},
		{"GET /review/{form}/crop/{field}", reviewers, s.cropImage},
		{"GET /review/{form}/row/{row}", reviewers, s.rowImage},
		{"POST /review/{form}/claim", reviewers, s.renewClaim},
		{"POST /review/{form}/release", reviewers, s.releaseClaim},
		{"POST /review/{form}/approve", reviewers, s.approve},
		{"POST /review/{form}/reject", reviewers, s.reject},

		{"GET /keying", reviewers, s.keyingQueue},
		{"GET /keying/{task}", reviewers, s.keyingPage},
		{"POST /keying/{task}", reviewers, s.submitKeying},

		{"GET /queues", provisioners, s.queues},
		{"GET /queues/{queue}", provisioners, s.queuePage},
		{"POST /requests/{id}/claim", provisioners, s.claimRequest},
		{"POST /requests/{id}/complete", provisioners, s.completeRequest},

		{"GET /audit", reviewers, s.auditPage},
		{"GET /search", reviewers, s.searchPage},
		{"POST /search", reviewers, s.search},
		{"GET /outbox", reviewers, s.outbox},
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	// Only the path: search terms travel in bodies, and paths hold IDs.
	s.log.Info("http", "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"user", rec.user, "ms", s.cfg.Now().Sub(start).Milliseconds())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	user   string
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// setUser records who made the request, for the log line.
func setUser(w http.ResponseWriter, name string) {
	if r, ok := w.(*statusRecorder); ok {
		r.user = name
	}
}

// guard checks the session, the role and, on POST, the CSRF token before
// calling the route's handler.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, ok := s.session(w, r)
		if !ok {
			target := "/signin"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + urlQueryEscape(r.URL.Path)
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		setUser(w, ss.User.Name)
		if !rt.roles.has(ss.User.Role) {
			s.forbidden(w, r, &ss, "Your role ("+ss.User.Role+") may not use this page.")
			return
		}
		if r.Method == http.MethodPost && !s.checkCSRF(r, &ss) {
			s.forbidden(w, r, &ss, "The form was out of date or not sent by this site. Go back, reload the page and try again.")
			return
		}
		rt.handle(w, r, &ss)
	})
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, ss *store.Session, msg string) {
	s.render(w, r, http.StatusForbidden, "error", ss, "Forbidden", map[string]any{"Code": 403, "Message": msg})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, ss *store.Session, what string) {
	s.render(w, r, http.StatusNotFound, "error", ss, "Not found", map[string]any{"Code": 404, "Message": what + " was not found."})
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, ss *store.Session, msg string) {
	s.render(w, r, http.StatusBadRequest, "error", ss, "Bad request", map[string]any{"Code": 400, "Message": msg})
}

func (s *Server) conflict(w http.ResponseWriter, r *http.Request, ss *store.Session, msg string) {
	s.render(w, r, http.StatusConflict, "error", ss, "Conflict", map[string]any{"Code": 409, "Message": msg})
}

// fail reports an unexpected error: the details go to the log, the person
// sees a plain message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, ss *store.Session, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusInternalServerError, "error", ss, "Error",
		map[string]any{"Code": 500, "Message": "Something went wrong; the details are in the server's log."})
}
