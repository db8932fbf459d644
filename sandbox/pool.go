package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
)

// DefaultMaxUses is how many attachments a child reads before it is
// replaced, when Config.MaxUses is zero.
const DefaultMaxUses = 100

// ErrClosed is returned by ReadAttachment after Close.
var ErrClosed = errors.New("sandbox: pool closed")

// Config configures a Pool. Zero fields take the documented defaults.
type Config struct {
	// Command is the child's program and its arguments; the pool appends
	// the flags of Main. Nil means this executable with "read-attachment".
	Command []string
	// Env is added to the child's environment, which is otherwise this
	// process's.
	Env []string
	// Children is how many attachments are read at once, each by its own
	// child. Zero means one per CPU.
	Children int
	// MaxUses is how many attachments a child reads before it is replaced.
	// Zero means DefaultMaxUses.
	MaxUses int
	// Limits bound each attachment's child: WallTime, CPUTime, Memory and
	// OutputBytes are used here (the document limits come with each call).
	Limits Limits
	// StartTimeout bounds a child's start (the form registry and its
	// Tesseract client). Zero means 2 minutes.
	StartTimeout time.Duration
	// Stderr receives the children's standard error (MuPDF warnings, a
	// crash's trace). Nil means this process's standard error.
	Stderr io.Writer
	// Verbose makes each child write its engine's debug lines (one per
	// page, never a value read) to Stderr.
	Verbose bool
	// Logger receives a line when a child starts, fails or is replaced,
	// never a value read from a document; nil discards them.
	Logger *slog.Logger
	// Places is an open locations CSV (validate.LocationColumns) each
	// child's engine names the places of school names by
	// (ocr.Config.Places), handed to every child as its descriptor 3: the
	// caller may remove its name at once, so that a worker killed leaves
	// no file behind. Nil means none.
	Places *os.File
}

// placesFD is the descriptor a child finds Config.Places on (the first of
// exec.Cmd.ExtraFiles).
const placesFD = 3

// Pool reads attachments in child processes. It is safe for concurrent
// use; at most Config.Children attachments are read at once, the other
// callers wait their turn.
type Pool struct {
	cfg   Config
	slots chan struct{}
	idle  chan *child
	log   *slog.Logger

	mu     sync.Mutex
	closed bool
	live   map[*child]bool
}

// NewPool makes a pool. Children are started when first needed.
func NewPool(cfg Config) (*Pool, error) {
	if len(cfg.Command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("sandbox: find this executable: %w", err)
		}
		cfg.Command = []string{exe, "read-attachment"}
	}
	if cfg.Children <= 0 {
		cfg.Children = runtime.NumCPU()
	}
	if cfg.MaxUses <= 0 {
		cfg.MaxUses = DefaultMaxUses
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 2 * time.Minute
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pool{
		cfg: cfg, log: log,
		slots: make(chan struct{}, cfg.Children),
		idle:  make(chan *child, cfg.Children),
		live:  map[*child]bool{},
	}, nil
}

// ReadAttachment reads one attachment in a child, as
// pipeline.ReadAttachment would in this process: the same Document, or an
// error with the same message wrapping the same raster sentinel. When the
// child fails instead (too long, too much CPU or memory, a crash, too
// large an answer) it is replaced and the error wraps ErrTimeout,
// ErrCPUTime, ErrMemory, ErrCrashed or ErrOutputTooLarge. When ctx ends
// the child reading is killed and ctx's error returned.
func (p *Pool) ReadAttachment(ctx context.Context, data []byte, lim raster.Limits) (pipeline.Document, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return pipeline.Document{}, ctx.Err()
	}
	defer func() { <-p.slots }()
	c, err := p.get(ctx)
	if err != nil {
		return pipeline.Document{}, err
	}
	doc, _, err := c.read(ctx, data, lim, p.cfg.Limits)
	var ce *childError
	switch {
	case errors.As(err, &ce):
		p.log.Warn("attachment reader failed; replacing it", "pid", c.pid, "reason", ce.reason)
		p.drop(c)
	case err != nil && ctx.Err() != nil:
		p.drop(c)
	case err != nil && !isDocumentError(err):
		// The wire itself failed: the child is in an unknown state.
		p.log.Warn("attachment reader failed; replacing it", "pid", c.pid, "error", err)
		p.drop(c)
	default:
		c.uses++
		p.put(c)
	}
	return doc, err
}

