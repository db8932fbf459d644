package mail

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/notice")

func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", "notice", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var testRequest = RequestSummary{
	Reference: "R-2026-000123",
	Form:      "MiSiS Access Request Form for School-Based Personnel",
	Revision:  "Rev. 09/01/2020",
	Received:  time.Date(2026, 11, 20, 13, 48, 0, 0, time.UTC),
	Files:     []string{"fax_20261120_1408_0815.pdf", "page2.tif"},
	Employee:  "Maria Lopez",
	Location:  "Garfield Senior High (8650)",
	Changes:   []RoleChange{{Role: "Counselor", Action: "Added"}, {Role: "Office Manager", Action: "Removed"}},
}

func TestRejection(t *testing.T) {
	tpl, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	n := RejectionNotice{
		MessageID: StableMessageID("rejection", "outbox-7", "misis-intake.lausd.net"),
		To:        []string{"office.8650@lausd.net"},
		InReplyTo: "sub-0008.352feb180f3c6539@corpus.misis-intake",
		Request:   testRequest,
		Reasons: []Reason{
			{Code: "form.revision_retired", Message: "Form revision Rev. 09/01/2020 is no longer accepted; please use Rev. 02/17/2022 from the MiSiS website."},
			{Code: "employee.number_format", Message: "The employee number must be exactly 8 digits."},
			{Code: "signature.admin_missing", Message: "The site administrator has not signed the form."},
		},
		FormsURL: "https://achieve.lausd.net/misis",
		HelpDesk: "ITD Help Desk, 213-241-5200",
	}
	m, err := tpl.Rejection(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range n.Reasons {
		if !strings.Contains(m.Text, r.Message) || !strings.Contains(m.Text, r.Code) {
			t.Errorf("reason %s is not listed", r.Code)
		}
	}
	if m.MessageID != n.MessageID || m.InReplyTo != n.InReplyTo || len(m.To) != 1 || m.To[0] != n.To[0] {
		t.Errorf("message = %+v", m)
	}
	golden(t, "rejection.golden", "Subject: "+m.Subject+"\n\n"+m.Text)

	// A form that could not be read at all says less, and still reads well.
	short, err := tpl.Rejection(RejectionNotice{MessageID: "x@y", To: []string{"a@lausd.net"},
		Request: RequestSummary{Received: testRequest.Received},
		Reasons: []Reason{{Code: "mail.no_attachment", Message: NoAttachmentReason}}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "rejection-short.golden", "Subject: "+short.Subject+"\n\n"+short.Text)

	if _, err := tpl.Rejection(RejectionNotice{MessageID: "x@y", To: []string{"a@lausd.net"}}); err == nil {
		t.Error("a rejection without reasons rendered")
	}
}

func TestConfirmation(t *testing.T) {
	tpl, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	c := Confirmation{
		MessageID:     StableMessageID("confirmation", "R-2026-000123", "misis-intake.lausd.net"),
		User:          "maria.lopez@lausd.net",
		Administrator: "principal.8650@lausd.net",
		Request:       testRequest,
		AccessEnds:    time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC),
		HelpDesk:      "ITD Help Desk, 213-241-5200",
	}
	m, err := tpl.Confirmation(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0] != c.User || len(m.Cc) != 1 || m.Cc[0] != c.Administrator {
		t.Errorf("recipients To %v Cc %v, want the user and the signing administrator", m.To, m.Cc)
	}
	golden(t, "confirmation.golden", "Subject: "+m.Subject+"\n\n"+m.Text)
	bare, err := tpl.Confirmation(Confirmation{MessageID: "x@y", User: "a@lausd.net", Request: RequestSummary{Received: testRequest.Received}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "confirmation-short.golden", "Subject: "+bare.Subject+"\n\n"+bare.Text)

	// The administrator requesting their own access gets one copy.
	c.Administrator = "Maria.Lopez@lausd.net"
	if m, _ := tpl.Confirmation(c); len(m.Cc) != 0 {
		t.Errorf("Cc %v, want none when the administrator is the user", m.Cc)
	}
	// The rendered notice is a message the Sender can send.
	if _, err := m.Bytes(); err == nil {
		t.Error("a message without From was written")
	}
	m.From = "misis-access@lausd.net"
	if _, err := m.Bytes(); err != nil {
		t.Errorf("Bytes: %v", err)
	}
}

func TestLoadTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(RejectionTemplate, "Subject: Solicitud rechazada {{.Request.Reference}}\n\n{{range .Reasons}}* {{.Message}}\n{{end}}")
	tpl, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tpl.Rejection(RejectionNotice{MessageID: "x@y", To: []string{"a@lausd.net"}, Request: RequestSummary{Reference: "R-9"},
		Reasons: []Reason{{Code: "a", Message: "uno"}, {Code: "b", Message: "dos"}}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Solicitud rechazada R-9" || m.Text != "* uno\n* dos\n" {
		t.Errorf("override rendered %q / %q", m.Subject, m.Text)
	}
	// The confirmation, not overridden, is the shipped one.
	c, err := tpl.Confirmation(exampleConfirmation)
	if err != nil || !strings.HasPrefix(c.Subject, "MiSiS access updated") {
		t.Errorf("confirmation = %q, %v", c.Subject, err)
	}

	for name, text := range map[string]string{
		"does not parse":  "Subject: {{.Request.Reference\n\nbody",
		"no subject line": "Hello {{.Request.Reference}}\n",
		"unknown field":   "Subject: x\n\n{{.Request.EmployeeNumber}}",
		"empty subject":   "Subject: \n\nbody",
	} {
		write(RejectionTemplate, text)
		if _, err := LoadTemplates(dir); err == nil {
			t.Errorf("template that %s loaded", name)
		}
	}
}
