package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Auth is how the Poller signs in to the IMAP server.
type Auth string

const (
	// AuthLogin is the IMAP LOGIN command with the URL's user name and
	// password (the default, also written "").
	AuthLogin Auth = "login"
	// AuthPlain is SASL PLAIN with the URL's user name and password.
	AuthPlain Auth = "plain"
	// AuthXOAuth2 is Google's and Microsoft's SASL XOAUTH2 with an OAuth
	// 2.0 access token.
	AuthXOAuth2 Auth = "xoauth2"
	// AuthOAuthBearer is SASL OAUTHBEARER (RFC 7628) with an OAuth 2.0
	// access token.
	AuthOAuthBearer Auth = "oauthbearer"
)

// OAuth reports whether a signs in with an OAuth 2.0 access token.
func (a Auth) OAuth() bool { return a == AuthXOAuth2 || a == AuthOAuthBearer }

// The environment variables WithOAuthEnv reads. Secrets are read only from
// here, never from the URL.
const (
	EnvClientID     = "INTAKE_IMAP_CLIENT_ID"
	EnvTenant       = "INTAKE_IMAP_TENANT"
	EnvScope        = "INTAKE_IMAP_SCOPE"
	EnvTokenURL     = "INTAKE_IMAP_TOKEN_URL"
	EnvClientSecret = "INTAKE_IMAP_CLIENT_SECRET"
	EnvRefreshToken = "INTAKE_IMAP_REFRESH_TOKEN"
)

// OAuth is where the Poller gets its OAuth 2.0 access tokens. With a
// RefreshToken it uses the refresh-token flow (a delegated sign-in made
// once by an administrator; ClientSecret only for a confidential client),
// otherwise the client-credentials flow with ClientSecret (an application
// granted access to the mailbox, as Microsoft 365 does it). Its String
// never shows a secret.
type OAuth struct {
	// TokenURL is the token endpoint. When empty and Tenant is set, it is
	// Microsoft's: https://login.microsoftonline.com/TENANT/oauth2/v2.0/token.
	TokenURL string
	ClientID string
	// Tenant is the Microsoft Entra tenant (its ID or domain).
	Tenant string
	// Scope is the space-separated scopes asked for. When empty with a
	// Microsoft token endpoint: https://outlook.office365.com/.default for
	// client credentials, and
	// "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"
	// with a refresh token.
	Scope string
	// ClientSecret and RefreshToken are the secrets, from the environment.
	ClientSecret string
	RefreshToken string
}

// String describes o for logs, without its secrets.
func (o OAuth) String() string {
	flow := "client_credentials"
	if o.RefreshToken != "" {
		flow = "refresh_token"
	}
	return fmt.Sprintf("oauth(flow=%s client_id=%s token_url=%s scope=%q)", flow, o.ClientID, o.TokenURL, o.Scope)
}

// GoString is String, so that %#v shows no secret either.
func (o OAuth) GoString() string { return o.String() }

// LogValue keeps the secrets out of slog lines.
func (o OAuth) LogValue() slog.Value { return slog.StringValue(o.String()) }

// WithOAuthEnv completes an OAuth server's configuration from the
// environment (getenv is os.Getenv outside tests): the client ID, tenant,
// scope and token URL the URL left out, and the client secret or refresh
// token. It fills in Microsoft's token endpoint and scopes when a tenant is
// given, and checks that the configuration is whole. A server that does not
// sign in with OAuth is returned unchanged. Errors never show a secret.
func (s Server) WithOAuthEnv(getenv func(string) string) (Server, error) {
	if !s.Auth.OAuth() {
		return s, nil
	}
	o := &s.OAuth
	for _, f := range []struct {
		field *string
		env   string
	}{{&o.ClientID, EnvClientID}, {&o.Tenant, EnvTenant}, {&o.Scope, EnvScope}, {&o.TokenURL, EnvTokenURL}} {
		if *f.field == "" {
			*f.field = strings.TrimSpace(getenv(f.env))
		}
	}
	o.ClientSecret = strings.TrimSpace(getenv(EnvClientSecret))
	o.RefreshToken = strings.TrimSpace(getenv(EnvRefreshToken))
	microsoft := false
	if o.TokenURL == "" && o.Tenant != "" {
		o.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(o.Tenant) + "/oauth2/v2.0/token"
		microsoft = true
	}
	if o.Scope == "" && (microsoft || strings.HasPrefix(o.TokenURL, "https://login.microsoftonline.com/")) {
		o.Scope = "https://outlook.office365.com/.default"
		if o.RefreshToken != "" {
			o.Scope = "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"
		}
	}
	if err := o.check(); err != nil {
		return Server{}, err
	}
	return s, nil
}

