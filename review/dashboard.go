package review

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lausd/misis-intake/store"
)

func (s *Server) dayStart() time.Time {
	now := s.cfg.Now().In(s.cfg.Zone)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.cfg.Zone)
}

type dashboardView struct {
	store.Dashboard
	Queues   []store.QueueDepth
	CanRetry bool
	// Quality is the QA error rate of auto-accepted values and the keying
	// waiting (reviewers only).
	Quality *qualityView
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	d, err := s.st.Dashboard(r.Context(), s.dayStart())
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v := dashboardView{Dashboard: d, Queues: allQueues(d.Queues), CanRetry: s.cfg.Retry != nil && admins.has(ss.User.Role)}
	if reviewers.has(ss.User.Role) {
		if v.Quality, err = s.qualityDashboard(r.Context()); err != nil {
			s.fail(w, r, ss, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "dashboard", ss, "Dashboard", v)
}

// retry queues a failed item again (admins only).
func (s *Server) retry(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	if s.cfg.Retry == nil {
		s.conflict(w, r, ss, "Retrying is not available on this server.")
		return
	}
	it, err := store.ParseItem(r.PostFormValue("item"))
	if err != nil {
		s.badRequest(w, r, ss, "No such item.")
		return
	}
	if err := s.cfg.Retry(r.Context(), ss.User.Name, it); err != nil {
		if errors.Is(err, store.ErrNotFailed) {
			s.conflict(w, r, ss, it.String()+" is not failed (it may have been retried already).")
			return
		}
		s.fail(w, r, ss, err)
		return
	}
	http.Redirect(w, r, "/?done=retried", http.StatusSeeOther)
}

type auditView struct {
	Entries  []store.AuditRecord
	Form     string
	Person   string
	From, To string
	Problem  string
}

// auditPage lists the audit log, filtered by form, person and dates.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	q := r.URL.Query()
	v := auditView{Form: q.Get("form"), Person: q.Get("person"), From: q.Get("from"), To: q.Get("to")}
	var f store.AuditFilter
	if v.Form != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(v.Form), "form/"), 10, 64)
		if err != nil || id < 1 {
			v.Problem = "The form must be a form number."
		}
		f.FormID = id
	}
	f.Actor = strings.TrimSpace(v.Person)
	for _, d := range []struct {
		in  string
		out *time.Time
		end bool
	}{{v.From, &f.From, false}, {v.To, &f.To, true}} {
		if d.in == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.in, s.cfg.Zone)
		if err != nil {
			v.Problem = "Dates are YYYY-MM-DD."
			continue
		}
		if d.end {
			t = t.AddDate(0, 0, 1) // the whole "to" day
		}
		*d.out = t
	}
	code := http.StatusOK
	if v.Problem == "" {
		var err error
		if v.Entries, err = s.st.AuditLog(r.Context(), f); err != nil {
			s.fail(w, r, ss, err)
			return
		}
	} else {
		code = http.StatusBadRequest
	}
	s.render(w, r, code, "audit", ss, "Audit log", v)
}

type searchView struct {
	Query    string
	Searched bool
	Result   store.SearchResult
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	s.render(w, r, http.StatusOK, "search", ss, "Search", searchView{})
}

// search finds a person's forms and requests. The query comes in the
// body so that it never lands in a URL or an access log.
func (s *Server) search(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	v := searchView{Query: strings.TrimSpace(r.PostFormValue("q")), Searched: true}
	if v.Query != "" {
		var err error
		if v.Result, err = s.st.SearchPerson(r.Context(), v.Query); err != nil {
			s.fail(w, r, ss, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "search", ss, "Search", v)
}

// maxOutbox is how many e-mails the outbox page lists.
const maxOutbox = 200

func (s *Server) outbox(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	all, err := s.st.Outbox(r.Context())
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	var out []store.OutboxEmail
	for i := len(all) - 1; i >= 0 && len(out) < maxOutbox; i-- {
		out = append(out, all[i])
	}
	s.render(w, r, http.StatusOK, "outbox", ss, "Outbox", out)
}
