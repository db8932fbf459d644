package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lausd/misis-intake/store"
)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pg.EmptyDatabase(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	if err := s.CheckSchema(ctx); !errors.Is(err, store.ErrNotMigrated) {
		t.Fatalf("CheckSchema on an empty database: %v, want ErrNotMigrated", err)
	}
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Migrate(ctx, s.Pool())
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(res.Applied) != len(ms) || len(res.RiverApplied) == 0 {
		t.Errorf("first Migrate applied %v and river %v, want all %d and some", res.Applied, res.RiverApplied, len(ms))
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	res, err = store.Migrate(ctx, s.Pool())
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(res.Applied) != 0 || len(res.RiverApplied) != 0 {
		t.Errorf("second Migrate applied %v and river %v, want nothing", res.Applied, res.RiverApplied)
	}

	// Losing River's tables makes the schema incomplete again.
	if _, err := s.Pool().Exec(ctx, `DROP TABLE river_migration`); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); !errors.Is(err, store.ErrNotMigrated) {
		t.Errorf("CheckSchema without River's tables: %v, want ErrNotMigrated", err)
	}
}

func TestAuditLogAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.Pool().Exec(ctx, `INSERT INTO audit_log (actor, action, subject) VALUES ('t', 'x', 'y')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := s.Pool().Exec(ctx, q); err == nil {
			t.Errorf("%s: succeeded, want refused", q)
		}
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor = 't'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit rows after refused changes: %d (%v), want 1", n, err)
	}
}
