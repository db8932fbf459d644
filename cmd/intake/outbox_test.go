package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/mail/smtptest"
	"github.com/lausd/misis-intake/store"
)

// TestOutboxCommands: an edited template words the notice, a notice the
// server refuses is parked and listed with the reason, `outbox requeue`
// puts it back and the next drain sends it; bad notice flags are refused.
func TestOutboxCommands(t *testing.T) {
	url := pg.EmptyDatabase(t)
	db := "--database-url=" + url
	mustIntake(t, "migrate", db)
	mustIntake(t, "roster", "import", db, "../../testdata/roster.csv")
	mustIntake(t, "locations", "import", db, "../../testdata/locations.csv")
	mustIntake(t, "ingest", db, "../../testdata/sample/sub-0028.eml") // a retired revision: rejected

	for _, bad := range [][]string{{"--helpdesk-email=not an address"}, {"--fax-gateways=nobody"}, {"--smtp-url=smtp://mail.lausd.net"}} {
		if _, err := intake(t, append([]string{"work", "--drain", db}, bad...)...); err == nil {
			t.Errorf("work --drain %v: no error", bad)
		}
	}

	tpl := t.TempDir()
	if err := os.WriteFile(filepath.Join(tpl, "rejection.txt"), []byte("Subject: Custom {{.Request.Reference}}\n\n{{range .Reasons}}{{.Code}}\n{{end}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{})
	srv.FailNext(1, 554)
	work := []string{"work", "--drain", db, "--as-of=2026-11-20", "--workers=1", "--smtp-url=" + srv.URL(), "--templates=" + tpl, "--helpdesk-email=desk@lausd.net"}
	mustIntake(t, work...)

	var parked []store.OutboxEmail
	if err := json.Unmarshal([]byte(mustIntake(t, "outbox", "list", db, "--parked", "--json")), &parked); err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || !strings.HasPrefix(parked[0].Subject, "Custom F-") || parked[0].Body != "revision.retired\n" ||
		!strings.Contains(parked[0].ParkReason, "554") {
		t.Fatalf("parked: %+v", parked)
	}
	if out := mustIntake(t, "outbox", "requeue", db); out != "1 parked e-mails queued again\n" {
		t.Errorf("requeue printed %q", out)
	}
	mustIntake(t, work...)
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].Subject != parked[0].Subject || msgs[0].To[0] != parked[0].To {
		t.Errorf("sent %+v, want the requeued notice", msgs)
	}
	if out := mustIntake(t, "outbox", "list", db); !strings.Contains(out, "sent") || strings.Contains(out, "parked") {
		t.Errorf("outbox list:\n%s", out)
	}
	if _, err := intake(t, "outbox", "requeue", db, "x"); err == nil {
		t.Errorf("requeue of a non-number: no error")
	}
}
