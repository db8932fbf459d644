package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// PollerConfig configures a Poller. Zero durations take the documented
// defaults.
type PollerConfig struct {
	// Server is the mailbox to watch (ParseIMAPURL).
	Server Server
	// Sink commits each message; required.
	Sink Sink
	// Logger receives progress and trouble; nil discards.
	Logger *slog.Logger
	// TLSConfig verifies the server; nil uses the system roots and
	// Server.Host.
	TLSConfig *tls.Config
	// PollInterval is how often a server without IDLE is asked for new
	// mail. Zero means 1 minute.
	PollInterval time.Duration
	// IdleRestart is how long one IDLE lasts before the Poller ends it,
	// checks the connection with NOOP (a silent connection fails its
	// CommandTimeout and is replaced) and looks at the whole mailbox again,
	// whatever IDLE reported: servers drop an IDLE after 30 minutes or
	// less, and a notice can be lost. Zero means 10 minutes.
	IdleRestart time.Duration
	// RetryInterval is how soon messages a pass had to leave (the Sink
	// failed) are tried again when no new mail comes first. Zero means
	// 1 minute.
	RetryInterval time.Duration
	// CommandTimeout bounds each command but fetching a body: a server that
	// does not answer in time is taken for a dead connection. Zero means
	// 1 minute.
	CommandTimeout time.Duration
	// FetchTimeout bounds fetching one whole message. Zero means 10
	// minutes.
	FetchTimeout time.Duration
	// MaxMessageBytes: a larger message is not fetched; its header goes to
	// the Sink with Oversize set. Zero means DefaultLimits.MessageBytes.
	MaxMessageBytes int64
	// Backoff gives the wait before reconnection attempt n (1, 2, ...).
	// Nil means doubling from 1 second up to 5 minutes, with jitter.
	Backoff func(attempt int) time.Duration
	// Lock keeps pollers of the mailbox apart across processes (the
	// store's database lock). Nil keeps apart only the pollers of this
	// process.
	Lock Locker
	// TokenRenewal, for OAuth sign-in, is how long before its expiry an
	// access token is replaced; a session is ended and opened again with
	// a new token that long before its token expires, as Microsoft 365
	// drops sessions whose token expired. Zero means DefaultTokenRenewal.
	TokenRenewal time.Duration
	// HTTPClient fetches OAuth tokens. Nil means a client with
	// CommandTimeout as its timeout.
	HTTPClient *http.Client
}

func (c PollerConfig) withDefaults() PollerConfig {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Minute
	}
	if c.IdleRestart <= 0 {
		c.IdleRestart = 10 * time.Minute
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = time.Minute
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = time.Minute
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 10 * time.Minute
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultLimits.MessageBytes
	}
	if c.Backoff == nil {
		c.Backoff = defaultBackoff
	}
	if c.Lock == nil {
		c.Lock = processLocks
	}
	if c.TokenRenewal <= 0 {
		c.TokenRenewal = DefaultTokenRenewal
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.CommandTimeout}
	}
	return c
}

func defaultBackoff(attempt int) time.Duration {
	d := 5 * time.Minute
	if attempt < 9 {
		d = min(d, time.Second<<(attempt-1))
	}
	return d/2 + rand.N(d/2+1) // jitter: between half and the whole
}

// Poller moves messages from an IMAP mailbox into a Sink. Per message it
// fetches the whole message without marking it seen (BODY.PEEK[]), commits
// it through the Sink, and only then moves it to the Processed mailbox (or
// to Quarantine when the Sink says so), with MOVE where the server offers
// it and else COPY, \Deleted and UID EXPUNGE of that one message (plain
// EXPUNGE only on a server without UIDPLUS). A crash between any two steps
// leaves the message in the watched mailbox, to be fetched again and
// recognised by the Sink's dedupe: nothing is lost, nothing doubled.
//
// Only one Poller at a time watches a mailbox (PollerConfig.Lock), and every
// message it sees is recorded by the Sink with its place (mailbox,
// UIDVALIDITY, UID), Message-ID and content hash: a recorded message is not
// fetched again, and after a UIDVALIDITY change the mailbox is looked at
// anew and matched by content.
type Poller struct {
	cfg    PollerConfig
	log    *slog.Logger
	tokens *tokens // OAuth sign-in only
}

