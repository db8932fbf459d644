package validate

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lausd/misis-intake/forms"
)

// One function per rule. Each reads the values it judges through j.get,
// which sends a value the machine was unsure of to review instead of
// letting the rule judge it, and reports through j.reject or j.reviewItem.

const (
	employeeNumberLen = 8
	districtDomain    = "lausd.net"
)

// ruleRevision rejects a form whose revision is not the current one: a
// retired revision, or one the district never posted.
func (j *judge) ruleRevision(rev *forms.Revision) {
	cur := j.fam.Current()
	want := "the current revision"
	if cur != nil {
		want = "Rev. " + cur.Stamp
	}
	switch {
	case rev != nil:
		j.reject(CodeRevisionRetired, "revision",
			"Form revision Rev. %s is no longer accepted; please use %s from the MiSiS website.", rev.Stamp, want)
	case strings.TrimSpace(j.reading.Revision) == "":
		j.reject(CodeRevisionUnknown, "revision",
			"The form has no revision stamp (Rev. MM/DD/YYYY), so it is not the form the district posts; please use %s from the MiSiS website.", want)
	default:
		j.reject(CodeRevisionUnknown, "revision",
			"Form revision Rev. %s is not a revision of %q the district has posted; please use %s from the MiSiS website.",
			j.reading.Revision, j.fam.Title, want)
	}
}

// ruleRequired rejects a blank field the form does not mark optional. It
// reads every field that no other rule reads in full (all but role marks,
// signatures and the ITD block), so that an unsure value anywhere on the
// form is reviewed. The date beside a missing signature is not reported
// twice.
func (j *judge) ruleRequired(include func(*forms.Field) bool) {
	for _, f := range j.rev.Fields() {
		if !include(f) || f.Group == "itd" || f.Kind == forms.KindSignature || (f.Kind == forms.KindMark && f.Group == "") {
			continue
		}
		if v, read := j.reading.Values[f.Name]; read && !f.Presence && !j.sure(f.Name) && strings.TrimSpace(v.Text) != "" {
			continue // written but unsure: the rule that judges its text sends it to review, or settles it
		}
		filled, ok := j.filled(f.Name)
		if !ok || filled || f.Optional || f.Group == "notify" || j.signatureMissingFor(f.Name) {
			continue
		}
		j.reject(CodeFieldRequired, f.Name,
			"%s is blank; every field not marked optional is required. Please fill it in and send the form again.", j.label(f.Name))
	}
}

// signatureMissingFor reports whether name is the date of a signature that
// is surely absent.
func (j *judge) signatureMissingFor(name string) bool {
	sig, ok := strings.CutSuffix(name, "_date")
	if !ok {
		return false
	}
	f := j.rev.Field(sig)
	v, read := j.reading.Values[sig]
	return f != nil && f.Kind == forms.KindSignature && read && usable(v) && signatureAbsent(v.Text)
}

func signatureAbsent(text string) bool {
	text = strings.TrimSpace(text)
	return text == forms.Unsigned || text == ""
}

// ruleITDBlock rejects a form whose "MiSiS/ITD Use Only" block is not
// empty: the submitter must leave it to ITD.
func (j *judge) ruleITDBlock() {
	var filled []string
	first := ""
	for _, f := range j.rev.Fields() {
		if f.Group != "itd" {
			continue
		}
		if f.Kind == forms.KindSignature {
			if text, ok := j.get(f.Name); !ok || signatureAbsent(text) {
				continue
			}
		} else if filled, ok := j.filled(f.Name); !ok || !filled {
			continue
		}
		if first == "" {
			first = f.Name
		}
		filled = append(filled, j.label(f.Name))
	}
	if len(filled) > 0 {
		verb := "is"
		if len(filled) > 1 {
			verb = "are"
		}
		j.reject(CodeITDBlockFilled, first,
			"The \"MiSiS/ITD Use Only\" block must be left empty, but %s %s filled in; please send the form again with that block blank.",
			strings.Join(filled, " and "), verb)
	}
}

