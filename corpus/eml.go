package corpus

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// attachment is one file attached to a message.
type attachment struct {
	filename    string
	contentType string
	data        []byte
	vector      []byte // the pages as drawn, before transport
}

// sender is who e-mails a submission: a fax gateway or a person with a scanner.
type sender struct {
	name, addr string
	gateway    bool
}

var senders = []sender{
	{"RightFax Gateway", "faxgateway@lausd.net", true},
	{"eFax Corporate", "message@inbound.efax.com", true},
	{"Xerox WorkCentre 7855", "scanner-noreply@lausd.net", true},
	{"Help Desk Scanner", "itd-scan@lausd.net", true},
}

// mimeWriter writes one message with boundaries drawn from the
// submission's own random stream, so the same seed gives the same bytes.
type mimeWriter struct {
	r *rand.Rand
}

func (m mimeWriter) boundary() string { return fmt.Sprintf("=_corpus_%016x", m.r.Uint64()) }

// multipart starts a multipart part of the given subtype under parent (or
// as the message itself when parent is nil, writing to w with header h).
func (m mimeWriter) multipart(w io.Writer, parent *message.Writer, h message.Header, subtype string) (*message.Writer, error) {
	h.SetContentType("multipart/"+subtype, map[string]string{"boundary": m.boundary()})
	if parent == nil {
		return message.CreateWriter(w, h)
	}
	return parent.CreatePart(h)
}

// leaf writes one single part under parent.
func (m mimeWriter) leaf(parent *message.Writer, contentType string, params map[string]string, encoding, disposition string, dparams map[string]string, body []byte) error {
	var h message.Header
	h.SetContentType(contentType, params)
	if encoding != "" {
		h.Set("Content-Transfer-Encoding", encoding)
	}
	if disposition != "" {
		h.SetContentDisposition(disposition, dparams)
	}
	pw, err := parent.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := pw.Write(body); err != nil {
		return err
	}
	return pw.Close()
}

// buildMessage writes an RFC 5322 message carrying the attachments, in one
// of the shapes real senders use: a gateway's plain notice, a scanner's
// multipart/alternative body, or a person forwarding a gateway's message as
// message/rfc822.
func buildMessage(r *rand.Rand, messageID string, when time.Time, from, person sender, atts []attachment, forward bool) ([]byte, error) {
	m := mimeWriter{r}
	inner, err := m.message(messageID, when, from, atts, fmt.Sprintf("Fax received: %d attachment(s)", len(atts)), !from.gateway || r.IntN(2) == 0)
	if err != nil {
		return nil, err
	}
	if !forward {
		return inner, nil
	}
	// A person forwards the gateway's message to the intake mailbox.
	var buf bytes.Buffer
	h := header(when.Add(17*time.Minute), person, "Fwd: MiSiS access request form", "fwd."+messageID[1:len(messageID)-1])
	w, err := m.multipart(&buf, nil, h.Header, "mixed")
	if err != nil {
		return nil, err
	}
	text := "Please see the forwarded fax below.\r\n\r\nThanks,\r\n" + person.name + "\r\n"
	if err := m.leaf(w, "text/plain", map[string]string{"charset": "utf-8"}, "quoted-printable", "", nil, []byte(text)); err != nil {
		return nil, err
	}
	if err := m.leaf(w, "message/rfc822", nil, "", "inline", nil, inner); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func header(when time.Time, from sender, subject, messageID string) mail.Header {
	var h mail.Header
	h.SetDate(when)
	h.SetAddressList("From", []*mail.Address{{Name: from.name, Address: from.addr}})
	h.SetAddressList("To", []*mail.Address{{Name: "MiSiS Access Requests", Address: "misis-access@lausd.net"}})
	h.SetSubject(subject)
	h.SetMessageID(messageID)
	h.Set("MIME-Version", "1.0")
	return h
}

func (m mimeWriter) message(messageID string, when time.Time, from sender, atts []attachment, subject string, alternative bool) ([]byte, error) {
	var buf bytes.Buffer
	h := header(when, from, subject, messageID[1:len(messageID)-1])
	w, err := m.multipart(&buf, nil, h.Header, "mixed")
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("You have received a fax of %d attachment(s) on %s.\r\n", len(atts), when.Format("Jan 2, 2006 3:04 PM"))
	utf8 := map[string]string{"charset": "utf-8"}
	if alternative {
		alt, err := m.multipart(nil, w, message.Header{}, "alternative")
		if err != nil {
			return nil, err
		}
		enc := []string{"quoted-printable", "7bit", "base64"}[m.r.IntN(3)]
		if err := m.leaf(alt, "text/plain", utf8, enc, "", nil, []byte(text)); err != nil {
			return nil, err
		}
		if err := m.leaf(alt, "text/html", utf8, enc, "", nil, []byte("<html><body><p>"+text+"</p></body></html>")); err != nil {
			return nil, err
		}
		if err := alt.Close(); err != nil {
			return nil, err
		}
	} else if err := m.leaf(w, "text/plain", utf8, "7bit", "", nil, []byte(text)); err != nil {
		return nil, err
	}
	for _, a := range atts {
		ct := a.contentType
		if m.r.IntN(4) == 0 {
			ct = "application/octet-stream" // gateways often do not say
		}
		if err := m.leaf(w, ct, map[string]string{"name": a.filename}, "base64", "attachment",
			map[string]string{"filename": a.filename}, a.data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parseCheck makes sure a generated message parses back, so the corpus
// never ships a message the intake could not read for a reason of ours.
func parseCheck(raw []byte) error {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("generated message does not parse: %w", err)
	}
	_, err = io.Copy(io.Discard, e.Body)
	return err
}
