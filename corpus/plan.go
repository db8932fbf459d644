package corpus

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// plannedForm is one form to draw: the revision, every value to write, and
// what the rules must make of it.
type plannedForm struct {
	rev    *forms.Revision
	values map[string]string // field name -> value to write
	truth  FormTruth
	pages  int // printed pages (batch forms may need several)
}

// planner draws the content of submissions from the roster.
type planner struct {
	reg     *forms.Registry
	asOf    time.Time
	byLoc   map[string][]validate.Employee
	people  []validate.Employee
	schools []validate.Location
	offices []validate.Location
	known   map[string]bool
}

func newPlanner(reg *forms.Registry, people []validate.Employee, locs []validate.Location, asOf time.Time) (*planner, error) {
	p := &planner{reg: reg, asOf: asOf, byLoc: map[string][]validate.Employee{}, known: map[string]bool{}}
	for _, l := range locs {
		if isSchool(l) {
			p.schools = append(p.schools, l)
		} else {
			p.offices = append(p.offices, l)
		}
	}
	for _, x := range people {
		p.known[x.Number] = true
		p.people = append(p.people, x)
		p.byLoc[x.LocationCode] = append(p.byLoc[x.LocationCode], x)
	}
	if len(p.schools) == 0 || len(p.offices) == 0 {
		return nil, fmt.Errorf("corpus: the locations need both schools and offices (have %d and %d)", len(p.schools), len(p.offices))
	}
	return p, nil
}

// Defects the generator can put into an access form, with the reason code
// the rules must give and whether it applies to a family.
var accessDefects = []struct {
	name, code string
	applies    func(fam string) bool
}{
	{"retired_revision", "revision.retired", nil},
	{"employee_number_7_digits", "employee_number.format", nil},
	{"employee_number_9_digits", "employee_number.format", nil},
	{"no_role", "roles.none", nil},
	{"no_user_signature", "signature.missing", nil},
	{"no_admin_signature", "signature.missing", nil},
	{"r_on_mirror", "roles.mark_not_allowed", func(f string) bool { return f == "school-mirror" }},
	{"email_outside_district", "email.domain", nil},
	{"itd_block_filled", "itd_block.filled", nil},
	{"future_date", "date.future", nil},
	{"unknown_employee", "employee.unknown", nil},
	{"pending_employee", "employee.pending", nil},
	{"admin_not_principal", "admin.title", func(f string) bool { return f != "district-staff" }},
	{"missing_title", "field.required", nil},
	{"other_mark", "", nil}, // a check or cross: never guessed, goes to review
}

// isSchool reports whether a location is a school rather than an office.
func isSchool(l validate.Location) bool {
	n := strings.ToLower(l.Name)
	return l.Owner != validate.OwnerCentralOffice && !strings.Contains(n, "office") &&
		!strings.Contains(n, "division") && !strings.Contains(n, "local district")
}

// employeeDefect marks the defects of the employee number: one number can
// only be wrong in one way at a time.
var employeeDefect = map[string]bool{
	"employee_number_7_digits": true, "employee_number_9_digits": true,
	"unknown_employee": true, "pending_employee": true,
}

func (p *planner) pick(r *rand.Rand, xs []validate.Employee) validate.Employee {
	return xs[r.IntN(len(xs))]
}

func (p *planner) processedAt(r *rand.Rand, loc string) []validate.Employee {
	var out []validate.Employee
	for _, x := range p.byLoc[loc] {
		if x.Status == validate.HRProcessed {
			out = append(out, x)
		}
	}
	return out
}

func (p *planner) withStatus(status validate.HRStatus) []validate.Employee {
	var out []validate.Employee
	for _, x := range p.people {
		if x.Status == status {
			out = append(out, x)
		}
	}
	return out
}

// date formats t as the forms want it.
func date(t time.Time) string { return t.Format("01/02/2006") }

// unknownNumber returns an 8-digit number that is not on the roster.
func (p *planner) unknownNumber(r *rand.Rand) string {
	for {
		n := fmt.Sprintf("%08d", 10000000+r.IntN(89999999))
		if !p.known[n] {
			return n
		}
	}
}

func phone(r *rand.Rand) string {
	area := []string{"213", "323", "818", "310", "562"}[r.IntN(5)]
	return fmt.Sprintf("%s-%03d-%04d", area, 200+r.IntN(700), r.IntN(10000))
}

func emailLocal(r *rand.Rand, x validate.Employee) string {
	first, last := strings.ToLower(onlyLetters(x.FirstName)), strings.ToLower(onlyLetters(x.LastName))
	switch r.IntN(3) {
	case 0:
		return first + "." + last
	case 1:
		return first[:1] + last
	default:
		return first + last[:1]
	}
}

