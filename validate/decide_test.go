package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
)

var update = flag.Bool("update", false, "rewrite testdata/reasons.golden")

type decideCase struct {
	name string
	// form builds the reading from the test registry.
	form func(reg *forms.Registry) form
	// config, when set, adjusts the Env's Config.
	config  func(*Config)
	outcome Outcome
	// reasons are the codes expected, in order; review the fields and
	// whys expected, as "field why".
	reasons []Code
	review  []string
	// check, when set, checks the requests and rows.
	check func(t *testing.T, d Decision)
}

func mirror(reg *forms.Registry) form {
	return accessForm(reg, "school-mirror", map[string]string{"Counselor": "A", "School Full Read": "A"})
}

func personnel(reg *forms.Registry) form {
	return accessForm(reg, "school-personnel", map[string]string{"Counselor": "A"})
}

func district(reg *forms.Registry) form {
	return accessForm(reg, "district-staff", map[string]string{"Enrollment Specialist": "A"}).
		set("employee_number", "10000004").set("first_name", "Ji").set("last_name", "Kim").
		set("location_code", "9501").set("school_name", "Information Technology Division").
		set("admin_title", "Director")
}

// daysAgo returns the date n days before the test's today.
func daysAgo(n int) string { return DateOf(testNow).AddDays(-n).String() }

