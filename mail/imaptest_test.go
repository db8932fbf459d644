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
}

type imapTestOptions struct {
	caps     imap.CapSet // nil: IMAP4rev2 (IDLE, MOVE, UIDPLUS)
	tls      bool        // implicit TLS
	starttls bool        // offer STARTTLS
	mailbox  string      // watched mailbox; "" is INBOX
}

func startIMAP(t *testing.T, o imapTestOptions) *imapTest {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(imapUser, imapPass)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	if o.mailbox != "" && o.mailbox != "INBOX" {
		if err := user.Create(o.mailbox, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	caps := o.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	cert, leaf := selfSigned(t)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
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
	return &imapTest{user: user, addr: ln.Addr().String(), cert: leaf}
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

// memSink is the store's part in these tests: it dedupes like the store
// must, and quarantines what Parse rejects.
type memSink struct {
	mu       sync.Mutex
	verdicts map[string]Verdict
	commits  []Incoming
	states   map[string]State
	// fail, when set, makes Commit fail for a message before recording it.
	fail func(Incoming) error
	// crash, when set, makes Commit record the message and then fail, as
	// if the process died between commit and move.
	crash func(Incoming) bool
}

func newMemSink() *memSink {
	return &memSink{verdicts: map[string]Verdict{}, states: map[string]State{}}
}

func (s *memSink) Commit(ctx context.Context, in Incoming) (Verdict, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(in); err != nil {
			return Verdict{}, err
		}
	}
	key := in.MessageID
	if key == "" {
		key = "sha256:" + in.Hash
	}
	if v, ok := s.verdicts[key]; ok {
		v.Duplicate = true
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
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	frozen []*atomic.Bool
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
