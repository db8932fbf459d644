package validate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// The tests judge forms on Monday 23 November 2026 in Los Angeles.
var testNow = time.Date(2026, time.November, 23, 10, 30, 0, 0, mustZone("America/Los_Angeles"))

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

const today = "11/23/2026"

// The test roster: one employee per situation the rules tell apart.
const testRosterCSV = `employee_number,last_name,first_name,hr_status,location_code,job_title
10000001,Garcia,Maria,processed,1867,Counselor
10000002,Nguyen,Tuan,pending,1867,Teacher
10000003,Okafor,Ngozi,separated,1867,Office Manager
10000004,Kim,Ji,processed,9501,Analyst
10000005,Hakobyan,Ani,processed,1867,Teacher
10000006,O'Brien,Declan,processed,2411,Principal
10000007,De La Cruz,Rosa,processed,9101,Coordinator
10000008,Guzman,Kevin,processed,1867,Assistant Principal
10000009,Van Dyke,Angela,processed,1867,Office Manager
10000010,Guzmann,Kevin,processed,9501,Analyst
10000011,Guzmen,Kelvin,processed,9501,Analyst
`

const testLocationsCSV = `location_code,name,owner
1867,Roosevelt Senior High,East
2411,Chatsworth Park Elementary,Northwest
9501,Information Technology Division,Central Office
9101,Local District West Office,West
`

// testEnv returns an Env over the test registry, roster and locations,
// with the clock stopped at testNow.
func testEnv(t testing.TB) Env {
	t.Helper()
	ros, err := ReadRoster(strings.NewReader(testRosterCSV))
	if err != nil {
		t.Fatal(err)
	}
	locs, err := ReadLocations(strings.NewReader(testLocationsCSV))
	if err != nil {
		t.Fatal(err)
	}
	return Env{
		Registry:  testRegistry(t),
		Roster:    ros,
		Locations: locs,
		Config:    Config{Now: func() time.Time { return testNow }},
	}
}

var (
	schoolRoles   = []string{"Categorical Programs Coordinator", "Counselor", "Office Manager", "Principal", "School Full Read", "School Limited Read", "Scheduling Administrator", "Special Education Provider"}
	districtRoles = []string{"Local District Administrator", "Local District Attendance Reader", "Central Office Full Read", "Central Office Limited Read", "Enrollment Specialist", "Data Reporting Analyst", "Special Education Coordinator", "Help Desk Support"}
)

func slug(role string) string { return strings.ReplaceAll(strings.ToLower(role), " ", "_") }

// layout places fields on a page in a grid so that none overlap.
func layout(fields []forms.Field) []forms.Field {
	for i := range fields {
		fields[i].Box = forms.Box{X: 10 + float64(i%4)*150, Y: 10 + float64(i/4)*18, W: 140, H: 14}
	}
	return fields
}

// accessFields are the fields of an access form revision, as the contract
// names them.
// presenceFields are the fields whose text nothing is decided from, as
// the real definitions mark them.
var presenceFields = map[string]bool{
	"middle_initial": true, "title": true, "phone": true, "phone_ext": true, "school_name": true,
	"admin_name": true, "notify_name": true, "notify_title": true,
}

func accessFields(roles []string, admin string) []forms.Field {
	var fs []forms.Field
	for _, r := range roles {
		fs = append(fs, forms.Field{Name: "role." + slug(r), Kind: forms.KindMark, Role: r})
	}
	add := func(name string, kind forms.Kind, label string, optional bool, group string) {
		fs = append(fs, forms.Field{Name: name, Kind: kind, Label: label, Optional: optional, Group: group,
			Presence: presenceFields[name] || group == "itd"})
	}
	add("request_date", forms.KindDate, "Request Date:", false, "")
	add("first_name", forms.KindText, "Name (First)", false, "")
	add("middle_initial", forms.KindText, "(MI)", true, "")
	add("last_name", forms.KindText, "(Last)", false, "")
	add("title", forms.KindText, "Title", false, "")
	add("employee_number", forms.KindDigits, "Employee No.", false, "")
	add("email", forms.KindEmail, "E-mail", false, "")
	add("phone", forms.KindDigits, "Phone", false, "")
	add("phone_ext", forms.KindDigits, "ext.", true, "")
	add("school_name", forms.KindText, "School/Office Name", false, "")
	add("location_code", forms.KindDigits, "Location Code", false, "")
	add("user_signature", forms.KindSignature, "User's signature", false, "")
	add("user_signature_date", forms.KindDate, "Date", false, "")
	add("admin_signature", forms.KindSignature, admin+"'s signature", false, "")
	add("admin_signature_date", forms.KindDate, "Date", false, "")
	add("admin_title", forms.KindText, "Job title", false, "")
	add("admin_name", forms.KindText, admin+"'s full name (please print)", false, "")
	add("admin_email", forms.KindEmail, "E-mail", false, "")
	add("notify_name", forms.KindText, "Name", true, "notify")
	add("notify_title", forms.KindText, "Title", true, "notify")
	add("notify_email", forms.KindEmail, "E-mail:", true, "notify")
	add("itd_approved", forms.KindMark, "- Approved", false, "itd")
	add("itd_disapproved", forms.KindMark, "- Disapproved", false, "itd")
	add("itd_reason", forms.KindText, "Reason", true, "itd")
	add("itd_misis", forms.KindText, "MiSiS", true, "itd")
	add("itd_misis_date", forms.KindDate, "Date", true, "itd")
	add("itd_security", forms.KindText, "ITD Security", true, "itd")
	add("itd_security_date", forms.KindDate, "Date", true, "itd")
	return layout(fs)
}