func isDocumentError(err error) bool {
	var de *documentError
	return errors.As(err, &de)
}

// get returns an idle child, or starts one.
func (p *Pool) get(ctx context.Context) (*child, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	for {
		select {
		case c := <-p.idle:
			select {
			case <-c.exited:
				// Died while idle (the kernel's OOM killer, an operator):
				// not the next attachment's fault.
				p.log.Warn("attachment reader died while idle; replacing it", "pid", c.pid, "exit", exitString(c.cmd.ProcessState))
				p.drop(c)
				continue
			default:
				return c, nil
			}
		default:
		}
		break
	}
	c, err := p.start(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.kill()
		return nil, ErrClosed
	}
	p.live[c] = true
	return c, nil
}

// put returns a child to the idle set, or retires it after MaxUses.
func (p *Pool) put(c *child) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if c.uses >= p.cfg.MaxUses || closed {
		p.log.Info("attachment reader retired", "pid", c.pid, "uses", c.uses)
		p.forget(c)
		go c.stop()
		return
	}
	p.idle <- c // never blocks: a child is idle or held by one of Children slots
}

// drop kills a child and forgets it.
func (p *Pool) drop(c *child) {
	p.forget(c)
	c.kill()
}

func (p *Pool) forget(c *child) {
	p.mu.Lock()
	delete(p.live, c)
	p.mu.Unlock()
}

// Close stops every child; reads in flight are killed.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	live := make([]*child, 0, len(p.live))
	for c := range p.live {
		live = append(live, c)
	}
	p.live = map[*child]bool{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range live {
		wg.Add(1)
		go func() { defer wg.Done(); c.stop() }()
	}
	wg.Wait()
	return nil
}

// child is one running `intake read-attachment`.
type child struct {
	cmd    *exec.Cmd
	pid    int
	in     *os.File
	out    *bufio.Reader
	outf   *os.File
	tail   *tailWriter
	uses   int
	exited chan struct{}
	mu     sync.Mutex
	killed bool // by the pool
}

// start starts a child and waits until its engine is up.
func (p *Pool) start(ctx context.Context) (*child, error) {
	t0 := time.Now()
	lim := p.cfg.Limits
	args := append([]string{}, p.cfg.Command[1:]...)
	args = append(args, "--memory", strconv.FormatInt(lim.Memory, 10),
		"--cpu", lim.CPUTime.String(), "--uses", strconv.Itoa(p.cfg.MaxUses))
	if p.cfg.Verbose {
		args = append(args, "-v")
	}
	if p.cfg.Places != nil {
		// Opened anew by its /proc name, each child reads from the start.
		args = append(args, "--places", fmt.Sprintf("/proc/self/fd/%d", placesFD))
	}
	cmd := exec.Command(p.cfg.Command[0], args...)
	if p.cfg.Places != nil {
		cmd.ExtraFiles = []*os.File{p.cfg.Places}
	}
	// Fewer malloc arenas: each thread's arena holds on to memory.
	cmd.Env = append(append(os.Environ(), "MALLOC_ARENA_MAX=2"), p.cfg.Env...)
	// Its own process group, so that a terminal's Ctrl-C reaches only the
	// worker, which stops its children itself; and killed if we die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: start reader: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("sandbox: start reader: %w", err)
	}
	tail := &tailWriter{max: 16 << 10}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, io.MultiWriter(tail, p.cfg.Stderr)
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("sandbox: start reader: %w", err)
	}
	c := &child{cmd: cmd, pid: cmd.Process.Pid, in: inW, outf: outR, out: bufio.NewReaderSize(outR, 64<<10), tail: tail, exited: make(chan struct{})}
	go func() {
		cmd.Wait() //nolint:errcheck // the state is read from cmd.ProcessState
		close(c.exited)
	}()

	ready := make(chan error, 1)
	go func() {
		b, err := readFrame(c.out, maxRequestBytes)
		if err == nil {
			var r response
			if err = json.Unmarshal(b, &r); err == nil && !r.Ready {
				err = errors.New("first answer is not ready")
			}
		}
		ready <- err
	}()
	timer := time.NewTimer(p.cfg.StartTimeout)
	defer timer.Stop()
	select {
	case err = <-ready:
		if err != nil {
			c.kill()
			return nil, fmt.Errorf("sandbox: start reader: %w (%s; %s)", err, exitString(c.cmd.ProcessState), c.tail.lastLine())
		}
	case <-timer.C:
		c.kill()
		return nil, fmt.Errorf("sandbox: start reader: not ready after %s", p.cfg.StartTimeout)
	case <-ctx.Done():
		c.kill()
		return nil, ctx.Err()
	}
	p.log.Info("attachment reader started", "pid", c.pid, "start_ms", time.Since(t0).Milliseconds())
	return c, nil
}