var accessCases = []decideCase{
	{
		name: "mirror form, complete and valid", form: mirror, outcome: Accept,
		check: func(t *testing.T, d Decision) {
			want := Request{Action: ActionAdd, Family: "school-mirror", EmployeeNumber: "10000001", FirstName: "Maria", LastName: "Garcia",
				Email: "maria.garcia@lausd.net", AdminEmail: "declan.obrien@lausd.net",
				RolesAdd: []string{"Counselor", "School Full Read"}, RolesRemove: []string{},
				Queue: "ld-east", LocationCode: "1867", EndDate: Date{2027, time.June, 30}}
			wantRequests(t, d, want)
		},
	},
	{
		name: "personnel form adding one role", form: personnel, outcome: Accept,
		check: func(t *testing.T, d Decision) {
			want := Request{Action: ActionAdd, Family: "school-personnel", EmployeeNumber: "10000001", FirstName: "Maria", LastName: "Garcia",
				Email: "maria.garcia@lausd.net", AdminEmail: "declan.obrien@lausd.net",
				RolesAdd: []string{"Counselor"}, RolesRemove: []string{}, Queue: "ld-east", LocationCode: "1867"}
			wantRequests(t, d, want)
		},
	},
	{
		name: "district form with A and R marks removes all access, then adds",
		form: func(reg *forms.Registry) form {
			return district(reg).set("role.help_desk_support", "R").set("role.central_office_full_read", "R").
				set("notify_name", "Kofi Mensah").set("notify_email", "kofi.mensah@LAUSD.NET")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			want := Request{Action: ActionRemoveAll, Family: "district-staff", EmployeeNumber: "10000004", FirstName: "Ji", LastName: "Kim",
				Email: "maria.garcia@lausd.net", AdminEmail: "declan.obrien@lausd.net", NotifyEmail: "kofi.mensah@LAUSD.NET",
				RolesAdd: []string{"Enrollment Specialist"}, RolesRemove: []string{"Central Office Full Read", "Help Desk Support"},
				Queue: "central-office", LocationCode: "9501"}
			wantRequests(t, d, want)
		},
	},
	{
		name: "district form routed to a Local District's queue",
		form: func(reg *forms.Registry) form {
			return district(reg).set("employee_number", "10000007").set("first_name", "Rosa").set("last_name", "De La Cruz").
				set("location_code", "9101")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 1 || d.Requests[0].Queue != "ld-west" {
				t.Errorf("requests = %+v, want one to ld-west", d.Requests)
			}
		},
	},

	// Revision: rejected at once, whatever else the form says.
	{
		name: "retired mirror revision rejected at once despite other problems",
		form: func(reg *forms.Registry) form {
			f := mirror(reg).set("employee_number", "1234").set("user_signature", forms.Unsigned).set("title", "")
			f.Revision = "09/01/2020"
			return f
		},
		outcome: Reject, reasons: []Code{CodeRevisionRetired},
	},
	{
		name: "retired personnel revision with unsure values still rejected",
		form: func(reg *forms.Registry) form {
			f := personnel(reg).unsure("employee_number")
			f.Revision = "01/10/2020"
			return f
		},
		outcome: Reject, reasons: []Code{CodeRevisionRetired},
	},
	{
		name: "revision the district never posted",
		form: func(reg *forms.Registry) form {
			f := personnel(reg)
			f.Revision, f.Known = "03/03/2021", false
			return f
		},
		outcome: Reject, reasons: []Code{CodeRevisionUnknown},
	},
	{
		name: "revision stamp not found on the form",
		form: func(reg *forms.Registry) form {
			f := personnel(reg)
			f.Revision, f.Known = "", false
			return f
		},
		outcome: Reject, reasons: []Code{CodeRevisionUnknown},
	},
	{
		name: "retired revision identified with low confidence goes to review",
		form: func(reg *forms.Registry) form {
			f := mirror(reg)
			f.Revision, f.Confidence = "09/01/2020", 0.79
			return f
		},
		outcome: Review, review: []string{"revision low_confidence"},
	},
	{
		name: "retired revision at exactly the confidence threshold is rejected",
		form: func(reg *forms.Registry) form {
			f := mirror(reg)
			f.Revision, f.Confidence = "09/01/2020", 0.8
			return f
		},
		outcome: Reject, reasons: []Code{CodeRevisionRetired},
	},
	{
		name: "current revision identified with low confidence goes to review",
		form: func(reg *forms.Registry) form {
			f := mirror(reg)
			f.Confidence = 0.5
			return f
		},
		outcome: Review, review: []string{"revision low_confidence"},
	},
	{
		name: "identification threshold is configurable",
		form: func(reg *forms.Registry) form {
			f := mirror(reg)
			f.Confidence = 0.85
			return f
		},
		config:  func(c *Config) { c.MinIdentifyConfidence = 0.9 },
		outcome: Review, review: []string{"revision low_confidence"},
	},
	{
		name: "document that is none of the district's forms",
		form: func(reg *forms.Registry) form {
			f := mirror(reg)
			f.Family, f.Known = "", false
			return f
		},
		outcome: Review, review: []string{"family cannot_judge"},
	},

	// Required fields.
	{
		name:    "blank title is required",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("title", "") },
		outcome: Reject, reasons: []Code{CodeFieldRequired},
	},
	{
		name:    "blank employee number is required",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("employee_number", "") },
		outcome: Reject, reasons: []Code{CodeFieldRequired},
	},
	{
		name: "optional fields and the notification block may be blank",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("middle_initial", "").set("phone_ext", "").set("notify_name", "").set("notify_email", "")
		},
		outcome: Accept,
	},
	{
		name: "several blank fields give several reasons",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("phone", "").set("school_name", "").set("admin_name", "")
		},
		outcome: Reject, reasons: []Code{CodeFieldRequired, CodeFieldRequired, CodeFieldRequired},
	},

	// Employee number: both sides of 8 digits.
	{
		name:    "employee number of 7 digits",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("employee_number", "1000000") },
		outcome: Reject, reasons: []Code{CodeEmployeeNumberFormat},
	},
	{
		name:    "employee number of 9 digits",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("employee_number", "100000011") },
		outcome: Reject, reasons: []Code{CodeEmployeeNumberFormat},
	},
	{
		name:    "employee number of 8 digits written with a space",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("employee_number", "1000 0001") },
		outcome: Accept,
	},
	{
		name:    "employee number with a letter",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("employee_number", "1000O001") },
		outcome: Reject, reasons: []Code{CodeEmployeeNumberFormat},
	},

	// HR roster.
	{
		name:    "employee number not on the roster",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("employee_number", "99999999") },
		outcome: Reject, reasons: []Code{CodeEmployeeUnknown},
	},
	{
		name: "employee with pending HR record",
		form: func(reg *forms.Registry) form {
			return personnel(reg).set("employee_number", "10000002").set("first_name", "Tuan").set("last_name", "Nguyen")
		},
		outcome: Reject, reasons: []Code{CodeEmployeePending},
	},
	{
		name: "separated employee",
		form: func(reg *forms.Registry) form {
			return personnel(reg).set("employee_number", "10000003").set("first_name", "Ngozi").set("last_name", "Okafor")
		},
		outcome: Reject, reasons: []Code{CodeEmployeeSeparated},
	},
	{
		name: "removing access of a separated employee is allowed",
		form: func(reg *forms.Registry) form {
			return personnel(reg).set("employee_number", "10000003").set("first_name", "Ngozi").set("last_name", "Okafor").
				set("role.counselor", "").set("role.office_manager", "R")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 1 || d.Requests[0].Action != ActionRemoveAll || !slices.Equal(d.Requests[0].RolesRemove, []string{"Office Manager"}) {
				t.Errorf("requests = %+v, want one remove_all of Office Manager", d.Requests)
			}
		},
	},
	{
		name: "name within OCR noise of the roster",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("first_name", "MARlA").set("last_name", "Garcai")
		},
		outcome: Accept,
	},
	{
		name: "hyphen, apostrophe and case do not matter in names",
		form: func(reg *forms.Registry) form {
			return district(reg).set("employee_number", "10000007").set("first_name", "rosa").set("last_name", "Dela-Cruz").
				set("location_code", "9101")
		},
		outcome: Accept,
	},
	{
		name:    "name that differs from the roster goes to review",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("last_name", "Gonzalez") },
		outcome: Review, review: []string{"last_name name_mismatch"},
	},
	{
		name:    "name a reviewer confirmed is not reviewed again",
		form:    func(reg *forms.Registry) form { return mirror(reg).reviewed("last_name", "Garcia Lopez") },
		outcome: Accept,
	},

	// Transfers.
	{
		name: "adding roles at a location HR does not record goes to review",
		form: func(reg *forms.Registry) form {
			return personnel(reg).set("location_code", "2411").set("school_name", "Chatsworth Park Elementary")
		},
		outcome: Review, review: []string{"location_code location_mismatch"},
	},
	{
		name:    "district staff adding roles at another location goes to review",
		form:    func(reg *forms.Registry) form { return district(reg).set("location_code", "9101") },
		outcome: Review, review: []string{"location_code location_mismatch"},
	},
	{
		name: "a location a reviewer confirmed is accepted",
		form: func(reg *forms.Registry) form {
			return personnel(reg).reviewed("location_code", "2411").set("school_name", "Chatsworth Park Elementary")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 1 || d.Requests[0].Queue != "ld-northwest" || d.Requests[0].LocationCode != "2411" {
				t.Errorf("requests = %+v, want one to ld-northwest for 2411", d.Requests)
			}
		},
	},
	{
		name:    "mirror access at a school other than the employee's is normal",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("location_code", "2411") },
		outcome: Accept,
	},
	{
		name: "removal from the previous school after a transfer is accepted",
		form: func(reg *forms.Registry) form {
			return personnel(reg).set("location_code", "2411").set("role.counselor", "R")
		},
		outcome: Accept,
	},

	// Locations.
	{
		name:    "unknown location code goes to review",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("location_code", "4444") },
		outcome: Review, review: []string{"location_code unknown_location"},
	},
	{
		name:    "unknown location a reviewer set is still reviewed",
		form:    func(reg *forms.Registry) form { return mirror(reg).reviewed("location_code", "4444") },
		outcome: Review, review: []string{"location_code unknown_location"},
	},

	// Roles.
	{
		name:    "no role marked",
		form:    func(reg *forms.Registry) form { return accessForm(reg, "school-mirror", nil) },
		outcome: Reject, reasons: []Code{CodeRolesNone},
	},
	{
		name:    "no role marked on a form allowing A and R",
		form:    func(reg *forms.Registry) form { return accessForm(reg, "district-staff", nil) },
		outcome: Reject, reasons: []Code{CodeRolesNone},
	},
	{
		name:    "R on the mirror form, which allows only A",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("role.principal", "R") },
		outcome: Reject, reasons: []Code{CodeRolesMarkNotAllowed},
	},
	{
		name: "only an R on the mirror form is not reported as no role",
		form: func(reg *forms.Registry) form {
			return accessForm(reg, "school-mirror", map[string]string{"Principal": "R"})
		},
		outcome: Reject, reasons: []Code{CodeRolesMarkNotAllowed},
	},
	{
		name: "role from a retired revision marked on the current one",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("role.special_education_service_provider", "A")
		},
		outcome: Reject, reasons: []Code{CodeRolesUnknown},
	},
	{
		name: "an unsure mark for a role not on the revision is reviewed",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("role.special_education_service_provider", "A").unsure("role.special_education_service_provider")
		},
		outcome: Review, review: []string{"role.special_education_service_provider low_confidence"},
	},
	{
		name: "lower-case marks are read as A and R",
		form: func(reg *forms.Registry) form {
			return personnel(reg).set("role.counselor", "a").set("role.principal", "r")
		},
		outcome: Accept,
	},
	{
		name:    "a check mark in a role box goes to review",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("role.principal", forms.MarkOther) },
		outcome: Review, review: []string{"role.principal other_mark"},
	},
	{
		name: "the only mark being another mark is reviewed, not rejected as no role",
		form: func(reg *forms.Registry) form {
			return accessForm(reg, "school-mirror", map[string]string{"Principal": forms.MarkOther})
		},
		outcome: Review, review: []string{"role.principal other_mark"},
	},
	{
		name:    "a role box holding a value no rule can judge",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("role.principal", "X") },
		outcome: Review, review: []string{"role.principal cannot_judge"},
	},
	{
		name:    "an unsure blank role box with no other role marked is reviewed",
		form:    func(reg *forms.Registry) form { return accessForm(reg, "school-mirror", nil).unsure("role.counselor") },
		outcome: Review, review: []string{"role.counselor low_confidence"},
	},

	// Signatures and the administrator.
	{
		name: "user signature missing; its blank date is not reported twice",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("user_signature", forms.Unsigned).set("user_signature_date", "")
		},
		outcome: Reject, reasons: []Code{CodeSignatureMissing},
	},
	{
		name:    "administrator signature missing",
		form:    func(reg *forms.Registry) form { return district(reg).set("admin_signature", forms.Unsigned) },
		outcome: Reject, reasons: []Code{CodeSignatureMissing},
	},
	{
		name:    "signature read as neither signed nor unsigned",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("user_signature", "smudge") },
		outcome: Review, review: []string{"user_signature cannot_judge"},
	},
	{
		name:    "site administrator who is not a principal",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("admin_title", "Office Manager") },
		outcome: Reject, reasons: []Code{CodeAdminTitle},
	},
	{
		name:    "assistant principal abbreviated",
		form:    func(reg *forms.Registry) form { return personnel(reg).set("admin_title", "Asst. Principal") },
		outcome: Accept,
	},
	{
		name:    "principal misspelt within OCR noise",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("admin_title", "Prinicpal") },
		outcome: Accept,
	},
	{
		name:    "district form's authorising administrator may hold any title",
		form:    func(reg *forms.Registry) form { return district(reg).set("admin_title", "Director") },
		outcome: Accept,
	},

	// E-mail.
	{
		name:    "user e-mail outside the district",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("email", "maria.garcia@gmail.com") },
		outcome: Reject, reasons: []Code{CodeEmailDomain},
	},
	{
		name:    "full district address written in the box",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("email", "maria.garcia@lausd.net") },
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 1 || d.Requests[0].Email != "maria.garcia@lausd.net" {
				t.Errorf("requests = %+v, want e-mail maria.garcia@lausd.net", d.Requests)
			}
		},
	},
	{
		name:    "administrator e-mail that is no address",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("admin_email", "declan obrien") },
		outcome: Reject, reasons: []Code{CodeEmailInvalid},
	},
	{
		name:    "notification e-mail outside the district",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("notify_email", "kofi@yahoo.com") },
		outcome: Reject, reasons: []Code{CodeEmailDomain},
	},

	// Dates: real, not in the future, signatures not before the request,
	// request not older than allowed.
	{
		name:    "request date that is not a real date",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("request_date", "02/30/2026") },
		outcome: Reject, reasons: []Code{CodeDateInvalid},
	},
	{
		name:    "request date in words",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("request_date", "Nov 20") },
		outcome: Reject, reasons: []Code{CodeDateInvalid},
	},
	{
		name: "every date today",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", today).set("user_signature_date", today).set("admin_signature_date", today)
		},
		outcome: Accept,
	},
	{
		name: "request date tomorrow",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", "11/24/2026").set("user_signature_date", "11/24/2026").set("admin_signature_date", today)
		},
		outcome: Reject, reasons: []Code{CodeDateFuture, CodeDateFuture},
	},
	{
		name:    "administrator signature dated tomorrow",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("admin_signature_date", "11/24/2026") },
		outcome: Reject, reasons: []Code{CodeDateFuture},
	},
	{
		name:    "user signed the day before the request date",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("user_signature_date", "11/19/2026") },
		outcome: Reject, reasons: []Code{CodeDateBeforeRequest},
	},
	{
		name: "user signed on the request date",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("user_signature_date", "11/20/2026").set("admin_signature_date", "11/20/2026")
		},
		outcome: Accept,
	},
	{
		name: "request date exactly 90 days old",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", daysAgo(90)).set("user_signature_date", daysAgo(90))
		},
		outcome: Accept,
	},
	{
		name: "request date 91 days old",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", daysAgo(91)).set("user_signature_date", daysAgo(91))
		},
		outcome: Reject, reasons: []Code{CodeDateTooOld},
	},
	{
		name: "request age limit is configurable",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", daysAgo(31)).set("user_signature_date", daysAgo(31))
		},
		config:  func(c *Config) { c.MaxRequestAgeDays = 30 },
		outcome: Reject, reasons: []Code{CodeDateTooOld},
	},
	{
		name: "request age limit can be turned off",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", "01/05/2024").set("user_signature_date", "01/05/2024")
		},
		config:  func(c *Config) { c.MaxRequestAgeDays = -1 },
		outcome: Accept,
	},

	// Mirror access ends with the academic year of the request date.
	{
		name: "mirror request on the last day of the academic year ends that day",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", "06/30/2026").set("user_signature_date", "06/30/2026").set("admin_signature_date", "06/30/2026")
		},
		config:  func(c *Config) { c.MaxRequestAgeDays = -1 },
		outcome: Accept,
		check:   wantEndDate(Date{2026, time.June, 30}),
	},
	{
		name: "mirror request on the day after ends a year later",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", "07/01/2026").set("user_signature_date", "07/01/2026").set("admin_signature_date", "07/01/2026")
		},
		config:  func(c *Config) { c.MaxRequestAgeDays = -1 },
		outcome: Accept,
		check:   wantEndDate(Date{2027, time.June, 30}),
	},
	{
		name:    "academic year end is configurable",
		form:    mirror,
		config:  func(c *Config) { c.YearEndMonth, c.YearEndDay = time.August, 15 },
		outcome: Accept,
		check:   wantEndDate(Date{2027, time.August, 15}),
	},

	// The MiSiS/ITD Use Only block.
	{
		name:    "ITD block approved by the submitter",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("itd_approved", "A") },
		outcome: Reject, reasons: []Code{CodeITDBlockFilled},
	},
	{
		name: "ITD block with several fields filled gives one reason",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("itd_misis", "JS").set("itd_misis_date", "11/20/2026")
		},
		outcome: Reject, reasons: []Code{CodeITDBlockFilled},
	},

	// Unsure values are never rejected; reviewers' values are judged.
	{
		name: "unsure employee number of 7 digits goes to review, not rejected",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("employee_number", "1000000").unsure("employee_number")
		},
		outcome: Review, review: []string{"employee_number low_confidence"},
	},
	{
		name: "unsure text of a presence field with confident ink counts as filled in",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("phone", "2l3-555-O147").unsure("phone").inked("phone", 0.99).
				set("school_name", "Roosevlt Hgh").unsure("school_name").inked("school_name", 0.96)
		},
		outcome: Accept,
	},
	{
		name: "unsure presence field with doubtful ink goes to review",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("phone", "2").unsure("phone").inked("phone", 0.6)
		},
		outcome: Review, review: []string{"phone low_confidence"},
	},
	{
		name: "unsure value of a field whose text is judged is reviewed however sure its ink",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("email", "mgarcia7").unsure("email").inked("email", 0.99)
		},
		outcome: Review, review: []string{"email low_confidence"},
	},
	{
		name: "an unsure e-mail made from the roster's name for the employee is settled",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("email", "maria.garcia").unsure("email")
		},
		outcome: Accept,
		check:   func(t *testing.T, d Decision) { wantSettled(t, d, "email by name") },
	},
	{
		name: "an unsure administrator's e-mail made from the hyphenated name written beside it is settled",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_name", "Ana Garcia-Lopez").set("admin_email", "agarcialopez").unsure("admin_email")
		},
		outcome: Accept,
		check:   func(t *testing.T, d Decision) { wantSettled(t, d, "admin_email by name") },
	},
	{
		name: "an unsure e-mail two letters off the name is reviewed",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("email", "maria.gorcza").unsure("email")
		},
		outcome: Review, review: []string{"email low_confidence"},
	},
	{
		name: "an unsure e-mail one letter off the roster's name, in a long name, is taken as made from it",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("email", "maria.garcza").unsure("email")
		},
		outcome: Accept,
		check:   settledAs(Settled{Field: "email", By: ByName, Read: "maria.garcza", Value: "maria.garcia"}),
	},
	{
		name: "an unsure administrator's name that is one of the staff at the location, misread, is the roster's",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_name", "Kevin Guznian").unsure("admin_name").inked("admin_name", 0.99).
				set("admin_email", "kguzman").unsure("admin_email")
		},
		outcome: Accept,
		check: settledAs(
			Settled{Field: "admin_email", By: ByName},
			Settled{Field: "admin_name", By: ByRoster, Read: "Kevin Guznian", Value: "Kevin Guzman"}),
	},
	{
		name: "an unsure administrator's name with two letters run into one, beyond a few letters off, is the roster's",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_name", "Kevm Guzman").unsure("admin_name").inked("admin_name", 0.99).
				set("admin_email", "kguzman").unsure("admin_email")
		},
		outcome: Accept,
		check: settledAs(
			Settled{Field: "admin_email", By: ByName},
			Settled{Field: "admin_name", By: ByRoster, Read: "Kevm Guzman", Value: "Kevin Guzman"}),
	},
	{
		name: "an unsure administrator's e-mail misread beside a name the roster settles is taken as made from the name",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_name", "Kevin Guzman").unsure("admin_name").inked("admin_name", 0.99).
				set("admin_email", "kguznian").unsure("admin_email")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			settledAs(
				Settled{Field: "admin_email", By: ByName, Read: "kguznian", Value: "kguzman"},
				Settled{Field: "admin_name", By: ByRoster})(t, d)
			if len(d.Requests) != 1 || d.Requests[0].AdminEmail != "kguzman@lausd.net" {
				t.Errorf("requests = %+v, want the administrator's e-mail kguzman@lausd.net", d.Requests)
			}
		},
	},
	{
		name: "an unsure e-mail that is exactly the address of an employee near a sure administrator's name is not taken as made from that name",
		form: func(reg *forms.Registry) form {
			// The name was read surely and wrong (seed 2323: Irina Lin
			// read Trina Lin at 0.98): the e-mail read right beside it
			// is Kevin Guzman's, a letter from one made from the name as
			// read, and is for a person to judge, not to be "corrected".
			return mirror(reg).set("admin_name", "Kevin Guzmen").set("admin_email", "kguzman").unsure("admin_email")
		},
		outcome: Review, review: []string{"admin_email low_confidence"},
	},
	{
		name: "an unsure administrator's name that is no employee's leaves a misread e-mail for review",
		form: func(reg *forms.Registry) form {
			// No one on the roster is near Declan Brown (Declan O'Brien
			// shares the first name only): the name may be misread as the
			// e-mail may, so neither corrects the other.
			return mirror(reg).set("admin_name", "Declan Brown").unsure("admin_name").inked("admin_name", 0.99).
				set("admin_email", "declan.brovn").unsure("admin_email")
		},
		outcome: Review, review: []string{"admin_email low_confidence"},
	},
	{
		name: "an unsure administrator's name that is exactly an employee's elsewhere is the roster's",
		form: func(reg *forms.Registry) form {
			// Declan O'Brien works at 2411, not at the form's 1867.
			return mirror(reg).unsure("admin_name").inked("admin_name", 0.99).set("admin_email", "declan.obrlen").unsure("admin_email")
		},
		outcome: Accept,
		check: settledAs(
			Settled{Field: "admin_email", By: ByName, Read: "declan.obrlen", Value: "declan.obrien"},
			Settled{Field: "admin_name", By: ByRoster}),
	},
	{
		name: "an unsure person to notify whose name is an employee's settles the e-mail made from it",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("notify_name", "Ji Kim").unsure("notify_name").inked("notify_name", 0.99).
				set("notify_title", "Analyst").set("notify_email", "jkim").unsure("notify_email")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantSettled(t, d, "notify_email by name", "notify_name by hr_roster")
		},
	},
	{
		name: "an unsure person to notify whose name is a misreading of one employee's is the roster's",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("notify_name", "Angeia Van Dyke").unsure("notify_name").inked("notify_name", 0.99).
				set("notify_title", "Office Manager").set("notify_email", "angela.vandyke").unsure("notify_email")
		},
		outcome: Accept,
		check: settledAs(
			Settled{Field: "notify_email", By: ByName},
			Settled{Field: "notify_name", By: ByRoster, Read: "Angeia Van Dyke", Value: "Angela Van Dyke"}),
	},
	{
		name: "an unsure person to notify whose name is no employee's leaves the e-mail made from it for review",
		form: func(reg *forms.Registry) form {
			// A hand that writes J so that it is read T does so in both.
			return mirror(reg).set("notify_name", "Ti Kim").unsure("notify_name").inked("notify_name", 0.99).
				set("notify_title", "Analyst").set("notify_email", "tkim").unsure("notify_email")
		},
		outcome: Review, review: []string{"notify_email low_confidence"},
	},
	{
		name: "an unsure administrator's name two of the staff at the location could be is not the roster's to choose",
		form: func(reg *forms.Registry) form {
			// Kevin Guzmann and Kelvin Guzmen both work at 9501.
			return mirror(reg).set("location_code", "9501").set("school_name", "Information Technology Division").
				set("admin_name", "Kevin Guzmen").unsure("admin_name").inked("admin_name", 0.99).
				set("admin_email", "kguzmenn").unsure("admin_email")
		},
		outcome: Review, review: []string{"admin_email low_confidence"},
	},
	{
		name: "a surely read administrator's name takes an e-mail misread beside it",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_email", "declan.obrlen").unsure("admin_email")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantSettled(t, d, "admin_email by name")
		},
	},
	{
		name: "an unsure name of two words' last name settles the e-mail made from it",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_name", "Angela Van Dyke").unsure("admin_name").inked("admin_name", 0.99).
				set("admin_email", "angela.vandyke").unsure("admin_email")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantSettled(t, d, "admin_email by name", "admin_name by hr_roster")
		},
	},
	{
		name: "an unsure e-mail with a digit more than the name is another address",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_email", "declan.obrien2").unsure("admin_email")
		},
		outcome: Review, review: []string{"admin_email low_confidence"},
	},
	{
		name: "an unsure e-mail one look-alike letter off the name is taken as made from the name",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("email", "marla.garcia").unsure("email")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			want := Settled{Field: "email", By: ByName, Read: "marla.garcia", Value: "maria.garcia"}
			if len(d.Settled) != 1 || d.Settled[0] != want {
				t.Errorf("settled = %+v, want %+v", d.Settled, want)
			}
			if len(d.Requests) != 1 || d.Requests[0].Email != "maria.garcia@lausd.net" {
				t.Errorf("requests = %+v, want the e-mail maria.garcia@lausd.net", d.Requests)
			}
		},
	},
	{
		name: "an unsure employee number the roster confirms by both names is settled",
		form: func(reg *forms.Registry) form {
			return mirror(reg).unsure("employee_number")
		},
		outcome: Accept,
		check:   func(t *testing.T, d Decision) { wantSettled(t, d, "employee_number by hr_roster") },
	},
	{
		name: "an unsure employee number whose names differ from the roster's is reviewed",
		form: func(reg *forms.Registry) form {
			return mirror(reg).unsure("employee_number").set("first_name", "Roberto")
		},
		outcome: Review, review: []string{"employee_number low_confidence"},
	},
	{
		name: "an unsure location code the school name confirms is settled",
		form: func(reg *forms.Registry) form {
			return mirror(reg).unsure("location_code")
		},
		outcome: Accept,
		check:   func(t *testing.T, d Decision) { wantSettled(t, d, "location_code by locations") },
	},
	{
		name: "an unsure location code a digit from that of the school named beside it is taken as the school's",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("location_code", "1861").unsure("location_code")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			want := Settled{Field: "location_code", By: ByLocations, Read: "1861", Value: "1867"}
			if len(d.Settled) != 1 || d.Settled[0] != want {
				t.Errorf("settled = %+v, want %+v", d.Settled, want)
			}
			if len(d.Requests) != 1 || d.Requests[0].LocationCode != "1867" {
				t.Errorf("requests = %+v, want location 1867", d.Requests)
			}
		},
	},
	{
		name: "an unsure location code two digits from the school named beside it is reviewed",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("location_code", "1851").unsure("location_code")
		},
		outcome: Review, review: []string{"location_code low_confidence"},
	},
	{
		name: "a sure location code a digit from the school named beside it is not corrected",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("location_code", "1861")
		},
		outcome: Review, review: []string{"location_code unknown_location"},
	},
	{
		name: "confident ink in the ITD block rejects though its text is unsure",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("itd_misis", "J?").unsure("itd_misis").inked("itd_misis", 0.98)
		},
		outcome: Reject, reasons: []Code{CodeITDBlockFilled},
	},
	{
		name: "an unsure name the roster matches within OCR noise is settled",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("first_name", "MAR1A").unsure("first_name").set("last_name", "Garcai").unsure("last_name")
		},
		outcome: Accept,
	},
	{
		name: "an unsure name the roster does not match is reviewed",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("last_name", "Hernandez").unsure("last_name")
		},
		outcome: Review, review: []string{"last_name low_confidence"},
	},
	{
		name: "an unsure read of an allowed administrator title is settled",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_title", "Asistant Princpal").unsure("admin_title")
		},
		outcome: Accept,
	},
	{
		name: "an unsure administrator title outside the list is reviewed, not rejected",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_title", "Office Manager").unsure("admin_title")
		},
		outcome: Review, review: []string{"admin_title low_confidence"},
	},
	{
		name:    "unsure blank field goes to review, not rejected as required",
		form:    func(reg *forms.Registry) form { return mirror(reg).set("title", "").unsure("title") },
		outcome: Review, review: []string{"title low_confidence"},
	},
	{
		name: "unsure missing signature goes to review",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("admin_signature", forms.Unsigned).unsure("admin_signature")
		},
		outcome: Review, review: []string{"admin_signature low_confidence"},
	},
	{
		name: "unsure future date goes to review",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("request_date", "11/28/2026").unsure("request_date")
		},
		outcome: Review, review: []string{"request_date low_confidence"},
	},
	{
		name:    "unsure optional field goes to review",
		form:    func(reg *forms.Registry) form { return mirror(reg).unsure("middle_initial") },
		outcome: Review, review: []string{"middle_initial low_confidence"},
	},
	{
		name:    "a field the engine did not read goes to review",
		form:    func(reg *forms.Registry) form { return mirror(reg).drop("phone") },
		outcome: Review, review: []string{"phone low_confidence"},
	},
	{
		name: "reviewer's 7-digit employee number is rejected",
		form: func(reg *forms.Registry) form {
			return mirror(reg).unsure("employee_number").reviewed("employee_number", "1000000")
		},
		outcome: Reject, reasons: []Code{CodeEmployeeNumberFormat},
	},
	{
		name: "reviewer's corrected employee number is accepted",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("employee_number", "1000000l").unsure("employee_number").reviewed("employee_number", "10000001")
		},
		outcome: Accept,
	},
	{
		name: "unsure value with a sure reason to reject: rejected, unsure value listed",
		form: func(reg *forms.Registry) form {
			return mirror(reg).unsure("phone").set("admin_title", "Teacher")
		},
		outcome: Reject, reasons: []Code{CodeAdminTitle}, review: []string{"phone low_confidence"},
	},
	{
		name: "several reasons on one form",
		form: func(reg *forms.Registry) form {
			return mirror(reg).set("employee_number", "123456789").set("email", "mg@gmail.com").
				set("admin_signature", forms.Unsigned).set("request_date", "13/01/2026").set("role.principal", "R")
		},
		outcome: Reject,
		reasons: []Code{CodeRolesMarkNotAllowed, CodeSignatureMissing, CodeEmailDomain, CodeDateInvalid, CodeEmployeeNumberFormat},
	},
}