func batchPage() forms.Page {
	fs := layout([]forms.Field{
		{Name: "page_number", Kind: forms.KindDigits, Label: "Page"},
		{Name: "page_count", Kind: forms.KindDigits, Label: "of"},
		{Name: "school_name", Kind: forms.KindText, Label: "School/Office Name"},
		{Name: "location_code", Kind: forms.KindDigits, Label: "Location Code"},
		{Name: "admin_name", Kind: forms.KindText, Label: "Administrator's Name"},
		{Name: "admin_title", Kind: forms.KindText, Label: "Title"},
		{Name: "admin_signature", Kind: forms.KindSignature, Label: "Administrator's signature"},
		{Name: "admin_signature_date", Kind: forms.KindDate, Label: "Date"},
	})
	return forms.Page{Number: 1, Fields: fs, Table: &forms.Table{
		Box: forms.Box{X: 20, Y: 200, W: 520, H: 268}, HeaderH: 18, RowH: 25, Rows: 10,
		Columns: []forms.Column{
			{Name: "last_name", Label: "Last Name", Kind: forms.KindText, W: 122},
			{Name: "first_name", Label: "First Name", Kind: forms.KindText, W: 110},
			{Name: "employee_number", Label: "Employee No.", Kind: forms.KindDigits, W: 92},
			{Name: "reason", Label: "Reason", Kind: forms.KindText, W: 110},
			{Name: "effective_date", Label: "Effective Date", Kind: forms.KindDate, W: 86},
		},
	}}
}

// testRegistry builds the four families of the contract, each with a
// current and a retired revision, through forms.LoadFS so that the test
// definitions pass the same checks as the real ones.
func testRegistry(t testing.TB) *forms.Registry {
	t.Helper()
	fsys := fstest.MapFS{}
	put := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	rev := func(family, stamp string, status forms.Status, marks string, pages ...forms.Page) *forms.Revision {
		return &forms.Revision{Family: family, Stamp: stamp, Status: status, Title: family + " " + stamp,
			PageSize: forms.PageSize{W: 612, H: 792}, Marks: marks, Pages: pages}
	}
	page := func(fs []forms.Field) forms.Page { return forms.Page{Number: 1, Fields: fs} }
	principals := []string{"Principal", "Assistant Principal"}
	sigs := []string{"user_signature", "admin_signature"}

	retiredSchool := append([]string(nil), schoolRoles...)
	retiredSchool[7] = "Special Education Service Provider"

	put("school-mirror/family.json", forms.Family{ID: "school-mirror", Title: "MiSiS Production Mirror Access Request Form for School Based User Roles",
		Kind: "access", Signatures: sigs, AdminTitles: principals, AdminTitleField: "admin_title", TermEndsWithYear: true})
	put("school-mirror/current.json", rev("school-mirror", "02/17/2022", forms.Current, "A", page(accessFields(schoolRoles, "Site administrator"))))
	put("school-mirror/retired.json", rev("school-mirror", "09/01/2020", forms.Retired, "A", page(accessFields(retiredSchool, "Site administrator"))))

	put("school-personnel/family.json", forms.Family{ID: "school-personnel", Title: "MiSiS Access Request Form for School-Based Personnel",
		Kind: "access", Signatures: sigs, AdminTitles: principals, AdminTitleField: "admin_title"})
	put("school-personnel/current.json", rev("school-personnel", "08/15/2022", forms.Current, "AR", page(accessFields(schoolRoles, "Site administrator"))))
	put("school-personnel/retired.json", rev("school-personnel", "01/10/2020", forms.Retired, "AR", page(accessFields(retiredSchool, "Site administrator"))))

	put("district-staff/family.json", forms.Family{ID: "district-staff", Title: "MiSiS Access Request Form for Local District & Central Office Staff",
		Kind: "access", Signatures: sigs, AdminTitleField: "admin_title"})
	put("district-staff/current.json", rev("district-staff", "07/01/2023", forms.Current, "AR", page(accessFields(districtRoles, "Authorizing administrator"))))
	put("district-staff/retired.json", rev("district-staff", "03/15/2021", forms.Retired, "AR", page(accessFields(districtRoles[:6], "Authorizing administrator"))))

	put("batch-removal/family.json", forms.Family{ID: "batch-removal", Title: "Removing MiSiS Access from Former Employees Fax Form",
		Kind: "batch", Signatures: []string{"admin_signature"}, AdminTitleField: "admin_title"})
	put("batch-removal/current.json", rev("batch-removal", "05/01/2023", forms.Current, "", batchPage()))
	put("batch-removal/retired.json", rev("batch-removal", "11/01/2019", forms.Retired, "", batchPage()))

	reg, err := forms.LoadFS(fsys)
	if err != nil {
		t.Fatalf("test registry: %v", err)
	}
	return reg
}

