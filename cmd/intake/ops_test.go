package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/config"
)

func TestTakeGlobals(t *testing.T) {
	tests := []struct {
		args []string
		rest []string
		g    globals
		err  string
	}{
		{args: []string{"work", "--drain"}, rest: []string{"work", "--drain"}},
		{args: []string{"--config", "a.toml", "work"}, rest: []string{"work"}, g: globals{config: "a.toml"}},
		{args: []string{"work", "--config=a.toml", "--drain"}, rest: []string{"work", "--drain"}, g: globals{config: "a.toml"}},
		{args: []string{"serve", "-log-format", "json", "--log-level=debug"}, rest: []string{"serve"}, g: globals{logFormat: "json", logLevel: "debug"}},
		{args: []string{"ingest", "--", "--config"}, rest: []string{"ingest", "--", "--config"}},
		{args: []string{"work", "--config"}, err: "--config needs a value"},
	}
	for _, tt := range tests {
		rest, g, err := takeGlobals(tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("takeGlobals(%q): %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(rest, tt.rest) || g != tt.g {
			t.Errorf("takeGlobals(%q) = %q, %+v, %v; want %q, %+v", tt.args, rest, g, err, tt.rest, tt.g)
		}
	}
}

func TestConfigCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(good, []byte("[work]\nworkers = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("[work]\nworkers = -2\n[database]\nurl = \"postgres://x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("INTAKE_SMTP_URL", "")
	t.Setenv("DATABASE_URL", "postgres://example/db")
	var out strings.Builder
	if err := run(context.Background(), []string{"config", "check", good}, &out); err != nil {
		t.Fatalf("check of a good file: %v", err)
	}
	for _, want := range []string{good + ": ok", "DATABASE_URL: set", "INTAKE_SMTP_URL: not set"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	err := run(context.Background(), []string{"config", "check", bad}, &out)
	if err == nil || !strings.Contains(err.Error(), "2 problem(s)") || !strings.Contains(err.Error(), "database.url: secrets do not belong in the file; set DATABASE_URL") {
		t.Errorf("check of a bad file: %v", err)
	}
	// A command given a bad file stops before doing anything.
	if err := run(context.Background(), []string{"--config", bad, "migrate"}, &out); err == nil || !strings.Contains(err.Error(), "work.workers") {
		t.Errorf("migrate --config BAD: %v, want the file's problems", err)
	}
	if err := run(context.Background(), []string{"--log-format", "xml", "forms", "list"}, &out); err == nil || !strings.Contains(err.Error(), "want text or json") {
		t.Errorf("--log-format xml: %v", err)
	}
}

// TestConfigFlagsExist: every setting of the example file, all turned on,
// is a flag its command accepts.
func TestConfigFlagsExist(t *testing.T) {
	b, err := os.ReadFile("../../deploy/intake.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	all := regexp.MustCompile(`(?m)^#([a-z-]+ = )`).ReplaceAllString(string(b), "$1")
	file := filepath.Join(t.TempDir(), "all.toml")
	if err := os.WriteFile(file, []byte(all), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	// What makes each command stop right after its flags.
	noDB := "postgres://127.0.0.1:1/none?connect_timeout=2" // no database listens on port 1
	stop := map[string][]string{
		"work":  {"--database-url", noDB},
		"serve": {"--database-url", noDB},
		"eval":  nil,                        // no corpus directory
		"demo":  {"--samples", t.TempDir()}, // no sample messages
	}
	for _, cmd := range config.Commands() {
		if len(cfg.Flags(cmd)) != len(config.FlagNames(cmd)) {
			t.Fatalf("%s: the example sets %d of %d settings", cmd, len(cfg.Flags(cmd)), len(config.FlagNames(cmd)))
		}
		extra, ok := stop[cmd]
		if !ok {
			t.Errorf("%s takes settings from the file: say here how to stop it after its flags", cmd)
			continue
		}
		args := append([]string{"--config", file, cmd}, extra...)
		err := run(context.Background(), args, &strings.Builder{})
		if err == nil {
			t.Errorf("%s ran with %q", cmd, extra)
			continue
		}
		if strings.Contains(err.Error(), "flag provided but not defined") || strings.Contains(err.Error(), "invalid value") {
			t.Errorf("%s does not take the file's settings: %v", cmd, err)
		}
	}
}

func TestLogging(t *testing.T) {
	old, oldDefault, oldFormat := logOutput, slog.Default(), logFormat
	t.Cleanup(func() { logOutput, logFormat = old, oldFormat; slog.SetDefault(oldDefault) })
	file := filepath.Join(t.TempDir(), "log.toml")
	if err := os.WriteFile(file, []byte("[log]\nformat = \"json\"\nlevel = \"error\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		g       globals
		verbose bool
		want    string // the lines logged by Info("job", "n", 1) and Warn("slow")
	}{
		{"defaults: text at warn", globals{}, false, "level=WARN msg=slow\n"},
		{"-v raises to info", globals{}, true, "level=INFO msg=job n=1\nlevel=WARN msg=slow\n"},
		{"json at info", globals{logFormat: "json", logLevel: "info"}, false, `{"level":"INFO","msg":"job","n":1}` + "\n" + `{"level":"WARN","msg":"slow"}` + "\n"},
		{"the file's", globals{config: file}, false, ""},
		{"the command line wins over the file", globals{config: file, logLevel: "warn"}, false, `{"level":"WARN","msg":"slow"}` + "\n"},
		{"-v keeps the file's format", globals{config: file}, true, `{"level":"INFO","msg":"job","n":1}` + "\n" + `{"level":"WARN","msg":"slow"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf strings.Builder
			logOutput, logFormat = &buf, "text"
			if _, err := tt.g.setup(); err != nil {
				t.Fatal(err)
			}
			log := commandLogger(tt.verbose)
			log.Info("job", "n", 1)
			log.Warn("slow")
			got := regexp.MustCompile(`time=\S+ |"time":"[^"]+",`).ReplaceAllString(buf.String(), "")
			if got != tt.want {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
		})
	}
}
