package sandbox

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

// The worker's role (deploy/worker_role.sql) is enough to run the whole
// pipeline, and refuses everything else a worker has no business doing.
func TestWorkerRole(t *testing.T) {
	ctx := context.Background()
	admin := database(t) // the schema's owner, with the roster imported
	sql, err := os.ReadFile("../deploy/worker_role.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Pool().Exec(ctx, string(sql)); err != nil {
		t.Fatalf("deploy/worker_role.sql: %v", err)
	}
	// Running it again (after a migration) must work too.
	if _, err := admin.Pool().Exec(ctx, string(sql)); err != nil {
		t.Fatalf("deploy/worker_role.sql, again: %v", err)
	}
	u, err := url.Parse(admin.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("intake_worker")
	st, err := store.Open(ctx, u.String(), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	cfg := testConfig(t)
	cfg.Stderr = &strings.Builder{}
	pool := newPool(t, cfg)
	r, err := work.New(work.Config{
		Store: st, Attachments: pool, Registry: forms.MustLoad(), Workers: 1, MaxAttempts: 1,
		Rules: validate.Config{Now: func() time.Time { return time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../testdata/sample/sub-0003.eml")
	if err != nil {
		t.Fatal(err)
	}
	goodIns, err := r.Ingest(ctx, good, "test:good")
	if err != nil {
		t.Fatalf("ingest as the worker: %v", err)
	}
	badIns, err := r.Ingest(ctx, eml("role-bad", "fax", pdfPart(encrypt(t, blankForm(t), "secret", "owner"))), "test:bad")
	if err != nil {
		t.Fatalf("ingest as the worker: %v", err)
	}
	dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := r.Drain(dctx); err != nil {
		t.Fatalf("drain as the worker: %v", err)
	}
	exp, err := admin.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exp {
		switch m.ID {
		case goodIns.ID:
			if m.Status != store.StatusProcessed || len(m.Forms) == 0 || m.Forms[0].Decision == "" {
				t.Errorf("good message %s with %d forms, want processed and decided", m.Status, len(m.Forms))
			}
		case badIns.ID:
			if len(m.Attachments) != 1 || m.Attachments[0].Status != store.StatusQuarantined {
				t.Errorf("encrypted attachment not quarantined: %+v", m.Attachments)
			}
		}
	}

	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	refused := []string{
		`SELECT * FROM users`,
		`SELECT * FROM sessions`,
		`DELETE FROM messages`,
		`DELETE FROM attachments`,
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`DELETE FROM employees`,
		`INSERT INTO employees VALUES ('12345678', 'X', 'Y', 'processed', '1234', 'Principal')`,
		`UPDATE locations SET owner = 'x'`,
		`CREATE TABLE stash (x int)`,
		`DROP TABLE messages`,
		`ALTER TABLE messages ADD COLUMN x int`,
		`ALTER ROLE intake_worker SUPERUSER`,
	}
	for _, q := range refused {
		_, err := conn.Exec(ctx, q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s: got %v, want permission denied (42501)", q, err)
		}
	}
}
