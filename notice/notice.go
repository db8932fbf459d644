package notice

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	_ "time/tzdata" // the district's time zone even where the system has no zone database

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/validate"
)

// DefaultFormsURL is where the district posts the current forms.
const DefaultFormsURL = "http://misis.lausd.net"

// Config configures New. Zero fields take the documented defaults.
type Config struct {
	// Templates renders the notices; nil means the shipped templates
	// (mail.LoadTemplates("")).
	Templates *mail.Templates
	// Registry names the forms; nil loads the embedded definitions.
	Registry *forms.Registry
	// Gateways are the senders that relay forms for someone else, as
	// "user@host" or "*@host" (any path.Match pattern over the address);
	// nil means DefaultGateways. A non-nil empty list names none.
	Gateways []string
	// HelpDesk is the address told when the submitter cannot be, and named
	// in every notice for questions; "" means DefaultHelpDesk.
	HelpDesk string
	// FormsURL is where the current forms are posted; "" means
	// DefaultFormsURL.
	FormsURL string
	// Location is the time zone dates are told in; nil means
	// America/Los_Angeles.
	Location *time.Location
}

// Notices writes the intake's notices. It is safe for concurrent use.
type Notices struct {
	t        *mail.Templates
	reg      *forms.Registry
	gateways []string
	helpDesk string
	formsURL string
	loc      *time.Location
}

// New checks cfg and returns Notices.
func New(cfg Config) (*Notices, error) {
	n := &Notices{t: cfg.Templates, reg: cfg.Registry, helpDesk: DefaultHelpDesk, formsURL: DefaultFormsURL}
	var err error
	if n.t == nil {
		if n.t, err = mail.LoadTemplates(""); err != nil {
			return nil, fmt.Errorf("notice: %w", err)
		}
	}
	if n.reg == nil {
		if n.reg, err = forms.Load(); err != nil {
			return nil, fmt.Errorf("notice: %w", err)
		}
	}
	gw := cfg.Gateways
	if gw == nil {
		gw = DefaultGateways
	}
	if n.gateways, err = checkGateways(gw); err != nil {
		return nil, err
	}
	if cfg.HelpDesk != "" {
		a, err := netmail.ParseAddress(cfg.HelpDesk)
		if err != nil {
			return nil, fmt.Errorf("notice: help-desk address %q: %w", cfg.HelpDesk, err)
		}
		n.helpDesk = a.Address
	}
	if cfg.FormsURL != "" {
		n.formsURL = cfg.FormsURL
	}
	n.loc = cfg.Location
	if n.loc == nil {
		if n.loc, err = time.LoadLocation("America/Los_Angeles"); err != nil {
			n.loc = time.UTC
		}
	}
	return n, nil
}

// HelpDesk returns the help desk's address.
func (n *Notices) HelpDesk() string { return n.helpDesk }

// ErrNoReason is returned by Rejection when no reason has a message: there
// is nothing to tell.
var ErrNoReason = errors.New("notice: a rejection needs at least one reason")

// Form is a rejected form as the notice describes it.
type Form struct {
	// ID is the stored form's ID, the reference the notice quotes.
	ID int64
	// From is the sender of the message the form came in.
	From string
	// MessageKey is that message's Message-ID; a "sha256:" key (a message
	// without one) is not answered to.
	MessageKey string
	// Received is when the message arrived, Filename the attachment's name.
	Received time.Time
	Filename string
	Reading  *forms.Reading
}

// Email is a notice for one recipient, as the outbox keeps it.
type Email struct {
	To, Subject, Body string
	// InReplyTo is the Message-ID of the submission answered, or "".
	InReplyTo string
	// Via says how To was chosen (rejections only).
	Via Via
}