func wantRequests(t *testing.T, d Decision, want ...Request) {
	t.Helper()
	got, _ := json.Marshal(d.Requests)
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		t.Errorf("requests:\n got %s\nwant %s", got, exp)
	}
}

func wantEndDate(end Date) func(t *testing.T, d Decision) {
	return func(t *testing.T, d Decision) {
		t.Helper()
		if len(d.Requests) != 1 || d.Requests[0].EndDate != end {
			t.Errorf("requests = %+v, want one ending %s", d.Requests, end)
		}
	}
}

func row(last, first, number, reason, date string) [5]string {
	return [5]string{last, first, number, reason, date}
}

var (
	rowGarcia   = row("Garcia", "Maria", "10000001", "Retired", "11/01/2026")
	rowNguyen   = row("Nguyen", "Tuan", "10000002", "Left the district", "10/15/2026")
	rowOkafor   = row("Okafor", "Ngozi", "10000003", "Left the district", "09/30/2026")
	rowHakobyan = row("Hakobyan", "Ani", "10000005", "Changed assignment", "11/20/2026")
)

var batchCases = []decideCase{
	{
		name:    "batch of three valid rows",
		form:    func(reg *forms.Registry) form { return batchForm(reg, rowGarcia, rowNguyen, rowOkafor) },
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			req := func(row int, number, first, last, reason string, eff Date) Request {
				return Request{Action: ActionRemoveAll, Family: "batch-removal", EmployeeNumber: number, FirstName: first, LastName: last,
					RolesAdd: []string{}, RolesRemove: []string{}, Queue: "ld-east", LocationCode: "1867", Row: row,
					RemovalReason: reason, EffectiveDate: eff}
			}
			wantRequests(t, d,
				req(1, "10000001", "Maria", "Garcia", ReasonRetired, Date{2026, 11, 1}),
				req(2, "10000002", "Tuan", "Nguyen", ReasonLeftDistrict, Date{2026, 10, 15}),
				req(3, "10000003", "Ngozi", "Okafor", ReasonLeftDistrict, Date{2026, 9, 30}))
			wantRows(t, d, "1 accept", "2 accept", "3 accept")
		},
	},
	{
		name: "batch without the administrator's signature is rejected whole",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowNguyen).set("admin_signature", forms.Unsigned).set("admin_signature_date", "")
		},
		outcome: Reject, reasons: []Code{CodeSignatureMissing},
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 0 {
				t.Errorf("requests = %+v, want none", d.Requests)
			}
			wantRows(t, d, "1 reject", "2 reject")
			for _, rd := range d.Rows {
				if len(rd.Reasons) != 1 || rd.Reasons[0].Code != CodeSignatureMissing {
					t.Errorf("row %d reasons %+v, want the header's", rd.Row, rd.Reasons)
				}
			}
		},
	},
	{
		name: "a rejected header and a bad row: each row gives the header's reason and its own",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, row("Garcia", "Maria", "1234567", "Retired", "11/01/2026")).set("admin_signature", forms.Unsigned)
		},
		outcome: Reject, reasons: []Code{CodeSignatureMissing, CodeEmployeeNumberFormat},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 reject", "2 reject")
			if got := len(d.Rows[1].Reasons); got != 2 {
				t.Errorf("row 2 has %d reasons, want 2", got)
			}
		},
	},
	{
		name: "batch with an unsure administrator's signature waits whole",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia).unsure("admin_signature")
		},
		outcome: Review, review: []string{"admin_signature low_confidence"},
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 0 {
				t.Errorf("requests = %+v, want none while the header waits", d.Requests)
			}
			wantRows(t, d, "1 review")
		},
	},
	{
		name: "a rejected row and a row waiting for review: the batch waits",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, row("Smith", "John", "99999999", "Retired", "11/01/2026"), rowHakobyan).
				unsure(forms.RowField(3, "effective_date"))
		},
		outcome: Review, reasons: []Code{CodeEmployeeUnknown}, review: []string{"row03.effective_date low_confidence"},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 reject", "3 review")
			wantRequestRows(t, d, 1)
		},
	},
	{
		name:    "batch from an unknown location waits whole",
		form:    func(reg *forms.Registry) form { return batchForm(reg, rowGarcia).set("location_code", "4444") },
		outcome: Review, review: []string{"location_code unknown_location"},
		check: func(t *testing.T, d Decision) {
			if len(d.Requests) != 0 {
				t.Errorf("requests = %+v, want none", d.Requests)
			}
			wantRows(t, d, "1 review")
		},
	},
	{
		name: "batch whose unsure location code a digit off is taken as the school's judges its rows by the school's",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).set("location_code", "1861").unsure("location_code")
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 accept")
			wantRequestRows(t, d, 1, 2)
		},
	},
	{
		name:    "batch header field left blank",
		form:    func(reg *forms.Registry) form { return batchForm(reg, rowGarcia).set("school_name", "") },
		outcome: Reject, reasons: []Code{CodeFieldRequired},
	},
	{
		name: "a bad row is rejected on its own; the good rows still yield requests",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, row("Smith", "John", "99999999", "Retired", "11/01/2026"), rowHakobyan)
		},
		outcome: Reject, reasons: []Code{CodeEmployeeUnknown},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 reject", "3 accept")
			wantRequestRows(t, d, 1, 3)
		},
	},
	{
		name: "an unsure row waits for review; the good rows go ahead",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).unsure(forms.RowField(2, "effective_date"))
		},
		outcome: Review, review: []string{"row02.effective_date low_confidence"},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 review")
			wantRequestRows(t, d, 1)
		},
	},
	{
		name: "a row's unsure number, names and reason the roster and the printed reasons confirm are settled",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).
				unsure(forms.RowField(2, "employee_number")).unsure(forms.RowField(2, "last_name")).
				set(forms.RowField(2, "reason"), "Retirod").unsure(forms.RowField(2, "reason"))
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 accept")
			wantRequestRows(t, d, 1, 2)
			wantSettled(t, d, "row02.employee_number by hr_roster", "row02.last_name by hr_roster", "row02.reason by printed_reasons")
		},
	},
	{
		name: "a row's unsure number beside another employee's name waits for review",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).
				set(forms.RowField(2, "last_name"), "Garcia").set(forms.RowField(2, "first_name"), "Maria").
				unsure(forms.RowField(2, "employee_number"))
		},
		outcome: Review, review: []string{"row02.employee_number low_confidence"},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 review")
			wantRequestRows(t, d, 1)
		},
	},
	{
		name: "every row rejected rejects the batch",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Smith", "John", "1234567", "Retired", "11/01/2026"))
		},
		outcome: Reject, reasons: []Code{CodeEmployeeNumberFormat},
	},
	{
		name: "employee numbers of 7, 8 and 9 digits",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Garcia", "Maria", "1000000", "Retired", "11/01/2026"), rowGarcia,
				row("Garcia", "Maria", "100000011", "Retired", "11/01/2026"))
		},
		outcome: Reject, reasons: []Code{CodeEmployeeNumberFormat, CodeEmployeeNumberFormat},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 reject", "2 accept", "3 reject")
			wantRequestRows(t, d, 2)
		},
	},
	{
		name:    "the same employee listed twice yields one request",
		form:    func(reg *forms.Registry) form { return batchForm(reg, rowGarcia, rowHakobyan, rowGarcia) },
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 accept", "3 accept")
			wantRequestRows(t, d, 1, 2)
			if d.Rows[2].DuplicateOf != 1 {
				t.Errorf("row 3 duplicate_of = %d, want 1", d.Rows[2].DuplicateOf)
			}
		},
	},
	{
		name: "removal reasons with OCR noise and other spellings",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Garcia", "Maria", "10000001", "RETIRD", "11/01/2026"),
				row("Nguyen", "Tuan", "10000002", "left district", "11/01/2026"),
				row("Hakobyan", "Ani", "10000005", "Change of assignment", "11/01/2026"))
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			var got []string
			for _, r := range d.Requests {
				got = append(got, r.RemovalReason)
			}
			if want := []string{ReasonRetired, ReasonLeftDistrict, ReasonChangedAssignment}; !slices.Equal(got, want) {
				t.Errorf("reasons = %q, want %q", got, want)
			}
		},
	},
	{
		name: "removal reason not on the form",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Garcia", "Maria", "10000001", "Promoted", "11/01/2026"))
		},
		outcome: Reject, reasons: []Code{CodeRemovalReason},
	},
	{
		name: "an employee HR places at another school",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Kim", "Ji", "10000004", "Retired", "11/01/2026"), rowGarcia)
		},
		outcome: Reject, reasons: []Code{CodeEmployeeLocation},
		check: func(t *testing.T, d Decision) { wantRows(t, d, "1 reject", "2 accept") },
	},
	{
		name: "a transferred employee HR already places at the new school",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Kim", "Ji", "10000004", "Transferred", "11/01/2026"))
		},
		outcome: Accept,
	},
	{
		name: "a name that differs from the roster sends the row to review",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, row("Hakobian", "Anna", "10000005", "Retired", "11/01/2026"))
		},
		outcome: Review, review: []string{"row02.first_name name_mismatch"},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "2 review")
			wantRequestRows(t, d, 1)
		},
	},
	{
		name: "effective dates today and tomorrow",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Garcia", "Maria", "10000001", "Retired", today),
				row("Hakobyan", "Ani", "10000005", "Retired", "11/24/2026"))
		},
		outcome: Reject, reasons: []Code{CodeDateFuture},
		check: func(t *testing.T, d Decision) { wantRows(t, d, "1 accept", "2 reject") },
	},
	{
		name: "effective date that is not a real date",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Garcia", "Maria", "10000001", "Retired", "11/31/2026"))
		},
		outcome: Reject, reasons: []Code{CodeDateInvalid},
	},
	{
		name: "a row with a blank cell",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, row("Garcia", "Maria", "10000001", "", "11/01/2026"), rowHakobyan)
		},
		outcome: Reject, reasons: []Code{CodeFieldRequired},
		check: func(t *testing.T, d Decision) { wantRows(t, d, "1 reject", "2 accept") },
	},
	{
		name: "empty rows are skipped",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, row("", "", "", "", ""), rowHakobyan)
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "3 accept")
			wantRequestRows(t, d, 1, 3)
		},
	},
	{
		name: "an empty row the machine is unsure of is reviewed, not rejected",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, row("", "", "", "", "")).unsure(forms.RowField(2, "employee_number"))
		},
		outcome: Review, review: []string{"row02.employee_number low_confidence"},
		check: func(t *testing.T, d Decision) { wantRows(t, d, "1 accept", "2 review") },
	},
	{
		name: "page numbers are not judged: the pages of a batch arrive as one reading",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia).set("page_number", "").set("page_count", "").unsure("page_count")
		},
		outcome: Accept,
	},
	{
		name: "a batch missing its last page goes to review naming it, and queues nothing",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).set("page_count", "2")
		},
		outcome: Review, review: []string{"page_count missing_pages"},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 review", "2 review")
			wantRequestRows(t, d)
			if msg := d.Review[0].Message; !strings.HasPrefix(msg, "Page 2 of 2 of this batch never arrived (it holds page 1)") {
				t.Errorf("message %q does not name the missing page", msg)
			}
		},
	},
	{
		name: "a batch joined from two messages with a page between them missing",
		form: func(reg *forms.Registry) form {
			f := batchForm(reg, rowGarcia).set("page_count", "3").drop("page_number")
			for c, col := range batchColumns {
				f.set(forms.RowField(21, col), rowHakobyan[c])
			}
			f.Pages = []int{1, 3}
			return f
		},
		outcome: Review, review: []string{"page_count missing_pages"},
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 review", "21 review")
			if msg := d.Review[0].Message; !strings.HasPrefix(msg, "Page 2 of 3 of this batch never arrived (it holds pages 1 and 3)") {
				t.Errorf("message %q does not name the missing page", msg)
			}
		},
	},
	{
		name: "a batch whose unsure page count is more than the pages it holds goes to review",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).set("page_count", "3").unsure("page_count")
		},
		outcome: Review, review: []string{"page_count missing_pages"},
		check: func(t *testing.T, d Decision) {
			wantRequestRows(t, d)
			if msg := d.Review[0].Message; !strings.Contains(msg, "seems to read 3") || !strings.Contains(msg, "only 1 page arrived") {
				t.Errorf("message %q does not give the count read and the pages held", msg)
			}
		},
	},
	{
		name: "a batch whose unsure page count is the pages it holds is decided",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia).set("page_count", "1").unsure("page_count")
		},
		outcome: Accept,
	},
	{
		name: "a reviewer who confirms the page count of an incomplete batch accepts the rows it has",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).reviewed("page_count", "2")
		},
		outcome: Accept,
		check:   func(t *testing.T, d Decision) { wantRequestRows(t, d, 1, 2) },
	},
	{
		name: "a batch whose page number is unsure still tells how many pages are missing",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia).set("page_count", "3").unsure("page_number")
		},
		outcome: Review, review: []string{"page_count missing_pages"},
		check: func(t *testing.T, d Decision) {
			if msg := d.Review[0].Message; !strings.Contains(msg, "has 3 pages but only 1 arrived") {
				t.Errorf("message %q does not count the pages", msg)
			}
		},
	},
	{
		name:    "a batch listing nobody",
		form:    func(reg *forms.Registry) form { return batchForm(reg, row("", "", "", "", "")) },
		outcome: Reject, reasons: []Code{CodeRowsNone},
	},
	{
		name: "a batch whose table was never read waits for a person to enter it",
		form: func(reg *forms.Registry) form {
			f := batchForm(reg)
			for name := range f.Values {
				if _, _, ok := forms.SplitRowField(name); ok {
					f = f.drop(name)
				}
			}
			return f
		},
		outcome: Review, review: []string{"rows cannot_judge"},
	},
	{
		name: "a batch over two pages numbers its rows on",
		form: func(reg *forms.Registry) form {
			f := batchForm(reg, rowGarcia)
			for c, col := range batchColumns {
				f.set(forms.RowField(11, col), rowHakobyan[c])
				f.set(forms.RowField(12, col), "")
			}
			f.Pages = []int{1, 2}
			return f
		},
		outcome: Accept,
		check: func(t *testing.T, d Decision) {
			wantRows(t, d, "1 accept", "11 accept")
			wantRequestRows(t, d, 1, 11)
		},
	},
	{
		name: "retired batch revision rejected at once",
		form: func(reg *forms.Registry) form {
			f := batchForm(reg, rowGarcia).set("admin_signature", forms.Unsigned)
			f.Revision = "11/01/2019"
			return f
		},
		outcome: Reject, reasons: []Code{CodeRevisionRetired},
	},
	{
		name: "reviewer's correction of a row is judged like any other value",
		form: func(reg *forms.Registry) form {
			return batchForm(reg, rowGarcia, rowHakobyan).unsure(forms.RowField(2, "effective_date")).
				reviewed(forms.RowField(2, "effective_date"), "12/01/2026")
		},
		outcome: Reject, reasons: []Code{CodeDateFuture},
		check: func(t *testing.T, d Decision) { wantRows(t, d, "1 accept", "2 reject") },
	},
}

