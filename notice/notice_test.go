package notice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/validate"
)

func newNotices(t *testing.T, cfg Config) *Notices {
	t.Helper()
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// reading returns a form reading with the given e-mail values; a name
// ending in "?" is read unsurely, one ending in "!" was set by a reviewer.
func reading(values map[string]string) *forms.Reading {
	rd := &forms.Reading{Family: "school-personnel", Revision: "08/15/2022", Values: map[string]forms.Value{}}
	for name, text := range values {
		v := forms.Value{Text: text, Sure: true, Source: forms.FromEngine, Confidence: 0.99}
		switch {
		case strings.HasSuffix(name, "?"):
			name, v.Sure, v.Confidence = strings.TrimSuffix(name, "?"), false, 0.4
		case strings.HasSuffix(name, "!"):
			name, v.Sure, v.Source = strings.TrimSuffix(name, "!"), false, forms.FromReviewer
		}
		rd.Values[name] = v
	}
	return rd
}

func TestRecipient(t *testing.T) {
	n := newNotices(t, Config{})
	custom := newNotices(t, Config{Gateways: []string{"fax@school.example", "*@relay.example"}, HelpDesk: "Desk <desk@lausd.net>"})
	cases := []struct {
		name    string
		n       *Notices
		from    string
		values  map[string]string
		want    string
		wantVia Via
	}{
		{"a person who sent it is answered", n, `"Front Office" <office.7957@lausd.net>`, map[string]string{"admin_email": "boss"}, "office.7957@lausd.net", ViaSender},
		{"a bare address", n, "Office.7957@LAUSD.net", nil, "office.7957@lausd.net", ViaSender},
		{"the RightFax gateway: the administrator on the form", n, `"RightFax Gateway" <faxgateway@lausd.net>`, map[string]string{"admin_email": "irinas", "email": "user"}, "irinas@lausd.net", ViaForm},
		{"eFax, any local part", n, "message@inbound.efax.com", map[string]string{"admin_email": "irinas"}, "irinas@lausd.net", ViaForm},
		{"the help desk's scanner", n, "itd-scan@lausd.net", map[string]string{"admin_email": "irinas"}, "irinas@lausd.net", ViaForm},
		{"a no-reply scanner", n, `"Xerox WorkCentre 7855" <scanner-noreply@lausd.net>`, map[string]string{"admin_email": "irinas"}, "irinas@lausd.net", ViaForm},
		{"do-not-reply", n, "do-not-reply@district.example", map[string]string{"admin_email": "irinas"}, "irinas@lausd.net", ViaForm},
		{"no_reply", n, "no_reply.fax@district.example", nil, DefaultHelpDesk, ViaHelpDesk},
		{"unsure administrator: the user's e-mail", n, "faxgateway@lausd.net", map[string]string{"admin_email?": "lrinas", "email": "alee"}, "alee@lausd.net", ViaForm},
		{"a reviewer's correction counts as sure", n, "faxgateway@lausd.net", map[string]string{"admin_email!": "irinas"}, "irinas@lausd.net", ViaForm},
		{"nothing sure: the help desk", n, "faxgateway@lausd.net", map[string]string{"admin_email?": "irinas", "email?": "alee"}, DefaultHelpDesk, ViaHelpDesk},
		{"no e-mail on the form (batch removal)", n, "message@inbound.efax.com", nil, DefaultHelpDesk, ViaHelpDesk},
		{"a whole address written in the box is not trusted", n, "faxgateway@lausd.net", map[string]string{"admin_email": "boss@gmail.com"}, DefaultHelpDesk, ViaHelpDesk},
		{"no sender at all", n, "", map[string]string{"email": "alee"}, "alee@lausd.net", ViaForm},
		{"an unreadable sender", n, "not an address", nil, DefaultHelpDesk, ViaHelpDesk},
		{"configured gateways replace the defaults", custom, "faxgateway@lausd.net", map[string]string{"admin_email": "irinas"}, "faxgateway@lausd.net", ViaSender},
		{"a configured exact gateway", custom, "FAX@school.example", nil, "desk@lausd.net", ViaHelpDesk},
		{"a configured domain gateway", custom, "anyone@relay.example", map[string]string{"admin_email": "irinas"}, "irinas@lausd.net", ViaForm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, via := tc.n.Recipient(tc.from, reading(tc.values))
			if got != tc.want || via != tc.wantVia {
				t.Errorf("Recipient(%q) = %q via %s, want %q via %s", tc.from, got, via, tc.want, tc.wantVia)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	for _, cfg := range []Config{
		{Gateways: []string{"no-at-sign"}},
		{Gateways: []string{"[@x"}},
		{HelpDesk: "not an address"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
}

func TestRejection(t *testing.T) {
	n := newNotices(t, Config{})
	rd := reading(map[string]string{"admin_email": "irinas", "first_name": "Maria", "last_name?": "Lopes", "school_name": "Garfield Senior High", "location_code": "8650"})
	// 03:00 UTC on the 21st is the evening of the 20th in Los Angeles.
	f := Form{ID: 42, From: "faxgateway@lausd.net", MessageKey: "sub-1@corpus", Received: time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC), Filename: "fax.pdf", Reading: rd}
	reasons := []validate.Reason{
		{Code: "revision.retired", Message: "This revision of the form is no longer accepted."},
		{Code: "employee.format", Message: "The employee number must be exactly 8 digits."},
		{Code: "employee.format", Message: "The employee number must be exactly 8 digits."},
	}
	e, err := n.Rejection(f, reasons, " The phone number is smudged. ")
	if err != nil {
		t.Fatal(err)
	}
	if e.To != "irinas@lausd.net" || e.Via != ViaForm || e.InReplyTo != "sub-1@corpus" || !strings.Contains(e.Subject, "F-42") {
		t.Errorf("rejection %+v", e)
	}
	for _, want := range []string{reasons[0].Message, reasons[1].Message, "[revision.retired]", "Note from ITD: The phone number is smudged.",
		"Rev. 08/15/2022", "Garfield Senior High (8650)", "Employee: Maria\n", "fax.pdf", "Friday, November 20, 2026", DefaultHelpDesk, DefaultFormsURL} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, e.Body)
		}
	}
	if strings.Count(e.Body, reasons[1].Message) != 1 {
		t.Errorf("a reason given twice is listed twice:\n%s", e.Body)
	}
	if strings.Contains(e.Body, "Lopes") {
		t.Errorf("an unsure value is repeated to the school:\n%s", e.Body)
	}
	f.MessageKey = "sha256:abc"
	if e, _ := n.Rejection(f, reasons, ""); e.InReplyTo != "" || strings.Contains(e.Body, "Note from ITD") {
		t.Errorf("a message without Message-ID answered, or an empty note shown: %+v", e)
	}
	batch := []validate.Reason{
		{Code: "employee.format", Row: 3, Message: "The employee number must be exactly 8 digits."},
		{Code: "employee.format", Row: 5, Message: "The employee number must be exactly 8 digits."},
		{Code: "signature.admin", Message: "The administrator has not signed."},
	}
	e, err = n.Rejection(f, batch, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Row 3: The employee number", "Row 5: The employee number", "The administrator has not signed."} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("batch rejection lacks %q:\n%s", want, e.Body)
		}
	}
	if _, err := n.Rejection(f, nil, ""); err == nil {
		t.Errorf("a rejection without a reason: no error")
	}
}

func TestConfirmation(t *testing.T) {
	n := newNotices(t, Config{HelpDesk: "desk@lausd.net"})
	q := Request{ID: 7, Family: "school-mirror", Received: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), FirstName: "Ana", LastName: "Lee",
		LocationCode: "1234", RolesAdd: []string{"Counselor"}, RolesRemove: []string{"Clerk"}, EndDate: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC),
		Email: "alee@lausd.net", AdminEmail: "boss@lausd.net", Granted: true, Note: "set up"}
	es, err := n.Confirmation(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].To != "alee@lausd.net" || es[1].To != "boss@lausd.net" || es[0].Body != es[1].Body {
		t.Fatalf("confirmations %+v, want one to the user and one to the administrator", es)
	}
	for _, want := range []string{"R-7", "has been completed", "Added: Counselor", "Removed: Clerk", "Wednesday, June 30, 2027", "Note from ITD: set up", "desk@lausd.net"} {
		if !strings.Contains(es[0].Subject+"\n"+es[0].Body, want) {
			t.Errorf("confirmation lacks %q:\n%s\n%s", want, es[0].Subject, es[0].Body)
		}
	}
	q.Granted, q.AdminEmail = false, "ALEE@lausd.net"
	es, err = n.Confirmation(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || !strings.Contains(es[0].Body, "was not granted") || strings.Contains(es[0].Body, "This access ends") ||
		!strings.Contains(es[0].Subject, "not granted") {
		t.Errorf("denied request, user also the administrator: %+v", es)
	}
	if es, err := n.Confirmation(Request{ID: 8, Granted: true}); err != nil || len(es) != 0 {
		t.Errorf("no address: %+v %v", es, err)
	}
}

// TestTemplatesDir: an edited template file replaces the shipped one.
func TestTemplatesDir(t *testing.T) {
	dir := t.TempDir()
	src := "Subject: Not accepted {{.Request.Reference}}\n\n{{range .Reasons}}* {{.Message}}\n{{end}}"
	if err := os.WriteFile(filepath.Join(dir, mail.RejectionTemplate), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := mail.LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := newNotices(t, Config{Templates: tpl})
	e, err := n.Rejection(Form{ID: 3, From: "office@lausd.net"}, []validate.Reason{{Code: "x", Message: "First."}, {Code: "y", Message: "Second."}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Not accepted F-3" || e.Body != "* First.\n* Second.\n" {
		t.Errorf("edited template: %q %q", e.Subject, e.Body)
	}
}
