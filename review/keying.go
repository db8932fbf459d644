package review

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
)

// Blind keying (package quality): the high-risk fields of a form in review
// are keyed by two reviewers who see only the writing, never what the
// machine read nor what the other typed; what they disagree on goes to a
// supervisor, who sees the two keys. A QA sample of a form accepted with
// no person is keyed the same way. The pages here show a field's crop and
// an empty input, and nothing read from the form.

// keyingRow is one line of the keying list: a task the viewer may key, or
// one they wait on.
type keyingRow struct {
	store.KeyingTask
	// Kind says what the keying is for, for people.
	Kind string
	// Href is the task to key, "" when the viewer may not key it (Wait says
	// why).
	Href string
	Wait string
}

type keyingListView struct {
	Rows    []keyingRow
	Message string
}

var keyingMessages = map[string]string{
	"keyed":         "Your keys were saved.",
	"agreed":        "Your keys were saved; both keyers agree and the values are settled.",
	"disputed":      "Your keys were saved; the keyers disagree on some values, which go to a supervisor.",
	"settled":       "The values are settled.",
	"keying-closed": "That keying task was already done.",
}

// purposeText names a keying purpose for people.
func purposeText(p string) string {
	switch p {
	case store.KeyingDouble:
		return "double keying"
	case store.KeyingSupervisor:
		return "supervisor: keyers disagree"
	case store.KeyingQA:
		return "QA sample"
	}
	return p
}

// keyingQueue lists the open keying tasks: for each double keying the one
// slot the viewer may take, supervisor tasks for supervisors.
func (s *Server) keyingQueue(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	tasks, err := s.st.KeyingQueue(r.Context())
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v := keyingListView{Message: keyingMessages[r.URL.Query().Get("done")]}
	offered := map[string]bool{} // form/round of a double keying already listed
	for _, t := range tasks {
		row := keyingRow{KeyingTask: t, Kind: purposeText(t.Purpose)}
		group := fmt.Sprintf("%d/%d", t.FormID, t.Round)
		switch {
		case t.Purpose == store.KeyingDouble && offered[group]:
			continue // one line per double keying
		case t.Purpose == store.KeyingSupervisor && !supervisors.has(ss.User.Role):
			row.Wait = "waiting for a supervisor"
		case !t.MayKey(ss.User.Name):
			row.Wait = "you keyed it; waiting for a second keyer"
		default:
			row.Href = fmt.Sprintf("/keying/%d", t.ID)
		}
		if t.Purpose == store.KeyingDouble {
			// A later open slot may be the viewer's when this one is not.
			if row.Href == "" {
				for _, o := range tasks {
					if o.FormID == t.FormID && o.Round == t.Round && o.Purpose == t.Purpose && o.ID != t.ID && o.MayKey(ss.User.Name) {
						row.KeyingTask, row.Href, row.Wait = o, fmt.Sprintf("/keying/%d", o.ID), ""
					}
				}
			}
			offered[group] = true
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, http.StatusOK, "keying", ss, "Keying", v)
}

// keyField is one field on the keying page.
type keyField struct {
	Name, Label string
	Kind        forms.Kind
	HasPlace    bool
	// Value is what the keyer typed, when the page is shown again.
	Value   string
	Options []option
	// Keys are the two keyers' values, shown to a supervisor only.
	Keys []string
}

type keyTaskView struct {
	Task     store.KeyingTask
	FormID   int64
	Purpose  string
	Fields   []keyField
	Problem  string
	ForSuper bool
}

// loadKeyingTask reads the task named in the path and checks the viewer
// may key it, answering itself otherwise.
func (s *Server) loadKeyingTask(w http.ResponseWriter, r *http.Request, ss *store.Session) (store.KeyingTask, bool) {
	id, err := strconv.ParseInt(r.PathValue("task"), 10, 64)
	if err != nil || id < 1 {
		s.notFound(w, r, ss, "The keying task")
		return store.KeyingTask{}, false
	}
	t, err := s.st.KeyingTask(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, ss, "The keying task")
		return t, false
	case err != nil:
		s.fail(w, r, ss, err)
		return t, false
	case t.Status != "open":
		http.Redirect(w, r, "/keying?done=keying-closed", http.StatusSeeOther)
		return t, false
	case t.Purpose == store.KeyingSupervisor && !supervisors.has(ss.User.Role):
		s.forbidden(w, r, ss, "Only a supervisor may settle what two keyers disagree on.")
		return t, false
	case !t.MayKey(ss.User.Name):
		s.conflict(w, r, ss, "You keyed these fields already; another person must key them.")
		return t, false
	}
	return t, true
}