// check reports what an OAuth configuration lacks.
func (o OAuth) check() error {
	if o.ClientID == "" {
		return fmt.Errorf("mail: OAuth sign-in needs a client ID (client_id= in the URL or %s)", EnvClientID)
	}
	if o.TokenURL == "" {
		return fmt.Errorf("mail: OAuth sign-in needs a token endpoint (tenant= or token_url= in the URL, or %s or %s)", EnvTenant, EnvTokenURL)
	}
	u, err := url.Parse(o.TokenURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return fmt.Errorf("mail: OAuth token endpoint must be an https:// URL (http:// only to a loopback address)")
	}
	if o.ClientSecret == "" && o.RefreshToken == "" {
		return fmt.Errorf("mail: OAuth sign-in needs a client secret (%s) or a refresh token (%s) in the environment", EnvClientSecret, EnvRefreshToken)
	}
	return nil
}

// DefaultTokenRenewal is how long before its expiry an access token is
// replaced, and a session signed in with it ended and opened again.
const DefaultTokenRenewal = 5 * time.Minute

// tokens hands out the access token, fetching a new one TokenRenewal
// before the current one expires and at once after the server refused it.
type tokens struct {
	fetch   func(ctx context.Context) (*oauth2.Token, error)
	renewal time.Duration
	now     func() time.Time

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokens(o OAuth, renewal time.Duration, httpClient *http.Client) *tokens {
	t := &tokens{renewal: renewal, now: time.Now}
	scopes := strings.Fields(o.Scope)
	withClient := func(ctx context.Context) context.Context {
		return context.WithValue(ctx, oauth2.HTTPClient, httpClient)
	}
	if o.RefreshToken != "" {
		conf := &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: o.TokenURL}, Scopes: scopes}
		refresh := o.RefreshToken
		t.fetch = func(ctx context.Context) (*oauth2.Token, error) {
			// A fresh source each time, so it refreshes now: the library's
			// own cache would keep a token until seconds before its expiry.
			tok, err := conf.TokenSource(withClient(ctx), &oauth2.Token{RefreshToken: refresh}).Token()
			if err == nil && tok.RefreshToken != "" {
				refresh = tok.RefreshToken // the provider may rotate it
			}
			return tok, err
		}
	} else {
		conf := &clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, TokenURL: o.TokenURL, Scopes: scopes}
		t.fetch = func(ctx context.Context) (*oauth2.Token, error) {
			return conf.Token(withClient(ctx))
		}
	}
	return t
}

// token returns a token valid for at least the renewal time, fetching one
// when needed.
func (t *tokens) token(ctx context.Context) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.AccessToken != "" && (t.tok.Expiry.IsZero() || t.now().Add(t.renewal).Before(t.tok.Expiry)) {
		return t.tok, nil
	}
	tok, err := t.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("get an OAuth access token: %w", tokenError(err))
	}
	if tok.AccessToken == "" {
		return nil, errors.New("get an OAuth access token: the token endpoint returned none")
	}
	t.tok = tok
	return tok, nil
}

// refused drops the token the server refused, so the next call fetches
// another.
func (t *tokens) refused(access string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.AccessToken == access {
		t.tok = nil
	}
}

// tokenError keeps the endpoint's error code and description and drops
// the response body, which a misbehaving endpoint could fill with anything.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := ""
		if re.Response != nil {
			status = re.Response.Status
		}
		return fmt.Errorf("token endpoint refused (%s): %s %s", status, re.ErrorCode, re.ErrorDescription)
	}
	return err
}

