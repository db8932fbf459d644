package review

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// fieldView is one field as the review page shows it.
type fieldView struct {
	Name  string
	Label string
	Kind  forms.Kind
	// Value is what the input holds; Read what the machine read.
	Value      string
	Read       string
	WasRead    bool
	Confidence float64
	Source     string
	HasPlace   bool
	Flagged    bool
	// Why holds the messages of the review items about the field.
	Why []string
	// Options, when set, make the input a list to choose from.
	Options []option
	Column  string
	FormID  int64
}

type option struct{ Value, Label string }

// rowView is one row of a batch form's table.
type rowView struct {
	Row      int
	Cells    []fieldView
	Outcome  string
	Reasons  []validate.Reason
	Flagged  bool
	HasPlace bool
}

// pageView is one page image with the boxes drawn over it.
type pageView struct {
	Page int
	// W and H are the page image's size in points; Transform maps template
	// points onto it.
	W, H      float64
	Transform string
	Boxes     []boxView
}

type boxView struct {
	Field   string
	Label   string
	X, Y    float64
	W, H    float64
	Flagged bool
}

// resultView is what the rules made of a reviewer's corrections when they
// did not accept them.
type resultView struct {
	Outcome string
	Reasons []validate.Reason
	Review  []validate.ReviewItem
}

// formView is everything the review page shows.
type formView struct {
	FormID     int64
	Family     string
	Revision   string
	Known      bool
	Confidence float64
	From       string
	ReceivedAt time.Time

	TaskID   int64
	TaskOpen bool
	Decision *store.DecisionRecord
	Claim    *store.Claim
	// Editable is set when the form waits for review and the viewer holds
	// it.
	Editable bool

	Ident   []option // identification choices, when it is in doubt
	IdentAt string   // the identification chosen
	IdentOK bool     // identification flagged for review
	Flagged []fieldView
	Other   []fieldView
	Batch   bool
	Columns []string
	Rows    []rowView
	Pages   []pageView

	// Asked names the fields the rules named beyond the review task's once
	// the reviewer's values were in; the form sends them back, so that
	// each is taken as the reviewer's even when sent unchanged.
	Asked []string

	Result        *resultView
	RejectReasons []rejectReason
	// FirstFlagged names the input that gets the focus.
	FirstFlagged string
}

// rejectReason is a reason a reviewer may give for rejecting a form, with
// the sentence the school receives.
type rejectReason struct {
	Key, Label, Message string
}

var rejectReasons = []rejectReason{
	{"illegible", "Illegible", "The form could not be read; please send a clearer copy (scan at 200 dpi or more, or fax in fine mode)."},
	{"incomplete", "Incomplete", "The form is incomplete; please fill in every field not marked optional and send it again."},
	{"wrong-form", "Not a MiSiS access form", "The document sent is not a MiSiS access request form; please use the form posted on the MiSiS website."},
	{"signature", "Signature missing or not valid", "A required signature is missing or not valid; the form must be signed by the user and the authorizing administrator."},
	{"ineligible", "Employee not eligible", "The employee is not eligible for MiSiS access at this time; please contact your HR representative."},
	{"duplicate", "Duplicate", "This form duplicates a request already received; no further action is needed."},
	{"other", "Other (explain below)", "The form could not be accepted."},
}

func findRejectReason(key string) (rejectReason, bool) {
	for _, r := range rejectReasons {
		if r.Key == key {
			return r, true
		}
	}
	return rejectReason{}, false
}

// whyText says in a few words why a field needs a person.
func whyText(w validate.Why) string {
	switch w {
	case validate.WhyLowConfidence:
		return "not read with confidence"
	case validate.WhyOtherMark:
		return "unclear role mark"
	case validate.WhyNameMismatch:
		return "name differs from HR"
	case validate.WhyCannotJudge:
		return "cannot be judged"
	case validate.WhyUnknownLocation:
		return "unknown location code"
	case validate.WhyLocationMismatch:
		return "HR places the employee elsewhere"
	}
	return string(w)
}