// form is a Reading under construction: every value Sure unless a case
// says otherwise.
type form struct{ *forms.Reading }

func newForm(family, stamp string) form {
	return form{&forms.Reading{Family: family, Revision: stamp, Known: true, Confidence: 0.97, Pages: []int{1}, Values: map[string]forms.Value{}}}
}

func (f form) set(name, text string) form {
	f.Values[name] = forms.Value{Text: text, Confidence: 0.95, Page: 1, Source: forms.FromEngine, Sure: true}
	return f
}

// inked marks an unsure value as one whose ink the engine is sure of.
func (f form) inked(name string, present float64) form {
	v := f.Values[name]
	v.Present = present
	f.Values[name] = v
	return f
}

// unsure marks a value as read without confidence.
func (f form) unsure(name string) form {
	v := f.Values[name]
	v.Sure, v.Confidence = false, 0.41
	f.Values[name] = v
	return f
}

// reviewed sets a value as a reviewer would.
func (f form) reviewed(name, text string) form {
	f.Values[name] = forms.Value{Text: text, Confidence: 1, Page: 1, Source: forms.FromReviewer, Sure: true}
	return f
}

func (f form) drop(name string) form {
	delete(f.Values, name)
	return f
}

// access returns a complete, valid access form of the current revision
// for Maria Garcia (10000001, processed, at 1867), with the given marks
// (role name to mark); every other role box is blank.
func accessForm(reg *forms.Registry, family string, marks map[string]string) form {
	rev := reg.Family(family).Current()
	f := newForm(family, rev.Stamp)
	for _, fl := range rev.Fields() {
		f.set(fl.Name, "")
		if fl.Kind == forms.KindMark && fl.Role != "" {
			f.set(fl.Name, marks[fl.Role])
		}
	}
	f.set("request_date", "11/20/2026").set("first_name", "Maria").set("middle_initial", "L").set("last_name", "Garcia").
		set("title", "Counselor").set("employee_number", "10000001").set("email", "maria.garcia").
		set("phone", "2135550147").set("school_name", "Roosevelt Senior High").set("location_code", "1867").
		set("user_signature", forms.Signed).set("user_signature_date", "11/20/2026").
		set("admin_signature", forms.Signed).set("admin_signature_date", "11/21/2026").
		set("admin_title", "Principal").set("admin_name", "Declan O'Brien").set("admin_email", "declan.obrien")
	return f
}

// batchForm returns a valid batch removal form from location 1867 whose
// rows list the given employees: each row is last, first, number, reason,
// effective date.
func batchForm(reg *forms.Registry, rows ...[5]string) form {
	rev := reg.Family("batch-removal").Current()
	f := newForm("batch-removal", rev.Stamp)
	for _, fl := range rev.Fields() {
		f.set(fl.Name, "")
	}
	f.set("page_number", "1").set("page_count", "1").set("school_name", "Roosevelt Senior High").
		set("location_code", "1867").set("admin_name", "Declan O'Brien").set("admin_title", "Principal").
		set("admin_signature", forms.Signed).set("admin_signature_date", "11/20/2026")
	for i, r := range rows {
		for c, col := range batchColumns {
			f.set(forms.RowField(i+1, col), r[c])
		}
	}
	return f
}

func decide(t *testing.T, env Env, f form) Decision {
	t.Helper()
	d, err := Decide(context.Background(), f.Reading, env)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	return d
}
