package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testClientID     = "intake-app"
	testClientSecret = "cl13nt-s3cret-value"
)

// tokenEndpoint is an OAuth 2.0 token endpoint on httptest: the client
// credentials and refresh-token grants, tokens "tok-N" that the IMAP test
// server is told to accept, refresh tokens rotated at each use.
type tokenEndpoint struct {
	srv *httptest.Server
	ts  *imapTest

	mu        sync.Mutex
	issued    int
	expiresIn int    // seconds
	refresh   string // the refresh token that works now
	grants    []string
	scopes    []string
}

func startTokenEndpoint(t *testing.T, ts *imapTest) *tokenEndpoint {
	t.Helper()
	ep := &tokenEndpoint{ts: ts, expiresIn: 3600, refresh: "rt-0"}
	ep.srv = httptest.NewServer(http.HandlerFunc(ep.serve))
	t.Cleanup(ep.srv.Close)
	return ep
}

func (ep *tokenEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":%q,"error_description":"refused by the test endpoint"}`, code)
	}
	grant := r.PostForm.Get("grant_type")
	ep.grants = append(ep.grants, grant)
	ep.scopes = append(ep.scopes, r.PostForm.Get("scope"))
	resp := map[string]any{"token_type": "Bearer", "expires_in": ep.expiresIn}
	switch grant {
	case "client_credentials":
		if id != testClientID || secret != testClientSecret {
			fail("invalid_client")
			return
		}
	case "refresh_token":
		if id != testClientID || r.PostForm.Get("refresh_token") != ep.refresh {
			fail("invalid_grant")
			return
		}
		ep.refresh = fmt.Sprintf("rt-%d", ep.issued+1)
		resp["refresh_token"] = ep.refresh
	default:
		fail("unsupported_grant_type")
		return
	}
	ep.issued++
	tok := fmt.Sprintf("tok-%d", ep.issued)
	resp["access_token"] = tok
	ep.ts.mu.Lock()
	ep.ts.tokens[tok] = true
	ep.ts.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (ep *tokenEndpoint) count() int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.issued
}

// revoke makes the IMAP server refuse a token it accepted (it judges it
// expired by its own clock, or an administrator revoked it).
func (ts *imapTest) revoke(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.tokens, token)
}

func (ts *imapTest) tokensPresented() []presentedToken {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]presentedToken(nil), ts.presented...)
}

func (ts *imapTest) loginCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.logins
}

