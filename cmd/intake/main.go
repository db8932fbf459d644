// Command intake turns faxed and scanned MiSiS access-request forms into
// checked, queued access requests. It is one binary with subcommands; each
// subcommand parses its flags and calls the packages that do the work.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand: its one-line help and what it runs.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

var commands = map[string]command{
	"forms":   {"list the form families and revisions, or render the blank forms (forms list|render)", runForms},
	"corpus":  {"generate filled, faxed and scanned test submissions with ground truth", runCorpus},
	"demo":    {"run the main job on its embedded defaults", runDemo},
	"eval":    {"measure the engine and the rules against a corpus's ground truth", runEval},
	"bench":   {"measure the engine's speed and memory against full-page Tesseract", runBench},
	"process": {"read PDF, TIFF, JPEG or PNG files and print every page and field as JSON", runProcess},

	// The durable pipeline on PostgreSQL (store, work, api).
	"migrate":   {"create or update the database schema (the intake's and River's)", runMigrate},
	"roster":    {"import the HR roster into the database (roster import FILE.csv)", runRoster},
	"locations": {"import the location list into the database (locations import FILE.csv)", runLocations},
	"work":      {"run the pipeline's workers on the database (--drain: until nothing is left)", runWork},
	"ingest":    {"feed local .eml, PDF, TIFF, JPEG or PNG files into the pipeline", runIngest},
	"retry":     {"list items parked as failed, or queue them again (retry KIND/ID)", runRetry},
	"queue":     {"work the provisioning queue (queue list|claim|done)", runQueue},
	"serve":     {"serve the review web UI (--api-addr: also the JSON queue API)", runServeUI},
	"users":     {"add or list the accounts of the review web UI (users add NAME --role ROLE)", runUsers},
	"export":    {"print every message and what became of it, as JSON", runExport},
	"outbox":    {"list the notices to send and sent, or queue parked ones again (outbox list|requeue)", runOutbox},
	"calibrate": {"propose per-kind auto-accept thresholds from reviewers' outcomes (and --corpus DIR); --apply makes them current", runCalibrate},
	"config":    {"check a configuration file (config check FILE)", runConfig},
	"purge":     {"purge the originals of messages finished longer ago than --older-than (e.g. 30d), keeping decisions and the audit log", runPurge},

	// Internal: the child process intake work reads each attachment in.
	"read-attachment": {"(internal) read attachments from standard input under limits, for intake work", runReadAttachment},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	args, g, err := takeGlobals(args)
	if err != nil {
		return err
	}
	cfg, err := g.setup()
	if err != nil {
		return err
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(os.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	// The file's settings come first, so that the command line's win.
	return cmd.run(ctx, append(cfg.Flags(args[0]), args[1:]...), stdout)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: intake COMMAND [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command also takes --config FILE, --log-format text|json and --log-level debug|info|warn|error.")
	fmt.Fprintln(w, "Run 'intake COMMAND -h' for a command's flags.")
}

// subcommand returns the first argument as a sub-subcommand name ("list" in
// "forms list"), or "" when there is none.
func subcommand(args []string) (string, []string) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", args
	}
	return args[0], args[1:]
}

// parseArgs parses flags that may come before or after the positional
// arguments ("intake eval DIR --json" as well as "intake eval --json DIR")
// and returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
