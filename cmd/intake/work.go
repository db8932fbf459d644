package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/lausd/misis-intake/config"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/sandbox"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

func runWork(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("work", flag.ContinueOnError)
	db := databaseFlag(fs)
	workers := fs.Int("workers", runtime.NumCPU(), "jobs of each stage at once, and Tesseract clients")
	drain := fs.Bool("drain", false, "work everything waiting, then exit")
	asOf := fs.String("as-of", "", "judge dates as on this day (YYYY-MM-DD) instead of today, to replay a corpus")
	stopTimeout := fs.Duration("stop-timeout", 30*time.Second, "on SIGTERM, how long jobs in flight may finish before they are handed back")
	attempts := fs.Int("max-attempts", 5, "tries of a job before its item is parked as failed")
	verbose := fs.Bool("v", false, "log each job")
	metricsAddr := fs.String("metrics-addr", "", "serve /healthz, /readyz and /metrics on this address (HOST:PORT; default none)")
	imapURL := fs.String("imap-url", "", "the intake mailbox to watch, imaps://user:pass@host/INBOX (default $INTAKE_IMAP_URL; none: no polling)")
	sf := addSMTPFlags(fs)
	nf := addNoticeFlags(fs)
	var lim sandbox.Limits
	lim.RegisterFlags(fs)
	inProcess := fs.Bool("in-process", false, "read attachments in this process instead of in limited child processes (not isolated: a hostile document can stop the worker)")
	highRisk := fs.String("high-risk-fields", "", "fields keyed blind by two reviewers when a form is sent to review on them: FIELD or FIELD@removal, comma-separated (default employee_number@removal,row*.employee_number; none: none)")
	qaRate := fs.Float64("qa-sample-rate", quality.DefaultSampleRate, "share of the forms accepted with no person keyed again blind for QA (keyed by $INTAKE_QA_SEED)")
	ruleFlags := config.AddRuleFlags(fs)
	ruleFlags.AddBatchWait(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rules, err := quality.ParseRules(*highRisk)
	if err != nil {
		return fmt.Errorf("work: --high-risk-fields: %w", err)
	}
	if *qaRate < 0 || *qaRate > 1 {
		return fmt.Errorf("work: --qa-sample-rate %v: want a share from 0 to 1", *qaRate)
	}
	notices, err := nf.notices()
	if err != nil {
		return fmt.Errorf("work: %w", err)
	}
	ruleCfg, err := ruleFlags.Rules(*asOf)
	if err != nil {
		return fmt.Errorf("work: --%w", err)
	}
	log := commandLogger(*verbose) // --log-format, --log-level; -v: at least info
	sender, err := sf.sender(log)
	if err != nil {
		return fmt.Errorf("work: %w", err)
	}

	u, err := store.URL(*db)
	if err != nil {
		return err
	}
	// Every stage's jobs, River's own connections and the liveness lock,
	// the mailbox poller's lock and commits, and the outbox sender.
	st, err := store.Open(ctx, u, store.Config{MaxConns: int32(3**workers + 7), Notices: notices})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	if err := serveOps(ctx, *metricsAddr, st, log); err != nil {
		return err
	}
	// The thresholds in force when the worker starts decide which values
	// are Sure (intake calibrate --apply adds a version).
	thr, err := st.EnsureThresholds(ctx, "engine", thresholdsOf(ocr.DefaultThresholds))
	if err != nil {
		return err
	}
	log.Info("thresholds in force", "version", thr.Version, "thresholds", thr.Thresholds.String())
	policy := quality.Policy{Version: thr.Version, Thresholds: thr.Thresholds, HighRisk: rules, SampleRate: *qaRate, Seed: os.Getenv("INTAKE_QA_SEED")}
	reg, err := forms.Load()
	if err != nil {
		return err
	}
	// Each attachment is read in a child process (intake read-attachment)
	// under lim, one per worker, so that a document that crashes or
	// exhausts the reader costs only itself.
	//
	// The engine names the places of school names by the location list
	// as it is when the worker starts.
	places, err := storePlaces(ctx, st)
	if err != nil {
		return err
	}
	var reader pipeline.Reader
	var attachments work.AttachmentReader
	if *inProcess {
		eng, err := ocr.New(ocr.Config{Registry: reg, Workers: *workers, Thresholds: ocrThresholds(thr.Thresholds), Places: places})
		if err != nil {
			return err
		}
		defer eng.Close()
		reader = eng
	} else {
		placesFile, err := writePlaces(places)
		if err != nil {
			return err
		}
		defer placesFile.Close()
		pool, err := sandbox.NewPool(sandbox.Config{Children: *workers, Limits: lim, Logger: log, Places: placesFile})
		if err != nil {
			return err
		}
		defer pool.Close()
		attachments = pool
	}
	// The mailbox poller runs as the runner's Poll hook: only the process
	// holding the poller lock starts it (and the poller's own mailbox
	// lock keeps a second one out too).
	hook := &pollHook{log: log}
	cfg := work.Config{
		Store: st, Reader: reader, Attachments: attachments, Registry: reg, Rules: ruleCfg, Quality: policy, Workers: *workers,
		MaxAttempts: *attempts, StopTimeout: *stopTimeout, Logger: log,
		MailLimits: lim.Mail(), RasterLimits: lim.Raster(),
	}
	if *imapURL == "" {
		*imapURL = os.Getenv("INTAKE_IMAP_URL")
	}
	if *imapURL != "" {
		// A process without a mailbox must not take the poller lock from
		// one that has it.
		cfg.Poll = hook.poll
	}
	r, err := work.New(cfg)
	if err != nil {
		return err
	}
	if hook.poller, err = mailboxPoller(r, *imapURL, log); err != nil {
		return err
	}
	var outbox *work.Outbox
	if sender != nil {
		if outbox, err = work.NewOutbox(work.OutboxConfig{Store: st, Sender: sender, Logger: log}); err != nil {
			return err
		}
	} else if pending, err := st.PendingOutbox(ctx); err == nil && pending.Unsent > 0 {
		log.Warn("no --smtp-url: notices stay in the outbox", "unsent", pending.Unsent)
	}
	if *drain {
		return drainAll(ctx, r, hook.poller, outbox, log)
	}
	var wg sync.WaitGroup
	startOutbox(ctx, outbox, &wg)
	err = r.Run(ctx)
	hook.wait()
	wg.Wait()
	return err
}

// drainAll takes in what the mailbox holds (waiting for the mailbox lock
// while another process watches it; what must stay there stays for the
// next run), works it all, and sends the notices, then returns.
func drainAll(ctx context.Context, r *work.Runner, p *mail.Poller, outbox *work.Outbox, log *slog.Logger) error {
	var errs []error
	if p != nil {
		if err := drainMailbox(ctx, p, log); err != nil {
			log.Warn("mailbox", "error", err)
			errs = append(errs, err)
		}
	}
	if err := r.Drain(ctx); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if outbox != nil {
		if err := outbox.Drain(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// queueOnly returns a Runner that only queues work.
func queueOnly(st *store.Store) (*work.Runner, error) {
	return work.New(work.Config{Store: st})
}

func runIngest(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	db := databaseFlag(fs)
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("ingest: want one or more .eml, PDF, TIFF, JPEG or PNG files")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	r, err := queueOnly(st)
	if err != nil {
		return err
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		ins, err := r.IngestFile(ctx, name, data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if ins.DuplicateOf != 0 {
			fmt.Fprintf(stdout, "%s: message/%d, a duplicate of message/%d\n", name, ins.ID, ins.DuplicateOf)
		} else {
			fmt.Fprintf(stdout, "%s: message/%d queued\n", name, ins.ID)
		}
	}
	return nil
}

func runRetry(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("retry", flag.ContinueOnError)
	db := databaseFlag(fs)
	asJSON := fs.Bool("json", false, "list as JSON")
	items, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(items) == 0 {
		failed, err := st.Failures(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if failed == nil {
				failed = []store.Failed{}
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(failed)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ITEM\tFAILED AT\tREASON")
		for _, f := range failed {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Item, f.UpdatedAt.Format(time.RFC3339), f.Reason)
		}
		return tw.Flush()
	}
	r, err := queueOnly(st)
	if err != nil {
		return err
	}
	for _, s := range items {
		it, err := store.ParseItem(s)
		if err != nil {
			return err
		}
		if err := r.Retry(ctx, actor(), it); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s queued again\n", it)
	}
	return nil
}

func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	db := databaseFlag(fs)
	fs.Bool("json", true, "print JSON (the only format)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	exp, err := st.Export(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(exp)
}

// storePlaces returns the database's location list, by which the engine
// names the places of school names (ocr.Config.Places).
func storePlaces(ctx context.Context, st *store.Store) (*validate.MemLocations, error) {
	all, err := st.Locations().All(ctx)
	if err != nil {
		return nil, err
	}
	return validate.NewMemLocations(all), nil
}

// writePlaces writes the location list to a temporary CSV file for the
// reader's child processes and returns it open, its name already removed:
// a worker killed leaves nothing behind.
func writePlaces(places *validate.MemLocations) (*os.File, error) {
	f, err := os.CreateTemp("", "intake-places-*.csv")
	if err != nil {
		return nil, fmt.Errorf("work: places: %w", err)
	}
	os.Remove(f.Name()) //nolint:errcheck // the file stays while open
	if err := validate.WriteLocations(f, places.All()); err != nil {
		f.Close()
		return nil, fmt.Errorf("work: places: %w", err)
	}
	return f, nil
}
