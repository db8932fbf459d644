package review

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// Promise: provisioning completes a request within PromiseDays business
// days; it is due after DueDays.
const (
	DueDays     = 1
	PromiseDays = 2
)

// businessDays counts the working days (Monday to Friday) between from
// and to in zone, in fractions of a day.
func businessDays(from, to time.Time, zone *time.Location) float64 {
	from, to = from.In(zone), to.In(zone)
	if !to.After(from) {
		return 0
	}
	var days float64
	for t := from; t.Before(to); {
		next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, zone)
		if next.After(to) {
			next = to
		}
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days += next.Sub(t).Hours() / 24
		}
		t = next
	}
	return days
}

// requestView is one request on a queue page.
type requestView struct {
	store.Request
	BusinessDays float64
	// Due is "on-time", "due" or "late" against the promise.
	Due string
	// Mine is set when the viewer holds the claim.
	Mine bool
	// FormLink is set when the viewer may open the form.
	FormLink bool
}

type queuePageView struct {
	Queue     string
	Open      []requestView
	Done      []requestView
	DueDays   int
	Promise   int
	AllQueues []string
}

func (s *Server) requestView(q store.Request, user store.User) requestView {
	rv := requestView{Request: q, Mine: q.ClaimedBy == user.Name && q.Status == store.RequestClaimed, FormLink: reviewers.has(user.Role)}
	rv.BusinessDays = businessDays(q.CreatedAt, s.cfg.Now(), s.cfg.Zone)
	switch {
	case rv.BusinessDays > PromiseDays:
		rv.Due = "late"
	case rv.BusinessDays > DueDays:
		rv.Due = "due"
	default:
		rv.Due = "on-time"
	}
	return rv
}

type queuesView struct {
	Queues []store.QueueDepth
}

// queues lists every provisioning queue with its depth.
func (s *Server) queues(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	d, err := s.st.Dashboard(r.Context(), s.dayStart())
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	s.render(w, r, http.StatusOK, "queues", ss, "Provisioning queues", queuesView{Queues: allQueues(d.Queues)})
}

// allQueues returns a depth for every queue, empty ones included.
func allQueues(have []store.QueueDepth) []store.QueueDepth {
	by := map[string]store.QueueDepth{}
	for _, q := range have {
		by[q.Queue] = q
	}
	var out []store.QueueDepth
	for _, name := range validate.Queues() {
		q := by[name]
		q.Queue = name
		out = append(out, q)
	}
	return out
}

func knownQueue(q string) bool {
	for _, n := range validate.Queues() {
		if n == q {
			return true
		}
	}
	return false
}

// maxDone is how many completed requests a queue page lists.
const maxDone = 25

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	name := r.PathValue("queue")
	if !knownQueue(name) {
		s.notFound(w, r, ss, "The queue")
		return
	}
	qs, err := s.st.Requests(r.Context(), store.RequestFilter{Queue: name})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v := queuePageView{Queue: name, DueDays: DueDays, Promise: PromiseDays, AllQueues: validate.Queues()}
	for i := len(qs) - 1; i >= 0; i-- {
		q := qs[i]
		if (q.Status == store.RequestGranted || q.Status == store.RequestDenied) && len(v.Done) < maxDone {
			v.Done = append(v.Done, s.requestView(q, ss.User))
		}
	}
	for _, q := range qs {
		if q.Status == store.RequestQueued || q.Status == store.RequestClaimed {
			v.Open = append(v.Open, s.requestView(q, ss.User))
		}
	}
	s.render(w, r, http.StatusOK, "provision", ss, queueName(name), v)
}

func requestID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) claimRequest(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	id, ok := requestID(r)
	if !ok {
		s.notFound(w, r, ss, "The request")
		return
	}
	q, err := s.st.Claim(r.Context(), id, ss.User.Name)
	if s.requestFailed(w, r, ss, id, err) {
		return
	}
	http.Redirect(w, r, "/queues/"+q.Queue+"?done=claimed", http.StatusSeeOther)
}

func (s *Server) completeRequest(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	id, ok := requestID(r)
	if !ok {
		s.notFound(w, r, ss, "The request")
		return
	}
	var granted bool
	switch r.PostFormValue("outcome") {
	case "granted":
		granted = true
	case "denied":
	default:
		s.badRequest(w, r, ss, "Choose granted or denied.")
		return
	}
	note := r.PostFormValue("note")
	if len(note) > maxNote {
		s.badRequest(w, r, ss, fmt.Sprintf("The note may have at most %d characters.", maxNote))
		return
	}
	q, err := s.st.Request(r.Context(), id)
	if s.requestFailed(w, r, ss, id, err) {
		return
	}
	if q.Status == store.RequestClaimed && q.ClaimedBy != ss.User.Name {
		s.conflict(w, r, ss, fmt.Sprintf("Request %d is claimed by %s.", id, q.ClaimedBy))
		return
	}
	q, err = s.st.Complete(r.Context(), id, store.Completion{Granted: granted, By: ss.User.Name, Note: note})
	if s.requestFailed(w, r, ss, id, err) {
		return
	}
	http.Redirect(w, r, "/queues/"+q.Queue+"?done="+q.Status, http.StatusSeeOther)
}

func (s *Server) requestFailed(w http.ResponseWriter, r *http.Request, ss *store.Session, id int64, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, ss, "The request")
	case errors.Is(err, store.ErrConflict):
		s.conflict(w, r, ss, fmt.Sprintf("Request %d was claimed or completed by someone else meanwhile; reload its queue.", id))
	default:
		s.fail(w, r, ss, err)
	}
	return true
}
