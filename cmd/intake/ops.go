package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lausd/misis-intake/config"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/store"
)

// globals are the options every command takes, anywhere on its command
// line: --config FILE, --log-format text|json, --log-level LEVEL.
type globals struct {
	config, logFormat, logLevel string
}

// globalNames are the global options' names.
var globalNames = map[string]bool{"config": true, "log-format": true, "log-level": true}

// takeGlobals removes the global options from args and returns them.
func takeGlobals(args []string) ([]string, globals, error) {
	var g globals
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !globalNames[name] {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, g, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "config":
			g.config = value
		case "log-format":
			g.logFormat = value
		case "log-level":
			g.logLevel = value
		}
	}
	return rest, g, nil
}

// logOutput is where logs go; tests replace it.
var logOutput io.Writer = os.Stderr

// logFormat is the format chosen for this run ("text" or "json"), for
// commandLogger.
var logFormat = "text"

// setup loads the configuration file, when one is named, and makes the
// default logger from the command line's options, else the file's, else
// text at warn level, to standard error.
func (g globals) setup() (*config.Config, error) {
	var cfg *config.Config
	if g.config != "" {
		var err error
		if cfg, err = config.Load(g.config); err != nil {
			return nil, err
		}
	} else {
		cfg = &config.Config{}
	}
	format, level := cfg.Log.Format, cfg.Log.Level
	if g.logFormat != "" {
		format = g.logFormat
	}
	if g.logLevel != "" {
		level = g.logLevel
	}
	lv, err := config.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("--log-level %v", err)
	}
	h, err := newHandler(logOutput, format, slog.Level(lv))
	if err != nil {
		return nil, err
	}
	if format != "" {
		logFormat = format
	}
	slog.SetDefault(slog.New(h))
	return cfg, nil
}

func newHandler(w io.Writer, format string, level slog.Level) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "text":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// commandLogger returns the default logger, lowered to info level when
// verbose (a command's -v) asks for each job.
func commandLogger(verbose bool) *slog.Logger {
	if !verbose || slog.Default().Enabled(context.Background(), slog.LevelInfo) {
		return slog.Default()
	}
	h, _ := newHandler(logOutput, logFormat, slog.LevelInfo) // logFormat was checked by setup
	return slog.New(h)
}

// serveOps serves /healthz, /readyz and /metrics on addr until ctx ends;
// an empty addr serves nothing. It returns once listening.
func serveOps(ctx context.Context, addr string, st *store.Store, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	metrics.SetReviewQueue(reviewQueueStats(st))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-addr: %w", err)
	}
	srv := &http.Server{Handler: metrics.Ops(st.CheckSchema), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut) //nolint:errcheck // at exit
	}()
	log.Info("serving /healthz, /readyz and /metrics", "addr", ln.Addr().String())
	return nil
}

// runConfig is `intake config check FILE`.
func runConfig(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	if sub != "check" {
		return errors.New("config: want 'config check FILE'")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("config check: want one FILE")
	}
	if _, err := config.Load(files[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok\n", files[0])
	for _, env := range config.Secrets {
		state := "not set"
		if os.Getenv(env) != "" {
			state = "set"
		}
		fmt.Fprintf(stdout, "  %s: %s\n", env, state)
	}
	return nil
}