type result struct {
	b   []byte
	err error
}

// read sends one attachment and waits for the answer, within lim. It
// returns the time the child says it spent reading, too.
func (c *child) read(ctx context.Context, data []byte, dlim raster.Limits, lim Limits) (pipeline.Document, time.Duration, error) {
	doc, resp, err := c.exchange(ctx, data, dlim, lim)
	return doc, time.Duration(resp.ReadNanos), err
}

func (c *child) exchange(ctx context.Context, data []byte, dlim raster.Limits, lim Limits) (pipeline.Document, response, error) {
	sent := make(chan error, 1)
	go func() {
		err := writeJSON(c.in, request{Limits: dlim})
		if err == nil {
			err = writeData(c.in, data)
		}
		sent <- err
	}()
	got := make(chan result, 1)
	go func() {
		b, err := readFrame(c.out, lim.OutputBytes)
		got <- result{b, err}
	}()
	timer := time.NewTimer(lim.WallTime)
	defer timer.Stop()
	select {
	case r := <-got:
		if errors.Is(r.err, errFrameTooLarge) {
			c.kill()
			return pipeline.Document{}, response{}, &childError{
				reason: fmt.Sprintf("the reading of the attachment is larger than %s", formatBytes(lim.OutputBytes)),
				kind:   ErrOutputTooLarge,
			}
		}
		if r.err != nil {
			// The child closed its answers: it is dying or dead.
			select {
			case <-c.exited:
			case <-time.After(5 * time.Second):
				c.kill()
			}
			return pipeline.Document{}, response{}, c.failure(lim)
		}
		var resp response
		if err := json.Unmarshal(r.b, &resp); err != nil {
			return pipeline.Document{}, response{}, fmt.Errorf("sandbox: answer: %w", err)
		}
		if resp.Error != nil {
			return pipeline.Document{}, resp, resp.Error.err()
		}
		if resp.Document == nil {
			return pipeline.Document{}, resp, errors.New("sandbox: answer holds no document")
		}
		return *resp.Document, resp, nil
	case <-timer.C:
		c.kill()
		return pipeline.Document{}, response{}, &childError{
			reason: fmt.Sprintf("reading the attachment took longer than %s", formatDuration(lim.WallTime)),
			kind:   ErrTimeout,
		}
	case <-ctx.Done():
		c.kill()
		return pipeline.Document{}, response{}, ctx.Err()
	}
}

// oomMarkers are what a process out of memory writes before it
// dies: the Go runtime, libstdc++ (Tesseract), MuPDF, Leptonica. A new
// thread's stack counts against RLIMIT_DATA too, so a failed
// pthread_create near the limit is the same shortage.
var oomMarkers = []string{"out of memory", "bad_alloc", "cannot allocate memory", "failed to allocate", "malloc of", "malloc failed", "pthread_create failed"}

