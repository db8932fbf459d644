package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/mail/dovecottest"
	"github.com/lausd/misis-intake/store"
)

// TestWorkPollsMailbox: `intake work --drain --imap-url` takes the mailbox
// in before working the jobs, and a URL that cannot work is refused before
// anything starts, without showing its secret.
func TestWorkPollsMailbox(t *testing.T) {
	url := pg.EmptyDatabase(t)
	db := "--database-url=" + url
	mustIntake(t, "migrate", db)
	dc := dovecottest.Start(t)
	raw, err := os.ReadFile("../../testdata/sample/sub-0028.eml")
	if err != nil {
		t.Fatal(err)
	}
	dc.Deliver(t, raw)
	dc.Deliver(t, []byte("From: clerk@lausd.net\r\nMessage-ID: <q.1@lausd.net>\r\nSubject: status?\r\n\r\nWhere is my request?\r\n"))
	mustIntake(t, "work", "--drain", db, "--imap-url="+dc.URL("INBOX"))
	if i, p, q := dc.Count(t, "INBOX"), dc.Count(t, "Processed"), dc.Count(t, "Quarantine"); i != 0 || p != 1 || q != 1 {
		t.Errorf("INBOX %d, Processed %d, Quarantine %d; want 0, 1, 1", i, p, q)
	}
	st, err := store.Open(context.Background(), url, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stored, decided int
	if err := st.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM forms WHERE status = 'decided')`).Scan(&stored, &decided); err != nil {
		t.Fatal(err)
	}
	if stored != 2 || decided == 0 {
		t.Errorf("%d messages stored and %d forms decided, want 2 and the sample's form", stored, decided)
	}

	t.Setenv("INTAKE_IMAP_CLIENT_SECRET", "")
	for _, bad := range []string{"imap://u:s3cret@mail.lausd.net/INBOX", "imaps://u@outlook.office365.com/INBOX?auth=xoauth2&tenant=t&client_id=c"} {
		_, err := intake(t, "work", "--drain", db, "--imap-url="+bad)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("work --imap-url=%s: %v, want a refusal without the password", bad, err)
		}
	}
}
