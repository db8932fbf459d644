package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// HRStatus is the state of an employee's HR record.
type HRStatus string

// HR statuses. Only a processed employee may be granted access.
const (
	HRProcessed HRStatus = "processed" // complete, with no pending issues
	HRPending   HRStatus = "pending"   // not yet completely processed
	HRSeparated HRStatus = "separated" // has left the district
)

// Employee is one row of the HR roster.
type Employee struct {
	Number       string   `json:"employee_number"`
	LastName     string   `json:"last_name"`
	FirstName    string   `json:"first_name"`
	Status       HRStatus `json:"hr_status"`
	LocationCode string   `json:"location_code"`
	JobTitle     string   `json:"job_title"`
}

// Roster looks employees up by their 8-digit number (found is false when
// the roster has no such employee), lists the staff the roster places at
// a location, and the employees of a name: the same up to case, accents
// and anything not a letter (see FoldName), an empty first or last name
// matching any (both empty match no one). err is for failures to look.
type Roster interface {
	Employee(ctx context.Context, number string) (e Employee, found bool, err error)
	Staff(ctx context.Context, locationCode string) ([]Employee, error)
	Named(ctx context.Context, first, last string) ([]Employee, error)
}

// MemRoster is a Roster held in memory, read from the HR export.
type MemRoster struct {
	byNumber map[string]Employee
	order    []string
}

// RosterColumns is the header of the roster CSV, in its usual order.
var RosterColumns = []string{"employee_number", "last_name", "first_name", "hr_status", "location_code", "job_title"}

// ReadRoster reads the HR roster CSV. The header must name RosterColumns
// (in any order). Every bad row is reported as a *CSVError naming its line
// and column, all joined into one error.
func ReadRoster(r io.Reader) (*MemRoster, error) {
	rows, err := readCSV(r, RosterColumns)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	m := &MemRoster{byNumber: map[string]Employee{}}
	firstLine := map[string]int{}
	var errs []error
	for _, row := range rows {
		bad := func(col, format string, args ...any) {
			errs = append(errs, &CSVError{Line: row.line, Column: col, Problem: fmt.Sprintf(format, args...)})
		}
		e := Employee{
			Number:       row.cells["employee_number"],
			LastName:     row.cells["last_name"],
			FirstName:    row.cells["first_name"],
			Status:       HRStatus(strings.ToLower(row.cells["hr_status"])),
			LocationCode: row.cells["location_code"],
			JobTitle:     row.cells["job_title"],
		}
		ok := true
		if !isDigits(e.Number, employeeNumberLen) {
			bad("employee_number", "%q is not %d digits", e.Number, employeeNumberLen)
			ok = false
		} else if prev, dup := firstLine[e.Number]; dup {
			bad("employee_number", "employee number also on line %d", prev)
			ok = false
		}
		for _, c := range []struct{ col, val string }{
			{"last_name", e.LastName}, {"first_name", e.FirstName},
			{"location_code", e.LocationCode}, {"job_title", e.JobTitle},
		} {
			if c.val == "" {
				bad(c.col, "is empty")
				ok = false
			}
		}
		switch e.Status {
		case HRProcessed, HRPending, HRSeparated:
		default:
			bad("hr_status", "%q is not processed, pending or separated", row.cells["hr_status"])
			ok = false
		}
		if ok {
			firstLine[e.Number] = row.line
			m.byNumber[e.Number] = e
			m.order = append(m.order, e.Number)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("read roster: %w", errors.Join(errs...))
	}
	return m, nil
}

// Employee implements Roster.
func (m *MemRoster) Employee(ctx context.Context, number string) (Employee, bool, error) {
	if err := ctx.Err(); err != nil {
		return Employee{}, false, err
	}
	e, ok := m.byNumber[number]
	return e, ok, nil
}

// Staff implements Roster: the employees at a location, in file order.
func (m *MemRoster) Staff(ctx context.Context, locationCode string) ([]Employee, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var staff []Employee
	for _, n := range m.order {
		if e := m.byNumber[n]; e.LocationCode == locationCode {
			staff = append(staff, e)
		}
	}
	return staff, nil
}

// Named implements Roster: the employees of a name, in file order.
func (m *MemRoster) Named(ctx context.Context, first, last string) ([]Employee, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, l := FoldName(first), FoldName(last)
	if f == "" && l == "" {
		return nil, nil
	}
	var named []Employee
	for _, n := range m.order {
		e := m.byNumber[n]
		if (f == "" || FoldName(e.FirstName) == f) && (l == "" || FoldName(e.LastName) == l) {
			named = append(named, e)
		}
	}
	return named, nil
}

// Employees returns every employee in file order.
func (m *MemRoster) Employees() []Employee {
	out := make([]Employee, 0, len(m.order))
	for _, n := range m.order {
		out = append(out, m.byNumber[n])
	}
	return out
}

// Len returns the number of employees.
func (m *MemRoster) Len() int { return len(m.order) }

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
