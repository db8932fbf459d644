// Package dovecottest starts a real Dovecot IMAP server for tests: its own
// configuration, maildir and password file in the test's temporary
// directory, plain-text login on a loopback port, stopped when the test
// ends. The end-to-end tests of the intake use it where the in-memory
// imapmemserver is not enough (a real server's MOVE, UIDPLUS, IDLE and
// maildir delivery).
//
// It needs the dovecot binary (Debian packages dovecot-core and
// dovecot-imapd). Run as root, Dovecot's mail processes run as the dovecot
// user; otherwise as the current user.
package dovecottest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Server is a running Dovecot.
type Server struct {
	// Addr is the IMAP listener, 127.0.0.1:port.
	Addr string
	// User and Password log in.
	User, Password string
	// Maildir is the user's mail directory (INBOX).
	Maildir string
	// Dir holds the configuration, the log and the mail.
	Dir string

	uid, gid int
	seq      int
	bin      string // the dovecot binary
}

// URL returns an imap:// URL for the mailbox (loopback plain text).
func (s *Server) URL(mailbox string) string {
	u := url.URL{Scheme: "imap", User: url.UserPassword(s.User, s.Password), Host: s.Addr, Path: "/" + mailbox}
	return u.String()
}

// Log returns what Dovecot logged so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
	return string(b)
}

const config = `# Written by dovecottest for one test.
instance_name = {{instance}}
base_dir = {{dir}}/run
state_dir = {{dir}}/state
log_path = {{dir}}/dovecot.log
info_log_path = {{dir}}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {{internal_user}}
default_internal_group = {{internal_group}}
default_login_user = {{login_user}}
first_valid_uid = {{uid}}
first_valid_gid = {{gid}}
mail_location = maildir:{{dir}}/mail/%u
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{dir}}/passwd
}
userdb {
  driver = static
  args = uid={{uid}} gid={{gid}} home={{dir}}/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = {{port}}
  }
  inet_listener imaps {
    port = 0
  }
}
`

// Start writes a configuration in a fresh t.TempDir, starts `dovecot -F -c
// CONF` and waits until it greets; t.Cleanup stops it.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = "/usr/sbin/dovecot"
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("dovecottest: dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
		}
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, User: "intake", Password: randomHex(8), Maildir: filepath.Join(dir, "mail", "intake")}

	internalUser, internalGroup, loginUser := "", "", ""
	if os.Getuid() == 0 {
		// Dovecot refuses to run mail processes as root: use its own users,
		// and let them reach the test directory.
		u, err := user.Lookup("dovecot")
		if err != nil {
			t.Fatalf("dovecottest: running as root needs the dovecot user: %v", err)
		}
		s.uid, _ = strconv.Atoi(u.Uid)
		s.gid, _ = strconv.Atoi(u.Gid)
		internalUser, internalGroup, loginUser = "dovecot", "dovecot", "dovenull"
		// t.TempDir is TMP/TestName.../NNN, the first level private.
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		s.uid, _ = strconv.Atoi(u.Uid)
		s.gid, _ = strconv.Atoi(u.Gid)
		internalUser, internalGroup, loginUser = u.Username, g.Name, u.Username
	}

	port := freePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conf := strings.NewReplacer(
		"{{instance}}", "dovecottest-"+randomHex(4),
		"{{dir}}", dir,
		"{{internal_user}}", internalUser,
		"{{internal_group}}", internalGroup,
		"{{login_user}}", loginUser,
		"{{uid}}", strconv.Itoa(s.uid),
		"{{gid}}", strconv.Itoa(s.gid),
		"{{port}}", strconv.Itoa(port),
	).Replace(config)
	confPath := filepath.Join(dir, "dovecot.conf")
	passwd := fmt.Sprintf("%s:{PLAIN}%s::::::\n", s.User, s.Password)
	for path, text := range map[string]string{confPath: conf, filepath.Join(dir, "passwd"): passwd} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"home/intake", "mail/intake/cur", "mail/intake/new", "mail/intake/tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"home", "home/intake", "mail", "mail/intake", "mail/intake/cur", "mail/intake/new", "mail/intake/tmp"} {
		if err := os.Chown(filepath.Join(dir, d), s.uid, s.gid); err != nil {
			t.Fatal(err)
		}
	}

	s.bin = bin
	s.launch(t)
	return s
}

