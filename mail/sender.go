package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// OutgoingMessage is one plain-text e-mail the intake sends.
type OutgoingMessage struct {
	// MessageID, without angle brackets, is required and must be the same
	// every time the same notice is sent (see StableMessageID): a resend
	// after a crash is then recognisable as the same message.
	MessageID string
	// From is the sender's address; "" uses the Sender's From.
	From string
	// To and Cc are the recipients' addresses ("Name <addr>" or "addr").
	To, Cc []string
	// Subject and Text are the subject line and the plain-text body.
	Subject, Text string
	// InReplyTo is the Message-ID of the message answered (the submission
	// a rejection is about), or "".
	InReplyTo string
	// Date is the Date field; zero means the time of sending.
	Date time.Time
}

// StableMessageID derives a Message-ID from what a notice is about: the
// same kind ("rejection", "confirmation") and key (an outbox or request
// identifier) always give the same ID. domain is the right-hand side,
// e.g. "misis-intake.lausd.net".
func StableMessageID(kind, key, domain string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + key))
	return "intake." + kind + "." + hex.EncodeToString(sum[:12]) + "@" + domain
}

// Errors Send wraps when sending the same message again will not help.
var (
	// ErrBadMessage: the message itself is wrong (no recipient, an
	// unreadable address, no Message-ID).
	ErrBadMessage = errors.New("mail: outgoing message cannot be sent")
	// ErrRejected: the server refused it for good (a 5xx reply, such as an
	// unknown recipient).
	ErrRejected = errors.New("mail: outgoing message rejected by the server")
)

// Bytes writes the message in RFC 5322 form, as quoted-printable UTF-8
// text, with the headers that tell auto-responders not to answer.
func (m OutgoingMessage) Bytes() ([]byte, error) {
	if m.MessageID == "" || strings.ContainsAny(m.MessageID, "<> \r\n") || !strings.Contains(m.MessageID, "@") {
		return nil, fmt.Errorf("%w: Message-ID %q is not id@domain", ErrBadMessage, m.MessageID)
	}
	from, err := parseAddrs("From", []string{m.From})
	if err != nil {
		return nil, err
	}
	to, err := parseAddrs("To", m.To)
	if err != nil {
		return nil, err
	}
	cc, err := parseAddrs("Cc", m.Cc)
	if err != nil {
		return nil, err
	}
	if len(to)+len(cc) == 0 {
		return nil, fmt.Errorf("%w: no recipient", ErrBadMessage)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	var h gomail.Header
	h.SetDate(date)
	h.SetAddressList("From", from)
	if len(to) > 0 {
		h.SetAddressList("To", to)
	}
	if len(cc) > 0 {
		h.SetAddressList("Cc", cc)
	}
	h.SetSubject(oneLine(m.Subject))
	h.SetMessageID(m.MessageID)
	if m.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.InReplyTo})
		h.SetMsgIDList("References", []string{m.InReplyTo})
	}
	h.Set("MIME-Version", "1.0")
	h.Set("Auto-Submitted", "auto-generated") // RFC 3834
	h.Set("X-Auto-Response-Suppress", "All")  // Exchange: no out-of-office replies
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := w.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	return buf.Bytes(), nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func parseAddrs(field string, list []string) ([]*gomail.Address, error) {
	var out []*gomail.Address
	for _, s := range list {
		a, err := netmail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s address %q: %v", ErrBadMessage, field, s, err)
		}
		out = append(out, (*gomail.Address)(a))
	}
	return out, nil
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Server is the outgoing mail server (ParseSMTPURL).
	Server Server
	// From is the default sender, e.g. "MiSiS Access Requests
	// <misis-access@lausd.net>"; required.
	From string
	// Hostname is the name given in EHLO; "" means os.Hostname.
	Hostname string
	// TLSConfig verifies the server; nil uses the system roots and
	// Server.Host.
	TLSConfig *tls.Config
	// Timeout bounds one Send when ctx has no earlier deadline. Zero means
	// 2 minutes.
	Timeout time.Duration
	// Logger receives one line per message sent; nil discards.
	Logger *slog.Logger
}

