package validate

import "github.com/lausd/misis-intake/forms"

// Outcome is what happens to a form.
type Outcome string

// Outcomes.
const (
	Accept Outcome = "accept" // the requests go to the provisioning queues
	Reject Outcome = "reject" // the submitter is told the reasons
	Review Outcome = "review" // a reviewer checks the fields named
)

// Code identifies the rule behind a reason or a review item. Codes are
// stable: they are stored with decisions and counted in reports.
type Code string

// Codes of the rules that reject.
const (
	CodeRevisionRetired      Code = "revision.retired"       // a retired revision of a known form
	CodeRevisionUnknown      Code = "revision.unknown"       // a revision the district never posted
	CodeFieldRequired        Code = "field.required"         // a required field is blank
	CodeEmployeeNumberFormat Code = "employee_number.format" // not exactly 8 digits
	CodeEmployeeUnknown      Code = "employee.unknown"       // not on the HR roster
	CodeEmployeePending      Code = "employee.pending"       // HR record not completely processed
	CodeEmployeeSeparated    Code = "employee.separated"     // has left the district
	CodeEmployeeLocation     Code = "employee.location"      // batch row: not at the batch's location
	CodeRolesNone            Code = "roles.none"             // no role marked
	CodeRolesMarkNotAllowed  Code = "roles.mark_not_allowed" // R on a form that allows only A
	CodeRolesUnknown         Code = "roles.unknown"          // a role not on the revision read
	CodeSignatureMissing     Code = "signature.missing"      // a required signature is absent
	CodeAdminTitle           Code = "admin.title"            // signer not a principal or assistant principal
	CodeEmailDomain          Code = "email.domain"           // not an @lausd.net address
	CodeEmailInvalid         Code = "email.invalid"          // not an e-mail name at all
	CodeDateInvalid          Code = "date.invalid"           // not a real date
	CodeDateFuture           Code = "date.future"            // after today
	CodeDateBeforeRequest    Code = "date.before_request"    // a signature dated before the request
	CodeDateTooOld           Code = "date.too_old"           // request date older than allowed
	CodeITDBlockFilled       Code = "itd_block.filled"       // the MiSiS/ITD Use Only block is not empty
	CodeRemovalReason        Code = "reason.unknown"         // batch row: not one of the printed reasons
	CodeRowsNone             Code = "rows.none"              // batch: no employee listed
)

// Codes of the rules that send a form to review.
const (
	CodeFormUnknown      Code = "form.unknown"         // not one of the district's forms
	CodeRevisionUnsure   Code = "revision.unsure"      // form or revision identified with low confidence
	CodeValueUnsure      Code = "value.unsure"         // a value the machine was not confident of
	CodeValueUnexpected  Code = "value.unexpected"     // a value no rule can judge
	CodeRolesOtherMark   Code = "roles.other_mark"     // a check, cross or scribble in a role box
	CodeEmployeeName     Code = "employee.name"        // name differs from the HR record
	CodeEmployeeTransfer Code = "employee.transferred" // HR places the employee elsewhere
	CodeLocationUnknown  Code = "location.unknown"     // a location code not on the list
	CodeBatchIncomplete  Code = "batch.incomplete"     // batch: some of its pages never arrived
)

// Why says why a field needs a reviewer.
type Why string

// Reasons for review.
const (
	WhyLowConfidence    Why = "low_confidence"    // read without confidence, or not read
	WhyOtherMark        Why = "other_mark"        // a role box holds neither A nor R
	WhyNameMismatch     Why = "name_mismatch"     // the name differs from the roster
	WhyCannotJudge      Why = "cannot_judge"      // a value no rule can judge
	WhyUnknownLocation  Why = "unknown_location"  // the location code is not on the list
	WhyLocationMismatch Why = "location_mismatch" // the roster places the employee elsewhere
	WhyMissingPages     Why = "missing_pages"     // pages of a batch never arrived
)

// Reason is one rule a form or a batch row failed.
type Reason struct {
	Code Code `json:"code"`
	// Field names the field at fault, e.g. "employee_number" or
	// "row03.reason"; empty when the reason is about the whole form.
	Field string `json:"field,omitempty"`
	// Row is the batch row (1-based), 0 for the form itself.
	Row int `json:"row,omitempty"`
	// Message tells the school administrator what was wrong and what to
	// do, without employee numbers or names.
	Message string `json:"message"`
}

