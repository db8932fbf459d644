package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	smtpUser = "notify"
	smtpPass = "p@ss word"
)

// received is one message the test SMTP server accepted.
type received struct {
	from     string
	rcpts    []string
	data     []byte
	hostname string
	tls      bool
	authed   bool
}

// smtpTest is a go-smtp server on localhost:0 that keeps what it receives.
type smtpTest struct {
	addr string
	cert *tls.Config // for clients: trusts the server
	mu   sync.Mutex
	msgs []received
}

type smtpTestOptions struct {
	tls, starttls, auth bool
}

func startSMTP(t *testing.T, o smtpTestOptions) *smtpTest {
	t.Helper()
	st := &smtpTest{}
	cert, _ := selfSigned(t)
	srvTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &smtpSession{st: st, auth: o.auth, cur: received{hostname: c.Hostname(), tls: isTLS}}, nil
	})
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.AllowInsecureAuth = !o.starttls
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = discardSMTPLog{}
	var ln net.Listener
	var err error
	switch {
	case o.tls:
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srvTLS)
	default:
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if o.starttls {
			s.TLSConfig = srvTLS
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	pool := (&imapTest{cert: cert.Leaf}).rootCAs()
	st.addr, st.cert = ln.Addr().String(), pool
	return st
}

type discardSMTPLog struct{}

func (discardSMTPLog) Printf(string, ...any) {}
func (discardSMTPLog) Println(...any)        {}

func (st *smtpTest) received() []received {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]received(nil), st.msgs...)
}

type smtpSession struct {
	st   *smtpTest
	auth bool
	cur  received
}