// ruleRoles judges the role marks and returns the roles to add and to
// remove, by the names printed on the revision read. At least one role
// must be marked; each mark must be one the revision allows; a role box
// holding another mark goes to review. It also rejects marks read for
// roles the revision does not print.
func (j *judge) ruleRoles() (add, remove []string) {
	complete := true // every role box was read and judged
	bad := false     // a mark was rejected
	for _, f := range j.rev.Fields() {
		if f.Kind != forms.KindMark || f.Group != "" {
			continue
		}
		text, ok := j.get(f.Name)
		if !ok {
			complete = false
			continue
		}
		mark := strings.ToUpper(text)
		switch {
		case text == forms.MarkBlank:
		case strings.EqualFold(text, forms.MarkOther):
			complete = false
			j.reviewItem(f.Name, WhyOtherMark, CodeRolesOtherMark, fmt.Sprintf(
				"The box for %q holds a mark that is neither A nor R (a check, a cross or a scribble); decide what the submitter meant.", f.Role))
		case mark != forms.MarkAdd && mark != forms.MarkRem:
			complete = false
			j.reviewItem(f.Name, WhyCannotJudge, CodeValueUnexpected, fmt.Sprintf(
				"The box for %q holds %q, which is not a mark this rule can judge; check it against the image.", f.Role, text))
		case !j.rev.Allows(mark):
			bad = true
			j.reject(CodeRolesMarkNotAllowed, f.Name,
				"The role %q is marked %s, but this form only accepts %s; to remove access, use the MiSiS Access Request Form for School-Based Personnel or for Local District & Central Office Staff.",
				f.Role, mark, marksAllowed(j.rev.Marks))
		case mark == forms.MarkAdd:
			add = append(add, f.Role)
		default:
			remove = append(remove, f.Role)
		}
	}
	for _, name := range sortedKeys(j.reading.Values) {
		slug, isRole := strings.CutPrefix(name, "role.")
		if !isRole || j.rev.Field(name) != nil {
			continue
		}
		v := j.reading.Values[name]
		if strings.TrimSpace(v.Text) == "" {
			continue
		}
		if !usable(v) {
			j.get(name)
			complete = false
			continue
		}
		bad = true
		j.reject(CodeRolesUnknown, name,
			"The role %q is not on this form (Rev. %s); mark only the roles printed on the form.", roleName(slug), j.rev.Stamp)
	}
	if complete && !bad && len(add)+len(remove) == 0 {
		how := "put an A beside each role to add"
		if j.rev.Allows(forms.MarkRem) {
			how += ", or an R beside each role to remove,"
		}
		j.reject(CodeRolesNone, "", "No user role is marked; %s and send the form again.", how)
	}
	return add, remove
}

func marksAllowed(marks string) string {
	if marks == forms.MarkAdd {
		return "A (add)"
	}
	return "A (add) and R (remove)"
}

// roleName turns a role field's slug into a readable name.
func roleName(slug string) string {
	words := strings.Split(slug, "_")
	for i, w := range words {
		words[i] = upper(w)
	}
	return strings.Join(words, " ")
}

// ruleSignatures rejects a form missing a signature its family requires.
// A signature box read as anything but signed or unsigned is reviewed.
func (j *judge) ruleSignatures(include func(*forms.Field) bool) {
	required := map[string]bool{}
	for _, s := range j.fam.Signatures {
		required[s] = true
	}
	for _, f := range j.rev.Fields() {
		if f.Kind != forms.KindSignature || f.Group == "itd" || !include(f) {
			continue
		}
		text, ok := j.get(f.Name)
		switch {
		case !ok || text == forms.Signed:
		case signatureAbsent(text):
			if required[f.Name] {
				j.reject(CodeSignatureMissing, f.Name,
					"%s is missing; the form must be signed before it can be processed.", j.label(f.Name))
			}
		default:
			j.reviewItem(f.Name, WhyCannotJudge, CodeValueUnexpected, fmt.Sprintf(
				"%s was read as %q, neither signed nor unsigned; check it against the image.", upper(j.label(f.Name)), text))
		}
	}
}