// Sender sends OutgoingMessages over SMTP, one connection per message
// (notices are few; a connection kept open would only time out).
type Sender struct {
	cfg  SenderConfig
	from *netmail.Address
	log  *slog.Logger
}

// NewSender checks cfg and returns a Sender.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Server.Scheme != "smtp" && cfg.Server.Scheme != "smtps" {
		return nil, errors.New("mail: sender needs an SMTP server (ParseSMTPURL)")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: sender From %q: %w", cfg.From, err)
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
		if cfg.Hostname == "" {
			cfg.Hostname = "localhost"
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, from: from, log: cfg.Logger}, nil
}

// Send delivers msg to the SMTP server: connect (implicit TLS, STARTTLS
// or loopback plain text), log in when the URL has a user, MAIL, RCPT for
// every To and Cc, DATA. An error wrapping ErrBadMessage or ErrRejected is
// permanent; any other may succeed when retried, and a retry carries the
// same Message-ID.
func (s *Sender) Send(ctx context.Context, msg OutgoingMessage) error {
	if msg.From == "" {
		msg.From = s.from.String()
	}
	raw, err := msg.Bytes()
	if err != nil {
		return err
	}
	envelopeFrom, err := netmail.ParseAddress(msg.From)
	if err != nil {
		return fmt.Errorf("%w: From %q: %v", ErrBadMessage, msg.From, err)
	}
	var rcpts []string
	for _, list := range [][]string{msg.To, msg.Cc} {
		for _, r := range list {
			a, err := netmail.ParseAddress(r)
			if err != nil {
				return fmt.Errorf("%w: recipient %q: %v", ErrBadMessage, r, err)
			}
			rcpts = append(rcpts, a.Address)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	c, stop, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("send %s: connect to %s: %w", msg.MessageID, s.cfg.Server, err)
	}
	defer stop()
	defer c.Close()
	if err := s.login(c); err != nil {
		return fmt.Errorf("send %s: log in to %s: %w", msg.MessageID, s.cfg.Server, err)
	}
	if err := c.SendMail(envelopeFrom.Address, rcpts, bytes.NewReader(raw)); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code >= 500 {
			return fmt.Errorf("send %s: %w: %w", msg.MessageID, ErrRejected, err)
		}
		return fmt.Errorf("send %s: %w", msg.MessageID, err)
	}
	if err := c.Quit(); err != nil {
		s.log.Warn("smtp quit", "error", err)
	}
	s.log.Info("notice sent", "message_id", msg.MessageID, "recipients", len(rcpts))
	return nil
}

// dial connects and greets. The returned stop must be called when done with
// the client: until then, ctx ending closes the connection.
func (s *Sender) dial(ctx context.Context) (*smtp.Client, func() bool, error) {
	srv := s.cfg.Server
	tlsConfig := s.cfg.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = srv.Host
	}
	if srv.Security == Plaintext && !isLoopback(srv.Host) {
		return nil, nil, errors.New("plain-text SMTP is allowed only to a loopback address")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", srv.Addr)
	if err != nil {
		return nil, nil, err
	}
	// Every read and write ends with ctx: a silent server cannot hold
	// Send past its deadline.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(err error) (*smtp.Client, func() bool, error) {
		stop()
		conn.Close()
		return nil, nil, err
	}
	var c *smtp.Client
	switch srv.Security {
	case ImplicitTLS:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(err)
		}
		c = smtp.NewClient(tc)
	case StartTLS:
		// The first EHLO, before TLS, says "localhost"; the one that
		// counts follows.
		c, err = smtp.NewClientStartTLS(conn, tlsConfig)
		if err != nil {
			return fail(err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	if err := c.Hello(s.cfg.Hostname); err != nil {
		return fail(err)
	}
	return c, stop, nil
}

func (s *Sender) login(c *smtp.Client) error {
	srv := s.cfg.Server
	if srv.Username == "" {
		return nil
	}
	switch {
	case c.SupportsAuth(sasl.Plain):
		return c.Auth(sasl.NewPlainClient("", srv.Username, srv.Password))
	case c.SupportsAuth(sasl.Login):
		return c.Auth(sasl.NewLoginClient(srv.Username, srv.Password))
	}
	return errors.New("server offers neither AUTH PLAIN nor AUTH LOGIN")
}
