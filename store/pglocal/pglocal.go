// Package pglocal runs a private PostgreSQL server from a directory: the
// throw-away clusters of the tests (storetest) and the demo's cluster under
// the project's .data/pg, kept between runs. No system service is
// involved: initdb makes the cluster the first time, and the server runs
// as a child of this process, listening on 127.0.0.1 and a socket in the
// directory. PostgreSQL refuses to run as root, so when this process is
// root the server runs as the postgres system user.
package pglocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDir is where the PostgreSQL server binaries are looked for when they
// are not on PATH; empty means the newest /usr/lib/postgresql/*/bin.
var BinDir = ""

// ErrInUse is returned by Start when another server already runs on the
// directory (a demo still running, say).
var ErrInUse = errors.New("pglocal: another server is running on this directory")

// Config configures Start.
type Config struct {
	// Dir holds the cluster (Dir/data), the socket (Dir/sock) and the
	// server's log (Dir/postgres.log); it is created when missing. A Dir
	// that already holds a cluster is started as it is.
	Dir string
	// Port is the TCP port on 127.0.0.1; zero picks a free one.
	Port int
	// Throwaway trades durability for speed (fsync, synchronous commit and
	// full-page writes off): for tests only.
	Throwaway bool
	// MaxConnections is the server's max_connections; zero means 300.
	MaxConnections int
	// StartTimeout bounds the wait for the server to accept connections;
	// zero means 30 seconds.
	StartTimeout time.Duration
}

// Server is a running PostgreSQL server.
type Server struct {
	// AdminURL connects as the postgres superuser to the maintenance
	// database "postgres".
	AdminURL string
	// Created is true when Start made the cluster (initdb) rather than
	// reusing one.
	Created bool
	dir     string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// Start starts a server on cfg.Dir, making the cluster first when the
// directory holds none, and returns once it accepts connections.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pglocal: no directory")
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 300
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	s := &Server{dir: dir}
	cred, uid, gid, err := credential()
	if err != nil {
		return nil, err
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	for _, d := range []string{data, sock} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("pglocal: %w", err)
		}
	}
	if cred != nil {
		// The server's user must reach its directories.
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, fmt.Errorf("pglocal: %w", err)
		}
		for _, d := range []string{data, sock} {
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, fmt.Errorf("pglocal: %w", err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		args := []string{"-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"}
		if cfg.Throwaway {
			args = append(args, "--no-sync")
		}
		initdb := exec.CommandContext(ctx, bin("initdb"), args...)
		initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := initdb.CombinedOutput(); err != nil {
			hint := ""
			if cred != nil && strings.Contains(string(out), "Permission denied") {
				hint = "\n(the server runs as the postgres user, which must be able to enter every directory above " + dir + ")"
			}
			return nil, fmt.Errorf("pglocal: initdb: %w\n%s%s", err, out, hint)
		}
		s.Created = true
	} else if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	port := cfg.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	defer logf.Close()
	logStart, _ := logf.Seek(0, 2)
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", sock,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=" + strconv.Itoa(cfg.MaxConnections)}
	if cfg.Throwaway {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off",
			"-c", "full_page_writes=off", "-c", "shared_buffers=64MB")
	}
	s.cmd = exec.Command(bin("postgres"), args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig stops the server if this process dies without Stop.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pglocal: start postgres: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }() //nolint:errcheck // the exit is reported through exited
	s.AdminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)

	deadline := time.Now().Add(cfg.StartTimeout)
	for {
		conn, err := pgx.Connect(ctx, s.AdminURL)
		if err == nil {
			conn.Close(ctx)
			return s, nil
		}
		select {
		case <-s.exited:
			log := readFrom(logPath, logStart)
			if lockHeld(log) {
				return nil, fmt.Errorf("%w (%s):\n%s", ErrInUse, dir, log)
			}
			return nil, fmt.Errorf("pglocal: postgres exited at start:\n%s", log)
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("pglocal: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("pglocal: postgres did not accept connections within %s: %w", cfg.StartTimeout, err)
		}
	}
}

// lockHeld reports whether postgres's log says another server holds the
// data directory.
func lockHeld(log string) bool {
	return strings.Contains(log, `lock file "postmaster.pid" already exists`)
}

// readFrom returns the log written since offset.
func readFrom(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || offset > int64(len(b)) {
		return ""
	}
	return string(b[offset:])
}

// Dir returns the server's directory.
func (s *Server) Dir() string { return s.dir }

// Stop stops the server (a fast shutdown: sessions are ended, the cluster
// is left consistent) and waits for it to exit. The directory stays.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT) //nolint:errcheck // it may be gone already
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill() //nolint:errcheck // last resort
		<-s.exited
	}
}

// Exited is closed when the server process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

func bin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dir := BinDir
	if dir == "" {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
		dir = "/usr/lib/postgresql/15/bin"
		if len(dirs) > 0 {
			dir = dirs[len(dirs)-1]
		}
	}
	return filepath.Join(dir, name)
}

// versionOf returns the major version in /usr/lib/postgresql/N/bin.
func versionOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// credential returns who to run the server as: the postgres system user
// when running as root, nil (ourselves) otherwise.
func credential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("pglocal: running as root needs a postgres system user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pglocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// EnsureDatabase creates the database name on the server at adminURL when
// it does not exist, and returns its URL.
func EnsureDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("pglocal: connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", fmt.Errorf("pglocal: look for database %s: %w", name, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("pglocal: create database %s: %w", name, err)
		}
	}
	cc := conn.Config()
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cc.User, cc.Host, cc.Port, name), nil
}

// Reachable reports whether the server's user can enter dir's existing
// ancestors, which initdb needs: always when this process is not root;
// as root, whether the postgres user may search every directory above
// dir (a home directory of mode 0700 stops it).
func Reachable(dir string) (bool, error) {
	cred, _, _, err := credential()
	if err != nil || cred == nil {
		return err == nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false, fmt.Errorf("pglocal: %w", err)
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err == nil {
			perm := st.Mode & 0o777
			var ok bool
			switch {
			case st.Uid == cred.Uid:
				ok = perm&0o100 != 0
			case st.Gid == cred.Gid:
				ok = perm&0o010 != 0
			default:
				ok = perm&0o001 != 0
			}
			if !ok {
				return false, nil
			}
		}
		if p == filepath.Dir(p) {
			return true, nil
		}
	}
}