// ruleAdminTitle rejects a form signed by someone other than the
// administrators its family names (principal or assistant principal).
func (j *judge) ruleAdminTitle() {
	name := j.fam.AdminTitleField
	if len(j.fam.AdminTitles) == 0 || name == "" || j.rev.Field(name) == nil {
		return
	}
	text, ok := j.get(name)
	if !ok || text == "" || TitleAllowed(text, j.fam.AdminTitles) {
		return
	}
	j.reject(CodeAdminTitle, name,
		"The form must be signed by a %s, but %s is %q; please have one of them sign it and send it again.",
		orList(j.fam.AdminTitles), j.label(name), text)
}

func orList(titles []string) string {
	low := make([]string, len(titles))
	for i, t := range titles {
		low[i] = strings.ToLower(t)
	}
	switch len(low) {
	case 1:
		return low[0]
	case 2:
		return low[0] + " or " + low[1]
	}
	return strings.Join(low[:len(low)-1], ", ") + " or " + low[len(low)-1]
}

// ruleEmails rejects an e-mail address outside the district's domain, or
// one that is not an address at all. The form prints "@lausd.net", so the
// field holds the part before it; a full address is accepted only in the
// district's domain.
func (j *judge) ruleEmails(include func(*forms.Field) bool) {
	for _, f := range j.rev.Fields() {
		if f.Kind != forms.KindEmail || !include(f) {
			continue
		}
		text, ok := j.get(f.Name)
		if !ok || text == "" {
			continue
		}
		local := text
		if at := strings.LastIndex(text, "@"); at >= 0 {
			if !strings.EqualFold(strings.TrimSpace(text[at+1:]), districtDomain) {
				j.reject(CodeEmailDomain, f.Name,
					"%s must be an @lausd.net address; please give the district e-mail address.", j.label(f.Name))
				continue
			}
			local = strings.TrimSpace(text[:at])
		}
		if !emailLocalValid(local) {
			j.reject(CodeEmailInvalid, f.Name,
				"%s is not a valid e-mail name; write only the part before the printed @lausd.net.", j.label(f.Name))
		}
	}
}

// emailLocalValid reports whether s can be the part of an address before
// the @: letters, digits and . _ - + ' with no dot at either end or twice
// in a row.
func emailLocalValid(s string) bool {
	if s == "" || len(s) > 64 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-+'", r)) {
			return false
		}
	}
	return true
}

// ruleDates judges every date field.
func (j *judge) ruleDates(include func(*forms.Field) bool) {
	for _, f := range j.rev.Fields() {
		if f.Kind == forms.KindDate && include(f) {
			j.ruleDate(f.Name)
		}
	}
}

// ruleDate rejects a date that is not a real day or lies after today. It
// returns the date and true when it is a real day no later than today.
func (j *judge) ruleDate(name string) (Date, bool) {
	text, ok := j.get(name)
	if !ok || text == "" {
		return Date{}, false
	}
	d, err := ParseDate(text)
	if err != nil {
		j.reject(CodeDateInvalid, name, "%s (%q) is not a real date; please write it as MM/DD/YYYY.", j.label(name), text)
		return Date{}, false
	}
	if d.After(j.today) {
		if _, col, _ := forms.SplitRowField(name); col == colEffectiveDate {
			j.reject(CodeDateFuture, name, "%s (%s) is in the future; please list the employee again once the removal has taken effect.", j.label(name), d)
		} else {
			j.reject(CodeDateFuture, name, "%s (%s) is in the future; a form can only be dated on or before the day it is sent.", j.label(name), d)
		}
		return Date{}, false
	}
	j.dates[name] = d
	return d, true
}

// ruleRequestAge rejects a request dated longer ago than the allowed age.
func (j *judge) ruleRequestAge() {
	d, ok := j.dates["request_date"]
	if !ok || j.cfg.MaxRequestAgeDays < 0 {
		return
	}
	if j.today.DaysSince(d) > j.cfg.MaxRequestAgeDays {
		j.reject(CodeDateTooOld, "request_date",
			"The request date (%s) is more than %d days ago; please send a new form with a current date.", d, j.cfg.MaxRequestAgeDays)
	}
}

// ruleSignedAfterRequest rejects a signature dated before the request.
func (j *judge) ruleSignedAfterRequest() {
	req, ok := j.dates["request_date"]
	if !ok {
		return
	}
	for _, f := range j.rev.Fields() {
		if f.Kind != forms.KindDate || !strings.HasSuffix(f.Name, "_signature_date") {
			continue
		}
		if d, ok := j.dates[f.Name]; ok && d.Before(req) {
			j.reject(CodeDateBeforeRequest, f.Name,
				"%s (%s) is before the request date (%s); a form cannot be signed before it is requested. Please correct the dates.",
				j.label(f.Name), d, req)
		}
	}
}

