// Package smtptest runs an SMTP server for tests: go-smtp on a loopback
// port that keeps every message it accepts, optionally with STARTTLS (a
// self-signed certificate for 127.0.0.1) and a required login, and that
// can be told to answer the next deliveries with an error, as a busy or a
// refusing server does. The outbox sender's tests and the intake's
// end-to-end tests use it.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configures Start.
type Options struct {
	// StartTLS offers STARTTLS and refuses to log in before it.
	StartTLS bool
	// Username and Password, when set, are required before MAIL.
	Username, Password string
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	// MessageID is the Message-ID without angle brackets.
	MessageID string
	Subject   string
	// TLS and Authed say how the session that sent it was protected.
	TLS, Authed bool
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is 127.0.0.1:port.
	Addr string
	// ClientTLS trusts the server's certificate (StartTLS only).
	ClientTLS *tls.Config
	// CertFile is the certificate in PEM, for a subprocess
	// (SSL_CERT_FILE); "" without StartTLS.
	CertFile string

	opts Options
	mu   sync.Mutex
	msgs []Message
	fail []*smtp.SMTPError // answers for the next DATA commands
}

// Start listens on 127.0.0.1:0 and serves until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = !o.StartTLS
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.ErrorLog = discard{}
	if o.StartTLS {
		cert, pemBytes := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		pool := x509.NewCertPool()
		pool.AddCert(cert.Leaf)
		s.ClientTLS = &tls.Config{RootCAs: pool}
		s.CertFile = filepath.Join(t.TempDir(), "smtptest.pem")
		if err := os.WriteFile(s.CertFile, pemBytes, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	s.Addr = ln.Addr().String()
	return s
}

// URL returns the smtp:// URL of the server, with the login and
// starttls=1 when configured.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	if s.opts.StartTLS {
		u.RawQuery = "starttls=1"
	}
	return u.String()
}

// FailNext makes the next n deliveries fail at DATA with code (e.g. 451, a
// transient failure, or 554, a permanent one).
func (s *Server) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: fmt.Sprintf("smtptest: failing as told (%d)", code)})
	}
}

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until at least n messages were accepted, or fails the
// test after limit.
func (s *Server) WaitFor(t testing.TB, n int, limit time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtptest: %d messages after %s, want %d", len(msgs), limit, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	s      *Server
	tls    bool
	authed bool
	cur    Message
}

// Rcpt refuses local parts starting with "nobody" (550, a permanent
// failure) and "busy" (451, a transient one).
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "nobody"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "busy"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.cur = Message{From: from, TLS: ss.tls, Authed: ss.authed}
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if len(ss.s.fail) > 0 {
		e := ss.s.fail[0]
		ss.s.fail = ss.s.fail[1:]
		return e
	}
	ss.cur.Data = b
	if mr, err := gomail.CreateReader(strings.NewReader(string(b))); err == nil {
		ss.cur.MessageID, _ = mr.Header.MessageID()
		ss.cur.Subject, _ = mr.Header.Subject()
	}
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	return nil
}

func (ss *session) Reset()        { ss.cur = Message{} }
func (ss *session) Logout() error { return nil }

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned(t testing.TB) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
