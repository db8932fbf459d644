package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// intake runs one command line and returns what it printed.
func intake(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func mustIntake(t *testing.T, args ...string) string {
	t.Helper()
	out, err := intake(t, args...)
	if err != nil {
		t.Fatalf("intake %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestPipelineCommands runs the database commands as an operator would:
// migrate, import the lists, ingest, drain, export, and work the queue.
func TestPipelineCommands(t *testing.T) {
	url := pg.EmptyDatabase(t)
	db := "--database-url=" + url

	t.Setenv("DATABASE_URL", "")
	if _, err := intake(t, "export"); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("export without a database: %v, want a message naming DATABASE_URL", err)
	}
	if _, err := intake(t, "work", "--drain", db); err == nil || !strings.Contains(err.Error(), "intake migrate") {
		t.Errorf("work on an unmigrated database: %v, want a message telling to run intake migrate", err)
	}
	mustIntake(t, "migrate", db)
	t.Setenv("DATABASE_URL", url) // the other way to name it
	if out := mustIntake(t, "migrate"); !strings.Contains(out, "applied 0 intake migrations") {
		t.Errorf("second migrate: %q", out)
	}
	mustIntake(t, "roster", "import", "../../testdata/roster.csv")
	mustIntake(t, "locations", "import", "../../testdata/locations.csv")

	// A retired revision (rejected, with a notice), the same message again
	// and a file that is not a PDF at all.
	eml := "../../testdata/sample/sub-0028.eml"
	bad := t.TempDir() + "/scan.pdf"
	if err := os.WriteFile(bad, []byte("this is not a PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustIntake(t, "ingest", eml, eml, bad)
	if strings.Count(out, "queued") != 2 || !strings.Contains(out, "a duplicate of message/1") {
		t.Errorf("ingest printed:\n%s", out)
	}
	mustIntake(t, "work", "--drain", "--workers", "1", "--as-of", "2026-11-20")

	var exp store.Export
	if err := json.Unmarshal([]byte(mustIntake(t, "export", "--json")), &exp); err != nil {
		t.Fatal(err)
	}
	m := exp["sub-0028.9ce5fee1e3b12a09@corpus.misis-intake"]
	if m == nil {
		keys := []string{}
		for k := range exp {
			keys = append(keys, k)
		}
		t.Fatalf("export has no sub-0028; keys %v", keys)
	}
	if len(m.Duplicates) != 1 || len(m.Forms) != 1 || m.Forms[0].Decision != "reject" || m.Forms[0].Reasons[0].Code != "revision.retired" {
		t.Errorf("sub-0028 exported as %+v", m)
	}
	quarantined := 0
	for _, x := range exp {
		for _, a := range x.Attachments {
			if a.Status == store.StatusQuarantined {
				quarantined++
			}
		}
	}
	if quarantined != 1 {
		t.Errorf("%d attachments quarantined, want the one that is not a PDF", quarantined)
	}
	if out := mustIntake(t, "retry"); strings.Count(out, "\n") != 1 {
		t.Errorf("retry listed failures:\n%s", out)
	}

	// The queue, on a request decided into the database directly (the
	// engine's reading of the sample decides no acceptance reliably).
	id := acceptedRequest(t, url)
	var qs []store.Request
	if err := json.Unmarshal([]byte(mustIntake(t, "queue", "list", "--queue", "ld-west", "--json")), &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || qs[0].ID != id {
		t.Fatalf("queue ld-west: %+v", qs)
	}
	sid := strings.TrimSpace(strings.Fields(strings.Split(mustIntake(t, "queue", "list"), "\n")[1])[0])
	mustIntake(t, "queue", "claim", sid, "--by", "pat")
	if _, err := intake(t, "queue", "claim", sid, "--by", "sam"); err == nil {
		t.Errorf("claiming a claimed request: no error")
	}
	if _, err := intake(t, "queue", "done", sid, "--granted", "--denied"); err == nil {
		t.Errorf("done with both --granted and --denied: no error")
	}
	if out := mustIntake(t, "queue", "done", sid, "--granted", "--note", "set up"); !strings.Contains(out, "granted by pat") {
		t.Errorf("queue done printed %q", out)
	}
}

// acceptedRequest stores an accepted form with one request on ld-west.
func acceptedRequest(t *testing.T, url string) int64 {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, url, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var id int64
	err = st.InTx(ctx, func(tx pgx.Tx) error {
		m, err := store.InsertMessage(ctx, tx, store.NewMessage{Key: "cli@x", Raw: []byte("cli")})
		if err != nil {
			return err
		}
		sp, err := store.SaveSplit(ctx, tx, m.ID, []store.NewAttachment{{Filename: "a.pdf", Type: "pdf", Data: []byte("cli")}})
		if err != nil {
			return err
		}
		rd, err := store.SaveRead(ctx, tx, sp.ToRead[0], []store.Page{{Page: 1}}, []forms.Reading{{Family: "district-staff", Pages: []int{1}}})
		if err != nil {
			return err
		}
		d, err := store.SaveDecision(ctx, tx, rd.Forms[0], validate.Decision{Outcome: validate.Accept, Requests: []validate.Request{{
			Action: validate.ActionAdd, Family: "district-staff", EmployeeNumber: "12345678",
			RolesAdd: []string{"Help Desk Support"}, Queue: "ld-west",
		}}}, nil)
		if err != nil {
			return err
		}
		id = d.Requests[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