// NewPoller checks cfg and returns a Poller.
func NewPoller(cfg PollerConfig) (*Poller, error) {
	if cfg.Sink == nil {
		return nil, errors.New("mail: poller needs a Sink")
	}
	if cfg.Server.Scheme != "imap" && cfg.Server.Scheme != "imaps" {
		return nil, errors.New("mail: poller needs an IMAP server (ParseIMAPURL)")
	}
	if cfg.Server.Mailbox == "" || cfg.Server.Processed == "" || cfg.Server.Quarantine == "" {
		return nil, errors.New("mail: poller needs the watched, processed and quarantine mailbox names")
	}
	cfg = cfg.withDefaults()
	p := &Poller{cfg: cfg, log: cfg.Logger.With("mailbox", cfg.Server.MailboxKey())}
	switch cfg.Server.Auth {
	case "", AuthLogin, AuthPlain:
	case AuthXOAuth2, AuthOAuthBearer:
		if err := cfg.Server.OAuth.check(); err != nil {
			return nil, err
		}
		p.tokens = newTokens(cfg.Server.OAuth, cfg.TokenRenewal, cfg.HTTPClient)
	default:
		return nil, fmt.Errorf("mail: unknown sign-in %q", cfg.Server.Auth)
	}
	return p, nil
}

// Run watches the mailbox until ctx is cancelled, then returns nil. It
// first waits for the mailbox's lock (PollerConfig.Lock), which it keeps
// until it returns, or until the lock is lost and it waits for it again.
// It takes in what is there, then waits for new mail with IDLE (ended and
// re-issued every IdleRestart, with a NOOP deadline to detect a silent
// connection, and a pass over the mailbox each time in case a notice was
// missed) or, on a server without IDLE, polls every PollInterval. A
// dropped connection or a failed login is retried with backoff.
func (p *Poller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		lease, err := p.cfg.Lock.Lock(ctx, p.cfg.Server.MailboxKey())
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("mailbox lock", "error", err)
				sleep(ctx, p.cfg.Backoff(1))
			}
			continue
		}
		p.log.Info("this poller watches the mailbox")
		lost := p.watch(ctx, lease)
		lease.Unlock()
		if lost {
			p.log.Warn("mailbox lock lost; waiting to take it again")
		}
	}
	return nil
}

// watch runs sessions while the lease holds; it reports whether the lease
// was lost.
func (p *Poller) watch(ctx context.Context, lease Lease) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lost := make(chan struct{})
	go func() {
		select {
		case <-lease.Lost():
			close(lost)
			cancel()
		case <-ctx.Done():
		}
	}()
	attempt := 0
	for ctx.Err() == nil {
		start := time.Now()
		err := p.session(ctx, true)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, errRenewToken) {
			p.log.Info("signing in again before the OAuth token expires")
			attempt = 0
			continue
		}
		if time.Since(start) > 2*time.Minute {
			attempt = 0 // the connection had been healthy
		}
		attempt++
		wait := p.cfg.Backoff(attempt)
		p.log.Warn("mailbox connection lost; reconnecting", "error", err, "attempt", attempt, "wait", wait)
		sleep(ctx, wait)
	}
	select {
	case <-lost:
		return true
	default:
		return false
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Drain takes in every message present in the mailbox once and returns. It
// waits for the mailbox's lock first (while another poller watches the
// mailbox, until ctx ends). It returns an error when it could not connect
// or when some message could not be committed (that message stays in the
// mailbox).
func (p *Poller) Drain(ctx context.Context) error {
	lease, err := p.cfg.Lock.Lock(ctx, p.cfg.Server.MailboxKey())
	if err != nil {
		return fmt.Errorf("mail: mailbox lock: %w", err)
	}
	defer lease.Unlock()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-lease.Lost():
			cancel()
		case <-lctx.Done():
		}
	}()
	err = p.session(lctx, false)
	if err != nil && ctx.Err() == nil && lctx.Err() != nil {
		return fmt.Errorf("mail: lost the mailbox lock: %w", err)
	}
	return err
}

// errRenewToken ends a session whose OAuth token is about to expire.
var errRenewToken = errors.New("mail: the OAuth token is about to expire")

// ErrMessagesLeft is returned by Drain when some messages could not be
// committed; they stay in the mailbox for the next run.
var ErrMessagesLeft = errors.New("mail: some messages could not be taken in and stay in the mailbox")

