package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/validate"
)

// ImportRoster replaces the HR roster with the employees given, in one
// transaction, and returns how many there are.
func (s *Store) ImportRoster(ctx context.Context, actor string, r *validate.MemRoster) (int, error) {
	emps := r.Employees()
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM employees`); err != nil {
			return err
		}
		rows := make([][]any, len(emps))
		for i, e := range emps {
			rows[i] = []any{e.Number, e.LastName, e.FirstName, string(e.Status), e.LocationCode, e.JobTitle,
				validate.FoldName(e.FirstName), validate.FoldName(e.LastName)}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"employees"},
			[]string{"employee_number", "last_name", "first_name", "hr_status", "location_code", "job_title", "first_folded", "last_folded"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "roster.import", "roster", map[string]any{"employees": len(emps)})
	})
	if err != nil {
		return 0, fmt.Errorf("store: import roster: %w", err)
	}
	return len(emps), nil
}

// ImportLocations replaces the location list, in one transaction, and
// returns how many there are.
func (s *Store) ImportLocations(ctx context.Context, actor string, l *validate.MemLocations) (int, error) {
	locs := l.All()
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM locations`); err != nil {
			return err
		}
		rows := make([][]any, len(locs))
		for i, x := range locs {
			rows[i] = []any{x.Code, x.Name, x.Owner}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"locations"},
			[]string{"location_code", "name", "owner"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "locations.import", "locations", map[string]any{"locations": len(locs)})
	})
	if err != nil {
		return 0, fmt.Errorf("store: import locations: %w", err)
	}
	return len(locs), nil
}

// Roster is the HR roster in the database; it implements validate.Roster.
type Roster struct{ s *Store }

// Roster returns the database's HR roster.
func (s *Store) Roster() Roster { return Roster{s} }

// employeeColumns are the columns scanEmployee reads, in its order.
const employeeColumns = `employee_number, last_name, first_name, hr_status, location_code, job_title`

// scanEmployee reads one row of employeeColumns.
func scanEmployee(row pgx.Row) (validate.Employee, error) {
	var e validate.Employee
	var status string
	err := row.Scan(&e.Number, &e.LastName, &e.FirstName, &status, &e.LocationCode, &e.JobTitle)
	e.Status = validate.HRStatus(status)
	return e, err
}

// Employee implements validate.Roster.
func (r Roster) Employee(ctx context.Context, number string) (validate.Employee, bool, error) {
	e, err := scanEmployee(r.s.pool.QueryRow(ctx, `SELECT `+employeeColumns+` FROM employees WHERE employee_number = $1`, number))
	if errors.Is(err, pgx.ErrNoRows) {
		return validate.Employee{}, false, nil
	}
	if err != nil {
		return validate.Employee{}, false, fmt.Errorf("store: look up employee: %w", err)
	}
	return e, true, nil
}

// Staff implements validate.Roster: the employees at a location, by
// employee number.
func (r Roster) Staff(ctx context.Context, locationCode string) ([]validate.Employee, error) {
	return r.list(ctx, `location_code = $1`, locationCode)
}

// Named implements validate.Roster: the employees of a name, compared as
// validate.FoldName folds it, by employee number.
func (r Roster) Named(ctx context.Context, first, last string) ([]validate.Employee, error) {
	f, l := validate.FoldName(first), validate.FoldName(last)
	if f == "" && l == "" {
		return nil, nil
	}
	return r.list(ctx, `($1 = '' OR first_folded = $1) AND ($2 = '' OR last_folded = $2)`, f, l)
}

// list returns the employees a condition on the employees table selects,
// by employee number.
func (r Roster) list(ctx context.Context, where string, args ...any) ([]validate.Employee, error) {
	rows, err := r.s.pool.Query(ctx, `SELECT `+employeeColumns+` FROM employees WHERE `+where+` ORDER BY employee_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list employees: %w", err)
	}
	emps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (validate.Employee, error) { return scanEmployee(row) })
	if err != nil {
		return nil, fmt.Errorf("store: list employees: %w", err)
	}
	return emps, nil
}

// Locations is the location list in the database; it implements
// validate.Locations.
type Locations struct{ s *Store }

// Locations returns the database's location list.
func (s *Store) Locations() Locations { return Locations{s} }

// Location implements validate.Locations.
func (l Locations) Location(ctx context.Context, code string) (validate.Location, bool, error) {
	var x validate.Location
	err := l.s.pool.QueryRow(ctx, `SELECT location_code, name, owner FROM locations WHERE location_code = $1`, code).
		Scan(&x.Code, &x.Name, &x.Owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return validate.Location{}, false, nil
	}
	if err != nil {
		return validate.Location{}, false, fmt.Errorf("store: look up location: %w", err)
	}
	return x, true, nil
}

// All returns every location, by code.
func (l Locations) All(ctx context.Context) ([]validate.Location, error) {
	rows, err := l.s.pool.Query(ctx, `SELECT location_code, name, owner FROM locations ORDER BY location_code`)
	if err != nil {
		return nil, fmt.Errorf("store: list locations: %w", err)
	}
	locs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (validate.Location, error) {
		var x validate.Location
		err := row.Scan(&x.Code, &x.Name, &x.Owner)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list locations: %w", err)
	}
	return locs, nil
}

// Compile-time checks that the database lists implement the rules'
// interfaces.
var (
	_ validate.Roster    = Roster{}
	_ validate.Locations = Locations{}
)
