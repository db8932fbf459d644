package validate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lausd/misis-intake/forms"
)

// mirrorFamily is the family whose users are non-school staff asking for
// school access, so their HR location is not the form's location.
const mirrorFamily = "school-mirror"

// Decide applies the district's rules to one form as read and decides what
// happens to it. An error means the rules could not be applied (a roster
// or location lookup failed, the context ended, the Env is incomplete); it
// never stands for a decision.
//
// A form identified with less than Config.MinIdentifyConfidence goes to
// review with the item "revision" (or "family" when the document is none
// of the district's forms); a reviewer who confirms or corrects the
// identification sets Reading.Family and Reading.Revision and raises
// Reading.Confidence to 1, and the form is decided again.
func Decide(ctx context.Context, r *forms.Reading, env Env) (Decision, error) {
	switch {
	case r == nil:
		return Decision{}, errors.New("validate: no reading")
	case env.Registry == nil:
		return Decision{}, errors.New("validate: no form registry")
	case env.Roster == nil:
		return Decision{}, errors.New("validate: no roster")
	case env.Locations == nil:
		return Decision{}, errors.New("validate: no location list")
	}
	cfg, err := env.Config.withDefaults()
	if err != nil {
		return Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	j := &judge{
		ctx: ctx, env: env, cfg: cfg, today: cfg.today(), reading: r,
		flagged: map[string]bool{}, dates: map[string]Date{},
	}

	fam := env.Registry.Family(r.Family)
	if fam == nil {
		j.reviewItem("family", WhyCannotJudge, CodeFormUnknown,
			"The document was not recognised as one of the district's MiSiS forms; identify the form or set it aside.")
		return j.decision(), nil
	}
	j.fam = fam
	rev := fam.Revision(r.Revision)
	sure := r.Confidence >= cfg.MinIdentifyConfidence
	if rev == nil || rev.Status != forms.Current || !sure {
		if !sure {
			j.reviewItem("revision", WhyLowConfidence, CodeRevisionUnsure, fmt.Sprintf(
				"The form was identified as %q, %s, with low confidence (%.0f%%); check which form and revision this is.",
				fam.Title, revisionName(r.Revision), 100*r.Confidence))
		} else {
			j.ruleRevision(rev)
		}
		return j.decision(), nil
	}
	j.rev = rev
	j.settle()

	switch fam.Kind {
	case "access":
		j.access()
	case "batch":
		j.batch()
	default:
		return Decision{}, fmt.Errorf("validate: family %s has kind %q, neither access nor batch", fam.ID, fam.Kind)
	}
	if j.err != nil {
		return Decision{}, j.err
	}
	return j.decision(), nil
}

// judge holds one decision being made. Rules append reasons and review
// items to it; for a batch row, a judge of its own collects the row's.
type judge struct {
	ctx     context.Context
	env     Env
	cfg     Config
	today   Date
	reading *forms.Reading
	fam     *forms.Family
	rev     *forms.Revision
	row     int // the batch row being judged, 0 for the form

	reasons []Reason
	review  []ReviewItem
	// flagged holds the fields already sent to review, so that a field
	// several rules read is listed once.
	flagged map[string]bool
	// dates holds every date field read and found real.
	dates map[string]Date
	// settled holds the unsure values another source settles, and by
	// what; corrected the values settled as something else than was read
	// (see settle).
	settled, corrected map[string]string
	// err is the first lookup failure; the decision is abandoned.
	err error

	// A batch's rows, its requests, and whether its header was rejected
	// or sent to review.
	decisionRows   []RowDecision
	requests       []Request
	headerRejected bool
	headerReview   bool
}

func (j *judge) decision() Decision {
	d := Decision{Reasons: j.reasons, Review: j.review, Requests: j.requests, Rows: j.decisionRows}
	for name, by := range j.settled {
		s := Settled{Field: name, By: by}
		if c, ok := j.corrected[name]; ok {
			s.Read, s.Value = j.reading.Values[name].Text, c
		}
		d.Settled = append(d.Settled, s)
	}
	sort.Slice(d.Settled, func(a, b int) bool { return d.Settled[a].Field < d.Settled[b].Field })
	switch {
	case j.fam != nil && j.fam.Kind == "batch" && j.rev != nil:
		d.Outcome = j.batchOutcome()
	case len(j.reasons) > 0:
		d.Outcome = Reject
	case len(j.review) > 0:
		d.Outcome = Review
	default:
		d.Outcome = Accept
	}
	return d
}

// usable reports whether a value may be judged: the engine was sure of
// it, or a reviewer set it.
func usable(v forms.Value) bool { return v.Sure || v.Source == forms.FromReviewer }

// get returns a field's text, trimmed, and whether it may be judged. A
// value that may not is sent to review (once); a value never read counts
// as one the machine is unsure of.
func (j *judge) get(name string) (string, bool) {
	v, read := j.reading.Values[name]
	if j.sure(name) {
		return strings.TrimSpace(j.text(name)), true
	}
	msg := fmt.Sprintf("%s was not read with confidence (%.0f%%); check it against the image.", upper(j.label(name)), 100*v.Confidence)
	if !read {
		msg = fmt.Sprintf("%s was not read; check it against the image.", upper(j.label(name)))
	}
	j.reviewItem(name, WhyLowConfidence, CodeValueUnsure, msg)
	return "", false
}

// presenceSure is the least forms.Value.Present at which writing in a
// field is taken as known, whatever the text says.
const presenceSure = 0.95

// filled reports whether a field holds writing and whether that is known.
// A usable value tells by its text. For a field whose text nothing is
// decided from (forms.Field.Presence), confident ink is enough when the
// text itself is unsure. Anything else goes to review through get.
func (j *judge) filled(name string) (filled, ok bool) {
	v, read := j.reading.Values[name]
	if f := j.rev.Field(name); f != nil && f.Presence && read && !j.sure(name) && v.Present >= presenceSure {
		return true, true
	}
	text, ok := j.get(name)
	return text != "", ok
}

// byReviewer reports whether a reviewer set the field's value.
func (j *judge) byReviewer(name string) bool {
	return j.reading.Values[name].Source == forms.FromReviewer
}

func (j *judge) reject(code Code, field, format string, args ...any) {
	msg := upper(fmt.Sprintf(format, args...))
	if j.row > 0 {
		msg = fmt.Sprintf("Row %d: %s", j.row, msg)
	}
	j.reasons = append(j.reasons, Reason{Code: code, Field: field, Row: j.row, Message: msg})
}

func (j *judge) reviewItem(field string, why Why, code Code, msg string) {
	if j.flagged[field] {
		return
	}
	j.flagged[field] = true
	if j.row > 0 {
		msg = fmt.Sprintf("Row %d: %s", j.row, msg)
	}
	j.review = append(j.review, ReviewItem{Field: field, Row: j.row, Why: why, Code: code, Message: msg})
}

func (j *judge) lookupFailed(what string, err error) {
	if j.err == nil {
		j.err = fmt.Errorf("validate: look up %s: %w", what, err)
	}
}

// access decides an access request form.
func (j *judge) access() {
	j.ruleRequired(func(f *forms.Field) bool { return true })
	j.ruleITDBlock()
	add, remove := j.ruleRoles()
	j.ruleSignatures(func(f *forms.Field) bool { return true })
	j.ruleAdminTitle()
	j.ruleEmails(func(f *forms.Field) bool { return f.Group != "itd" })
	j.ruleDates(func(f *forms.Field) bool { return f.Group != "itd" })
	j.ruleRequestAge()
	j.ruleSignedAfterRequest()
	emp, found := j.ruleEmployee(len(add) > 0)
	loc, located := j.ruleLocation("location_code")
	if found && len(add) > 0 && j.fam.ID != mirrorFamily {
		j.ruleTransfer(emp)
	}
	if j.err != nil || len(j.reasons) > 0 || len(j.review) > 0 || !found || !located {
		return
	}
	req := Request{
		Action:         ActionAdd,
		Family:         j.fam.ID,
		EmployeeNumber: emp.Number,
		FirstName:      emp.FirstName,
		LastName:       emp.LastName,
		Email:          j.address("email"),
		AdminEmail:     j.address("admin_email"),
		NotifyEmail:    j.address("notify_email"),
		RolesAdd:       nonNil(add),
		RolesRemove:    nonNil(remove),
		Queue:          loc.Queue(),
		LocationCode:   loc.Code,
	}
	if len(remove) > 0 {
		req.Action = ActionRemoveAll
	}
	if j.fam.TermEndsWithYear {
		if d, ok := j.dates["request_date"]; ok {
			req.EndDate = j.cfg.yearEnd(d)
		}
	}
	j.requests = append(j.requests, req)
}

// address returns the full e-mail address of an e-mail field, or "".
func (j *judge) address(name string) string {
	_, ok := j.reading.Values[name]
	text := strings.TrimSpace(j.text(name))
	if !ok || text == "" || j.rev.Field(name) == nil {
		return ""
	}
	if strings.Contains(text, "@") {
		return text
	}
	return text + "@" + districtDomain
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// batch decides a batch removal form: its header as a whole, then each row
// on its own.
func (j *judge) batch() {
	// The pages of one batch arrive as one Reading with their rows
	// numbered on; "Page _ of _" is judged only by whether pages are
	// missing.
	header := func(f *forms.Field) bool { return f.Row == 0 && f.Name != "page_number" && f.Name != "page_count" }
	j.ruleRequired(header)
	j.ruleBatchPages()
	j.ruleSignatures(header)
	j.ruleAdminTitle()
	j.ruleEmails(header)
	j.ruleDates(header)
	loc, located := j.ruleLocation("location_code")
	if j.err != nil {
		return
	}
	j.headerRejected = len(j.reasons) > 0
	j.headerReview = len(j.review) > 0

	rows := j.rowNumbers()
	var accepted []*Request
	first := map[string]int{} // employee number -> row of its request
	for _, n := range rows {
		if err := j.ctx.Err(); err != nil {
			j.lookupFailed("batch rows", err)
			return
		}
		rd, req, skip := j.decideRow(n, loc, located)
		if j.err != nil {
			return
		}
		if skip {
			continue
		}
		if req != nil {
			if prev, dup := first[req.EmployeeNumber]; dup {
				rd.DuplicateOf = prev
			} else {
				first[req.EmployeeNumber] = n
				accepted = append(accepted, req)
			}
		}
		j.decisionRows = append(j.decisionRows, rd)
		j.reasons = append(j.reasons, rd.Reasons...)
		j.review = append(j.review, rd.Review...)
	}
	switch {
	case len(j.decisionRows) > 0:
	case len(rows) == 0:
		// No cell of the table was read at all (the engine did not know
		// the revision until a person named it): that is no evidence
		// of an empty table.
		j.reviewItem("rows", WhyCannotJudge, CodeValueUnsure,
			"The table was not read; enter each employee the form lists.")
		j.headerReview = true
	default:
		j.reject(CodeRowsNone, "", "The form lists no employees; list each former employee on a row of the table.")
		j.headerRejected = true
	}
	// Nothing is queued while the header is rejected or waits for a
	// reviewer: the header's location decides the queue. The rows share
	// the header's fate, so that a row is accepted only when it yields a
	// request (or repeats one).
	switch {
	case j.headerRejected:
		var header []Reason
		for _, r := range j.reasons {
			if r.Row == 0 {
				header = append(header, r)
			}
		}
		for i := range j.decisionRows {
			rd := &j.decisionRows[i]
			rd.Outcome = Reject
			rd.Reasons = append(append([]Reason(nil), header...), rd.Reasons...)
		}
	case j.headerReview || !located:
		for i := range j.decisionRows {
			if rd := &j.decisionRows[i]; rd.Outcome == Accept {
				rd.Outcome = Review
			}
		}
	default:
		for _, r := range accepted {
			j.requests = append(j.requests, *r)
		}
	}
}

// batchOutcome is Reject when the header is rejected; otherwise Review
// while anything waits for a reviewer; otherwise Reject when some row was
// rejected (the accepted rows' requests go ahead all the same); otherwise
// Accept.
func (j *judge) batchOutcome() Outcome {
	switch {
	case j.headerRejected:
		return Reject
	case j.headerReview:
		return Review
	}
	rejected := false
	for _, rd := range j.decisionRows {
		switch rd.Outcome {
		case Review:
			return Review
		case Reject:
			rejected = true
		}
	}
	if rejected {
		return Reject
	}
	return Accept
}

// rowNumbers returns the table rows the reading holds, in order.
func (j *judge) rowNumbers() []int {
	seen := map[int]bool{}
	for name := range j.reading.Values {
		if n, _, ok := forms.SplitRowField(name); ok {
			seen[n] = true
		}
	}
	rows := make([]int, 0, len(seen))
	for n := range seen {
		rows = append(rows, n)
	}
	sort.Ints(rows)
	return rows
}

// Batch table columns.
const (
	colLastName      = "last_name"
	colFirstName     = "first_name"
	colEmployee      = "employee_number"
	colReason        = "reason"
	colEffectiveDate = "effective_date"
)

var batchColumns = []string{colLastName, colFirstName, colEmployee, colReason, colEffectiveDate}

// decideRow decides one batch row. skip is set for a row left empty.
func (j *judge) decideRow(n int, loc Location, located bool) (rd RowDecision, req *Request, skip bool) {
	rj := &judge{
		ctx: j.ctx, env: j.env, cfg: j.cfg, today: j.today, reading: j.reading,
		fam: j.fam, rev: j.rev, row: n, flagged: j.flagged, dates: j.dates,
		settled: j.settled, corrected: j.corrected,
	}
	defer func() { j.err = rj.err }()
	cell := func(col string) string { return forms.RowField(n, col) }

	// A row whose every cell is blank was left empty. If the machine is
	// unsure of some blank cell, a reviewer looks rather than the row
	// being judged incomplete.
	blank, allSure := true, true
	for _, c := range batchColumns {
		v := j.reading.Values[cell(c)]
		if strings.TrimSpace(v.Text) != "" {
			blank = false
		}
		if !j.sure(cell(c)) {
			allSure = false
		}
	}
	if blank && allSure {
		return RowDecision{}, nil, true
	}
	if blank {
		for _, c := range batchColumns {
			rj.get(cell(c))
		}
		return rj.rowDecision(), nil, false
	}

	for _, c := range batchColumns {
		if text, ok := rj.get(cell(c)); ok && text == "" {
			rj.reject(CodeFieldRequired, cell(c), "%s is blank; fill in every column of a row.", rj.label(cell(c)))
		}
	}
	emp, found := rj.ruleEmployeeAt(cell(colEmployee), cell(colFirstName), cell(colLastName), false)
	reason, reasonOK := rj.ruleRemovalReason(cell(colReason))
	if found && reasonOK && located && reason != ReasonTransferred {
		rj.ruleSameLocation(emp, cell(colEmployee))
	}
	effective, dateOK := rj.ruleDate(cell(colEffectiveDate))
	rd = rj.rowDecision()
	if rd.Outcome != Accept || !found || !reasonOK || !dateOK || !located {
		return rd, nil, false
	}
	return rd, &Request{
		Action:         ActionRemoveAll,
		Family:         j.fam.ID,
		EmployeeNumber: emp.Number,
		FirstName:      emp.FirstName,
		LastName:       emp.LastName,
		RolesAdd:       []string{},
		RolesRemove:    []string{},
		Queue:          loc.Queue(),
		LocationCode:   loc.Code,
		Row:            n,
		RemovalReason:  reason,
		EffectiveDate:  effective,
	}, false
}

func (j *judge) rowDecision() RowDecision {
	rd := RowDecision{Row: j.row, Reasons: j.reasons, Review: j.review, Outcome: Accept}
	switch {
	case len(j.reasons) > 0:
		rd.Outcome = Reject
	case len(j.review) > 0:
		rd.Outcome = Review
	}
	return rd
}