func onlyLetters(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

var adminTitles = []string{"Principal", "Assistant Principal"}
var districtAdminTitles = []string{"Director", "Administrator of Operations", "Coordinator", "Chief Information Officer"}

// planAccess plans one access-request form of family fam.
func (p *planner) planAccess(r *rand.Rand, famID string, valid bool) *plannedForm {
	fam := p.reg.Family(famID)
	rev := fam.Current()
	var defects []string
	if !valid {
		var choices []int
		for i, d := range accessDefects {
			if d.applies == nil || d.applies(famID) {
				choices = append(choices, i)
			}
		}
		defects = append(defects, accessDefects[choices[r.IntN(len(choices))]].name)
		if r.IntN(6) == 0 { // now and then two things are wrong
			d := accessDefects[choices[r.IntN(len(choices))]].name
			if d != defects[0] && d != "other_mark" && defects[0] != "other_mark" &&
				!(employeeDefect[d] && employeeDefect[defects[0]]) {
				defects = append(defects, d)
			}
		}
	}
	has := func(d string) bool {
		for _, x := range defects {
			if x == d {
				return true
			}
		}
		return false
	}
	if has("retired_revision") {
		var old []*forms.Revision
		for _, rv := range fam.Revisions {
			if rv.Status == forms.Retired {
				old = append(old, rv)
			}
		}
		rev = old[r.IntN(len(old))]
	}

	// The person and the place.
	locs := p.schools
	if famID == "district-staff" {
		locs = p.offices
	}
	var loc validate.Location
	var user validate.Employee
	for {
		loc = locs[r.IntN(len(locs))]
		if staff := p.processedAt(r, loc.Code); len(staff) > 0 {
			user = p.pick(r, staff)
			break
		}
	}
	switch {
	case has("pending_employee"):
		if pend := p.withStatus(validate.HRPending); len(pend) > 0 {
			user = p.pick(r, pend)
			user.LocationCode = loc.Code
		}
	}
	number := user.Number
	switch {
	case has("employee_number_7_digits"):
		number = number[:7]
	case has("employee_number_9_digits"):
		number = number + fmt.Sprint(r.IntN(10))
	case has("unknown_employee"):
		number = p.unknownNumber(r)
	}

	// The administrator who signs.
	var admin validate.Employee
	var candidates []validate.Employee
	for _, x := range p.byLoc[loc.Code] {
		if x.Number != user.Number && (famID == "district-staff" || titleIn(x.JobTitle, adminTitles)) {
			candidates = append(candidates, x)
		}
	}
	if len(candidates) > 0 {
		admin = p.pick(r, candidates)
	} else {
		admin = p.pick(r, p.people)
	}
	adminTitle := admin.JobTitle
	switch {
	case famID == "district-staff" && adminTitle == "":
		adminTitle = districtAdminTitles[r.IntN(len(districtAdminTitles))]
	case famID != "district-staff" && !titleIn(adminTitle, adminTitles):
		adminTitle = adminTitles[r.IntN(2)]
	}
	if has("admin_not_principal") {
		adminTitle = []string{"Office Manager", "Teacher", "Counselor"}[r.IntN(3)]
	}

	// Dates: the request some days ago, signatures on or after it.
	req := p.asOf.AddDate(0, 0, -(1 + r.IntN(25)))
	userSig := req.AddDate(0, 0, r.IntN(2))
	adminSig := userSig.AddDate(0, 0, r.IntN(3))
	if adminSig.After(p.asOf) {
		adminSig = p.asOf
	}
	if has("future_date") {
		req = p.asOf.AddDate(0, 0, 3+r.IntN(40))
		userSig, adminSig = req, req
	}

	v := map[string]string{
		"request_date":         date(req),
		"first_name":           user.FirstName,
		"last_name":            user.LastName,
		"title":                user.JobTitle,
		"employee_number":      number,
		"email":                emailLocal(r, user),
		"phone":                phone(r),
		"school_name":          loc.Name,
		"location_code":        loc.Code,
		"user_signature":       forms.Signed,
		"user_signature_date":  date(userSig),
		"admin_signature":      forms.Signed,
		"admin_signature_date": date(adminSig),
		"admin_title":          adminTitle,
		"admin_name":           admin.FirstName + " " + admin.LastName,
		"admin_email":          emailLocal(r, admin),
	}
	if r.IntN(3) == 0 {
		v["middle_initial"] = string(rune('A' + r.IntN(26)))
	}
	if r.IntN(4) == 0 {
		v["phone_ext"] = fmt.Sprint(100 + r.IntN(9000))
	}
	if rev.Field("notify_name") != nil && r.IntN(4) == 0 {
		n := p.pick(r, p.people)
		v["notify_name"] = n.FirstName + " " + n.LastName
		v["notify_title"] = n.JobTitle
		v["notify_email"] = emailLocal(r, n)
	}
	if has("missing_title") {
		delete(v, "title")
	}
	if has("email_outside_district") {
		v["email"] = emailLocal(r, user) + "@" + []string{"gmail.com", "yahoo.com", "outlook.com"}[r.IntN(3)]
	}
	if has("no_user_signature") {
		v["user_signature"] = forms.Unsigned
	}
	if has("no_admin_signature") {
		v["admin_signature"] = forms.Unsigned
	}
	if has("itd_block_filled") {
		v["itd_approved"] = forms.MarkOther
		v["itd_misis"] = initials(admin)
		v["itd_misis_date"] = date(adminSig)
	}

	// Roles: one to three added; on forms that allow it, sometimes removed.
	roles := rev.Roles()
	r.Shuffle(len(roles), func(i, j int) { roles[i], roles[j] = roles[j], roles[i] })
	n := 1 + r.IntN(3)
	remove := rev.Allows(forms.MarkRem) && r.IntN(5) == 0
	if has("pending_employee") {
		// Access is withheld from a pending employee, never taken away:
		// the defect shows only on a form that adds a role.
		remove = false
	}
	for i, role := range roles[:n] {
		mark := forms.MarkAdd
		if remove && (i == 0 || r.IntN(2) == 0) {
			mark = forms.MarkRem
		}
		v[rev.RoleField(role).Name] = mark
	}
	if has("r_on_mirror") {
		v[rev.RoleField(roles[0]).Name] = forms.MarkRem
	}
	if has("other_mark") {
		v[rev.RoleField(roles[0]).Name] = forms.MarkOther
	}
	if has("no_role") {
		for _, role := range roles {
			delete(v, rev.RoleField(role).Name)
		}
	}

	t := FormTruth{Family: famID, Revision: rev.Stamp, Current: rev.Status == forms.Current, Defects: defects}
	t.Decision, t.Reasons = expectAccess(defects)
	return &plannedForm{rev: rev, values: v, truth: t, pages: 1}
}

// expectAccess is the decision the rules must reach for an access form
// with the given defects: a retired revision is rejected at once; any other
// defect rejects with its reason; an "other" mark alone sends it to review.
func expectAccess(defects []string) (string, []string) {
	codes := map[string]bool{}
	review := false
	for _, d := range defects {
		for _, ad := range accessDefects {
			if ad.name != d {
				continue
			}
			if ad.code == "" {
				review = true
			} else {
				codes[ad.code] = true
			}
		}
	}
	if codes["revision.retired"] {
		return Reject, []string{"revision.retired"}
	}
	if len(codes) > 0 {
		out := make([]string, 0, len(codes))
		for c := range codes {
			out = append(out, c)
		}
		sort.Strings(out)
		return Reject, out
	}
	if review {
		return Review, nil
	}
	return Accept, nil
}

func titleIn(title string, titles []string) bool {
	for _, t := range titles {
		if strings.EqualFold(title, t) {
			return true
		}
	}
	return false
}

func initials(x validate.Employee) string {
	return strings.ToUpper(onlyLetters(x.FirstName)[:1] + onlyLetters(x.LastName)[:1])
}

// Batch-removal reasons as printed on the form.
var removalReasons = []string{"Retired", "Transferred", "Left the district", "Changed assignment"}

// Row defects with the reason code the rules must give the row.
var rowDefects = []struct{ name, code string }{
	{"unknown_employee", "employee.unknown"},
	{"employee_number_7_digits", "employee_number.format"},
	{"wrong_location", "employee.location"},
	{"unknown_reason", "reason.unknown"},
	{"invalid_date", "date.invalid"},
	{"future_date", "date.future"},
}

// planBatch plans a batch-removal form of 1 to maxRows rows.
func (p *planner) planBatch(r *rand.Rand, valid bool, maxRows int) *plannedForm {
	fam := p.reg.Family("batch-removal")
	rev := fam.Current()
	var defects []string
	if !valid && r.IntN(4) == 0 {
		if r.IntN(2) == 0 {
			defects = append(defects, "retired_revision")
			old := fam.Revisions[len(fam.Revisions)-1]
			if old.Status == forms.Retired {
				rev = old
			}
		} else {
			defects = append(defects, "no_admin_signature")
		}
	}
	perPage := rev.TableRows()
	// Mostly short lists, a few long ones over two or three pages.
	rows := 1 + r.IntN(6)
	if r.IntN(4) == 0 {
		rows = 1 + r.IntN(maxRows)
	}
	pages := (rows + perPage - 1) / perPage

	all := append(append([]validate.Location{}, p.schools...), p.offices...)
	var loc validate.Location
	var staff []validate.Employee
	for {
		loc = all[r.IntN(len(all))]
		if staff = p.processedAt(r, loc.Code); len(staff) >= 2 {
			break
		}
	}
	admin := p.pick(r, staff)
	signed := date(p.asOf.AddDate(0, 0, -r.IntN(5)))
	v := batchHeader(loc, admin, signed)
	if len(defects) > 0 && defects[0] == "no_admin_signature" {
		v["admin_signature"] = forms.Unsigned
	}
	t := FormTruth{Family: "batch-removal", Revision: rev.Stamp, Current: rev.Status == forms.Current, Defects: defects}
	seen := map[string]bool{}
	for i := 1; i <= rows; i++ {
		row := RowTruth{Row: i, Decision: Accept}
		br := p.newRow(r, p.pick(r, staff))
		if !valid && r.IntN(3) == 0 {
			d := rowDefects[r.IntN(len(rowDefects))]
			p.rowDefect(r, d.name, loc, &br)
			row.Decision, row.Reason = Reject, d.code
		} else if seen[br.number] {
			row.Duplicate = true
		}
		if row.Decision == Accept {
			seen[br.number] = true // only an accepted row makes a later one a duplicate
		}
		row.EmployeeNumber = br.number
		br.write(v, i)
		t.Rows = append(t.Rows, row)
	}
	switch {
	case len(defects) > 0 && defects[0] == "retired_revision":
		t.Decision, t.Reasons = Reject, []string{"revision.retired"}
	case len(defects) > 0 && defects[0] == "no_admin_signature":
		t.Decision, t.Reasons = Reject, []string{"signature.missing"}
	default:
		t.Decision, t.Reasons = rowsOutcome(t.Rows)
	}
	if t.Decision == Reject && len(defects) > 0 {
		for i := range t.Rows {
			t.Rows[i].Decision, t.Rows[i].Reason = Reject, t.Reasons[0]
		}
	}
	return &plannedForm{rev: rev, values: v, truth: t, pages: pages}
}

// batchHeader returns the header of a batch from loc signed by admin.
func batchHeader(loc validate.Location, admin validate.Employee, signed string) map[string]string {
	return map[string]string{
		"school_name":          loc.Name,
		"location_code":        loc.Code,
		"admin_name":           admin.FirstName + " " + admin.LastName,
		"admin_title":          admin.JobTitle,
		"admin_signature":      forms.Signed,
		"admin_signature_date": signed,
	}
}

// batchRow is what one row of a batch-removal form lists.
type batchRow struct {
	x                   validate.Employee // whose names are written
	number, reason, eff string
}

// newRow lists x with a printed reason and an effective date in the last
// two months.
func (p *planner) newRow(r *rand.Rand, x validate.Employee) batchRow {
	reason := removalReasons[r.IntN(len(removalReasons))]
	return batchRow{x: x, number: x.Number, reason: reason, eff: date(p.asOf.AddDate(0, 0, -r.IntN(60)))}
}

// rowDefect makes a row of a batch at loc wrong as the named row defect
// says (rowDefects).
func (p *planner) rowDefect(r *rand.Rand, name string, loc validate.Location, br *batchRow) {
	switch name {
	case "unknown_employee":
		br.number = p.unknownNumber(r)
	case "employee_number_7_digits":
		br.number = br.number[:7]
	case "wrong_location":
		other := p.pick(r, p.people)
		for other.LocationCode == loc.Code || other.Status != validate.HRProcessed {
			other = p.pick(r, p.people)
		}
		br.x, br.number = other, other.Number
		for br.reason == "Transferred" { // a transfer may list someone HR has moved
			br.reason = removalReasons[r.IntN(len(removalReasons))]
		}
	case "unknown_reason":
		br.reason = []string{"Vacation", "Jury duty", "Sabbatical"}[r.IntN(3)]
	case "invalid_date":
		br.eff = fmt.Sprintf("%02d/%02d/%d", 2, 30+r.IntN(2), p.asOf.Year())
	case "future_date":
		br.eff = date(p.asOf.AddDate(0, 0, 5+r.IntN(60)))
	}
}

// write sets the cells of table row i.
func (br batchRow) write(v map[string]string, i int) {
	v[forms.RowField(i, "last_name")] = br.x.LastName
	v[forms.RowField(i, "first_name")] = br.x.FirstName
	v[forms.RowField(i, "employee_number")] = br.number
	v[forms.RowField(i, "reason")] = br.reason
	v[forms.RowField(i, "effective_date")] = br.eff
}

// rowsOutcome is a batch's decision when its header is right: rejected,
// with the rows' reasons, when some row is (the good rows still become
// requests), and accepted otherwise.
func rowsOutcome(rows []RowTruth) (string, []string) {
	decision, reasons := Accept, []string(nil)
	for _, row := range rows {
		if row.Decision == Reject {
			decision, reasons = Reject, appendUnique(reasons, row.Reason)
		}
	}
	return decision, reasons
}

func appendUnique(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
}
