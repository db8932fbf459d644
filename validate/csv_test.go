package validate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// csvErrors returns every *CSVError in err, as "line column" strings.
func csvErrors(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var ce *CSVError
		if errors.As(err, &ce) && ce == err {
			out = append(out, fmt.Sprintf("%d %s", ce.Line, ce.Column))
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

func TestReadRoster(t *testing.T) {
	r, err := ReadRoster(strings.NewReader(testRosterCSV))
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 11 {
		t.Errorf("Len = %d, want 11", r.Len())
	}
	e, ok, err := r.Employee(context.Background(), "10000006")
	if err != nil || !ok {
		t.Fatalf("Employee(10000006) = %v, %v", ok, err)
	}
	want := Employee{Number: "10000006", LastName: "O'Brien", FirstName: "Declan", Status: HRProcessed, LocationCode: "2411", JobTitle: "Principal"}
	if e != want {
		t.Errorf("Employee = %+v, want %+v", e, want)
	}
	if _, ok, _ := r.Employee(context.Background(), "99999999"); ok {
		t.Error("unknown employee found")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.Employee(ctx, "10000006"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled lookup err = %v", err)
	}
	staff, err := r.Staff(context.Background(), "9501")
	if err != nil || len(staff) != 3 || staff[0].Number != "10000004" || staff[2].Number != "10000011" {
		t.Errorf("Staff(9501) = %v, %v; want 10000004, 10000010 and 10000011", staff, err)
	}
	if staff, err := r.Staff(context.Background(), "0000"); err != nil || len(staff) != 0 {
		t.Errorf("Staff(0000) = %v, %v; want none", staff, err)
	}
	named, err := r.Named(context.Background(), "ANGELA", "vandyke")
	if err != nil || len(named) != 1 || named[0].Number != "10000009" {
		t.Errorf("Named(ANGELA vandyke) = %v, %v; want 10000009", named, err)
	}
	if named, err := r.Named(context.Background(), "Angela", "Dyke"); err != nil || len(named) != 0 {
		t.Errorf("Named(Angela Dyke) = %v, %v; want none", named, err)
	}
	for _, tc := range []struct {
		first, last string
		want        []string
	}{
		{"", "guzman", []string{"10000008"}},
		{"Kevin", "", []string{"10000008", "10000010"}},
		{"", "", nil},
	} {
		named, err := r.Named(context.Background(), tc.first, tc.last)
		var got []string
		for _, e := range named {
			got = append(got, e.Number)
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Named(%q, %q) = %v, %v; want %v", tc.first, tc.last, got, err, tc.want)
		}
	}
	if _, err := r.Named(ctx, "Angela", "Van Dyke"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled name lookup err = %v", err)
	}
	if _, err := r.Staff(ctx, "9501"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled staff list err = %v", err)
	}
	if got := r.Employees(); len(got) != 11 || got[0].Number != "10000001" || got[10].Number != "10000011" {
		t.Errorf("Employees not in file order: %v", got)
	}
}

func TestReadRosterFlexible(t *testing.T) {
	// Columns in another order, a byte-order mark, spaces, upper-case
	// status and a blank line are all fine.
	in := "\ufeffjob_title, Employee_Number ,last_name,first_name,hr_status,location_code\n" +
		"Teacher, 12345678 ,Lee,Min,PROCESSED,1867\n\n" +
		"Counselor,23456789,\"Smith, Jr.\",Ann,pending,1867\n"
	r, err := ReadRoster(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	e, ok, _ := r.Employee(context.Background(), "12345678")
	if !ok || e.LastName != "Lee" || e.Status != HRProcessed || e.JobTitle != "Teacher" {
		t.Errorf("Employee = %+v, %v", e, ok)
	}
	e, ok, _ = r.Employee(context.Background(), "23456789")
	if !ok || e.LastName != "Smith, Jr." || e.Status != HRPending {
		t.Errorf("Employee = %+v, %v", e, ok)
	}
}

func TestReadRosterErrors(t *testing.T) {
	const header = "employee_number,last_name,first_name,hr_status,location_code,job_title\n"
	tests := []struct {
		name string
		in   string
		want []string // "line column" of each error
	}{
		{"empty file", "", []string{"0 "}},
		{"missing column", "employee_number,last_name,first_name,hr_status,location_code\n", []string{"1 job_title"}},
		{"column twice", "employee_number,last_name,first_name,hr_status,location_code,job_title,last_name\n", []string{"1 last_name"}},
		{"extra column", header[:len(header)-1] + ",notes\n", []string{"1 "}},
		{"7-digit number", header + "1234567,Lee,Min,processed,1867,Teacher\n", []string{"2 employee_number"}},
		{"9-digit number", header + "123456789,Lee,Min,processed,1867,Teacher\n", []string{"2 employee_number"}},
		{"letters in number", header + "1234567O,Lee,Min,processed,1867,Teacher\n", []string{"2 employee_number"}},
		{"unknown status", header + "12345678,Lee,Min,active,1867,Teacher\n", []string{"2 hr_status"}},
		{"empty names", header + "12345678,,,processed,1867,Teacher\n", []string{"2 last_name", "2 first_name"}},
		{"empty location and title", header + "12345678,Lee,Min,processed,,\n", []string{"2 location_code", "2 job_title"}},
		{"duplicate number", header + "12345678,Lee,Min,processed,1867,Teacher\n12345678,Kim,Ji,processed,1867,Teacher\n", []string{"3 employee_number"}},
		{"short row", header + "12345678,Lee,Min,processed,1867,Teacher\n23456789,Kim\n", []string{"3 "}},
		{"bad quoting", header + "12345678,\"Lee,Min,processed,1867,Teacher\n", []string{"2 "}},
		{"errors on several lines", header + "1,Lee,Min,processed,1867,Teacher\n12345678,Kim,Ji,gone,1867,Teacher\n", []string{"2 employee_number", "3 hr_status"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRoster(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("ReadRoster succeeded")
			}
			if got := csvErrors(err); !slices.Equal(got, tc.want) {
				t.Errorf("errors at %q, want %q\n%v", got, tc.want, err)
			}
			if !strings.HasPrefix(err.Error(), "read roster: ") {
				t.Errorf("error %q does not say what was read", err)
			}
		})
	}
}

func TestCSVErrorMessage(t *testing.T) {
	tests := []struct {
		err  CSVError
		want string
	}{
		{CSVError{Line: 4, Column: "hr_status", Problem: `"x" is bad`}, `validate: line 4, column hr_status: "x" is bad`},
		{CSVError{Line: 4, Problem: "row has 2 fields"}, "validate: line 4: row has 2 fields"},
		{CSVError{Problem: "file is empty"}, "validate: file is empty"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestReadLocations(t *testing.T) {
	in := "location_code,name,owner\n" +
		"1867,Roosevelt Senior High,East\n" +
		"9501,Information Technology Division,Central Office\n" +
		"9101,Local District West Office,local district west\n" +
		"2411,Chatsworth Park Elementary,LD Northwest\n"
	l, err := ReadLocations(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1867": "ld-east", "9501": "central-office", "9101": "ld-west", "2411": "ld-northwest"}
	for code, queue := range want {
		loc, ok, err := l.Location(context.Background(), code)
		if err != nil || !ok {
			t.Fatalf("Location(%s) = %v, %v", code, ok, err)
		}
		if loc.Queue() != queue {
			t.Errorf("Location(%s).Queue() = %q, want %q", code, loc.Queue(), queue)
		}
	}
	if _, ok, _ := l.Location(context.Background(), "0000"); ok {
		t.Error("unknown location found")
	}
	if len(l.All()) != 4 {
		t.Errorf("All = %v", l.All())
	}
}

func TestReadLocationsErrors(t *testing.T) {
	const header = "location_code,name,owner\n"
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"missing owner column", "location_code,name\n", []string{"1 owner"}},
		{"unknown owner", header + "1867,Roosevelt Senior High,Downtown\n", []string{"2 owner"}},
		{"code with letters", header + "18A7,Roosevelt Senior High,East\n", []string{"2 location_code"}},
		{"empty code and name", header + ",,East\n", []string{"2 location_code", "2 name"}},
		{"duplicate code", header + "1867,Roosevelt Senior High,East\n1867,Garfield Senior High,East\n", []string{"3 location_code"}},
		{"long row", header + "1867,Roosevelt Senior High,East,extra\n", []string{"2 "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLocations(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("ReadLocations succeeded")
			}
			if got := csvErrors(err); !slices.Equal(got, tc.want) {
				t.Errorf("errors at %q, want %q\n%v", got, tc.want, err)
			}
		})
	}
}

func TestQueues(t *testing.T) {
	var got []string
	for _, owner := range []string{OwnerCentralOffice, OwnerCentral, OwnerEast, OwnerNortheast, OwnerNorthwest, OwnerSouth, OwnerWest} {
		q, ok := QueueFor(owner)
		if !ok {
			t.Errorf("QueueFor(%q) unknown", owner)
		}
		got = append(got, q)
	}
	slices.Sort(got)
	want := []string{"central-office", "ld-central", "ld-east", "ld-northeast", "ld-northwest", "ld-south", "ld-west"}
	if !slices.Equal(got, want) {
		t.Errorf("queues of the owners = %q, want %q", got, want)
	}
	if !slices.Equal(got, Queues()) {
		t.Errorf("queues of the owners %q differ from Queues() %q", got, Queues())
	}
	if _, ok := QueueFor("Downtown"); ok {
		t.Error("QueueFor(Downtown) known")
	}
}

// The sample files in the repository's testdata are what the corpus
// generator draws people and places from.
func loadSamples(t *testing.T) (*MemRoster, *MemLocations) {
	t.Helper()
	open := func(name string) *os.File {
		f, err := os.Open(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	r, err := ReadRoster(open("roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ReadLocations(open("locations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return r, l
}

func TestSampleData(t *testing.T) {
	r, l := loadSamples(t)
	ctx := context.Background()
	if n := len(l.All()); n < 50 || n > 70 {
		t.Errorf("%d locations, want about 60", n)
	}
	if n := r.Len(); n < 350 || n > 450 {
		t.Errorf("%d employees, want about 400", n)
	}
	fourDigits := regexp.MustCompile(`^\d{4}$`)
	queues := map[string]int{}
	for _, loc := range l.All() {
		if !fourDigits.MatchString(loc.Code) {
			t.Errorf("location code %q is not 4 digits", loc.Code)
		}
		queues[loc.Queue()]++
	}
	for _, q := range Queues() {
		if queues[q] == 0 {
			t.Errorf("no location routes to %s", q)
		}
	}
	status := map[HRStatus]int{}
	principals := map[string]bool{}
	titles := map[string]bool{}
	for _, e := range r.Employees() {
		status[e.Status]++
		titles[e.JobTitle] = true
		if _, ok, _ := l.Location(ctx, e.LocationCode); !ok {
			t.Errorf("an employee works at location %s, which is not in locations.csv", e.LocationCode)
		}
		if e.JobTitle == "Principal" && e.Status == HRProcessed {
			principals[e.LocationCode] = true
		}
	}
	n := float64(r.Len())
	for _, s := range []HRStatus{HRPending, HRSeparated} {
		if share := float64(status[s]) / n; share < 0.02 || share > 0.08 {
			t.Errorf("%.1f%% %s, want about 5%%", 100*share, s)
		}
	}
	for _, title := range []string{"Principal", "Assistant Principal", "Office Manager", "Counselor", "Teacher", "Coordinator", "Analyst"} {
		if !titles[title] {
			t.Errorf("no employee is a %s", title)
		}
	}
	for _, loc := range l.All() {
		school := strings.HasSuffix(loc.Name, "High") || strings.HasSuffix(loc.Name, "Middle") || strings.HasSuffix(loc.Name, "Elementary")
		if school && !principals[loc.Code] {
			t.Errorf("school %s has no principal with a processed HR record to sign its forms", loc.Code)
		}
	}
}

func TestPlace(t *testing.T) {
	locs, err := ReadLocations(strings.NewReader(`location_code,name,owner
6944,Garfield Senior High,East
7280,Reseda Senior High,Northwest
4016,Glenwood Elementary,Northeast
2666,Hoover Street Elementary,Central
2667,Hoover Street Elementary Annex,Central
9135,Local District West Office,West
9182,Local District East Office,East
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		read, want string
	}{
		{"Garfield Senior High", "6944"},
		{"CARFIELD SEMIOR HICH", "6944"}, // hand-printed, read through a fax
		{"ReSGDA S&EMIOR HIOH", "7280"},
		{"Glenwood ElemernLary", "4016"},
		{"Hoover St reel Elementary", "2666"},
		{"Hoover Street Elem Annex", ""},       // as near the school as its annex
		{"Senior High", ""},                    // near two
		{"Dana", ""},                           // too short to name a place
		{"LOCAL DISTRICT WEST OFFICE", "9135"}, // two letters from the East Office, none from the West
		{"LOCAL DISTRICT WEST 0FFICE", "9135"},
		{"LOCK. DIATRICT WEST Orie", ""}, // as good as East, misread twice more
		{"Tat Genwe Bish", ""},           // near none
	}
	for _, tt := range tests {
		code, ok := locs.Place(tt.read)
		if code != tt.want || ok != (tt.want != "") {
			t.Errorf("Place(%q) = %q, %v; want %q", tt.read, code, ok, tt.want)
		}
	}
}

func TestDiffer(t *testing.T) {
	locs := locationsOf(t, `6944,Garfield Senior High,East
7280,Reseda Senior High,Northwest
5657,Portola Middle,Northwest
3919,Calabash Street Elementary,Northwest
5110,Malabar Street Elementary,East
`)
	tests := []struct {
		a, b string
		want bool
	}{
		{"Garfield Senior High", "ReSGDA S&EMIOR HIOH", true},
		{"CARFIELD SEMIOR HICH", "GARTIELD SEMOR Wich", false},
		// Near Calabash and Malabar Street Elementary (which of the two,
		// not surely), and not near Portola Middle.
		{"PORTOLA MIDDLE", "CANCABASW STREET BUEMEN TARY", true},
		{"CANCABASW STREET BUEMEN TARY", "PORTOLA MIDDLE", true},
		// Near Malabar Street Elementary too: it may be that school.
		{"MALABAR STREET ELEMENTARY", "CANCABASW STREET BUEMEN TARY", false},
		{"CARFIELD SEMIOR HICH", "Tat Genwe Bish", false}, // near no place: says nothing
		{"CARFIELD SEMIOR HICH", "Dana", false},
		{"Tat Genwe Bish", "Senior High", false},
	}
	for _, tt := range tests {
		if got := locs.Differ(tt.a, tt.b); got != tt.want {
			t.Errorf("Differ(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestWhere(t *testing.T) {
	locs := locationsOf(t, `9216,Local District Northwest Office,Northwest
9302,Local District Northeast Office,Northeast
6944,Garfield Senior High,East
`)
	tests := []struct {
		code, name string
		want       string // "" for no place
	}{
		{"", "LOCAL .DISTRICT NORTHEAST AFFICE", "9302"},     // the name alone
		{"4302", "LOCAL .DISTRICT NORTHEAST AFFICE", "9302"}, // a misread code does not matter
		{"9216", "LOCAL DISTRICT NORTHWEST AreIre", "9216"},  // near both offices: the code decides
		{"", "LOCAL DISTRICT NORTHWEST AreIre", ""},          // without it, neither
		{"9302", "Garfield Senior Hich", "6944"},             // the name names a place clearly
		{"6944", "LOCAL DISTRICT NORTHWEST AreIre", ""},      // a code far from the name
		{"9216", "Dana", ""},                                 // too short a name to tell
		{"1234", "LOCAL DISTRICT NORTHWEST AreIre", ""},      // no such location
	}
	for _, tt := range tests {
		got, ok := locs.Where(tt.code, tt.name)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Where(%q, %q) = %q, %v; want %q", tt.code, tt.name, got, ok, tt.want)
		}
	}
}

// locationsOf reads the locations in rows, CSV lines under the header.
func locationsOf(t *testing.T, rows string) *MemLocations {
	t.Helper()
	locs, err := ReadLocations(strings.NewReader("location_code,name,owner\n" + rows))
	if err != nil {
		t.Fatal(err)
	}
	return locs
}

func TestWriteLocations(t *testing.T) {
	locs, err := ReadLocations(strings.NewReader(testLocationsCSV))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteLocations(&b, locs.All()); err != nil {
		t.Fatal(err)
	}
	again, err := ReadLocations(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, b.String())
	}
	if !slices.Equal(again.All(), locs.All()) {
		t.Errorf("read back %v, want %v", again.All(), locs.All())
	}
	if !slices.Equal(NewMemLocations(locs.All()).All(), locs.All()) {
		t.Error("NewMemLocations does not hold the locations given")
	}
}
