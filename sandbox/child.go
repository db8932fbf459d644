package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/validate"
)

// Exit codes of a child that the pool recognises.
const (
	exitCPU = 3 // SIGXCPU: the attachment's CPU time is up
)

// startCPU is the CPU time a child may spend starting (loading the
// registry and Tesseract) on top of its attachments' budgets.
const startCPU = 60 * time.Second

// maxAttachmentBytes bounds what a child accepts on its input: the pool
// sends nothing larger than a decoded attachment can be.
const maxAttachmentBytes = 1 << 30

// Main is the body of the child process (`intake read-attachment`): it
// puts its limits on itself, starts one OCR engine, then reads
// attachments from stdin and answers on stdout until stdin closes. It is
// started by a Pool with the flags the pool's Limits call for:
//
//	--memory BYTES   private writable memory (RLIMIT_DATA)
//	--cpu DURATION   CPU time per attachment (RLIMIT_CPU, raised per use)
//	--uses N         attachments it will be given at most
//	-v               the engine's debug lines on standard error
//	--places FILE    a locations CSV naming the places of school names
//
// Anything else the process writes to its standard output (a C library's
// chatter) is sent to standard error, so it cannot corrupt the answers.
func Main(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("read-attachment", flag.ContinueOnError)
	memory := fs.Int64("memory", DefaultLimits.Memory, "data in bytes (RLIMIT_DATA)")
	cpu := fs.Duration("cpu", DefaultLimits.CPUTime, "CPU time per attachment (RLIMIT_CPU)")
	uses := fs.Int("uses", DefaultMaxUses, "attachments this process serves at most")
	verbose := fs.Bool("v", false, "log the engine's line per page (never a value read) to standard error")
	placesFile := fs.String("places", "", "locations CSV by which the engine names the places of school names")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := limitMemory(*memory); err != nil {
		return err
	}
	hard := startCPU + time.Duration(*uses+1)*(*cpu+time.Second)
	if err := setCPU(hard, hard); err != nil {
		return err
	}
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, syscall.SIGXCPU)
	go func() {
		<-xcpu
		fmt.Fprintln(os.Stderr, "sandbox: CPU time limit reached")
		os.Exit(exitCPU)
	}()

	out, err := takeStdout()
	if err != nil {
		return err
	}
	reg, err := forms.Load()
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	var log *slog.Logger
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg := ocr.Config{Registry: reg, Workers: 1, Logger: log}
	if *placesFile != "" {
		places, err := validate.ReadLocationsFile(*placesFile)
		if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
		cfg.Places = places
	}
	eng, err := ocr.New(cfg)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer eng.Close()
	return serve(ctx, eng, os.Stdin, out, *cpu)
}

// serve answers requests on r with responses on w until r ends.
func serve(ctx context.Context, rd pipeline.Reader, r io.Reader, w io.Writer, cpu time.Duration) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeJSON(bw, response{Ready: true}); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	for {
		head, err := readFrame(br, maxRequestBytes)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sandbox: read request: %w", err)
		}
		var req request
		if err := json.Unmarshal(head, &req); err != nil {
			return fmt.Errorf("sandbox: read request: %w", err)
		}
		data, err := readData(br, maxAttachmentBytes)
		if err != nil {
			return fmt.Errorf("sandbox: read attachment: %w", err)
		}
		if cpu > 0 {
			used, err := cpuUsed()
			if err != nil {
				return err
			}
			if err := setCPU(used+cpu, -1); err != nil {
				return err
			}
		}
		t0 := time.Now()
		var resp response
		doc, err := pipeline.ReadAttachment(ctx, rd, data, req.Limits)
		if err != nil {
			resp.Error = &wireError{Message: err.Error(), Kind: kindOf(err)}
		} else {
			resp.Document = &doc
		}
		resp.ReadNanos = time.Since(t0).Nanoseconds()
		if err := writeJSON(bw, resp); err != nil {
			return fmt.Errorf("sandbox: write answer: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("sandbox: write answer: %w", err)
		}
		if cpu > 0 {
			// Idle until the next request: only the hard limit applies.
			if err := setCPU(-1, -1); err != nil {
				return err
			}
		}
	}
}

// limitMemory caps the process's data (RLIMIT_DATA: every private
// writable mapping, which is where the Go heap, malloc and thread arenas
// live; the address space a Go process reserves but has not touched is not
// counted, which RLIMIT_AS would count: 1.5 GiB before the first page), and keeps the Go heap
// well below it so that the collector works harder before the cap bites.
func limitMemory(n int64) error {
	if n <= 0 {
		return nil
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_DATA, &lim); err != nil {
		return fmt.Errorf("sandbox: get RLIMIT_DATA: %w", err)
	}
	lim.Max = min(uint64(n), lim.Max)
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &lim); err != nil {
		return fmt.Errorf("sandbox: set RLIMIT_DATA: %w", err)
	}
	debug.SetMemoryLimit(n / 10 * 6)
	return nil
}

// setCPU sets RLIMIT_CPU's soft limit (to the hard one when soft is
// negative), and its hard limit unless hard is negative, in whole seconds
// rounded up.
func setCPU(soft, hard time.Duration) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CPU, &lim); err != nil {
		return fmt.Errorf("sandbox: get RLIMIT_CPU: %w", err)
	}
	secs := func(d time.Duration) uint64 { return uint64((d + time.Second - 1) / time.Second) }
	if hard >= 0 {
		lim.Max = min(secs(hard), lim.Max) // an unprivileged process cannot raise it
	}
	lim.Cur = lim.Max
	if soft >= 0 {
		lim.Cur = min(secs(soft), lim.Max)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &lim); err != nil {
		return fmt.Errorf("sandbox: set RLIMIT_CPU: %w", err)
	}
	return nil
}

// cpuUsed is the CPU time (user and system) the process has used.
func cpuUsed() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("sandbox: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// takeStdout returns the answers' channel, a copy of file descriptor 1,
// and points descriptor 1 at standard error.
func takeStdout() (*os.File, error) {
	fd, err := syscall.Dup(1)
	if err != nil {
		return nil, fmt.Errorf("sandbox: dup stdout: %w", err)
	}
	syscall.CloseOnExec(fd)
	if err := syscall.Dup3(2, 1, 0); err != nil {
		return nil, fmt.Errorf("sandbox: redirect stdout: %w", err)
	}
	return os.NewFile(uintptr(fd), "answers"), nil
}
