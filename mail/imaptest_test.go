package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

const (
	imapUser = "intake"
	imapPass = "correct horse"
)

// imapTest is an in-memory IMAP server on localhost:0.
type imapTest struct {
	user *imapmemserver.User
	addr string
	cert *x509.Certificate

	// bodyFetches counts the whole messages fetched (BODY[] or
	// BODY.PEEK[]).
	bodyFetches atomic.Int64

	mu sync.Mutex
	// refuseInto is a mailbox the server will not move or copy messages
	// into (over quota); "" for none.
	refuseInto string
	// tokens are the OAuth access tokens the server accepts now.
	tokens map[string]bool
	// presented lists the tokens clients signed in with, in order, and
	// whether each was accepted.
	presented []presentedToken
	logins    int
}

type presentedToken struct {
	token    string
	accepted bool
}

type imapTestOptions struct {
	caps     imap.CapSet // nil: IMAP4rev2 (IDLE, MOVE, UIDPLUS)
	tls      bool        // implicit TLS
	starttls bool        // offer STARTTLS
	mailbox  string      // watched mailbox; "" is INBOX
}

func startIMAP(t *testing.T, o imapTestOptions) *imapTest {
	t.Helper()
	user := imapmemserver.NewUser(imapUser, imapPass)
	ts := &imapTest{user: user, tokens: map[string]bool{}}
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	if o.mailbox != "" && o.mailbox != "INBOX" {
		if err := user.Create(o.mailbox, nil); err != nil {
			t.Fatal(err)
		}
	}
	caps := o.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	cert, leaf := selfSigned(t)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &testSession{ts: ts}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	}
	if o.starttls {
		opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		opts.InsecureAuth = false
	}
	srv := imapserver.New(opts)
	var ln net.Listener
	var err error
	if o.tls {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ts.addr, ts.cert = ln.Addr().String(), leaf
	return ts
}

// testSession is imapmemserver's session for the one user, signing in with
// a password (LOGIN, PLAIN) or an access token (XOAUTH2, OAUTHBEARER), and
// counting fetches and refusing moves as the test asks.
type testSession struct {
	*imapmemserver.UserSession // nil until signed in
	ts                         *imapTest
}

func (s *testSession) Login(username, password string) error {
	if username != imapUser {
		return imapserver.ErrAuthFailed
	}
	if err := s.ts.user.Login(username, password); err != nil {
		return err
	}
	s.signedIn()
	return nil
}

func (s *testSession) signedIn() {
	s.ts.mu.Lock()
	s.ts.logins++
	s.ts.mu.Unlock()
	s.UserSession = imapmemserver.NewUserSession(s.ts.user)
}

func (s *testSession) AuthenticateMechanisms() []string {
	return []string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}
}

func (s *testSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			return s.Login(username, password)
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{check: s.checkToken}, nil
	case "OAUTHBEARER":
		return noOnRefusal{sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if s.checkToken(o.Username, o.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// checkToken accepts a token the endpoint issued and the test did not
// revoke, for the one user.
func (s *testSession) checkToken(username, token string) error {
	s.ts.mu.Lock()
	ok := username == imapUser && s.ts.tokens[token]
	s.ts.presented = append(s.ts.presented, presentedToken{token, ok})
	s.ts.mu.Unlock()
	if !ok {
		return errors.New("invalid token")
	}
	s.signedIn()
	return nil
}

func (s *testSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	for _, bs := range options.BodySection {
		if bs.Specifier == imap.PartSpecifierNone && len(bs.Part) == 0 {
			s.ts.bodyFetches.Add(1)
		}
	}
	return s.UserSession.Fetch(w, numSet, options)
}

func (s *testSession) refused(dest string) error {
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.refuseInto != "" && dest == s.ts.refuseInto {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded"}
	}
	return nil
}

func (s *testSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if err := s.refused(dest); err != nil {
		return err
	}
	return s.UserSession.Move(w, numSet, dest)
}

func (s *testSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := s.refused(dest); err != nil {
		return nil, err
	}
	return s.UserSession.Copy(numSet, dest)
}

// Idle checks the mailbox for changes every 20 ms while idling, as Dovecot
// does (mailbox_idle_check_interval). imapmemserver's own IDLE reports only
// changes made after it started, so a message delivered between a
// client's last command and its IDLE would go unnoticed.
func (s *testSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if err := s.UserSession.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

// xoauth2Server is the server side of XOAUTH2 as Microsoft and Google run
// it: a refused token is answered with a JSON challenge, then NO.
type xoauth2Server struct {
	check   func(user, token string) error
	refused bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.refused {
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "AUTHENTICATE failed"}
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(f, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(f, "auth=Bearer "); ok {
			token = v
		}
	}
	if x.check(user, token) != nil {
		x.refused = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://outlook.office365.com/.default"}`), false, nil
	}
	return nil, true, nil
}

// noOnRefusal turns go-sasl's OAUTHBEARER refusal into the NO a server
// sends.
type noOnRefusal struct{ sasl.Server }

func (n noOnRefusal) Next(resp []byte) ([]byte, bool, error) {
	c, done, err := n.Server.Next(resp)
	var ie *imap.Error
	if err != nil && !errors.As(err, &ie) {
		err = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "AUTHENTICATE failed"}
	}
	return c, done, err
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

func (s *imapTest) rootCAs() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	return &tls.Config{RootCAs: pool}
}

// deliver appends a message to a mailbox as a mail server would.
func (s *imapTest) deliver(t *testing.T, mailbox string, raw []byte, flags ...imap.Flag) {
	t.Helper()
	if _, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{Flags: flags}); err != nil {
		t.Fatalf("deliver to %s: %v", mailbox, err)
	}
}

func (s *imapTest) count(t *testing.T, mailbox string) uint32 {
	t.Helper()
	st, err := s.user.Status(mailbox, &imap.StatusOptions{NumMessages: true})
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent {
		return 0 // not created yet
	}
	if err != nil {
		t.Fatalf("status %s: %v", mailbox, err)
	}
	return *st.NumMessages
}

// stored is one message as another client sees it.
type stored struct {
	raw   []byte
	flags []imap.Flag
}

// contents reads a mailbox through a second client.
func (s *imapTest) contents(t *testing.T, mailbox string) []stored {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imapUser, imapPass).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSetNum(seqRange(sel.NumMessages)...), &imap.FetchOptions{
		Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []stored
	for _, m := range msgs {
		out = append(out, stored{raw: m.BodySection[0].Bytes, flags: m.Flags})
	}
	return out
}

func seqRange(n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i + 1)
	}
	return out
}