// session connects, takes in the mailbox, and, when watch is set, keeps
// waiting for new mail until ctx is cancelled or the connection fails.
func (p *Poller) session(ctx context.Context, watch bool) error {
	s, err := p.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	for {
		left, err := s.pass(ctx)
		if err != nil {
			return err
		}
		if !watch {
			if left > 0 {
				return fmt.Errorf("%w (%d)", ErrMessagesLeft, left)
			}
			return nil
		}
		if err := s.wait(ctx, left > 0); err != nil {
			return err
		}
	}
}

// conn is one logged-in connection with the watched mailbox selected.
type conn struct {
	p        *Poller
	c        *imapclient.Client
	newMail  chan struct{}
	state    State
	keywords bool // the mailbox takes keywords (PERMANENTFLAGS has \*)
	// renewAt is when the session must end to sign in again with a new
	// OAuth token; zero without OAuth or when the token does not expire.
	renewAt time.Time
}

func (p *Poller) connect(ctx context.Context) (*conn, error) {
	srv := p.cfg.Server
	s := &conn{p: p, newMail: make(chan struct{}, 1)}
	tlsConfig := p.cfg.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = srv.Host
	}
	opts := &imapclient.Options{
		TLSConfig:   tlsConfig,
		WordDecoder: &wordDecoder,
		Dialer:      &net.Dialer{Timeout: p.cfg.CommandTimeout, KeepAlive: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case s.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	dial := func() error {
		var err error
		switch srv.Security {
		case ImplicitTLS:
			s.c, err = imapclient.DialTLS(srv.Addr, opts)
		case StartTLS:
			s.c, err = imapclient.DialStartTLS(srv.Addr, opts)
		case Plaintext:
			if !isLoopback(srv.Host) {
				return fmt.Errorf("plain-text IMAP is allowed only to a loopback address")
			}
			s.c, err = imapclient.DialInsecure(srv.Addr, opts)
		default:
			return fmt.Errorf("unknown security %v", srv.Security)
		}
		if err != nil {
			return err
		}
		return s.c.WaitGreeting()
	}
	// Dialing is bounded by the dialer's timeout and the greeting by the
	// client's own read timeout.
	if err := dial(); err != nil {
		s.close()
		return nil, fmt.Errorf("connect to %s: %w", srv, err)
	}
	expiry, err := s.signIn(ctx)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("log in to %s: %w", srv, err)
	}
	if !expiry.IsZero() {
		s.renewAt = expiry.Add(-p.cfg.TokenRenewal)
	}
	for _, name := range []string{srv.Processed, srv.Quarantine} {
		if err := s.ensureMailbox(ctx, name); err != nil {
			s.close()
			return nil, err
		}
	}
	var sel *imap.SelectData
	if err := s.timed(ctx, p.cfg.CommandTimeout, "select "+srv.Mailbox, func() error {
		var err error
		sel, err = s.c.Select(srv.Mailbox, nil).Wait()
		return err
	}); err != nil {
		s.close()
		return nil, err
	}
	s.keywords = slices.Contains(sel.PermanentFlags, imap.FlagWildcard)
	st, err := p.cfg.Sink.LoadState(ctx, srv.MailboxKey())
	if err != nil {
		s.close()
		return nil, fmt.Errorf("load mailbox state: %w", err)
	}
	if st.UIDValidity != 0 && st.UIDValidity != sel.UIDValidity {
		// The server renumbered the mailbox: no record matches the new
		// places, so every message present is fetched again, and the
		// Sink recognises those it already has by their content.
		p.log.Warn("mailbox UIDVALIDITY changed; rescanning it", "old_uidvalidity", st.UIDValidity, "new_uidvalidity", sel.UIDValidity)
		st.LastUID = 0
	}
	if st.UIDValidity != sel.UIDValidity {
		st.UIDValidity = sel.UIDValidity
		if err := p.cfg.Sink.SaveState(ctx, srv.MailboxKey(), st); err != nil {
			s.close()
			return nil, fmt.Errorf("save mailbox state: %w", err)
		}
	}
	s.state = st
	p.log.Info("mailbox connected", "server", srv.String(), "uidvalidity", sel.UIDValidity, "messages", sel.NumMessages,
		"idle", s.c.Caps().Has(imap.CapIdle), "move", s.c.Caps().Has(imap.CapMove), "uidplus", s.c.Caps().Has(imap.CapUIDPlus))
	return s, nil
}

