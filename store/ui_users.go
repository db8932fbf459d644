package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Roles of the people who use the review UI.
const (
	RoleReviewer    = "reviewer"    // corrects and decides forms
	RoleSupervisor  = "supervisor"  // a reviewer who also settles what two keyers disagree on
	RoleProvisioner = "provisioner" // works the provisioning queues
	RoleAdmin       = "admin"       // everything, and retries failed items
)

// ValidRole reports whether role is one of the UI's roles.
func ValidRole(role string) bool {
	return role == RoleReviewer || role == RoleSupervisor || role == RoleProvisioner || role == RoleAdmin
}

var userName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidUserName reports whether name may name an account: lower-case
// letters, digits, dot, dash and underscore, at most 64.
func ValidUserName(name string) bool { return userName.MatchString(name) }

// ErrUserExists is returned by AddUser when the name is taken.
var ErrUserExists = errors.New("store: a user of that name exists")

// User is an account of the review UI.
type User struct {
	Name      string
	Role      string
	Disabled  bool
	CreatedAt time.Time
}

// AddUser creates an account with a bcrypt password hash. actor is who
// created it, for the audit log.
func (s *Store) AddUser(ctx context.Context, actor, name, role, passwordHash string) error {
	if !ValidUserName(name) {
		return fmt.Errorf("store: add user: %q is not a valid user name (lower-case letters, digits, '.', '-', '_')", name)
	}
	if !ValidRole(role) {
		return fmt.Errorf("store: add user: role %q is not reviewer, supervisor, provisioner or admin", role)
	}
	return s.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (name, role, password_hash) VALUES ($1, $2, $3)`, name, role, passwordHash)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return fmt.Errorf("add user %s: %w", name, ErrUserExists)
		}
		if err != nil {
			return fmt.Errorf("store: add user: %w", err)
		}
		return audit(ctx, tx, actor, "user.added", "user/"+name, map[string]any{"role": role})
	})
}

// Users lists every account by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, role, disabled, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
		var u User
		err := r.Scan(&u.Name, &u.Role, &u.Disabled, &u.CreatedAt)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// UserPassword returns an account and its password hash, for signing in;
// ErrNotFound when there is no such account.
func (s *Store) UserPassword(ctx context.Context, name string) (User, string, error) {
	u := User{Name: name}
	var hash string
	err := s.pool.QueryRow(ctx, `SELECT role, disabled, created_at, password_hash FROM users WHERE name = $1`, name).
		Scan(&u.Role, &u.Disabled, &u.CreatedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, "", fmt.Errorf("store: user: %w", ErrNotFound)
	}
	if err != nil {
		return u, "", fmt.Errorf("store: user: %w", err)
	}
	return u, hash, nil
}

// Session is a signed-in browser.
type Session struct {
	// TokenHash is the hex SHA-256 of the token in the cookie.
	TokenHash string
	User      User
	CSRFToken string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session and audits the sign-in.
func (s *Store) CreateSession(ctx context.Context, ss Session) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_name, csrf_token, created_at, last_seen, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, ss.TokenHash, ss.User.Name, ss.CSRFToken, ss.CreatedAt, ss.LastSeen, ss.ExpiresAt)
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return audit(ctx, tx, ss.User.Name, "user.signed_in", "user/"+ss.User.Name, nil)
	})
}

// SessionByToken returns the session whose token hashes to tokenHash,
// with its user, if it has not expired at now and its user is not
// disabled; ErrNotFound otherwise.
func (s *Store) SessionByToken(ctx context.Context, tokenHash string, now time.Time) (Session, error) {
	ss := Session{TokenHash: tokenHash}
	err := s.pool.QueryRow(ctx, `SELECT u.name, u.role, u.disabled, u.created_at, s.csrf_token, s.created_at, s.last_seen, s.expires_at
		FROM sessions s JOIN users u ON u.name = s.user_name
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, tokenHash, now).
		Scan(&ss.User.Name, &ss.User.Role, &ss.User.Disabled, &ss.User.CreatedAt, &ss.CSRFToken, &ss.CreatedAt, &ss.LastSeen, &ss.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ss, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return ss, fmt.Errorf("store: session: %w", err)
	}
	return ss, nil
}

// TouchSession records activity on a session and moves its expiry.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, lastSeen, expiresAt time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen = $2, expires_at = $3 WHERE token_hash = $1`,
		tokenHash, lastSeen, expiresAt); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (signing out).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now and returns
// how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