// Rejection writes the notice that f was rejected, listing every reason
// once (a batch row's with its row number) and the reviewer's note when
// there is one, to the recipient Recipient chooses.
func (n *Notices) Rejection(f Form, reasons []validate.Reason, note string) (Email, error) {
	var rs []mail.Reason
	seen := map[string]bool{}
	for _, r := range reasons {
		msg := r.Message
		if msg == "" {
			continue
		}
		if r.Row > 0 { // a batch form's row: say which
			msg = fmt.Sprintf("Row %d: %s", r.Row, msg)
		}
		if seen[msg] {
			continue
		}
		seen[msg] = true
		rs = append(rs, mail.Reason{Code: string(r.Code), Message: msg})
	}
	if len(rs) == 0 {
		return Email{}, ErrNoReason
	}
	to, via := n.Recipient(f.From, f.Reading)
	inReplyTo := ""
	if strings.Contains(f.MessageKey, "@") && !strings.HasPrefix(f.MessageKey, "sha256:") {
		inReplyTo = f.MessageKey
	}
	req := mail.RequestSummary{Received: n.local(f.Received)}
	if f.ID != 0 {
		req.Reference = fmt.Sprintf("F-%d", f.ID)
	}
	if f.Filename != "" {
		req.Files = []string{f.Filename}
	}
	if rd := f.Reading; rd != nil {
		req.Form, req.Revision = n.title(rd.Family), revision(rd.Revision)
		req.Employee = joinSure(rd, "first_name", "last_name")
		req.Location = location(sureText(rd, "school_name"), sureText(rd, "location_code"))
	}
	m, err := n.t.Rejection(mail.RejectionNotice{
		// The outbox assigns each row its Message-ID when it sends it.
		MessageID: "unsent@localhost",
		To:        []string{to},
		InReplyTo: inReplyTo,
		Request:   req,
		Reasons:   rs,
		Note:      strings.TrimSpace(note),
		FormsURL:  n.formsURL,
		HelpDesk:  n.helpDesk,
	})
	if err != nil {
		return Email{}, fmt.Errorf("notice: %w", err)
	}
	return Email{To: to, Subject: m.Subject, Body: m.Text, InReplyTo: inReplyTo, Via: via}, nil
}

// Request is a finished request as the confirmation describes it.
type Request struct {
	ID int64
	// Family is the form family; Received when the request was queued.
	Family   string
	Received time.Time
	// FirstName, LastName and LocationCode are the employee's.
	FirstName, LastName, LocationCode string
	RolesAdd, RolesRemove             []string
	// Removal: the request removes all access (a removal form).
	Removal bool
	// EndDate is when mirror access ends, or zero.
	EndDate time.Time
	// Email is the user's address and AdminEmail the signing
	// administrator's; either may be "".
	Email, AdminEmail string
	Granted           bool
	// Note is provisioning's note, or "".
	Note string
}

// Confirmation writes the notice that a request was finished, one Email
// per recipient: the user and the administrator who signed (once when they
// are the same). It returns none when neither address is known.
func (n *Notices) Confirmation(q Request) ([]Email, error) {
	var to []string
	for _, a := range []string{q.Email, q.AdminEmail} {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if len(to) == 0 || !strings.EqualFold(to[0], a) {
			to = append(to, a)
		}
	}
	if len(to) == 0 {
		return nil, nil
	}
	req := mail.RequestSummary{
		Reference: fmt.Sprintf("R-%d", q.ID),
		Form:      n.title(q.Family),
		Received:  n.local(q.Received),
		Employee:  strings.TrimSpace(q.FirstName + " " + q.LastName),
		Location:  q.LocationCode,
	}
	for _, r := range q.RolesAdd {
		req.Changes = append(req.Changes, mail.RoleChange{Role: r, Action: "Added"})
	}
	for _, r := range q.RolesRemove {
		req.Changes = append(req.Changes, mail.RoleChange{Role: r, Action: "Removed"})
	}
	if q.Removal && len(req.Changes) == 0 {
		req.Changes = []mail.RoleChange{{Role: "all MiSiS access", Action: "Removed"}}
	}
	c := mail.Confirmation{
		MessageID: "unsent@localhost", User: to[0], Request: req, AccessEnds: q.EndDate,
		Denied: !q.Granted, Note: strings.TrimSpace(q.Note), HelpDesk: n.helpDesk,
	}
	if len(to) > 1 {
		c.Administrator = to[1]
	}
	m, err := n.t.Confirmation(c)
	if err != nil {
		return nil, fmt.Errorf("notice: %w", err)
	}
	out := make([]Email, 0, len(to))
	for _, a := range to {
		out = append(out, Email{To: a, Subject: m.Subject, Body: m.Text})
	}
	return out, nil
}

// local returns t in the notices' time zone; zero stays zero.
func (n *Notices) local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(n.loc)
}

func (n *Notices) title(family string) string {
	if fam := n.reg.Family(family); fam != nil && fam.Title != "" {
		return fam.Title
	}
	if family == "" {
		return ""
	}
	return "MiSiS access request form"
}

func revision(stamp string) string {
	if stamp == "" {
		return ""
	}
	return "Rev. " + stamp
}

// sureText returns a value that may be repeated without a person checking
// it, or "".
func sureText(rd *forms.Reading, name string) string {
	v, ok := rd.Get(name)
	if !ok || !(v.Sure || v.Source == forms.FromReviewer) {
		return ""
	}
	return strings.TrimSpace(v.Text)
}

func joinSure(rd *forms.Reading, names ...string) string {
	var parts []string
	for _, name := range names {
		if t := sureText(rd, name); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

func location(name, code string) string {
	switch {
	case name != "" && code != "":
		return name + " (" + code + ")"
	case name != "":
		return name
	}
	return code
}
