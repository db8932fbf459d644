package review

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

var pg *storetest.Server

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // the cost is bcrypt's business, not these tests'
	pg = storetest.MustStart()
	code := m.Run()
	pg.Close()
	os.Exit(code)
}

var registry = forms.MustLoad()

// clock is a settable clock for sessions, claims and the rules.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// The sample corpus was made as of 2026-11-20; the rules judge it then.
var sampleDay = time.Date(2026, 11, 20, 10, 0, 0, 0, mustZone("America/Los_Angeles"))

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// env is a test's database with the UI on it.
type env struct {
	st    *store.Store
	srv   *Server
	clock *clock
	rules validate.Config
}

// Test accounts: name -> role. Every password is name + "-password".
var accounts = map[string]string{
	"rita":  store.RoleReviewer,
	"rob":   store.RoleReviewer,
	"sue":   store.RoleSupervisor,
	"paula": store.RoleProvisioner,
	"ada":   store.RoleAdmin,
}

func password(name string) string { return name + "-password" }

// newEnv makes a fresh database with the roster, the locations and the
// test accounts, and a Server on it.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pg.Database(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	roster, err := os.Open("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer roster.Close()
	r, err := validate.ReadRoster(roster)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, "test", r); err != nil {
		t.Fatal(err)
	}
	locs, err := os.Open("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer locs.Close()
	l, err := validate.ReadLocations(locs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportLocations(ctx, "test", l); err != nil {
		t.Fatal(err)
	}
	for name, role := range accounts {
		hash, err := HashPassword(password(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddUser(ctx, "test", name, role, hash); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{now: sampleDay}
	runner, err := work.New(work.Config{Store: st, Registry: registry})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, clock: c, rules: validate.Config{Now: c.Now}}
	e.srv, err = New(Config{Store: st, Registry: registry, Now: c.Now, Rules: e.rules, Retry: runner.Retry})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sample is a committed sample submission: its message and ground truth.
type sample struct {
	raw   []byte
	truth struct {
		From        string `json:"from"`
		MessageID   string `json:"message_id"`
		Attachments []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"content_type"`
			Pages       []struct {
				Page     int `json:"page"`
				Form     int `json:"form"`
				Rotation int `json:"rotation"`
			} `json:"pages"`
		} `json:"attachments"`
		Forms []struct {
			Family   string            `json:"family"`
			Revision string            `json:"revision"`
			Fields   map[string]string `json:"fields"`
		} `json:"forms"`
	}
}

func loadSample(t *testing.T, id string) sample {
	t.Helper()
	var s sample
	var err error
	if s.raw, err = os.ReadFile(filepath.Join("../testdata/sample", id+".eml")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("../testdata/sample", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s.truth); err != nil {
		t.Fatal(err)
	}
	return s
}

// attachments returns the document parts of a message, in order.
func attachments(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	var walk func(ct string, body io.Reader, enc string)
	walk = func(ct string, body io.Reader, enc string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"))
			}
		}
		// A fax gateway may send a document as octet-stream; its name
		// tells.
		name := strings.ToLower(params["name"])
		octet := mt == "application/octet-stream" &&
			(strings.HasSuffix(name, ".pdf") || strings.HasSuffix(name, ".tif") || strings.HasSuffix(name, ".tiff"))
		if mt != "application/pdf" && mt != "image/tiff" && !octet {
			return
		}
		var r io.Reader = body
		if strings.EqualFold(enc, "base64") {
			r = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	walk(m.Header.Get("Content-Type"), m.Body, m.Header.Get("Content-Transfer-Encoding"))
	return out
}

// seedForm stores the first form of a sample submission through the
// store's own stage functions, as the pipeline would: every value as the
// ground truth has it, read surely, then changed by edit (to make values
// unsure or misread), and decided by the rules. It returns the form's ID.
func (e *env) seedForm(t *testing.T, id string, edit func(r *forms.Reading)) int64 {
	t.Helper()
	ctx := context.Background()
	var formID int64
	err := e.st.InTx(ctx, func(tx pgx.Tx) error {
		read, err := e.readSample(ctx, t, tx, id, edit)
		if err != nil {
			return err
		}
		formID = read.form
		return e.decide(ctx, tx, read.form, read.reading, read.from)
	})
	if err != nil {
		t.Fatalf("seed %s: %v", id, err)
	}
	return formID
}

// sampleRead is the first form of a sample submission, stored as read.
type sampleRead struct {
	form, attachment int64
	reading          forms.Reading
	from             string // who sent the message
}

// readSample stores a sample submission's message and documents and the
// reading of its first form (see seedForm), undecided.
func (e *env) readSample(ctx context.Context, t *testing.T, tx pgx.Tx, id string, edit func(r *forms.Reading)) (sampleRead, error) {
	t.Helper()
	s := loadSample(t, id)
	docs := attachments(t, s.raw)
	if len(docs) != len(s.truth.Attachments) {
		t.Fatalf("%s: %d documents in the message, %d in the truth", id, len(docs), len(s.truth.Attachments))
	}
	ft := s.truth.Forms[0]
	rev := registry.Revision(ft.Family, ft.Revision)
	if rev == nil {
		t.Fatalf("%s: no revision %s %s", id, ft.Family, ft.Revision)
	}
	// The attachment holding form 0.
	ai := -1
	for i, a := range s.truth.Attachments {
		for _, p := range a.Pages {
			if p.Form == 0 && ai < 0 {
				ai = i
			}
		}
	}
	ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Key: s.truth.MessageID, Raw: s.raw, Origin: "file:" + id, From: s.truth.From, Subject: id})
	if err != nil {
		return sampleRead{}, err
	}
	var atts []store.NewAttachment
	for i, a := range s.truth.Attachments {
		typ := "pdf"
		if a.ContentType == "image/tiff" {
			typ = "tiff"
		}
		atts = append(atts, store.NewAttachment{Filename: a.Filename, DeclaredType: a.ContentType, Type: typ, Data: docs[i]})
	}
	split, err := store.SaveSplit(ctx, tx, ins.ID, atts)
	if err != nil {
		return sampleRead{}, err
	}
	out := sampleRead{attachment: split.ToRead[ai], from: s.truth.From}
	rd := forms.Reading{Family: ft.Family, Revision: ft.Revision, Known: true, Confidence: 0.99, Values: map[string]forms.Value{}}
	var pages []store.Page
	for _, p := range s.truth.Attachments[ai].Pages {
		pages = append(pages, store.Page{Page: p.Page, Family: ft.Family, Revision: ft.Revision, Known: true,
			FormPage: 1, PageCount: 1, Confidence: 0.99, Rotation: p.Rotation})
		if p.Form == 0 {
			rd.Pages = append(rd.Pages, p.Page)
		}
	}
	for _, f := range rev.Fields() {
		rd.Values[f.Name] = forms.Value{Text: ft.Fields[f.Name], Confidence: 0.99, Page: rd.Pages[f.Page-1],
			Box: f.Box, Source: forms.FromEngine, Sure: true}
	}
	if edit != nil {
		edit(&rd)
	}
	read, err := store.SaveRead(ctx, tx, out.attachment, pages, []forms.Reading{rd})
	if err != nil {
		return sampleRead{}, err
	}
	out.form, out.reading = read.Forms[0], rd
	return out, nil
}

// decide judges a stored form's reading by the rules and saves the
// decision, telling the sender at once of a rejection as the engine does.
func (e *env) decide(ctx context.Context, tx pgx.Tx, formID int64, rd forms.Reading, from string) error {
	d, err := validate.Decide(ctx, &rd, validate.Env{Registry: registry, Roster: e.st.Roster(), Locations: e.st.Locations(), Config: e.rules})
	if err != nil {
		return err
	}
	var notice *store.Email
	if d.Outcome == validate.Reject {
		notice = &store.Email{To: from, Subject: "MiSiS access request rejected", Body: "engine notice"}
	}
	_, err = store.SaveDecision(ctx, tx, formID, d, notice)
	return err
}

// unsure marks a value as read without confidence, with the text given.
func unsure(name, text string, conf float64) func(r *forms.Reading) {
	return func(r *forms.Reading) {
		v := r.Values[name]
		v.Text, v.Confidence, v.Sure = text, conf, false
		r.Values[name] = v
	}
}

func both(fs ...func(r *forms.Reading)) func(r *forms.Reading) {
	return func(r *forms.Reading) {
		for _, f := range fs {
			f(r)
		}
	}
}

// session signs a user in directly through the store and returns the
// cookie and the CSRF token.
func (e *env) session(t *testing.T, name string) (*http.Cookie, string) {
	t.Helper()
	u, _, err := e.st.UserPassword(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	tok, csrf := randomToken(), randomToken()
	now := e.clock.Now()
	ss := store.Session{TokenHash: hashToken(tok), User: u, CSRFToken: csrf, CreatedAt: now, LastSeen: now, ExpiresAt: e.srv.expiry(now, now)}
	if err := e.st.CreateSession(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: tok}, csrf
}

// do sends a request to the server and returns the response.
func (e *env) do(t *testing.T, method, target string, cookie *http.Cookie, form map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		vals := make([]string, 0, len(form))
		for k, v := range form {
			vals = append(vals, urlQueryEscape(k)+"="+urlQueryEscape(v))
		}
		body = strings.NewReader(strings.Join(vals, "&"))
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}
