package review

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/lausd/misis-intake/store"
)

// page is what every template gets.
type page struct {
	Title string
	User  *store.User
	CSRF  string
	// Nav says which links the user's role may follow.
	Nav  nav
	Path string
	// Flash is a one-line message after an action.
	Flash string
	Data  any
}

type nav struct{ Review, Queues, Audit, Admin bool }

func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("review: templates: %w", err)
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("review: templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("review: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render writes a page inside the layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, ss *store.Session, title string, data any) {
	p := page{Title: title, Path: r.URL.Path, Data: data, Flash: flashText(r.URL.Query().Get("done"))}
	if ss != nil {
		u := ss.User
		p.User, p.CSRF = &u, ss.CSRFToken
		p.Nav = nav{
			Review: reviewers.has(u.Role),
			Queues: provisioners.has(u.Role),
			Audit:  reviewers.has(u.Role),
			Admin:  admins.has(u.Role),
		}
	}
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render", "template", name, "err", err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// flashes are the messages shown after an action, by the key the action
// redirects with; keys keep free text out of URLs.
var flashes = map[string]string{
	"approved":  "The form was approved and its requests queued.",
	"rejected":  "The form was rejected; the notice is in the outbox.",
	"released":  "You let the form go; another reviewer may take it.",
	"claimed":   "You claimed the request.",
	"granted":   "The request was completed as granted; the confirmations are in the outbox.",
	"denied":    "The request was completed as denied; the notices are in the outbox.",
	"retried":   "The item was queued again.",
	"closed":    "That form's review was already closed.",
	"not-found": "That form is not waiting for review.",
}

func flashText(key string) string { return flashes[key] }

// queueNames are the provisioning queues as people call them.
var queueNames = map[string]string{
	"central-office": "Central Office",
	"ld-central":     "Local District Central",
	"ld-east":        "Local District East",
	"ld-northeast":   "Local District Northeast",
	"ld-northwest":   "Local District Northwest",
	"ld-south":       "Local District South",
	"ld-west":        "Local District West",
}

func queueName(q string) string {
	if n, ok := queueNames[q]; ok {
		return n
	}
	return q
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"queueName": queueName,
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(s.cfg.Zone).Format("Jan 2 2006 15:04")
		},
		"whenp": func(t *time.Time) string {
			if t == nil || t.IsZero() {
				return ""
			}
			return t.In(s.cfg.Zone).Format("Jan 2 2006 15:04")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"age": func(t time.Time) string { return humanAge(s.cfg.Now().Sub(t)) },
		"agep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return humanAge(s.cfg.Now().Sub(*t))
		},
		"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
		"confClass": func(f float64) string {
			switch {
			case f >= 0.9:
				return "conf-high"
			case f >= 0.6:
				return "conf-mid"
			}
			return "conf-low"
		},
		"date": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("01/02/2006")
		},
		"pt":   func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"join": strings.Join,
		"familyTitle": func(id string) string {
			if f := s.reg.Family(id); f != nil {
				if f.Short != "" {
					return f.Short
				}
				return f.Title
			}
			if id == "" {
				return "unidentified document"
			}
			return id
		},
		"whyText": whyText,
		"add":     func(a, b int) int { return a + b },
	}
}

// humanAge says how long ago, in the largest unit that fits.
func humanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(math.Round(d.Hours())), "hour")
	}
	return plural(int(d.Hours()/24), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