// memSink is the store's part in these tests: it records every message
// by its place and content and dedupes like the store must, and
// quarantines what Parse rejects.
type memSink struct {
	mu       sync.Mutex
	verdicts map[string]Verdict // by Message-ID (or hash)
	places   map[place]Verdict  // every message recorded
	contents map[string]Verdict // by mailbox and hash
	commits  []Incoming         // messages committed as new
	calls    int                // Commit calls
	states   map[string]State
	// fail, when set, makes Commit fail for a message before recording it.
	fail func(Incoming) error
	// crash, when set, makes Commit record the message and then fail, as
	// if the process died between commit and move.
	crash func(Incoming) bool
}

type place struct {
	mailbox          string
	uidValidity, uid uint32
}

func newMemSink() *memSink {
	return &memSink{verdicts: map[string]Verdict{}, places: map[place]Verdict{}, contents: map[string]Verdict{}, states: map[string]State{}}
}

func (s *memSink) Seen(ctx context.Context, mailbox string, uidValidity, uid uint32) (Verdict, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.places[place{mailbox, uidValidity, uid}]
	return v, ok, nil
}

func (s *memSink) Commit(ctx context.Context, in Incoming) (Verdict, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		if err := s.fail(in); err != nil {
			return Verdict{}, err
		}
	}
	at := place{in.Mailbox, in.UIDValidity, in.UID}
	if v, ok := s.places[at]; ok {
		v.Duplicate = true
		return v, nil
	}
	key := in.MessageID
	if key == "" {
		key = "sha256:" + in.Hash
	}
	if v, ok := s.contents[in.Mailbox+" "+in.Hash]; ok {
		v.Duplicate = true
		s.places[at] = v
		return v, nil
	}
	if v, ok := s.verdicts[key]; ok {
		v.Duplicate = true
		s.places[at] = v
		s.contents[in.Mailbox+" "+in.Hash] = v
		return v, nil
	}
	var v Verdict
	if in.Oversize {
		v = Verdict{Quarantine: true, Code: "mail.too_large", Reason: "message is too large"}
	} else if m, err := Parse(in.Raw, Limits{}); err != nil {
		var pe *ParseError
		errors.As(err, &pe)
		v = Verdict{Quarantine: true, Code: "mail.unreadable", Reason: pe.Reason}
	} else if err := m.Usable(); err != nil {
		v = Verdict{Quarantine: true, Code: "mail.no_attachment", Reason: NoAttachmentReason}
	}
	s.verdicts[key] = v
	s.places[at] = v
	s.contents[in.Mailbox+" "+in.Hash] = v
	s.commits = append(s.commits, in)
	if s.crash != nil && s.crash(in) {
		return Verdict{}, errors.New("process died after commit")
	}
	return v, nil
}

func (s *memSink) LoadState(ctx context.Context, mailbox string) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.states[mailbox], nil
}

func (s *memSink) SaveState(ctx context.Context, mailbox string, st State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states[mailbox] = st
	return nil
}

func (s *memSink) committed() []Incoming {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Incoming(nil), s.commits...)
}

func (s *memSink) state(mailbox string) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.states[mailbox]
}

// proxy forwards TCP connections to a server and can cut them all, to test
// reconnection.
type proxy struct {
	// accepted counts the connections made through the proxy.
	accepted atomic.Int64
	ln       net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	frozen   []*atomic.Bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			frozen := new(atomic.Bool)
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.frozen = append(p.frozen, frozen)
			p.mu.Unlock()
			go pipe(s, c, frozen)
			go pipe(c, s, frozen)
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// pipe copies src to dst until either ends; once frozen it swallows
// everything, as a connection that died silently does.
func pipe(dst, src net.Conn, frozen *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !frozen.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
}

// freeze makes every current connection silent without closing it; new
// connections work.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		f.Store(true)
	}
	p.frozen = nil
}

// cut drops every connection, as a network failure would.
func (p *proxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.conns) / 2
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	return n
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func imapURL(t *testing.T, scheme, addr, mailbox, query string) Server {
	t.Helper()
	u := fmt.Sprintf("%s://%s:%s@%s/%s", scheme, imapUser, "correct%20horse", addr, mailbox)
	if query != "" {
		u += "?" + query
	}
	s, err := ParseIMAPURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hasFlag compares as IMAP does: flags are case-insensitive.
func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, g := range flags {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}
