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
			rows[i] = []any{e.Number, e.LastName, e.FirstName, string(e.Status), e.LocationCode, e.JobTitle}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"employees"},
			[]string{"employee_number", "last_name", "first_name", "hr_status", "location_code", "job_title"},
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

// Employee implements validate.Roster.
func (r Roster) Employee(ctx context.Context, number string) (validate.Employee, bool, error) {
	var e validate.Employee
	var status string
	err := r.s.pool.QueryRow(ctx, `SELECT employee_number, last_name, first_name, hr_status, location_code, job_title
		FROM employees WHERE employee_number = $1`, number).
		Scan(&e.Number, &e.LastName, &e.FirstName, &status, &e.LocationCode, &e.JobTitle)
	if errors.Is(err, pgx.ErrNoRows) {
		return validate.Employee{}, false, nil
	}
	if err != nil {
		return validate.Employee{}, false, fmt.Errorf("store: look up employee: %w", err)
	}
	e.Status = validate.HRStatus(status)
	return e, true, nil
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

// Compile-time checks that the database lists implement the rules'
// interfaces.
var (
	_ validate.Roster    = Roster{}
	_ validate.Locations = Locations{}
)