// ReviewItem is one field a reviewer must check, and why.
type ReviewItem struct {
	// Field names the field, e.g. "employee_number" or "row03.reason", or
	// is "family" or "revision" when the form's identification is in doubt.
	Field string `json:"field"`
	Row   int    `json:"row,omitempty"`
	Why   Why    `json:"why"`
	Code  Code   `json:"code"`
	// Message tells the reviewer what to look at.
	Message string `json:"message"`
}

// Action is what provisioning does with a request.
type Action string

// Actions. There is no action that removes only some roles: the district
// removes access on paper only by removing it all (seed 000: "this form
// removes ALL access from MiSiS").
const (
	// ActionAdd grants RolesAdd.
	ActionAdd Action = "add"
	// ActionRemoveAll removes every MiSiS role the employee holds, then
	// grants RolesAdd (a form may mark R on some roles and A on others).
	// RolesRemove records the roles the form marked R.
	ActionRemoveAll Action = "remove_all"
)

// Request is one checked access request for the provisioning queue.
type Request struct {
	Action         Action `json:"action"`
	Family         string `json:"family"`
	EmployeeNumber string `json:"employee_number"`
	// FirstName and LastName are the HR roster's spelling.
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	// Email is the user's full address, for the confirmation; AdminEmail
	// the signing administrator's; NotifyEmail the optional extra person.
	Email       string   `json:"email,omitempty"`
	AdminEmail  string   `json:"admin_email,omitempty"`
	NotifyEmail string   `json:"notify_email,omitempty"`
	RolesAdd    []string `json:"roles_add"`
	RolesRemove []string `json:"roles_remove"`
	// Queue is the provisioning queue: "central-office" or "ld-...".
	Queue        string `json:"queue"`
	LocationCode string `json:"location_code"`
	// EndDate is when mirror access ends: the end of the academic year of
	// the request date. Zero for other forms.
	EndDate Date `json:"end_date,omitzero"`
	// Row is the batch row the request came from, 0 for access forms.
	Row int `json:"row,omitempty"`
	// RemovalReason and EffectiveDate come from a batch row.
	RemovalReason string `json:"removal_reason,omitempty"`
	EffectiveDate Date   `json:"effective_date,omitzero"`
}

// RowDecision is the decision on one row of a batch removal form.
type RowDecision struct {
	Row     int          `json:"row"`
	Outcome Outcome      `json:"outcome"`
	Reasons []Reason     `json:"reasons,omitempty"`
	Review  []ReviewItem `json:"review,omitempty"`
	// DuplicateOf is the earlier accepted row listing the same employee;
	// such a row is accepted but yields no request of its own.
	DuplicateOf int `json:"duplicate_of,omitempty"`
}

// Decision is what the rules decided about one form.
//
// For an access form, Requests holds its one request when the Outcome is
// Accept, and nothing otherwise.
//
// A batch removal form is decided row by row, so that a bad row never
// holds back the good ones: every accepted row yields a request whatever
// the Outcome. The Outcome is Reject when the header is rejected (every
// row is then rejected with the header's reasons, and nothing is queued);
// Review while the header or any row waits for a reviewer (rows waiting
// only on the header are marked Review, and nothing is queued until the
// header is settled); Reject when some row was rejected, its reasons in
// Reasons for the submitter; and Accept otherwise. Deciding the same
// Reading again yields the same requests, so the queue can de-duplicate
// them by form and employee number.
//
// When a form has reasons to reject it, it is rejected even if some of its
// values were unsure; Review still lists those values.
type Decision struct {
	Outcome  Outcome       `json:"outcome"`
	Reasons  []Reason      `json:"reasons,omitempty"`
	Review   []ReviewItem  `json:"review,omitempty"`
	Requests []Request     `json:"requests,omitempty"`
	Rows     []RowDecision `json:"rows,omitempty"`
	// Settled lists the values the engine was unsure of that the rules
	// took as read because another source agrees with them.
	Settled []Settled `json:"settled,omitempty"`
}

// Env is what the rules consult.
type Env struct {
	Registry  *forms.Registry
	Roster    Roster
	Locations Locations
	Config    Config
}

// Compile-time checks that the in-memory stores implement the interfaces.
var (
	_ Roster    = (*MemRoster)(nil)
	_ Locations = (*MemLocations)(nil)
)