// ruleEmployee judges the access form's employee: see ruleEmployeeAt.
func (j *judge) ruleEmployee(adding bool) (Employee, bool) {
	return j.ruleEmployeeAt("employee_number", "first_name", "last_name", adding)
}

// ruleEmployeeAt judges an employee number and the name beside it. The
// number must be exactly 8 digits and on the HR roster; when access is to
// be granted (adding), the HR record must be completely processed. A name
// that differs from the roster's beyond OCR noise goes to review, unless a
// reviewer set it. It returns the roster's employee and whether one was
// found.
func (j *judge) ruleEmployeeAt(numberField, firstField, lastField string, adding bool) (Employee, bool) {
	text, ok := j.get(numberField)
	if !ok || text == "" {
		return Employee{}, false
	}
	number := strings.Join(strings.Fields(text), "")
	if !isDigits(number, employeeNumberLen) {
		if strings.Trim(number, "0123456789") != "" {
			j.reject(CodeEmployeeNumberFormat, numberField,
				"%s must be exactly %d digits, but it holds other characters; please write the 8-digit employee number.", j.label(numberField), employeeNumberLen)
		} else {
			j.reject(CodeEmployeeNumberFormat, numberField,
				"%s must be exactly %d digits, but it has %d; please write the 8-digit employee number.", j.label(numberField), employeeNumberLen, len(number))
		}
		return Employee{}, false
	}
	e, found := j.employee(number)
	if j.err != nil {
		return Employee{}, false
	}
	if !found {
		j.reject(CodeEmployeeUnknown, numberField,
			"%s is not in the district's HR records; please check the number and send the form again.", j.label(numberField))
		return Employee{}, false
	}
	if adding {
		switch e.Status {
		case HRPending:
			j.reject(CodeEmployeePending, numberField,
				"The employee's HR record is not yet completely processed; access can be granted only once all pending HR issues are resolved.")
		case HRSeparated:
			j.reject(CodeEmployeeSeparated, numberField,
				"HR records show that the employee has left the district; access cannot be granted.")
		}
	}
	for _, c := range []struct{ field, want string }{{firstField, e.FirstName}, {lastField, e.LastName}} {
		text, ok := j.get(c.field)
		if !ok || text == "" || j.byReviewer(c.field) || NamesMatch(text, c.want) {
			continue
		}
		j.reviewItem(c.field, WhyNameMismatch, CodeEmployeeName, fmt.Sprintf(
			"%s does not match the HR record for this employee number; check the name and the number.", upper(j.label(c.field))))
	}
	return e, true
}

// ruleLocation looks the location code up. An unknown code goes to
// review: the code decides the queue, and a reviewer can read it again.
func (j *judge) ruleLocation(name string) (Location, bool) {
	text, ok := j.get(name)
	if !ok || text == "" {
		return Location{}, false
	}
	code := strings.Join(strings.Fields(text), "")
	l, found, err := j.env.Locations.Location(j.ctx, code)
	if err != nil {
		j.lookupFailed("location", err)
		return Location{}, false
	}
	if !found {
		j.reviewItem(name, WhyUnknownLocation, CodeLocationUnknown, fmt.Sprintf(
			"Location code %s is not on the district's list of locations; check it against the school or office name.", code))
		return Location{}, false
	}
	return l, true
}

// ruleTransfer sends to review a form granting access at a location other
// than the one HR records for the employee: access is never carried over
// after a transfer, yet HR may lag behind a real move, so a person
// decides. A reviewer confirms the location by setting it.
func (j *judge) ruleTransfer(e Employee) {
	text, ok := j.get("location_code")
	code := strings.Join(strings.Fields(text), "")
	if !ok || code == "" || code == e.LocationCode || j.byReviewer("location_code") {
		return
	}
	j.reviewItem("location_code", WhyLocationMismatch, CodeEmployeeTransfer, fmt.Sprintf(
		"HR records place the employee at location %s, not %s, and access is never carried over after a transfer; confirm that the employee now works at %s, or reject the form.",
		e.LocationCode, code, code))
}

