package review

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/lausd/misis-intake/store"
)

// Cookie names.
const (
	sessionCookie = "intake_session"
	// signinCookie carries the sign-in form's CSRF token (double submit),
	// since there is no session yet to hold it.
	signinCookie = "intake_signin"
)

// MinPasswordLen is the shortest password HashPassword accepts.
const MinPasswordLen = 10

// ErrWeakPassword is returned by HashPassword for a password too short.
var ErrWeakPassword = fmt.Errorf("review: a password needs at least %d characters", MinPasswordLen)

// HashPassword returns the bcrypt hash of a new account's password.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLen {
		return "", ErrWeakPassword
	}
	if len(password) > 72 {
		return "", errors.New("review: a password may have at most 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("review: hash password: %w", err)
	}
	return string(h), nil
}

// bcryptCost is the cost of new password hashes; tests lower it.
var bcryptCost = bcrypt.DefaultCost

// dummyHash is compared against when the user does not exist, so that a
// wrong name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), bcryptCost)
	return h
})

func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// session returns the request's live session and renews its idle expiry.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (store.Session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return store.Session{}, false
	}
	now := s.cfg.Now()
	ss, err := s.st.SessionByToken(r.Context(), hashToken(c.Value), now)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("session lookup", "err", err)
		}
		s.clearCookie(w, sessionCookie)
		return store.Session{}, false
	}
	// Renew at most once a minute; expiry never passes the absolute limit.
	if now.Sub(ss.LastSeen) >= time.Minute {
		exp := s.expiry(ss.CreatedAt, now)
		if err := s.st.TouchSession(r.Context(), ss.TokenHash, now, exp); err != nil {
			s.log.Error("session renew", "err", err)
		} else {
			ss.LastSeen, ss.ExpiresAt = now, exp
		}
	}
	return ss, true
}

func (s *Server) expiry(created, now time.Time) time.Time {
	idle := now.Add(s.cfg.SessionIdle)
	if limit := created.Add(s.cfg.SessionMax); limit.Before(idle) {
		return limit
	}
	return idle
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) { s.setCookie(w, name, "", -1) }

// checkCSRF reports whether a POST carries the session's CSRF token.
func (s *Server) checkCSRF(r *http.Request, ss *store.Session) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.CSRFToken)) == 1
}

// safeNext returns a local path to go to after signing in.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(w, r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.showSignin(w, r, http.StatusOK, "")
}

func (s *Server) showSignin(w http.ResponseWriter, r *http.Request, code int, problem string) {
	tok := randomToken()
	s.setCookie(w, signinCookie, tok, 3600)
	s.render(w, r, code, "signin", nil, "Sign in", map[string]any{
		"Token": tok, "Next": safeNext(r.FormValue("next")), "Problem": problem,
		"Name": r.PostFormValue("name"),
	})
}

// Sign-in throttling: after maxFailures wrong passwords for one name
// within failureWindow, that name may not sign in until the window has
// passed since the last failure.
const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
)

// failures counts recent wrong passwords by name typed. It lives in
// memory: a restart forgives, and several servers each count their own.
type failures struct {
	mu sync.Mutex
	by map[string][]time.Time
}

func (f *failures) recent(name string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range f.by[name] {
		if now.Sub(t) < failureWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		delete(f.by, name)
	} else {
		f.by[name] = keep
	}
	return keep
}

// locked reports whether name has failed too often lately.
func (f *failures) locked(name string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(name, now)) >= maxFailures
}

func (f *failures) add(name string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.by == nil {
		f.by = map[string][]time.Time{}
	}
	f.by[name] = append(f.recent(name, now), now)
}

func (f *failures) clear(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.by, name)
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(signinCookie)
	tok := r.PostFormValue("csrf")
	if err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 {
		s.render(w, r, http.StatusForbidden, "error", nil, "Forbidden", map[string]any{
			"Code": 403, "Message": "The sign-in form was out of date. Reload the page and sign in again.",
		})
		return
	}
	name := strings.TrimSpace(strings.ToLower(r.PostFormValue("name")))
	pw := r.PostFormValue("password")
	if s.failed.locked(name, s.cfg.Now()) {
		s.log.Info("sign-in refused: too many failures")
		s.showSignin(w, r, http.StatusTooManyRequests, "Too many wrong passwords for this name; try again in 15 minutes.")
		return
	}
	u, hash, err := s.st.UserPassword(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, nil, err)
		return
	}
	if err != nil {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw)) //nolint:errcheck // timing only
	}
	if err != nil || bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil || u.Disabled {
		s.log.Info("sign-in refused") // what was typed may be anything, so it is not logged
		s.failed.add(name, s.cfg.Now())
		s.showSignin(w, r, http.StatusUnauthorized, "The name or password is wrong.")
		return
	}
	s.failed.clear(name)
	now := s.cfg.Now()
	if _, err := s.st.DeleteExpiredSessions(r.Context(), now); err != nil {
		s.log.Error("delete expired sessions", "err", err)
	}
	token := randomToken()
	ss := store.Session{
		TokenHash: hashToken(token), User: u, CSRFToken: randomToken(),
		CreatedAt: now, LastSeen: now, ExpiresAt: s.expiry(now, now),
	}
	if err := s.st.CreateSession(r.Context(), ss); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.clearCookie(w, signinCookie)
	s.setCookie(w, sessionCookie, token, int(s.cfg.SessionMax/time.Second))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	if err := s.st.DeleteSession(r.Context(), ss.TokenHash); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