// launch starts Dovecot on the server's configuration and waits for its
// greeting; the test's cleanup stops it with every process of its group.
func (s *Server) launch(t testing.TB) {
	t.Helper()
	cmd := exec.Command(s.bin, "-F", "-c", filepath.Join(s.Dir, "dovecot.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	out, err := os.OpenFile(filepath.Join(s.Dir, "dovecot.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("dovecottest: start dovecot: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); out.Close() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // the processes serving connections too
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	if err := waitGreeting(s.Addr, exited, 15*time.Second); err != nil {
		b, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.out"))
		t.Fatalf("dovecottest: %v\n%s%s", err, b, s.Log())
	}
}

// Restart stops Dovecot (its master, from master.pid, and every process
// of its group, which serve the open connections), runs whileDown, and
// starts it again on the same configuration, port and mail: a mail server
// going away under its clients.
func (s *Server) Restart(t testing.TB, whileDown func()) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, "run", "master.pid"))
	if err != nil {
		t.Fatalf("dovecottest: master.pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("dovecottest: master.pid: %v", err)
	}
	if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil {
		t.Fatalf("dovecottest: stop dovecot: %v", err)
	}
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		} else if syscall.Kill(-pid, 0) != nil {
			break // not listening, and every process gone
		}
		if time.Now().After(end) {
			t.Fatal("dovecottest: dovecot did not stop within 15s")
		}
	}
	whileDown()
	s.launch(t)
}

// Deliver puts a message into the INBOX the way a local delivery agent
// does: written under tmp/, then renamed into new/.
func (s *Server) Deliver(t testing.TB, raw []byte) {
	t.Helper()
	s.seq++
	name := fmt.Sprintf("%d.M%dP%d.dovecottest", time.Now().Unix(), s.seq, os.Getpid())
	tmp := filepath.Join(s.Maildir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, s.uid, s.gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(s.Maildir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// Count returns how many messages a mailbox holds, asked over IMAP; 0 when
// the mailbox does not exist yet.
func (s *Server) Count(t testing.TB, mailbox string) uint32 {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatalf("dovecottest: %v", err)
	}
	defer c.Close()
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		t.Fatalf("dovecottest: login: %v", err)
	}
	listed, err := c.List("", mailbox, nil).Collect()
	if err != nil {
		t.Fatalf("dovecottest: list %s: %v", mailbox, err)
	}
	if len(listed) == 0 {
		return 0
	}
	st, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("dovecottest: status %s: %v", mailbox, err)
	}
	return *st.NumMessages
}

// Client returns an IMAP client logged in as the test user, logged out
// when the test ends.
func (s *Server) Client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatalf("dovecottest: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		t.Fatalf("dovecottest: login: %v", err)
	}
	return c
}

// Append stores a message in a mailbox over IMAP, as a client or a
// restore from backup does.
func (s *Server) Append(t testing.TB, mailbox string, raw []byte) {
	t.Helper()
	c := s.Client(t)
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("dovecottest: append to %s: %v", mailbox, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("dovecottest: append to %s: %v", mailbox, err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("dovecottest: append to %s: %v", mailbox, err)
	}
	c.Logout().Wait()
}

// Recreate deletes a mailbox (when it exists) and creates it again, empty:
// Dovecot gives it a new UIDVALIDITY and its UIDs start again from 1. It
// returns the new UIDVALIDITY.
func (s *Server) Recreate(t testing.TB, mailbox string) uint32 {
	t.Helper()
	c := s.Client(t)
	defer func() { c.Logout().Wait() }()
	listed, err := c.List("", mailbox, nil).Collect()
	if err != nil {
		t.Fatalf("dovecottest: list %s: %v\n%s", mailbox, err, s.Log())
	}
	if len(listed) > 0 {
		if err := c.Delete(mailbox).Wait(); err != nil {
			t.Fatalf("dovecottest: delete %s: %v", mailbox, err)
		}
	}
	if err := c.Create(mailbox, nil).Wait(); err != nil {
		t.Fatalf("dovecottest: create %s: %v", mailbox, err)
	}
	st, err := c.Status(mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		t.Fatalf("dovecottest: status %s: %v", mailbox, err)
	}
	return st.UIDValidity
}

// waitGreeting dials until the server says "* OK", it exits, or the time
// is up.
func waitGreeting(addr string, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("dovecot exited: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && strings.HasPrefix(line, "* OK") {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dovecot did not greet on %s within %s", addr, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort asks the kernel for a free loopback port. Dovecot binds it a
// moment later; another process taking it in between is unlikely on a
// test machine and shows as a start failure.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