var columnLabels = map[string]string{
	"last_name": "Last name", "first_name": "First name", "employee_number": "Employee no.",
	"reason": "Reason", "effective_date": "Effective date",
}

// fieldLabel names a field as printed on the form.
func fieldLabel(rev *forms.Revision, name string) string {
	if _, col, ok := forms.SplitRowField(name); ok {
		if l, ok := columnLabels[col]; ok {
			return l
		}
		return col
	}
	if rev != nil {
		if f := rev.Field(name); f != nil {
			if f.Kind == forms.KindMark && f.Role != "" {
				return "Role: " + f.Role
			}
			if l := strings.Trim(f.Label, " :-"); l != "" {
				return l
			}
		}
	}
	return strings.ReplaceAll(name, "_", " ")
}

func kindOptions(kind forms.Kind) []option {
	switch kind {
	case forms.KindMark:
		return []option{{"", "blank (no change)"}, {forms.MarkAdd, "A (add)"}, {forms.MarkRem, "R (remove)"}, {forms.MarkOther, "other mark (unclear)"}}
	case forms.KindSignature:
		return []option{{forms.Signed, "signed"}, {forms.Unsigned, "not signed"}}
	}
	return nil
}

// buildView assembles the review page of a form. posted, when not nil,
// holds the values the reviewer sent, shown instead of the stored ones;
// extra are review items found since the task was opened.
func (s *Server) buildView(ctx context.Context, f store.FormToDecide, src formSource, task *store.ReviewTask, dec *store.DecisionRecord,
	claim *store.Claim, editable bool, posted map[string]string, extra []validate.ReviewItem) formView {
	rd := &f.Reading
	rev := s.reg.Revision(rd.Family, rd.Revision)
	fam := s.reg.Family(rd.Family)
	v := formView{
		FormID: f.ID, Family: rd.Family, Revision: rd.Revision, Known: rd.Known, Confidence: rd.Confidence,
		From: f.From, ReceivedAt: src.ReceivedAt, Decision: dec, Claim: claim, Editable: editable,
		Batch: fam != nil && fam.Kind == "batch", RejectReasons: rejectReasons,
	}
	why := map[string][]string{}
	var items []validate.ReviewItem
	if task != nil {
		v.TaskID, v.TaskOpen = task.ID, task.Status == "open"
		if v.TaskOpen {
			items = append(items, task.Items...)
		}
	}
	items = append(items, extra...)
	for _, it := range extra {
		if it.Field != "family" && it.Field != "revision" && !contains1(v.Asked, it.Field) {
			v.Asked = append(v.Asked, it.Field)
		}
	}
	for _, it := range items {
		if it.Field == "family" || it.Field == "revision" {
			v.IdentOK = true
		}
		if !contains1(why[it.Field], it.Message) {
			why[it.Field] = append(why[it.Field], it.Message)
		}
	}
	if v.IdentOK {
		v.IdentAt = rd.Family + "@" + rd.Revision
		if p, ok := posted["ident"]; ok {
			v.IdentAt = p
		}
		for _, r := range s.reg.Revisions() {
			label := r.Family + ", Rev. " + r.Stamp
			if fm := s.reg.Family(r.Family); fm != nil {
				label = fm.Short + ", Rev. " + r.Stamp + " (" + string(r.Status) + ")"
			}
			v.Ident = append(v.Ident, option{r.Key(), label})
		}
	}

	// Every field: the revision's in order, then any other value read.
	var names []string
	seen := map[string]bool{}
	if rev != nil {
		for _, fd := range rev.Fields() {
			names = append(names, fd.Name)
			seen[fd.Name] = true
		}
	}
	var rest []string
	for n := range rd.Values {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	names = append(names, rest...)

	rows := map[int]*rowView{}
	for _, n := range names {
		fv := fieldView{Name: n, Label: fieldLabel(rev, n), Kind: forms.KindText, FormID: f.ID}
		if rev != nil {
			if fd := rev.Field(n); fd != nil {
				fv.Kind = fd.Kind
			}
		}
		if val, ok := rd.Values[n]; ok {
			fv.Value, fv.Read, fv.WasRead = val.Text, val.Text, true
			fv.Confidence, fv.Source = val.Confidence, string(val.Source)
		}
		if p, ok := posted[n]; ok {
			fv.Value = p
		}
		_, _, fv.HasPlace = s.fieldPlace(rd, n)
		fv.Why = why[n]
		fv.Flagged = len(fv.Why) > 0
		fv.Options = kindOptions(fv.Kind)
		if row, col, ok := forms.SplitRowField(n); ok && v.Batch {
			if row > maxRow(rd) && !rowFlagged(why, row) {
				continue // an empty row of the printed table
			}
			fv.Column = col
			rv := rows[row]
			if rv == nil {
				rv = &rowView{Row: row}
				_, _, rv.HasPlace = s.rowPlace(rd, row)
				rows[row] = rv
			}
			rv.Cells = append(rv.Cells, fv)
			rv.Flagged = rv.Flagged || fv.Flagged
			continue
		}
		if fv.Flagged {
			v.Flagged = append(v.Flagged, fv)
		} else {
			v.Other = append(v.Other, fv)
		}
	}
	if v.Batch {
		if rev != nil {
			for _, p := range rev.Pages {
				if p.Table != nil {
					for _, c := range p.Table.Columns {
						v.Columns = append(v.Columns, columnLabels[c.Name])
					}
					break
				}
			}
		}
		var nums []int
		for n := range rows {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		for _, n := range nums {
			rv := rows[n]
			rv.Cells = inColumnOrder(rev, n, rv.Cells, f.ID)
			if dec != nil {
				for _, rd := range dec.Rows {
					if rd.Row == n {
						rv.Outcome, rv.Reasons = string(rd.Outcome), rd.Reasons
					}
				}
			}
			v.Rows = append(v.Rows, *rv)
		}
	}
	for _, fv := range v.Flagged {
		v.FirstFlagged = "v." + fv.Name
		break
	}
	if v.FirstFlagged == "" {
		for _, rv := range v.Rows {
			for _, c := range rv.Cells {
				if c.Flagged && v.FirstFlagged == "" {
					v.FirstFlagged = "v." + c.Name
				}
			}
		}
	}

	size := s.pageSize(rd)
	for _, p := range rd.Pages {
		pv := pageView{Page: p, W: size.W, H: size.H, Transform: identity.svg()}
		if img, g, err := s.pageGeometry(ctx, rd, src, p); err == nil {
			pv.W, pv.H = float64(img.Bounds().Dx())*72/g.dpi, float64(img.Bounds().Dy())*72/g.dpi
			pv.Transform = g.m.svg()
		} else if !errors.Is(err, context.Canceled) {
			s.log.Error("page image", "form", f.ID, "page", p, "err", err)
		}
		for _, n := range names {
			pg, b, ok := s.fieldPlace(rd, n)
			if !ok || pg != p {
				continue
			}
			_, isRead := rd.Values[n]
			if _, _, cell := forms.SplitRowField(n); cell && !isRead && len(why[n]) == 0 {
				continue
			}
			pv.Boxes = append(pv.Boxes, boxView{Field: n, Label: fieldLabel(rev, n), X: b.X, Y: b.Y, W: b.W, H: b.H, Flagged: len(why[n]) > 0})
		}
		v.Pages = append(v.Pages, pv)
	}
	return v
}

func contains1(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// maxRow returns the last table row that has a value read.
func maxRow(rd *forms.Reading) int {
	m := 0
	for n, v := range rd.Values {
		if row, _, ok := forms.SplitRowField(n); ok && row > m && strings.TrimSpace(v.Text) != "" {
			m = row
		}
	}
	return m
}

// loadForm reads what the review page of a form needs, answering 404
// itself.
func (s *Server) loadForm(w http.ResponseWriter, r *http.Request, ss *store.Session) (store.FormToDecide, formSource, *store.ReviewTask, *store.DecisionRecord, bool) {
	id, ok := formID(r)
	if !ok {
		s.notFound(w, r, ss, "The form")
		return store.FormToDecide{}, formSource{}, nil, nil, false
	}
	ctx := r.Context()
	f, err := s.st.Form(ctx, id)
	var src formSource
	if err == nil {
		src, err = s.formSource(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, ss, "The form")
		return f, src, nil, nil, false
	}
	if err != nil {
		s.fail(w, r, ss, err)
		return f, src, nil, nil, false
	}
	var task *store.ReviewTask
	if t, err := s.st.LatestReviewTask(ctx, id); err == nil {
		task = &t
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, ss, err)
		return f, src, nil, nil, false
	}
	var dec *store.DecisionRecord
	if d, err := s.st.LatestDecision(ctx, id); err == nil {
		dec = &d
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, ss, err)
		return f, src, nil, nil, false
	}
	return f, src, task, dec, true
}

// reviewForm shows a form, claiming it when it waits for review and no
// one else holds it.
func (s *Server) reviewForm(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	f, src, task, dec, ok := s.loadForm(w, r, ss)
	if !ok {
		return
	}
	var claim *store.Claim
	editable := false
	if task != nil && task.Status == "open" {
		c, err := s.st.ClaimForm(r.Context(), f.ID, ss.User.Name, s.cfg.Now(), s.cfg.ClaimTTL)
		var ce *store.ClaimedError
		switch {
		case errors.As(err, &ce):
			claim = &ce.Claim
		case err != nil:
			s.fail(w, r, ss, err)
			return
		default:
			claim, editable = &c, true
		}
	}
	v := s.buildView(r.Context(), f, src, task, dec, claim, editable, nil, nil)
	if err := s.blindFields(r.Context(), &v); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	s.render(w, r, http.StatusOK, "form", ss, fmt.Sprintf("Form %d", f.ID), v)
}

// renewClaim keeps the form for the reviewer while they work (the page's
// script calls it on activity).
func (s *Server) renewClaim(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	id, ok := formID(r)
	if !ok {
		s.notFound(w, r, ss, "The form")
		return
	}
	_, err := s.st.ClaimForm(r.Context(), id, ss.User.Name, s.cfg.Now(), s.cfg.ClaimTTL)
	var ce *store.ClaimedError
	switch {
	case errors.As(err, &ce):
		s.conflict(w, r, ss, "Form "+fmt.Sprint(id)+" is being reviewed by "+ce.Claim.User+".")
	case err != nil:
		s.fail(w, r, ss, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) releaseClaim(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	id, ok := formID(r)
	if !ok {
		s.notFound(w, r, ss, "The form")
		return
	}
	if err := s.st.ReleaseClaim(r.Context(), id, ss.User.Name); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	http.Redirect(w, r, "/review?done=released", http.StatusSeeOther)
}

// allowedField reports whether a reviewer may set the named field.
func (s *Server) allowedField(rd *forms.Reading, rev *forms.Revision, name string) bool {
	if _, ok := rd.Values[name]; ok {
		return true
	}
	if rev == nil {
		return false
	}
	if rev.Field(name) != nil {
		return true
	}
	row, col, ok := forms.SplitRowField(name)
	if !ok || row > maxRow(rd)+rev.TableRows() {
		return false
	}
	for _, p := range rev.Pages {
		if p.Table != nil {
			for _, c := range p.Table.Columns {
				if c.Name == col {
					return true
				}
			}
		}
	}
	return false
}

// postedValues returns the values the reviewer sent, by field name, and
// an error message for a bad form.
func (s *Server) postedValues(r *http.Request, rd *forms.Reading) (map[string]string, string) {
	rev := s.reg.Revision(rd.Family, rd.Revision)
	posted := map[string]string{}
	for k, vs := range r.PostForm {
		name, ok := strings.CutPrefix(k, "v.")
		if !ok || len(vs) == 0 {
			continue
		}
		if !s.allowedField(rd, rev, name) {
			return nil, fmt.Sprintf("The form has no field %q.", name)
		}
		posted[name] = strings.TrimSpace(vs[0])
	}
	return posted, ""
}

// reviewerValues returns the values to store as the reviewer's: every
// field they were asked about (asked) and sent, changed or confirmed as
// it stands, and every other field they changed.
func (s *Server) reviewerValues(rd *forms.Reading, posted map[string]string, asked map[string]bool) map[string]forms.Value {
	set := map[string]forms.Value{}
	for name, text := range posted {
		old, had := rd.Values[name]
		if !asked[name] && (had && old.Text == text || !had && text == "") {
			continue
		}
		nv := old
		if !had {
			nv.Page, nv.Box, _ = s.fieldPlace(rd, name)
		}
		nv.Text, nv.Source, nv.Sure = text, forms.FromReviewer, true
		set[name] = nv
	}
	return set
}

// withValues returns a copy of the reading with the values set.
func withValues(rd forms.Reading, set map[string]forms.Value) forms.Reading {
	rd.Values = maps.Clone(rd.Values)
	if rd.Values == nil {
		rd.Values = map[string]forms.Value{}
	}
	maps.Copy(rd.Values, set)
	return rd
}

// askedAgain returns the review items of fields the page asked about
// beyond the review task's (the form's "asked" inputs: what the rules
// named once the reviewer's first values were in) that the rules still
// name on the reading with the reviewer's other values. A field is never
// taken as asked on the page's word alone.
func askedAgain(ctx context.Context, r *http.Request, rd forms.Reading, env validate.Env) ([]validate.ReviewItem, error) {
	asked := r.PostForm["asked"]
	if len(asked) == 0 {
		return nil, nil
	}
	d, err := validate.Decide(ctx, &rd, env)
	if err != nil {
		return nil, err
	}
	var out []validate.ReviewItem
	for _, it := range d.Review {
		if slices.Contains(asked, it.Field) {
			out = append(out, it)
		}
	}
	return out, nil
}

// approve judges the reviewer's corrected values with the rules; when
// they accept, the requests are queued. Otherwise the page shows what the
// rules found, and a rejection by the rules is sent only when the reviewer
// confirms it.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	f, src, task, dec, ok := s.loadForm(w, r, ss)
	if !ok {
		return
	}
	if task == nil || task.Status != "open" {
		http.Redirect(w, r, "/review?done=closed", http.StatusSeeOther)
		return
	}
	if fmt.Sprint(task.ID) != r.PostFormValue("task") {
		s.conflict(w, r, ss, "The form's review changed since you opened it; open it again.")
		return
	}
	flagged := map[string]bool{}
	identFlagged := false
	for _, it := range task.Items {
		flagged[it.Field] = true
		identFlagged = identFlagged || it.Field == "family" || it.Field == "revision"
	}
	rd := &f.Reading
	var family, revision string
	if ident := r.PostFormValue("ident"); ident != "" && (identFlagged || ident != rd.Family+"@"+rd.Revision) {
		fam, stamp, _ := strings.Cut(ident, "@")
		rev := s.reg.Revision(fam, stamp)
		if rev == nil {
			s.badRequest(w, r, ss, "No such form revision: "+ident)
			return
		}
		family, revision = fam, stamp
		rd.Family, rd.Revision, rd.Known, rd.Confidence = fam, stamp, true, 1
	}
	orig := maps.Clone(rd.Values) // what the engine read, for the outcomes
	posted, problem := s.postedValues(r, rd)
	if problem != "" {
		s.badRequest(w, r, ss, problem)
		return
	}
	env := validate.Env{Registry: s.reg, Roster: s.st.Roster(), Locations: s.st.Locations(), Config: s.cfg.Rules}
	set := s.reviewerValues(rd, posted, flagged)
	// The fields the rules named once the reviewer's first values were in
	// were asked about too: sent unchanged, they are confirmed.
	again, err := askedAgain(r.Context(), r, withValues(*rd, set), env)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if len(again) > 0 {
		for _, it := range again {
			flagged[it.Field] = true
		}
		set = s.reviewerValues(rd, posted, flagged)
	}
	*rd = withValues(*rd, set)
	if problem, err := s.keyedProblem(r.Context(), f.ID, rd, set); err != nil {
		s.fail(w, r, ss, err)
		return
	} else if problem != "" {
		s.conflict(w, r, ss, problem)
		return
	}
	if family != "" {
		posted["ident"] = family + "@" + revision
	}
	d, err := validate.Decide(r.Context(), rd, env)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	confirmReject := r.PostFormValue("confirm") == "reject"
	if d.Outcome == validate.Accept || (d.Outcome == validate.Reject && confirmReject) {
		var email *store.Email
		// The engine told the school when it rejected the form; it is
		// told again only for reasons it was not given.
		if d.Outcome == validate.Reject && !sameReasons(dec, d.Reasons) {
			if email, err = s.notice(f, d.Reasons, ""); err != nil {
				s.fail(w, r, ss, err)
				return
			}
		}
		_, err := s.st.ResolveReview(r.Context(), store.Resolution{
			FormID: f.ID, TaskID: task.ID, By: ss.User.Name, Now: s.cfg.Now(), Values: set,
			Family: family, Revision: revision, Decision: d, Notice: email,
			Outcomes: s.reviewOutcomes(f, orig, set, ss.User.Name),
		})
		if s.resolveFailed(w, r, ss, err) {
			return
		}
		done := "approved"
		if d.Outcome == validate.Reject {
			done = "rejected"
		}
		http.Redirect(w, r, "/review?done="+done, http.StatusSeeOther)
		return
	}
	// Not accepted: show what the rules found, keeping what was typed.
	c, err := s.st.ClaimForm(r.Context(), f.ID, ss.User.Name, s.cfg.Now(), s.cfg.ClaimTTL)
	var ce *store.ClaimedError
	if errors.As(err, &ce) {
		s.conflict(w, r, ss, "Form "+fmt.Sprint(f.ID)+" is being reviewed by "+ce.Claim.User+".")
		return
	}
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	// The page asks again about what it asked before and the rules still
	// want, so that confirming one field never drops another.
	v := s.buildView(r.Context(), f, src, task, dec, &c, true, posted, append(d.Review, again...))
	if err := s.blindFields(r.Context(), &v); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v.Result = &resultView{Outcome: string(d.Outcome), Reasons: d.Reasons, Review: d.Review}
	s.render(w, r, http.StatusUnprocessableEntity, "form", ss, fmt.Sprintf("Form %d", f.ID), v)
}

// resolveFailed answers a failed ResolveReview; it reports whether err
// was one.
func (s *Server) resolveFailed(w http.ResponseWriter, r *http.Request, ss *store.Session, err error) bool {
	var ce *store.ClaimedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ce):
		s.conflict(w, r, ss, "This form is being reviewed by "+ce.Claim.User+"; your changes were not saved.")
	case errors.Is(err, store.ErrReviewClosed):
		http.Redirect(w, r, "/review?done=closed", http.StatusSeeOther)
	default:
		s.fail(w, r, ss, err)
	}
	return true
}