// xoauth2Client is the SASL XOAUTH2 mechanism, which go-sasl lacks:
// "user=USER^Aauth=Bearer TOKEN^A^A" as the initial response.
type xoauth2Client struct {
	user, token string
	// refusal is the server's JSON explanation of a refused token.
	refusal string
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next answers the one challenge a server sends, its refusal in JSON, with
// the empty response that lets it end the exchange with NO.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	c.refusal = string(challenge)
	return []byte{}, nil
}

// oauthBearerClient wraps go-sasl's OAUTHBEARER client: on the server's
// JSON refusal it sends the ^A the RFC asks for (go-sasl's client stops
// without an answer, which leaves the command hanging).
type oauthBearerClient struct {
	sasl.Client
	refusal string
}

func (c *oauthBearerClient) Next(challenge []byte) ([]byte, error) {
	c.refusal = string(challenge)
	return []byte{0x01}, nil
}

// ErrAuthRefused is wrapped by the error of a sign-in the server refused
// (wrong password, refused token).
var ErrAuthRefused = errors.New("mail: the server refused the sign-in")

// signIn signs in on c as srv.Auth says, with a token from tok for OAuth.
// A refused token is dropped and the sign-in tried once more with a new one
// (the server may have revoked it, or judged it expired by its own clock).
// It returns the expiry of the token used (zero without OAuth).
func (s *conn) signIn(ctx context.Context) (time.Time, error) {
	srv, cfg := s.p.cfg.Server, s.p.cfg
	switch srv.Auth {
	case "", AuthLogin:
		return time.Time{}, s.authCommand(ctx, "log in", func() error { return s.c.Login(srv.Username, srv.Password).Wait() })
	case AuthPlain:
		return time.Time{}, s.authCommand(ctx, "log in", func() error {
			return s.c.Authenticate(sasl.NewPlainClient("", srv.Username, srv.Password))
		})
	}
	if !s.c.Caps().Has(imap.Cap("AUTH=" + strings.ToUpper(string(srv.Auth)))) {
		return time.Time{}, fmt.Errorf("log in: the server does not offer AUTH=%s", strings.ToUpper(string(srv.Auth)))
	}
	var err error
	for try := 1; try <= 2; try++ {
		var tok *oauth2.Token
		tok, err = s.p.tokens.token(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("log in: %w", err)
		}
		var refusal *string
		var client sasl.Client
		if srv.Auth == AuthXOAuth2 {
			x := &xoauth2Client{user: srv.Username, token: tok.AccessToken}
			client, refusal = x, &x.refusal
		} else {
			host, port := splitHostPort(srv.Addr)
			b := &oauthBearerClient{Client: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: srv.Username, Token: tok.AccessToken, Host: host, Port: port})}
			client, refusal = b, &b.refusal
		}
		err = s.authCommand(ctx, "log in with "+strings.ToUpper(string(srv.Auth)), func() error { return s.c.Authenticate(client) })
		if err == nil {
			return tok.Expiry, nil
		}
		// A server that explained its refusal in a challenge may answer
		// the closing empty response with BAD rather than NO.
		if !errors.Is(err, ErrAuthRefused) && *refusal == "" {
			return time.Time{}, err
		}
		s.p.tokens.refused(tok.AccessToken)
		s.p.log.Warn("the server refused the OAuth token; getting a new one", "try", try, "server_says", oauthRefusal(*refusal), "oauth", cfg.Server.OAuth)
	}
	return time.Time{}, err
}

// authCommand runs a sign-in command, marking a NO with ErrAuthRefused.
func (s *conn) authCommand(ctx context.Context, what string, f func() error) error {
	err := s.timed(ctx, s.p.cfg.CommandTimeout, what, f)
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
		return fmt.Errorf("%w: %w", ErrAuthRefused, err)
	}
	return err
}

// oauthRefusal keeps a short, printable part of a server's JSON refusal.
func oauthRefusal(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// splitHostPort splits an address the URL parser made (host:port).
func splitHostPort(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	n, _ := strconv.Atoi(port)
	return host, n
}
