package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// templateFS holds the notice templates as shipped; LoadTemplates can
// replace each from a directory.
//
//go:embed templates/*.txt
var templateFS embed.FS

// Template file names, in mail/templates/ and in an override directory.
const (
	RejectionTemplate    = "rejection.txt"
	ConfirmationTemplate = "confirmation.txt"
)

// Templates renders the notices. A template's first line is
// "Subject: ...", then a blank line, then the body.
type Templates struct {
	rejection, confirmation *template.Template
}

var templateFuncs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "(date unknown)"
		}
		return t.Format("Monday, January 2, 2006")
	},
	"join": strings.Join,
}

// LoadTemplates returns the shipped templates, each replaced by the file of
// the same name in dir when dir is not "" and holds one. A template that
// does not parse, or that renders without a subject line, is an error here
// rather than at sending time.
func LoadTemplates(dir string) (*Templates, error) {
	load := func(name string) (*template.Template, error) {
		src, err := templateFS.ReadFile("templates/" + name)
		if err != nil {
			return nil, err
		}
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			switch {
			case err == nil:
				src = b
			case !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("mail: template %s: %w", name, err)
			}
		}
		t, err := template.New(name).Funcs(templateFuncs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("mail: template %s: %w", name, err)
		}
		return t, nil
	}
	var t Templates
	var err error
	if t.rejection, err = load(RejectionTemplate); err != nil {
		return nil, err
	}
	if t.confirmation, err = load(ConfirmationTemplate); err != nil {
		return nil, err
	}
	// Render the examples once, so a broken edit fails at start-up.
	if _, err := t.Rejection(exampleRejection); err != nil {
		return nil, err
	}
	if _, err := t.Confirmation(exampleConfirmation); err != nil {
		return nil, err
	}
	return &t, nil
}

// Reason is one reason a request was rejected: the rule's code and its
// message for the submitter.
type Reason struct {
	Code, Message string
}

// RoleChange is one role added or removed.
type RoleChange struct {
	Role string
	// Action is how the notice words it, e.g. "Added" or "Removed".
	Action string
}

// RequestSummary is what a notice says about the request. Every field may
// be empty: a form that could not be read says less. It never carries the
// employee number.
type RequestSummary struct {
	// Reference is the request's (or submission's) reference for replies.
	Reference string
	// Form and Revision are the form's title and its "Rev. MM/DD/YYYY".
	Form, Revision string
	// Received is when the message arrived.
	Received time.Time
	// Files are the attachment names the submitter sent.
	Files []string
	// Employee is the employee's name as written on the form.
	Employee string
	// Location is the school or office name (and code).
	Location string
	// Changes are the roles added or removed.
	Changes []RoleChange
}

// RejectionNotice is the input of Templates.Rejection.
type RejectionNotice struct {
	// MessageID is the notice's stable ID (StableMessageID).
	MessageID string
	// To are the submitter's addresses.
	To []string
	// InReplyTo is the Message-ID of the submission, or "".
	InReplyTo string
	Request   RequestSummary
	// Reasons are every reason the request was rejected; at least one.
	Reasons []Reason
	// Note is what the reviewer who rejected the form wrote, or "".
	Note string
	// FormsURL is where the current forms are posted; HelpDesk how to ask.
	FormsURL, HelpDesk string
}

// Confirmation is the input of Templates.Confirmation: access is set up.
type Confirmation struct {
	// MessageID is the notice's stable ID (StableMessageID).
	MessageID string
	// User is the employee's address and Administrator the address of the
	// administrator who signed; the notice goes to both.
	User, Administrator string
	Request             RequestSummary
	// AccessEnds is when the access expires (mirror access ends with the
	// academic year), or zero.
	AccessEnds time.Time
	// Denied is set when provisioning finished the request without
	// granting it; the notice then says so instead of confirming.
	Denied bool
	// Note is what provisioning wrote when finishing the request, or "".
	Note string
	// HelpDesk says how to ask.
	HelpDesk string
}

// Rejection renders the rejection notice, listing every reason.
func (t *Templates) Rejection(n RejectionNotice) (OutgoingMessage, error) {
	if len(n.Reasons) == 0 {
		return OutgoingMessage{}, errors.New("mail: rejection notice without a reason")
	}
	subject, body, err := render(t.rejection, n)
	if err != nil {
		return OutgoingMessage{}, err
	}
	return OutgoingMessage{MessageID: n.MessageID, To: n.To, Subject: subject, Text: body, InReplyTo: n.InReplyTo}, nil
}

// Confirmation renders the confirmation, to the user with the signing
// administrator in copy.
func (t *Templates) Confirmation(c Confirmation) (OutgoingMessage, error) {
	subject, body, err := render(t.confirmation, c)
	if err != nil {
		return OutgoingMessage{}, err
	}
	m := OutgoingMessage{MessageID: c.MessageID, Subject: subject, Text: body}
	if c.User != "" {
		m.To = []string{c.User}
	}
	if c.Administrator != "" && !strings.EqualFold(c.Administrator, c.User) {
		m.Cc = []string{c.Administrator}
	}
	return m, nil
}

func render(t *template.Template, data any) (subject, body string, err error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", "", fmt.Errorf("mail: render %s: %w", t.Name(), err)
	}
	out := strings.ReplaceAll(buf.String(), "\r\n", "\n")
	first, rest, _ := strings.Cut(out, "\n")
	subject, ok := strings.CutPrefix(first, "Subject:")
	subject = strings.TrimSpace(subject)
	if !ok || subject == "" {
		return "", "", fmt.Errorf("mail: template %s must begin with a \"Subject: ...\" line", t.Name())
	}
	return subject, strings.TrimLeft(rest, "\n"), nil
}

// The examples every template must render at load time.
var (
	exampleRequest = RequestSummary{
		Reference: "R-1", Form: "MiSiS Access Request Form", Revision: "Rev. 02/17/2022",
		Received: time.Date(2026, 8, 17, 9, 30, 0, 0, time.UTC), Files: []string{"fax.pdf"},
		Employee: "A. Person", Location: "Example Elementary (1234)",
		Changes: []RoleChange{{Role: "Counselor", Action: "Added"}},
	}
	exampleRejection = RejectionNotice{
		MessageID: "example@localhost", To: []string{"a@example.org"}, Request: exampleRequest,
		Reasons:  []Reason{{Code: "example", Message: "Example reason."}},
		FormsURL: "https://example.org/forms", HelpDesk: "help@example.org",
	}
	exampleConfirmation = Confirmation{
		MessageID: "example@localhost", User: "a@example.org", Administrator: "b@example.org",
		Request: exampleRequest, AccessEnds: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), HelpDesk: "help@example.org",
	}
)