// ensureMailbox creates a mailbox unless it exists.
func (s *conn) ensureMailbox(ctx context.Context, name string) error {
	var listed []*imap.ListData
	if err := s.timed(ctx, s.p.cfg.CommandTimeout, "list "+name, func() error {
		var err error
		listed, err = s.c.List("", name, nil).Collect()
		return err
	}); err != nil {
		return err
	}
	for _, l := range listed {
		if l.Mailbox == name {
			return nil
		}
	}
	if err := s.timed(ctx, s.p.cfg.CommandTimeout, "create "+name, func() error {
		return s.c.Create(name, nil).Wait()
	}); err != nil {
		return err
	}
	s.p.log.Info("mailbox created", "name", name)
	return nil
}

// close logs out politely, briefly, and closes the connection.
func (s *conn) close() {
	if s.c == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	s.c.Close()
}

// timed runs f, closing the connection when it takes longer than d or ctx
// ends: a closed connection makes every waiting command return.
func (s *conn) timed(ctx context.Context, d time.Duration, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-t.C:
		if s.c != nil {
			s.c.Close()
		}
		<-done
		return fmt.Errorf("%s: no answer from the server in %s", what, d)
	case <-ctx.Done():
		if s.c != nil {
			s.c.Close()
		}
		<-done
		return ctx.Err()
	}
}

// pass takes in every message in the mailbox, oldest first. It returns how
// many it had to leave there, and an error only when the connection is no
// longer usable.
func (s *conn) pass(ctx context.Context) (int, error) {
	select { // a notice from before this pass is covered by it
	case <-s.newMail:
	default:
	}
	var uids []imap.UID
	if err := s.timed(ctx, s.p.cfg.CommandTimeout, "search", func() error {
		data, err := s.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		if err == nil {
			uids = data.AllUIDs()
		}
		return err
	}); err != nil {
		return 0, err
	}
	slices.Sort(uids)
	left := 0
	contiguous := true
	saved := s.state
	for _, uid := range uids {
		if ctx.Err() != nil {
			return left, ctx.Err()
		}
		err := s.take(ctx, uid)
		var imapErr *imap.Error
		var sinkErr *sinkError
		switch {
		case err == nil:
			if contiguous && uint32(uid) > s.state.LastUID {
				s.state.LastUID = uint32(uid)
			}
			continue
		case errors.As(err, &sinkErr), errors.As(err, &imapErr):
			// This message stays; the others go on.
			s.p.log.Error("message left in the mailbox", "uid", uid, "error", err)
			left++
			contiguous = false
		default:
			return left, err
		}
	}
	if s.state != saved {
		if err := s.p.cfg.Sink.SaveState(ctx, s.p.cfg.Server.MailboxKey(), s.state); err != nil {
			s.p.log.Error("save mailbox state", "error", err)
		}
	}
	return left, nil
}

// sinkError marks a failed Commit: the message stays, the connection is fine.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return "commit: " + e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// take fetches, commits and moves one message; a message the Sink has a
// record of is only moved.
func (s *conn) take(ctx context.Context, uid imap.UID) error {
	cfg := s.p.cfg
	set := imap.UIDSetNum(uid)
	v, seen, err := cfg.Sink.Seen(ctx, cfg.Server.MailboxKey(), s.state.UIDValidity, uint32(uid))
	if err != nil {
		return &sinkError{fmt.Errorf("look up the record: %w", err)}
	}
	if seen {
		s.p.log.Info("message recorded before; moving it without fetching", "uid", uid)
		return s.move(ctx, set, uid, v)
	}
	var meta *imapclient.FetchMessageBuffer
	if err := s.timed(ctx, cfg.CommandTimeout, "fetch size", func() error {
		msgs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
		if err == nil && len(msgs) > 0 {
			meta = msgs[0]
		}
		return err
	}); err != nil {
		return err
	}
	if meta == nil {
		return nil // expunged meanwhile by someone else
	}
	oversize := meta.RFC822Size > cfg.MaxMessageBytes
	section := &imap.FetchItemBodySection{Peek: true}
	if oversize {
		section.Specifier = imap.PartSpecifierHeader
	}
	var raw []byte
	found := false
	if err := s.timed(ctx, cfg.FetchTimeout, "fetch message", func() error {
		msgs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err == nil && len(msgs) > 0 {
			for _, b := range msgs[0].BodySection {
				raw, found = b.Bytes, true
			}
		}
		return err
	}); err != nil {
		return err
	}
	if !found {
		return nil // expunged meanwhile
	}
	id, hash := identify(raw)
	in := Incoming{
		Mailbox:     cfg.Server.MailboxKey(),
		UIDValidity: s.state.UIDValidity,
		UID:         uint32(uid),
		Raw:         raw,
		Size:        meta.RFC822Size,
		Oversize:    oversize,
		MessageID:   id,
		Hash:        hash,
		Received:    meta.InternalDate,
	}
	v, err = cfg.Sink.Commit(ctx, in)
	if err != nil {
		return &sinkError{err}
	}
	s.p.log.Info("message recorded", "uid", uid, "message_id", id, "hash", hash[:12], "size", meta.RFC822Size,
		"duplicate", v.Duplicate, "quarantine", v.Quarantine, "code", v.Code)
	return s.move(ctx, set, uid, v)
}