func reasonMessages(rs []validate.Reason) []string {
	var out []string
	for _, r := range rs {
		if !contains1(out, r.Message) {
			out = append(out, r.Message)
		}
	}
	return out
}

// notice is the rejection e-mail for a form, listing every reason and
// the reviewer's note, addressed and worded by the store's notices (see
// package notice): nil when there is no reason to tell.
func (s *Server) notice(f store.FormToDecide, reasons []validate.Reason, note string) (*store.Email, error) {
	e, err := s.st.Notices().Rejection(f.Notice(), reasons, note)
	if errors.Is(err, notice.ErrNoReason) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return store.EmailFrom(e), nil
}

// maxNote bounds a reviewer's free text.
const maxNote = 2000

// reject rejects a form for a reason the reviewer chose, with their note.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	f, _, task, _, ok := s.loadForm(w, r, ss)
	if !ok {
		return
	}
	if task == nil || task.Status != "open" {
		http.Redirect(w, r, "/review?done=closed", http.StatusSeeOther)
		return
	}
	if fmt.Sprint(task.ID) != r.PostFormValue("task") {
		s.conflict(w, r, ss, "The form's review changed since you opened it; open it again.")
		return
	}
	reason, ok := findRejectReason(r.PostFormValue("reason"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case !ok:
		s.badRequest(w, r, ss, "Choose a reason for the rejection.")
		return
	case reason.Key == "other" && note == "":
		s.badRequest(w, r, ss, "Explain the rejection in the note when the reason is Other.")
		return
	case len(note) > maxNote:
		s.badRequest(w, r, ss, fmt.Sprintf("The note may have at most %d characters.", maxNote))
		return
	}
	d := validate.Decision{Outcome: validate.Reject, Reasons: []validate.Reason{{
		Code: validate.Code("reviewer." + reason.Key), Message: reason.Message,
	}}}
	email, err := s.notice(f, d.Reasons, note)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	_, err = s.st.ResolveReview(r.Context(), store.Resolution{
		FormID: f.ID, TaskID: task.ID, By: ss.User.Name, Now: s.cfg.Now(),
		Decision: d, Notice: email, Note: note,
	})
	if s.resolveFailed(w, r, ss, err) {
		return
	}
	http.Redirect(w, r, "/review?done=rejected", http.StatusSeeOther)
}