// ruleRemovalReason rejects a batch row whose reason is not one printed on
// the form. It returns the printed reason.
func (j *judge) ruleRemovalReason(name string) (string, bool) {
	text, ok := j.get(name)
	if !ok || text == "" {
		return "", false
	}
	r, ok := MatchRemovalReason(text)
	if !ok {
		j.reject(CodeRemovalReason, name,
			"The reason %q is not one of Retired, Transferred, Left the district or Changed assignment; please write one of those.", text)
	}
	return r, ok
}

// ruleSameLocation rejects a batch row for an employee whom HR places at
// another location than the batch's: a school removes its own staff.
func (j *judge) ruleSameLocation(e Employee, numberField string) {
	code := strings.Join(strings.Fields(j.text("location_code")), "")
	if !j.sure("location_code") || code == "" || code == e.LocationCode {
		return
	}
	j.reject(CodeEmployeeLocation, numberField,
		"HR records do not place this employee at location %s; list only former staff of this school or office (an employee who transferred away is listed with the reason Transferred).", code)
}

// Readable names of fields, used in messages.
var fieldLabels = map[string]string{
	"request_date":        "the request date",
	"first_name":          "the first name",
	"middle_initial":      "the middle initial",
	"last_name":           "the last name",
	"title":               "the title",
	"employee_number":     "the employee number",
	"email":               "the user's e-mail",
	"phone":               "the phone number",
	"phone_ext":           "the phone extension",
	"school_name":         "the school/office name",
	"location_code":       "the location code",
	"user_signature":      "the user's signature",
	"user_signature_date": "the date beside the user's signature",
	"notify_name":         "the name in the notification block",
	"notify_title":        "the title in the notification block",
	"notify_email":        "the e-mail in the notification block",
	"page_number":         "the page number (Page _ of _)",
	"page_count":          "the page count (Page _ of _)",
}

var cellLabels = map[string]string{
	colLastName:      "the last name",
	colFirstName:     "the first name",
	colEmployee:      "the employee number",
	colReason:        "the reason",
	colEffectiveDate: "the effective date",
}

// label names a field in words a school administrator knows.
func (j *judge) label(name string) string {
	if _, col, ok := forms.SplitRowField(name); ok {
		if l, ok := cellLabels[col]; ok {
			return l
		}
		return fmt.Sprintf("the %q column", col)
	}
	if l, ok := fieldLabels[name]; ok {
		return l
	}
	if what, ok := strings.CutPrefix(name, "admin_"); ok {
		noun := j.adminNoun()
		switch what {
		case "signature":
			return "the " + noun + "'s signature"
		case "signature_date":
			return "the date beside the " + noun + "'s signature"
		case "title":
			return "the " + noun + "'s job title"
		case "name":
			return "the " + noun + "'s full name"
		case "email":
			return "the " + noun + "'s e-mail"
		}
	}
	var f *forms.Field
	if j.rev != nil {
		f = j.rev.Field(name)
	}
	switch {
	case f != nil && f.Kind == forms.KindMark && f.Role != "":
		return fmt.Sprintf("the box for %q", f.Role)
	case f != nil && strings.Trim(f.Label, " :-") != "":
		return fmt.Sprintf("%q", strings.Trim(f.Label, " :-"))
	}
	return fmt.Sprintf("%q", name)
}

// adminNoun names the signing administrator as the form does: "site
// administrator", "authorizing administrator" or "administrator".
func (j *judge) adminNoun() string {
	if j.rev != nil {
		if f := j.rev.Field("admin_signature"); f != nil {
			if noun, ok := strings.CutSuffix(strings.TrimSpace(f.Label), "'s signature"); ok && noun != "" {
				return lower(noun)
			}
		}
	}
	return "administrator"
}

func upper(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lower(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func sortedKeys(m map[string]forms.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// revisionName names a revision as printed, "Rev. MM/DD/YYYY".
func revisionName(stamp string) string {
	if strings.TrimSpace(stamp) == "" {
		return "with no revision stamp"
	}
	return "Rev. " + stamp
}