// move moves a committed message where its verdict says.
func (s *conn) move(ctx context.Context, set imap.UIDSet, uid imap.UID, v Verdict) error {
	cfg := s.p.cfg
	dest := cfg.Server.Processed
	if v.Quarantine {
		dest = cfg.Server.Quarantine
		if kw := keyword(v.Code); kw != "" && s.keywords {
			if err := s.timed(ctx, cfg.CommandTimeout, "tag", func() error {
				return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(kw)}}, nil).Close()
			}); err != nil {
				return err
			}
		}
	}
	if err := s.timed(ctx, cfg.CommandTimeout, "move to "+dest, func() error {
		_, err := s.c.Move(set, dest).Wait()
		return err
	}); err != nil {
		return err
	}
	s.p.log.Info("message moved", "uid", uid, "moved_to", dest)
	return nil
}

// keyword turns a reason code into an IMAP keyword ("Intake-mail.too_large"),
// keeping only characters every server accepts in an atom.
func keyword(code string) string {
	if code == "" {
		return ""
	}
	kw := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, code)
	return "Intake-" + kw
}

// wait returns when new mail may have arrived: at once when a notice is
// pending, else after an IDLE ends (new mail, IdleRestart elapsed and a NOOP
// answered) or, without IDLE, after PollInterval. With retry set (messages
// were left), it waits no longer than RetryInterval.
func (s *conn) wait(ctx context.Context, retry bool) error {
	cfg := s.p.cfg
	select {
	case <-s.newMail:
		return nil
	default:
	}
	pollEvery, idleFor := cfg.PollInterval, cfg.IdleRestart
	if retry {
		pollEvery, idleFor = min(pollEvery, cfg.RetryInterval), min(idleFor, cfg.RetryInterval)
	}
	renew := false
	if !s.renewAt.IsZero() {
		left := max(time.Until(s.renewAt), 0)
		if left <= pollEvery || left <= idleFor {
			renew = true
			pollEvery, idleFor = min(pollEvery, left), min(idleFor, left)
		}
	}
	if !s.c.Caps().Has(imap.CapIdle) {
		t := time.NewTimer(pollEvery)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Closed():
			return errors.New("connection closed by the server")
		case <-t.C:
		}
		if renew && !time.Now().Before(s.renewAt) {
			return errRenewToken
		}
		return s.noop(ctx)
	}
	var idle *imapclient.IdleCommand
	if err := s.timed(ctx, cfg.CommandTimeout, "idle", func() error {
		var err error
		idle, err = s.c.Idle()
		return err
	}); err != nil {
		return err
	}
	t := time.NewTimer(idleFor)
	defer t.Stop()
	restart := false
	select {
	case <-ctx.Done():
	case <-s.newMail:
	case <-s.c.Closed():
	case <-t.C:
		restart = true
	}
	if err := s.timed(context.WithoutCancel(ctx), cfg.CommandTimeout, "end idle", func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	}); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if restart && renew && !time.Now().Before(s.renewAt) {
		return errRenewToken
	}
	if restart {
		return s.noop(ctx)
	}
	return nil
}

func (s *conn) noop(ctx context.Context) error {
	return s.timed(ctx, s.p.cfg.CommandTimeout, "noop", func() error { return s.c.Noop().Wait() })
}
