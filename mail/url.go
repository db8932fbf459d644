package mail

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Security is how a connection to a mail server is protected.
type Security int

const (
	// ImplicitTLS speaks TLS from the first byte (imaps://, smtps://).
	ImplicitTLS Security = iota
	// StartTLS connects in plain text and upgrades with STARTTLS before
	// logging in (imap://...?starttls=1, smtp://...?starttls=1).
	StartTLS
	// Plaintext never encrypts; it is allowed only to a loopback address.
	Plaintext
)

func (s Security) String() string {
	switch s {
	case ImplicitTLS:
		return "tls"
	case StartTLS:
		return "starttls"
	case Plaintext:
		return "plaintext"
	}
	return "Security(" + strconv.Itoa(int(s)) + ")"
}

// Server is a parsed mailbox or outbox URL. Its String never shows the
// password.
type Server struct {
	// Scheme is "imaps", "imap", "smtps" or "smtp".
	Scheme string
	// Host is the server's name (for TLS verification) and Addr its
	// host:port, the scheme's default port filled in.
	Host, Addr string
	Security   Security
	// Username and Password log in; both empty means no login (SMTP only).
	Username, Password string
	// Mailbox is the IMAP mailbox to watch ("INBOX" when the URL names
	// none); "" for SMTP.
	Mailbox string
	// Processed and Quarantine are the IMAP mailboxes messages move to
	// (query parameters processed= and quarantine=; "Processed" and
	// "Quarantine" by default).
	Processed, Quarantine string
	// Auth is how the Poller signs in (query parameter auth=); "" is
	// AuthLogin.
	Auth Auth
	// OAuth configures the token for AuthXOAuth2 and AuthOAuthBearer: the
	// URL gives its public part (client_id=, tenant=, scope=, token_url=),
	// WithOAuthEnv the rest and the secret.
	OAuth OAuth
}

