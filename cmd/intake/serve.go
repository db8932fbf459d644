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
	"time"

	"github.com/lausd/misis-intake/config"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/review"
	"github.com/lausd/misis-intake/work"
)

// runServeUI serves the review web UI on --addr. With --api-addr it also
// serves the provisioning queue's JSON API (runServe, which has no
// authentication of its own) on that second address, which should be a
// loopback one.
func runServeUI(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	db := databaseFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address the web UI listens on (HOST:PORT)")
	apiAddr := fs.String("api-addr", "", "also serve the unauthenticated JSON queue API on this address (keep it on loopback)")
	secure := fs.Bool("secure-cookies", false, "mark the session cookie Secure (set when the UI is reached over HTTPS)")
	idle := fs.Duration("session-idle", review.DefaultSessionIdle, "end a session unused for this long")
	claim := fs.Duration("claim", review.DefaultClaimTTL, "how long opening a form keeps it for one reviewer")
	qaLimit := fs.Float64("qa-error-limit", review.DefaultQAErrorLimit, "error rate of auto-accepted values (QA keying) above which the alert is raised")
	ruleFlags := config.AddRuleFlags(fs) // a reviewer's values are judged by the same rules as the workers'
	if err := fs.Parse(args); err != nil {
		return err
	}
	rules, err := ruleFlags.Rules("")
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	logger := slog.Default() // --log-format, --log-level
	// A runner without a reader only queues work: the admins' retry button.
	runner, err := work.New(work.Config{Store: st, Logger: logger})
	if err != nil {
		return err
	}
	ui, err := review.New(review.Config{
		Store: st, Rules: rules, Retry: runner.Retry, Logger: logger,
		SecureCookies: *secure, SessionIdle: *idle, ClaimTTL: *claim, QAErrorLimit: *qaLimit,
	})
	if err != nil {
		return err
	}
	// The operations endpoints beside the UI: /healthz, /readyz, /metrics.
	metrics.SetReviewQueue(reviewQueueStats(st))
	mux := http.NewServeMux()
	metrics.Mount(mux, st.CheckSchema)
	mux.Handle("/", ui)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "serving the review UI on http://%s/\n", ln.Addr())
	if *apiAddr != "" {
		apiArgs := []string{"--addr", *apiAddr}
		if *db != "" {
			apiArgs = append(apiArgs, "--database-url", *db)
		}
		go func() { errc <- runServe(ctx, apiArgs, stdout) }()
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}