// oauthServer returns the mailbox URL parsed and completed from an
// environment holding the secret (or refresh token).
func oauthServer(t *testing.T, ts *imapTest, ep *tokenEndpoint, auth string, env map[string]string) Server {
	t.Helper()
	srv, err := ParseIMAPURL(fmt.Sprintf("imap://%s@%s/INBOX?auth=%s&client_id=%s&scope=%s", imapUser, ts.addr, auth, testClientID, "imap.test%20offline"))
	if err != nil {
		t.Fatal(err)
	}
	env[EnvTokenURL] = ep.srv.URL + "/token"
	srv, err = srv.WithOAuthEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// syncBuffer collects log lines from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPollerXOAuth2TokenRenewal: the token is reused while valid, renewed
// before it expires (a naive poller signs in with the old token until the
// server refuses it), and renewed at once when the server refuses it.
func TestPollerXOAuth2TokenRenewal(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ep := startTokenEndpoint(t, ts)
	srv := oauthServer(t, ts, ep, "xoauth2", map[string]string{EnvClientSecret: testClientSecret})
	logs := &syncBuffer{}
	sink := newMemSink()
	p := newTestPoller(t, srv, sink, func(c *PollerConfig) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	now := time.Now()
	p.tokens.now = func() time.Time { return now }
	drain := func(id string) {
		t.Helper()
		ts.deliver(t, "INBOX", formMessage(id))
		if err := p.Drain(context.Background()); err != nil {
			t.Fatalf("Drain (%s): %v", id, err)
		}
	}
	lastToken := func() presentedToken {
		t.Helper()
		pt := ts.tokensPresented()
		if len(pt) == 0 {
			t.Fatal("no token presented")
		}
		return pt[len(pt)-1]
	}

	drain("oauth.1@lausd.net")
	if n, last := ep.count(), lastToken(); n != 1 || last != (presentedToken{"tok-1", true}) {
		t.Fatalf("after the first sign-in: %d tokens issued, last presented %+v", n, last)
	}
	drain("oauth.2@lausd.net")
	if n := ep.count(); n != 1 {
		t.Errorf("%d tokens issued for two sign-ins within the hour, want 1 (reused)", n)
	}

	// 56 minutes on, tok-1 has 4 minutes left: less than the renewal time.
	now = now.Add(56 * time.Minute)
	drain("oauth.3@lausd.net")
	if n, last := ep.count(), lastToken(); n != 2 || last != (presentedToken{"tok-2", true}) {
		t.Fatalf("near expiry: %d tokens issued, last presented %+v; want tok-2, fetched before tok-1 expired", n, last)
	}

	// tok-2's expiry was set an hour from the real clock: back to it.
	now = time.Now()
	// The server now deems tok-2 expired, although its expiry is an hour
	// away: the poller gets another and signs in on the same connection.
	ts.revoke("tok-2")
	drain("oauth.4@lausd.net")
	pt := ts.tokensPresented()
	want := []presentedToken{{"tok-1", true}, {"tok-1", true}, {"tok-2", true}, {"tok-2", false}, {"tok-3", true}}
	if fmt.Sprint(pt) != fmt.Sprint(want) {
		t.Errorf("tokens presented %v, want %v", pt, want)
	}
	if n := ts.count(t, "Processed"); n != 4 {
		t.Errorf("Processed holds %d, want 4", n)
	}
	for _, g := range ep.grants {
		if g != "client_credentials" {
			t.Errorf("grant %q, want client_credentials", g)
		}
	}
	if ep.scopes[0] != "imap.test offline" {
		t.Errorf("scope sent %q", ep.scopes[0])
	}
	for _, secret := range []string{testClientSecret, "tok-1", "tok-2", "tok-3"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs show %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "refused the OAuth token") {
		t.Errorf("logs do not tell of the refused token:\n%s", logs.String())
	}
}

// TestPollerOAuthBearerRefreshToken: the refresh-token flow keeps the
// rotated refresh token (the old one no longer works), over OAUTHBEARER.
func TestPollerOAuthBearerRefreshToken(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ep := startTokenEndpoint(t, ts)
	srv := oauthServer(t, ts, ep, "oauthbearer", map[string]string{EnvRefreshToken: "rt-0"})
	p := newTestPoller(t, srv, newMemSink(), nil)
	for i := 1; i <= 3; i++ {
		ts.deliver(t, "INBOX", formMessage(fmt.Sprintf("bearer.%d@lausd.net", i)))
		if err := p.Drain(context.Background()); err != nil {
			t.Fatalf("Drain %d: %v", i, err)
		}
		ts.revoke(fmt.Sprintf("tok-%d", i)) // each sign-in needs a new token
	}
	if n := ep.count(); n != 3 {
		t.Errorf("%d tokens issued, want 3", n)
	}
	if n := ts.count(t, "Processed"); n != 3 {
		t.Errorf("Processed holds %d, want 3", n)
	}
	for _, g := range ep.grants {
		if g != "refresh_token" {
			t.Errorf("grant %q, want refresh_token", g)
		}
	}
}

// TestPollerOAuthSessionRenewal: a watching poller ends its session and
// signs in again with a new token before the one it signed in with
// expires, without waiting for the server to drop it.
func TestPollerOAuthSessionRenewal(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ep := startTokenEndpoint(t, ts)
	ep.expiresIn = 301 // a second more than the renewal time
	srv := oauthServer(t, ts, ep, "xoauth2", map[string]string{EnvClientSecret: testClientSecret})
	p := newTestPoller(t, srv, newMemSink(), func(c *PollerConfig) {
		c.TokenRenewal = 300 * time.Second
		c.IdleRestart, c.PollInterval = time.Hour, time.Hour
		c.Backoff = func(int) time.Duration { return time.Hour } // a failure would stall the test
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	eventually(t, "a second sign-in with a new token", func() bool { return ts.loginCount() >= 2 && ep.count() >= 2 })
	ts.deliver(t, "INBOX", formMessage("renewed@lausd.net"))
	eventually(t, "mail after the renewal", func() bool { return ts.count(t, "Processed") == 1 })
	for _, pt := range ts.tokensPresented() {
		if !pt.accepted {
			t.Errorf("token %s was refused: the session was not renewed in time", pt.token)
		}
	}
}

func TestWithOAuthEnv(t *testing.T) {
	tests := []struct {
		name string
		url  string
		env  map[string]string
		want OAuth
		err  string
	}{
		{
			name: "Microsoft 365, client credentials",
			url:  "imaps://intake%40lausd.net@outlook.office365.com/INBOX?auth=xoauth2&tenant=lausd.onmicrosoft.com&client_id=abc",
			env:  map[string]string{EnvClientSecret: "s3cret"},
			want: OAuth{TokenURL: "https://login.microsoftonline.com/lausd.onmicrosoft.com/oauth2/v2.0/token", ClientID: "abc", Tenant: "lausd.onmicrosoft.com",
				Scope: "https://outlook.office365.com/.default", ClientSecret: "s3cret"},
		},
		{
			name: "Microsoft 365, refresh token, everything from the environment",
			url:  "imaps://intake%40lausd.net@outlook.office365.com/INBOX?auth=oauthbearer",
			env:  map[string]string{EnvClientID: "abc", EnvTenant: "t1", EnvRefreshToken: "r3fresh"},
			want: OAuth{TokenURL: "https://login.microsoftonline.com/t1/oauth2/v2.0/token", ClientID: "abc", Tenant: "t1",
				Scope: "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access", RefreshToken: "r3fresh"},
		},
		{
			name: "other provider",
			url:  "imaps://u@imap.example.org/INBOX?auth=xoauth2&client_id=abc&token_url=https%3A%2F%2Fauth.example.org%2Ftoken&scope=mail",
			env:  map[string]string{EnvClientSecret: "s3cret"},
			want: OAuth{TokenURL: "https://auth.example.org/token", ClientID: "abc", Scope: "mail", ClientSecret: "s3cret"},
		},
		{name: "no secret", url: "imaps://u@host/INBOX?auth=xoauth2&client_id=abc&tenant=t", env: map[string]string{}, err: "client secret"},
		{name: "no client", url: "imaps://u@host/INBOX?auth=xoauth2&tenant=t", env: map[string]string{EnvClientSecret: "s3cret"}, err: "client ID"},
		{name: "no endpoint", url: "imaps://u@host/INBOX?auth=xoauth2&client_id=abc", env: map[string]string{EnvClientSecret: "s3cret"}, err: "token endpoint"},
		{name: "plain http endpoint", url: "imaps://u@host/INBOX?auth=xoauth2&client_id=abc&token_url=http%3A%2F%2Fauth.example.org%2Ft", env: map[string]string{EnvClientSecret: "s3cret"}, err: "https://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := ParseIMAPURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			got, err := srv.WithOAuthEnv(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q shows the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.OAuth != tc.want {
				t.Errorf("got  %+v\nwant %+v", got.OAuth, tc.want)
			}
			for _, shown := range []string{got.String(), fmt.Sprintf("%v %+v %#v", got, got, got.OAuth), got.OAuth.LogValue().String()} {
				if strings.Contains(shown, "s3cret") || strings.Contains(shown, "r3fresh") {
					t.Errorf("%q shows a secret", shown)
				}
			}
		})
	}
}

func TestParseIMAPURLAuth(t *testing.T) {
	tests := []struct {
		in   string
		auth Auth
		err  string
	}{
		{in: "imaps://u:p@host/INBOX", auth: ""},
		{in: "imaps://u:p@host/INBOX?auth=login", auth: ""},
		{in: "imaps://u:p@host/INBOX?auth=PLAIN", auth: AuthPlain},
		{in: "imaps://u@host/INBOX?auth=xoauth2", auth: AuthXOAuth2},
		{in: "imaps://u@host/INBOX?auth=oauthbearer", auth: AuthOAuthBearer},
		{in: "imaps://u:s3cret@host/INBOX?auth=xoauth2", err: "leave the password out"},
		{in: "imaps://host/INBOX?auth=xoauth2", err: "user name"},
		{in: "imaps://u@host/INBOX?auth=xoauth2&client_secret=s3cret", err: "does not belong in the URL"},
		{in: "imaps://u:p@host/INBOX?client_id=abc", err: "goes with auth=xoauth2"},
		{in: "imaps://u:p@host/INBOX?auth=cram-md5", err: "auth="},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseIMAPURL(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error = %v, want one containing %q and no secret", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Auth != tc.auth {
				t.Errorf("Auth = %q, want %q", got.Auth, tc.auth)
			}
		})
	}
}

// TestPollerPlainAuth signs in with SASL PLAIN.
func TestPollerPlainAuth(t *testing.T) {
	ts := startIMAP(t, imapTestOptions{})
	ts.deliver(t, "INBOX", formMessage("plain@lausd.net"))
	srv := imapURL(t, "imap", ts.addr, "INBOX", "auth=plain")
	if err := newTestPoller(t, srv, newMemSink(), nil).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := ts.count(t, "Processed"); n != 1 {
		t.Errorf("Processed holds %d", n)
	}
	srv.Password = "wrong"
	err := newTestPoller(t, srv, newMemSink(), nil).Drain(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused the sign-in") {
		t.Errorf("Drain with a wrong password = %v", err)
	}
}