// String returns the URL with the password replaced by "xxxxx", fit for
// logs.
func (s Server) String() string {
	u := url.URL{Scheme: s.Scheme, Host: s.Addr}
	if s.Username != "" {
		if s.Password != "" {
			u.User = url.UserPassword(s.Username, "xxxxx")
		} else {
			u.User = url.User(s.Username)
		}
	}
	if s.Mailbox != "" {
		u.Path = "/" + s.Mailbox
	}
	q := url.Values{}
	if s.Security == StartTLS {
		q.Set("starttls", "1")
	}
	if s.Auth != "" {
		q.Set("auth", string(s.Auth))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ErrBadURL is wrapped by every error ParseIMAPURL and ParseSMTPURL return.
var ErrBadURL = errors.New("mail: bad server URL")

func badURL(kind, format string, args ...any) error {
	return fmt.Errorf("%w: %s URL: %s", ErrBadURL, kind, fmt.Sprintf(format, args...))
}

// ParseIMAPURL reads the intake mailbox URL (--imap-url, INTAKE_IMAP_URL):
//
//	imaps://user:pass@host:993/INBOX             implicit TLS (port 993 by default)
//	imap://user:pass@host:143/INBOX?starttls=1   STARTTLS (port 143 by default)
//	imap://user:pass@127.0.0.1:1143/INBOX        plain text, loopback only
//
// Special characters in the user name or password are percent-encoded
// (%40 for @). Optional query parameters processed= and quarantine= name
// the mailboxes handled messages move to.
//
// auth= chooses the sign-in: login (the IMAP LOGIN command, the default),
// plain (SASL PLAIN), or, with an OAuth 2.0 access token and no password,
// xoauth2 or oauthbearer, as Microsoft 365 and Gmail want:
//
//	imaps://intake@lausd.net@outlook.office365.com/INBOX?auth=xoauth2&tenant=TENANT&client_id=ID
//
// client_id=, tenant=, scope= and token_url= may be given in the URL or in
// the environment (see [Server.WithOAuthEnv]); the client secret or
// refresh token only in the environment. Errors never repeat the password.
func ParseIMAPURL(raw string) (Server, error) {
	s, q, err := parseServerURL("IMAP", raw, map[string]string{"imaps": "993", "imap": "143"})
	if err != nil {
		return Server{}, err
	}
	if a, ok := q.rest["auth"]; ok {
		switch Auth(strings.ToLower(a)) {
		case AuthLogin, AuthPlain, AuthXOAuth2, AuthOAuthBearer:
			s.Auth = Auth(strings.ToLower(a))
		default:
			return Server{}, badURL("IMAP", "auth=%q: use login, plain, xoauth2 or oauthbearer", a)
		}
		if s.Auth == AuthLogin {
			s.Auth = ""
		}
	}
	if s.Auth.OAuth() {
		if s.Username == "" {
			return Server{}, badURL("IMAP", "auth=%s needs the mailbox's user name (imaps://user@host/INBOX?auth=%s)", s.Auth, s.Auth)
		}
		if s.Password != "" {
			return Server{}, badURL("IMAP", "auth=%s signs in with a token: leave the password out of the URL and set %s or %s", s.Auth, EnvClientSecret, EnvRefreshToken)
		}
	} else if s.Username == "" || s.Password == "" {
		return Server{}, badURL("IMAP", "a user name and a password are required (imaps://user:pass@host/INBOX)")
	}
	s.Mailbox = "INBOX"
	s.Processed, s.Quarantine = "Processed", "Quarantine"
	if m := strings.Trim(q.path, "/"); m != "" {
		s.Mailbox = m
	}
	for key, val := range q.rest {
		switch key {
		case "processed":
			s.Processed = val
		case "quarantine":
			s.Quarantine = val
		case "auth":
		case "client_id", "tenant", "scope", "token_url":
			if !s.Auth.OAuth() {
				return Server{}, badURL("IMAP", "%s= goes with auth=xoauth2 or auth=oauthbearer", key)
			}
			switch key {
			case "client_id":
				s.OAuth.ClientID = val
			case "tenant":
				s.OAuth.Tenant = val
			case "scope":
				s.OAuth.Scope = val
			case "token_url":
				s.OAuth.TokenURL = val
			}
		case "client_secret", "refresh_token", "password":
			return Server{}, badURL("IMAP", "%s= does not belong in the URL; set it in the environment (%s, %s)", key, EnvClientSecret, EnvRefreshToken)
		default:
			return Server{}, badURL("IMAP", "unknown parameter %q (known: starttls, processed, quarantine, auth, client_id, tenant, scope, token_url)", key)
		}
	}
	if s.Processed == "" || s.Quarantine == "" || s.Processed == s.Mailbox || s.Quarantine == s.Mailbox || s.Processed == s.Quarantine {
		return Server{}, badURL("IMAP", "the watched mailbox %q, processed mailbox %q and quarantine mailbox %q must be three different, non-empty names", s.Mailbox, s.Processed, s.Quarantine)
	}
	return s, nil
}

// ParseSMTPURL reads the outgoing mail server URL (--smtp-url,
// INTAKE_SMTP_URL):
//
//	smtps://user:pass@host:465                  implicit TLS (port 465 by default)
//	smtp://user:pass@host:587?starttls=1        STARTTLS (port 587 by default)
//	smtp://127.0.0.1:2525                       plain text, loopback only
//
// The user name and password may be left out for a relay that needs no
// login. Errors never repeat the password.
func ParseSMTPURL(raw string) (Server, error) {
	s, q, err := parseServerURL("SMTP", raw, map[string]string{"smtps": "465", "smtp": "587"})
	if err != nil {
		return Server{}, err
	}
	if (s.Username == "") != (s.Password == "") {
		return Server{}, badURL("SMTP", "give both a user name and a password, or neither")
	}
	if p := strings.Trim(q.path, "/"); p != "" {
		return Server{}, badURL("SMTP", "an SMTP URL has no path (found %q)", p)
	}
	for key := range q.rest {
		return Server{}, badURL("SMTP", "unknown parameter %q (known: starttls)", key)
	}
	return s, nil
}

type urlRest struct {
	path string
	rest map[string]string
}

func parseServerURL(kind, raw string, ports map[string]string) (Server, urlRest, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Server{}, urlRest{}, badURL(kind, "empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The parser's errors quote the URL or pieces of it, password
		// included: say what is wrong without them.
		var esc url.EscapeError
		if errors.As(err, &esc) {
			return Server{}, urlRest{}, badURL(kind, "cannot be read: a %% is not followed by two hex digits; percent-encode special characters in the user name and password")
		}
		return Server{}, urlRest{}, badURL(kind, "cannot be read; check the form scheme://user:password@host:port/mailbox and percent-encode special characters in the user name and password")
	}
	scheme := strings.ToLower(u.Scheme)
	port, ok := ports[scheme]
	if !ok {
		plain := strings.ToLower(kind)
		return Server{}, urlRest{}, badURL(kind, "scheme must be %ss:// or %s://", plain, plain)
	}
	host := u.Hostname()
	if host == "" {
		return Server{}, urlRest{}, badURL(kind, "no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Server{}, urlRest{}, badURL(kind, "port %q is not a number from 1 to 65535", p)
		}
		port = p
	}
	s := Server{Scheme: scheme, Host: host, Addr: net.JoinHostPort(host, port)}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	rest := map[string]string{}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Server{}, urlRest{}, badURL(kind, "query cannot be read: %v", err)
	}
	starttls := false
	for key, vals := range q {
		val := vals[len(vals)-1]
		if key != "starttls" {
			rest[key] = val
			continue
		}
		switch strings.ToLower(val) {
		case "1", "true", "yes", "":
			starttls = true
		case "0", "false", "no":
		default:
			return Server{}, urlRest{}, badURL(kind, "starttls=%q: use starttls=1 or starttls=0", val)
		}
	}
	implicit := strings.HasSuffix(scheme, "s")
	switch {
	case implicit && starttls:
		return Server{}, urlRest{}, badURL(kind, "%s:// already uses TLS; starttls=1 goes with %s://", scheme, strings.TrimSuffix(scheme, "s"))
	case implicit:
		s.Security = ImplicitTLS
	case starttls:
		s.Security = StartTLS
	default:
		s.Security = Plaintext
		if !isLoopback(host) {
			return Server{}, urlRest{}, badURL(kind, "%s:// without starttls=1 sends the password in clear text and is allowed only to a loopback address, not %q; use %ss:// or add ?starttls=1", scheme, host, scheme)
		}
	}
	return s, urlRest{path: u.Path, rest: rest}, nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MailboxKey names the watched mailbox for the Sink's state:
// user@host:port/mailbox, without the password.
func (s Server) MailboxKey() string {
	return s.Username + "@" + s.Addr + "/" + s.Mailbox
}