// queueView is the review queue page.
type queueView struct {
	Items []queueItem
}

type queueItem struct {
	store.ReviewQueueItem
	Why []string
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	items, err := s.st.ReviewQueue(r.Context(), s.cfg.Now())
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	var v queueView
	for _, it := range items {
		qi := queueItem{ReviewQueueItem: it}
		rev := s.reg.Revision(it.Family, it.Revision)
		var whys []string
		fields := map[string][]string{}
		for _, ri := range it.Items {
			t := whyText(ri.Why)
			label := fieldLabel(rev, ri.Field)
			if ri.Row > 0 {
				label = fmt.Sprintf("row %d %s", ri.Row, strings.ToLower(label))
			}
			if ri.Field == "family" || ri.Field == "revision" {
				t, label = "form not identified with confidence", ""
			}
			if _, ok := fields[t]; !ok {
				whys = append(whys, t)
			}
			if label != "" && !contains1(fields[t], label) {
				fields[t] = append(fields[t], label)
			}
		}
		for _, t := range whys {
			names := fields[t]
			if len(names) > 3 {
				names = append(names[:3:3], fmt.Sprintf("%d more", len(fields[t])-3))
			}
			if len(names) > 0 {
				t += ": " + strings.Join(names, ", ")
			}
			qi.Why = append(qi.Why, t)
		}
		if it.Outcome == string(validate.Reject) {
			qi.Why = append(qi.Why, "the rules reject it")
		}
		v.Items = append(v.Items, qi)
	}
	s.render(w, r, http.StatusOK, "queue", ss, "Review queue", v)
}