// keyTaskView builds the keying page: crops and empty inputs, and for a
// supervisor the two keys. Nothing read by the machine goes in it.
func (s *Server) keyTaskView(r *http.Request, t store.KeyingTask, posted map[string]string) (keyTaskView, error) {
	v := keyTaskView{Task: t, FormID: t.FormID, Purpose: purposeText(t.Purpose), ForSuper: t.Purpose == store.KeyingSupervisor}
	f, err := s.st.Form(r.Context(), t.FormID)
	if err != nil {
		return v, err
	}
	var keys map[string][2]string
	if v.ForSuper {
		if keys, err = s.st.DisputedValues(r.Context(), t.ID); err != nil {
			return v, err
		}
	}
	rev := s.reg.Revision(f.Reading.Family, f.Reading.Revision)
	for _, fd := range t.Fields {
		kf := keyField{Name: fd.Name, Label: fieldLabel(rev, fd.Name), Kind: fd.Kind, Value: posted[fd.Name]}
		if row, _, ok := forms.SplitRowField(fd.Name); ok {
			kf.Label = fmt.Sprintf("Row %d, %s", row, strings.ToLower(kf.Label))
		}
		_, _, kf.HasPlace = s.fieldPlace(&f.Reading, fd.Name)
		if opts := kindOptions(fd.Kind); opts != nil {
			kf.Options = append([]option{{"-", "choose what is written"}}, opts...)
		}
		if pair, ok := keys[fd.Name]; ok {
			kf.Keys = pair[:]
		}
		v.Fields = append(v.Fields, kf)
	}
	return v, nil
}

func (s *Server) keyingPage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	t, ok := s.loadKeyingTask(w, r, ss)
	if !ok {
		return
	}
	v, err := s.keyTaskView(r, t, nil)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	s.render(w, r, http.StatusOK, "keyform", ss, fmt.Sprintf("Keying task %d", t.ID), v)
}

// submitKeying saves a person's keys; the store compares them with the
// other keyer's and settles or escalates.
func (s *Server) submitKeying(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	t, ok := s.loadKeyingTask(w, r, ss)
	if !ok {
		return
	}
	values := map[string]string{}
	problem := ""
	for _, fd := range t.Fields {
		val, sent := r.PostForm["k."+fd.Name]
		if !sent || len(val) == 0 {
			problem = "Key every field."
			continue
		}
		text := strings.TrimSpace(val[0])
		if kindOptions(fd.Kind) != nil && text == "-" {
			problem = "Choose what is written in every box."
		}
		values[fd.Name] = text
	}
	if problem != "" {
		v, err := s.keyTaskView(r, t, values)
		if err != nil {
			s.fail(w, r, ss, err)
			return
		}
		v.Problem = problem
		s.render(w, r, http.StatusBadRequest, "keyform", ss, fmt.Sprintf("Keying task %d", t.ID), v)
		return
	}
	res, err := s.st.SubmitKeying(r.Context(), store.Keying{TaskID: t.ID, By: ss.User.Name, Now: s.cfg.Now(), Values: values})
	switch {
	case errors.Is(err, store.ErrSameKeyer):
		s.conflict(w, r, ss, "You keyed these fields already; another person must key them.")
		return
	case errors.Is(err, store.ErrKeyingClosed):
		http.Redirect(w, r, "/keying?done=keying-closed", http.StatusSeeOther)
		return
	case err != nil:
		s.fail(w, r, ss, err)
		return
	}
	done := "keyed"
	switch {
	case len(res.Disputed) > 0:
		done = "disputed"
	case t.Purpose == store.KeyingSupervisor:
		done = "settled"
	case len(res.Agreed) > 0:
		done = "agreed"
	}
	if t.Purpose == store.KeyingQA {
		s.checkQuality(r.Context())
	}
	http.Redirect(w, r, "/keying?done="+done, http.StatusSeeOther)
}