// failure says why a child that exited by itself gave no answer.
func (c *child) failure(lim Limits) error {
	st := c.cmd.ProcessState
	tail := strings.ToLower(c.tail.String())
	oom := &childError{reason: fmt.Sprintf("reading the attachment ran out of memory (limit %s)", formatBytes(lim.Memory)), kind: ErrMemory}
	for _, m := range oomMarkers {
		if strings.Contains(tail, m) {
			return oom
		}
	}
	// Near the limit, the runtime or a C library may crash on a failed
	// allocation without saying so (a nil pointer, a failed thread): a
	// child that died with most of its memory in use ran out of it.
	if st != nil {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 >= lim.Memory/4*3 {
			return oom
		}
	}
	cpu := &childError{reason: fmt.Sprintf("reading the attachment used more than %s of CPU time", formatDuration(lim.CPUTime)), kind: ErrCPUTime}
	if st == nil {
		return &childError{reason: "the program reading the attachment crashed (it did not exit)", kind: ErrCrashed}
	}
	ws, _ := st.Sys().(syscall.WaitStatus)
	switch {
	case ws.Exited() && ws.ExitStatus() == exitCPU, ws.Signaled() && ws.Signal() == syscall.SIGXCPU:
		return cpu
	case ws.Signaled():
		return &childError{reason: fmt.Sprintf("the program reading the attachment crashed (signal %s)", signalName(ws.Signal())), kind: ErrCrashed}
	}
	// The Go runtime reports a panic, or a fatal signal it caught, on
	// standard error and exits with status 2.
	for _, m := range []struct{ marker, what string }{
		{"sigsegv", "SIGSEGV"}, {"sigbus", "SIGBUS"}, {"sigabrt", "SIGABRT"}, {"sigill", "SIGILL"}, {"sigfpe", "SIGFPE"},
		{"panic:", "Go panic"}, {"fatal error:", "Go runtime error"},
	} {
		if strings.Contains(tail, m.marker) {
			return &childError{reason: fmt.Sprintf("the program reading the attachment crashed (%s, exit status %d)", m.what, ws.ExitStatus()), kind: ErrCrashed}
		}
	}
	return &childError{reason: fmt.Sprintf("the program reading the attachment stopped without answering (exit status %d)", ws.ExitStatus()), kind: ErrCrashed}
}

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGSEGV: "SIGSEGV", syscall.SIGBUS: "SIGBUS", syscall.SIGABRT: "SIGABRT", syscall.SIGILL: "SIGILL",
		syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return s.String()
}

func exitString(st *os.ProcessState) string {
	if st == nil {
		return "still running"
	}
	return st.String()
}

// kill kills the child and waits for it.
func (c *child) kill() {
	c.mu.Lock()
	c.killed = true
	c.mu.Unlock()
	c.cmd.Process.Kill() //nolint:errcheck // it may be gone already
	<-c.exited
	c.in.Close()
	c.outf.Close()
}

// stop closes the child's input, so that it exits, and kills it if it
// does not within a few seconds.
func (c *child) stop() {
	c.in.Close()
	select {
	case <-c.exited:
		c.outf.Close()
	case <-time.After(5 * time.Second):
		c.kill()
	}
}

// tailWriter keeps the first and the last max/2 bytes written to it: a
// Go crash names its cause on its first line, then prints every
// goroutine's stack.
type tailWriter struct {
	mu   sync.Mutex
	max  int
	head []byte
	buf  []byte
}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(b)
	if room := t.max/2 - len(t.head); room > 0 {
		k := min(room, len(b))
		t.head = append(t.head, b[:k]...)
		b = b[k:]
	}
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max/2; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return n, nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.head) + "\n" + string(t.buf)
}

// lastLine is the last non-empty line written, for errors at start (which
// come before any document is read).
func (t *tailWriter) lastLine() string {
	lines := bytes.Split(bytes.TrimSpace([]byte(t.String())), []byte("\n"))
	return string(lines[len(lines)-1])
}