func wantRows(t *testing.T, d Decision, want ...string) {
	t.Helper()
	var got []string
	for _, r := range d.Rows {
		got = append(got, fmt.Sprintf("%d %s", r.Row, r.Outcome))
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

// wantSettled checks the fields other sources settled, as "field by source".
// settledAs checks that the decision settled exactly the values given.
func settledAs(want ...Settled) func(*testing.T, Decision) {
	return func(t *testing.T, d Decision) {
		t.Helper()
		if !slices.Equal(d.Settled, want) {
			t.Errorf("settled = %+v, want %+v", d.Settled, want)
		}
	}
}

func wantSettled(t *testing.T, d Decision, want ...string) {
	t.Helper()
	var got []string
	for _, s := range d.Settled {
		got = append(got, s.Field+" by "+s.By)
	}
	if !slices.Equal(got, want) {
		t.Errorf("settled = %q, want %q", got, want)
	}
}

func wantRequestRows(t *testing.T, d Decision, want ...int) {
	t.Helper()
	var got []int
	for _, r := range d.Requests {
		got = append(got, r.Row)
		if r.Action != ActionRemoveAll || r.Queue != "ld-east" {
			t.Errorf("row %d request %+v, want remove_all to ld-east", r.Row, r)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("request rows = %v, want %v", got, want)
	}
}

func TestDecide(t *testing.T) {
	env := testEnv(t)
	var golden bytes.Buffer
	run := func(group string, cases []decideCase) {
		for _, tc := range cases {
			t.Run(group+"/"+tc.name, func(t *testing.T) {
				env := env
				if tc.config != nil {
					tc.config(&env.Config)
				}
				d := decide(t, env, tc.form(env.Registry))
				writeGolden(&golden, group+": "+tc.name, d)
				if d.Outcome != tc.outcome {
					t.Errorf("outcome = %s, want %s\n%s", d.Outcome, tc.outcome, dump(d))
				}
				var codes []Code
				for _, r := range d.Reasons {
					codes = append(codes, r.Code)
				}
				if !slices.Equal(codes, tc.reasons) {
					t.Errorf("reasons = %q, want %q\n%s", codes, tc.reasons, dump(d))
				}
				var review []string
				for _, r := range d.Review {
					review = append(review, r.Field+" "+string(r.Why))
				}
				if !slices.Equal(review, tc.review) {
					t.Errorf("review = %q, want %q\n%s", review, tc.review, dump(d))
				}
				switch {
				case d.Outcome != Accept && tc.form(env.Registry).Family != "batch-removal" && len(d.Requests) > 0:
					t.Errorf("%s access form produced requests %+v", d.Outcome, d.Requests)
				case d.Outcome == Accept && len(d.Requests) == 0:
					t.Errorf("accepted with no request")
				}
				for _, r := range d.Reasons {
					if r.Message == "" || strings.Contains(r.Message, "10000") {
						t.Errorf("reason %s message %q is empty or names an employee number", r.Code, r.Message)
					}
				}
				if tc.check != nil {
					tc.check(t, d)
				}
			})
		}
	}
	run("access", accessCases)
	run("batch", batchCases)
	checkGolden(t, filepath.Join("testdata", "reasons.golden"), golden.Bytes())
}

func dump(d Decision) string {
	b, _ := json.MarshalIndent(d, "", "  ")
	return string(b)
}

// writeGolden records what a school administrator and a reviewer would
// read for one case.
func writeGolden(w *bytes.Buffer, name string, d Decision) {
	fmt.Fprintf(w, "== %s\n%s\n", name, d.Outcome)
	for _, r := range d.Reasons {
		fmt.Fprintf(w, "  reason %s [%s]: %s\n", r.Code, r.Field, r.Message)
	}
	for _, r := range d.Review {
		fmt.Fprintf(w, "  review %s %s [%s]: %s\n", r.Why, r.Code, r.Field, r.Message)
	}
	for _, r := range d.Requests {
		b, _ := json.Marshal(r)
		fmt.Fprintf(w, "  request %s\n", b)
	}
	for _, r := range d.Rows {
		fmt.Fprintf(w, "  row %d %s", r.Row, r.Outcome)
		for _, reason := range r.Reasons {
			fmt.Fprintf(w, " %s", reason.Code)
		}
		for _, item := range r.Review {
			fmt.Fprintf(w, " %s", item.Why)
		}
		if r.DuplicateOf > 0 {
			fmt.Fprintf(w, " (repeats row %d)", r.DuplicateOf)
		}
		fmt.Fprintln(w)
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs at line %d:\n got %q\nwant %q\n(run go test -update if the change is intended)", path, i+1, g, w)
				break
			}
		}
	}
}

// TestDecideRequestJSON checks the wire form of a request.
func TestDecideRequestJSON(t *testing.T) {
	env := testEnv(t)
	d := decide(t, env, mirror(env.Registry))
	b, err := json.Marshal(d.Requests[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"action":"add","family":"school-mirror","employee_number":"10000001","first_name":"Maria","last_name":"Garcia",` +
		`"email":"maria.garcia@lausd.net","admin_email":"declan.obrien@lausd.net","roles_add":["Counselor","School Full Read"],` +
		`"roles_remove":[],"queue":"ld-east","location_code":"1867","end_date":"2027-06-30"}`
	if string(b) != want {
		t.Errorf("request JSON:\n got %s\nwant %s", b, want)
	}
	var back Request
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.EndDate != (Date{2027, time.June, 30}) || back.Queue != "ld-east" {
		t.Errorf("round trip = %+v", back)
	}
}

// TestDecideDeterministic checks that deciding the same reading twice
// yields the same decision, so a re-decision after review queues nothing
// twice.
func TestDecideDeterministic(t *testing.T) {
	env := testEnv(t)
	f := batchForm(env.Registry, rowGarcia, rowNguyen, rowHakobyan, rowGarcia)
	first := dump(decide(t, env, f))
	for range 5 {
		if again := dump(decide(t, env, f)); again != first {
			t.Fatalf("second decision differs:\n%s\n%s", first, again)
		}
	}
}

type failingRoster struct{ err error }

func (r failingRoster) Employee(context.Context, string) (Employee, bool, error) {
	return Employee{}, false, r.err
}

func (r failingRoster) Staff(context.Context, string) ([]Employee, error) {
	return nil, r.err
}

func (r failingRoster) Named(context.Context, string, string) ([]Employee, error) {
	return nil, r.err
}

type failingLocations struct{ err error }

func (l failingLocations) Location(context.Context, string) (Location, bool, error) {
	return Location{}, false, l.err
}

func TestDecideErrors(t *testing.T) {
	env := testEnv(t)
	lookup := errors.New("database down")
	tests := []struct {
		name string
		env  func(Env) Env
		ctx  func() context.Context
		f    *forms.Reading
		want error
	}{
		{name: "no registry", env: func(e Env) Env { e.Registry = nil; return e }},
		{name: "no roster", env: func(e Env) Env { e.Roster = nil; return e }},
		{name: "no locations", env: func(e Env) Env { e.Locations = nil; return e }},
		{name: "bad year end", env: func(e Env) Env { e.Config.YearEndMonth, e.Config.YearEndDay = time.February, 29; return e }},
		{name: "bad threshold", env: func(e Env) Env { e.Config.MinIdentifyConfidence = 1.5; return e }},
		{name: "roster lookup fails", env: func(e Env) Env { e.Roster = failingRoster{lookup}; return e }, want: lookup},
		{name: "cancelled", ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, want: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ctx := env, context.Background()
			if tc.env != nil {
				e = tc.env(env)
			}
			if tc.ctx != nil {
				ctx = tc.ctx()
			}
			_, err := Decide(ctx, mirror(env.Registry).Reading, e)
			if err == nil {
				t.Fatal("Decide succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	e := env
	e.Locations = failingLocations{lookup}
	if _, err := Decide(context.Background(), mirror(env.Registry).Reading, e); !errors.Is(err, lookup) {
		t.Errorf("failing location list: err = %v, want %v", err, lookup)
	}
	if _, err := Decide(context.Background(), nil, env); err == nil {
		t.Error("Decide(nil reading) succeeded")
	}
	// A batch's roster failure is an error too, not a rejected row.
	e = env
	e.Roster = failingRoster{lookup}
	if _, err := Decide(context.Background(), batchForm(env.Registry, rowGarcia).Reading, e); !errors.Is(err, lookup) {
		t.Errorf("batch with failing roster: err = %v, want %v", err, lookup)
	}
}