func (s *smtpSession) AuthMechanisms() []string {
	if !s.auth {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != smtpUser || password != smtpPass {
			return errors.New("invalid credentials")
		}
		s.cur.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.auth && !s.cur.authed {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	if strings.HasPrefix(to, "busy") {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.st.mu.Lock()
	s.st.msgs = append(s.st.msgs, s.cur)
	s.st.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

func testOutgoing() OutgoingMessage {
	return OutgoingMessage{
		MessageID: StableMessageID("rejection", "outbox-42", "misis-intake.lausd.net"),
		To:        []string{"Front Office <office.1234@lausd.net>"},
		Cc:        []string{"principal.1234@lausd.net"},
		Subject:   "MiSiS access request not accepted (R-42)",
		Text:      "Hello,\n\nThe form could not be accepted: the revision is retired.\nQuestions: call 213-241-5200 = the help desk\n",
		InReplyTo: "sub-0001.352ff2180f3c711e@corpus.misis-intake",
		Date:      time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC),
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		opts    smtpTestOptions
		url     string // %s is the server address
		wantTLS bool
	}{
		{"loopback plain text, no login", smtpTestOptions{}, "smtp://%s", false},
		{"loopback plain text with login", smtpTestOptions{auth: true}, "smtp://notify:p%40ss%20word@%s", false},
		{"STARTTLS with login", smtpTestOptions{starttls: true, auth: true}, "smtp://notify:p%40ss%20word@%s?starttls=1", true},
		{"implicit TLS with login", smtpTestOptions{tls: true, auth: true}, "smtps://notify:p%40ss%20word@%s", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := startSMTP(t, tc.opts)
			srv, err := ParseSMTPURL(strings.Replace(tc.url, "%s", st.addr, 1))
			if err != nil {
				t.Fatal(err)
			}
			snd, err := NewSender(SenderConfig{Server: srv, From: "MiSiS Access Requests <misis-access@lausd.net>",
				Hostname: "intake.test", TLSConfig: st.cert})
			if err != nil {
				t.Fatal(err)
			}
			out := testOutgoing()
			if err := snd.Send(context.Background(), out); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := st.received()
			if len(got) != 1 {
				t.Fatalf("server received %d messages", len(got))
			}
			r := got[0]
			if r.from != "misis-access@lausd.net" {
				t.Errorf("MAIL FROM %q", r.from)
			}
			if strings.Join(r.rcpts, ",") != "office.1234@lausd.net,principal.1234@lausd.net" {
				t.Errorf("RCPT TO %q", r.rcpts)
			}
			if r.hostname != "intake.test" {
				t.Errorf("EHLO %q, want intake.test", r.hostname)
			}
			if r.tls != tc.wantTLS || r.authed != tc.opts.auth {
				t.Errorf("tls %v authed %v, want %v %v", r.tls, r.authed, tc.wantTLS, tc.opts.auth)
			}
			checkSent(t, r.data, out)
			// A resend (after a crash) carries the same Message-ID.
			if err := snd.Send(context.Background(), testOutgoing()); err != nil {
				t.Fatal(err)
			}
			again := st.received()[1]
			if id(t, again.data) != id(t, r.data) {
				t.Errorf("resend has Message-ID %q, first %q", id(t, again.data), id(t, r.data))
			}
		})
	}
}

func id(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Header.MessageID()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkSent reads back what the server received.
func checkSent(t *testing.T, raw []byte, out OutgoingMessage) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	if got, _ := h.MessageID(); got != out.MessageID || !strings.HasPrefix(got, "intake.rejection.") {
		t.Errorf("Message-ID %q, want %q", got, out.MessageID)
	}
	if got, _ := h.Subject(); got != out.Subject {
		t.Errorf("Subject %q", got)
	}
	if got, _ := h.AddressList("From"); len(got) != 1 || got[0].Address != "misis-access@lausd.net" || got[0].Name != "MiSiS Access Requests" {
		t.Errorf("From %v", got)
	}
	if got, _ := h.AddressList("To"); len(got) != 1 || got[0].Address != "office.1234@lausd.net" {
		t.Errorf("To %v", got)
	}
	if got, _ := h.AddressList("Cc"); len(got) != 1 || got[0].Address != "principal.1234@lausd.net" {
		t.Errorf("Cc %v", got)
	}
	if got, _ := h.MsgIDList("In-Reply-To"); len(got) != 1 || got[0] != out.InReplyTo {
		t.Errorf("In-Reply-To %v", got)
	}
	if got, _ := h.Date(); !got.Equal(out.Date) {
		t.Errorf("Date %v", got)
	}
	if h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted %q", h.Get("Auto-Submitted"))
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(p.Body)
	if want := strings.ReplaceAll(out.Text, "\n", "\r\n"); string(body) != want {
		t.Errorf("body %q, want %q", body, want)
	}
}

func TestSendFailures(t *testing.T) {
	st := startSMTP(t, smtpTestOptions{auth: true})
	wrong, err := ParseSMTPURL("smtp://notify:nope-secret@" + st.addr)
	if err != nil {
		t.Fatal(err)
	}
	snd, err := NewSender(SenderConfig{Server: wrong, From: "misis-access@lausd.net"})
	if err != nil {
		t.Fatal(err)
	}
	err = snd.Send(context.Background(), testOutgoing())
	if err == nil || !strings.Contains(err.Error(), "log in") || strings.Contains(err.Error(), "nope-secret") || errors.Is(err, ErrBadMessage) {
		t.Errorf("Send with a wrong password = %v", err)
	}

	bad := []OutgoingMessage{
		{MessageID: "", To: []string{"a@lausd.net"}},
		{MessageID: "x@y", To: nil},
		{MessageID: "x@y", To: []string{"not an address"}},
		{MessageID: "<x@y>", To: []string{"a@lausd.net"}},
	}
	for _, m := range bad {
		if err := snd.Send(context.Background(), m); !errors.Is(err, ErrBadMessage) {
			t.Errorf("Send(%+v) = %v, want ErrBadMessage", m, err)
		}
	}
	if n := len(st.received()); n != 0 {
		t.Errorf("server received %d messages", n)
	}

	right, _ := ParseSMTPURL("smtp://notify:p%40ss%20word@" + st.addr)
	snd, _ = NewSender(SenderConfig{Server: right, From: "misis-access@lausd.net"})
	unknown := testOutgoing()
	unknown.To = []string{"nobody@lausd.net"}
	if err := snd.Send(context.Background(), unknown); !errors.Is(err, ErrRejected) {
		t.Errorf("Send to an unknown user = %v, want ErrRejected", err)
	}
	busy := testOutgoing()
	busy.To = []string{"busy@lausd.net"}
	if err := snd.Send(context.Background(), busy); err == nil || errors.Is(err, ErrRejected) || errors.Is(err, ErrBadMessage) {
		t.Errorf("Send on a 451 = %v, want a temporary error", err)
	}

	// A server that accepts the connection and never speaks: Send ends
	// with its context.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silent, _ := ParseSMTPURL("smtp://" + ln.Addr().String())
	snd, _ = NewSender(SenderConfig{Server: silent, From: "misis-access@lausd.net"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := snd.Send(ctx, testOutgoing()); err == nil {
		t.Error("Send to a silent server succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Error("Send did not end with its context")
	}
}

func TestStableMessageID(t *testing.T) {
	a := StableMessageID("rejection", "42", "misis-intake.lausd.net")
	if a != StableMessageID("rejection", "42", "misis-intake.lausd.net") {
		t.Error("not stable")
	}
	if a == StableMessageID("confirmation", "42", "misis-intake.lausd.net") || a == StableMessageID("rejection", "43", "misis-intake.lausd.net") {
		t.Error("different notices share an ID")
	}
	if !strings.HasSuffix(a, "@misis-intake.lausd.net") || strings.ContainsAny(a, "<> ") {
		t.Errorf("ID %q", a)
	}
}