// inColumnOrder puts a row's cells in the table's column order, with an
// empty cell for a column nothing was read in.
func inColumnOrder(rev *forms.Revision, row int, cells []fieldView, formID int64) []fieldView {
	if rev == nil {
		return cells
	}
	var cols []forms.Column
	for _, p := range rev.Pages {
		if p.Table != nil {
			cols = p.Table.Columns
			break
		}
	}
	by := map[string]fieldView{}
	for _, c := range cells {
		by[c.Column] = c
	}
	out := make([]fieldView, 0, len(cols))
	for _, c := range cols {
		fv, ok := by[c.Name]
		if !ok {
			fv = fieldView{Name: forms.RowField(row, c.Name), Label: fieldLabel(rev, forms.RowField(row, c.Name)),
				Kind: c.Kind, Column: c.Name, FormID: formID}
		}
		out = append(out, fv)
		delete(by, c.Name)
	}
	for _, c := range cells {
		if _, left := by[c.Column]; left {
			out = append(out, c)
		}
	}
	return out
}

// rowFlagged reports whether a review item names a cell of the row.
func rowFlagged(why map[string][]string, row int) bool {
	for name := range why {
		if n, _, ok := forms.SplitRowField(name); ok && n == row {
			return true
		}
	}
	return false
}

// sameReasons reports whether the decision dec rejected the form for the
// same reasons.
func sameReasons(dec *store.DecisionRecord, rs []validate.Reason) bool {
	if dec == nil || dec.Outcome != string(validate.Reject) {
		return false
	}
	a, b := reasonMessages(dec.Reasons), reasonMessages(rs)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}
