package notice

import (
	"fmt"
	netmail "net/mail"
	"path"
	"strings"

	"github.com/lausd/misis-intake/forms"
)

// DefaultHelpDesk is where a notice goes whose submitter cannot be told.
const DefaultHelpDesk = "misis-helpdesk@lausd.net"

// DefaultGateways are the senders that relay forms for someone else: the
// district's RightFax gateway, eFax Corporate, and the help desk's own
// scanner (which mails what a person put on its glass).
var DefaultGateways = []string{"faxgateway@lausd.net", "*@inbound.efax.com", "itd-scan@lausd.net"}

// FormDomain is the domain pre-printed after the e-mail boxes of the forms;
// a form's e-mail value holds the local part only.
const FormDomain = "lausd.net"

// Via says how a recipient was chosen.
type Via string

// How a rejection notice's recipient was chosen.
const (
	// ViaSender: the message's sender, a person.
	ViaSender Via = "sender"
	// ViaForm: the e-mail written on the form, read with confidence.
	ViaForm Via = "form"
	// ViaHelpDesk: nobody else could be told.
	ViaHelpDesk Via = "helpdesk"
)

// formEmails are the form's e-mail fields in the order they are tried: the
// administrator who signed (the one who submits the form), then the user.
var formEmails = []string{"admin_email", "email"}

// checkGateways validates gateway patterns: "user@host", "*@host" or any
// path.Match pattern over the whole lower-cased address.
func checkGateways(patterns []string) ([]string, error) {
	out := make([]string, 0, len(patterns))
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if !strings.Contains(p, "@") {
			return nil, fmt.Errorf("notice: gateway sender %q: want user@host or *@host", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("notice: gateway sender %q: %w", p, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// SenderKnown reports whether from is the address of a person who can be
// answered: a readable address that is neither a gateway nor a no-reply
// mailbox.
func (n *Notices) SenderKnown(from string) bool {
	addr := bareAddress(from)
	if addr == "" {
		return false
	}
	for _, p := range n.gateways {
		if ok, _ := path.Match(p, addr); ok {
			return false
		}
	}
	local, _, _ := strings.Cut(addr, "@")
	return !noReply(local)
}

// noReply reports whether a local part says nobody reads the mailbox:
// noreply, no-reply, no_reply, donotreply, do-not-reply, ... anywhere in
// it (scanner-noreply, noreply.fax).
func noReply(local string) bool {
	squeezed := strings.NewReplacer("-", "", "_", "", ".", "", "+", "").Replace(local)
	return strings.Contains(squeezed, "noreply") || strings.Contains(squeezed, "donotreply") ||
		strings.Contains(squeezed, "mailerdaemon") || squeezed == "postmaster"
}

// bareAddress returns the lower-cased address of "Name <addr>" or "addr",
// or "" when it cannot be read as one.
func bareAddress(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address)
}

// FormEmail returns the first e-mail on the form that may be written to
// without a person checking it (read surely, or set by a reviewer), as a
// whole address, or "".
func FormEmail(rd *forms.Reading) string {
	if rd == nil {
		return ""
	}
	for _, name := range formEmails {
		v, ok := rd.Get(name)
		if !ok || !(v.Sure || v.Source == forms.FromReviewer) {
			continue
		}
		local := strings.ToLower(strings.TrimSpace(v.Text))
		if local == "" || strings.ContainsAny(local, "@ \t<>,;\"") {
			continue
		}
		addr := local + "@" + FormDomain
		if _, err := netmail.ParseAddress(addr); err != nil {
			continue
		}
		return addr
	}
	return ""
}

// Recipient returns who is told that the form in a message from from was
// rejected, and how that address was chosen.
func (n *Notices) Recipient(from string, rd *forms.Reading) (string, Via) {
	if n.SenderKnown(from) {
		return bareAddress(from), ViaSender
	}
	if addr := FormEmail(rd); addr != "" {
		return addr, ViaForm
	}
	return n.helpDesk, ViaHelpDesk
}
