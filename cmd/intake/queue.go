package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lausd/misis-intake/api"
	"github.com/lausd/misis-intake/store"
)

func runQueue(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	switch sub {
	case "list":
		return queueList(ctx, args, stdout)
	case "claim":
		return queueClaim(ctx, args, stdout)
	case "done":
		return queueDone(ctx, args, stdout)
	}
	return fmt.Errorf("queue: want 'queue list [--queue NAME] [--json]', 'queue claim ID --by NAME' or 'queue done ID --granted|--denied --note TEXT'")
}

func queueList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	db := databaseFlag(fs)
	name := fs.String("queue", "", "only this provisioning queue")
	status := fs.String("status", "", "only requests in this status (queued, claimed, granted, denied)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	qs, err := st.Requests(ctx, store.RequestFilter{Queue: *name, Status: *status})
	if err != nil {
		return err
	}
	if *asJSON {
		if qs == nil {
			qs = []store.Request{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(qs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tQUEUE\tSTATUS\tACTION\tEMPLOYEE\tNAME\tADD\tREMOVE\tCLAIMED BY")
	for _, q := range qs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s, %s\t%s\t%s\t%s\n", q.ID, q.Queue, q.Status, q.Action,
			q.EmployeeNumber, q.LastName, q.FirstName, strings.Join(q.RolesAdd, "; "), strings.Join(q.RolesRemove, "; "), q.ClaimedBy)
	}
	return tw.Flush()
}

func requestArg(args []string) (int64, error) {
	if len(args) != 1 {
		return 0, errors.New("want one request ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%q is not a request ID", args[0])
	}
	return id, nil
}

func queueClaim(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("queue claim", flag.ContinueOnError)
	db := databaseFlag(fs)
	by := fs.String("by", "", "who claims the request (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	id, err := requestArg(pos)
	if err != nil {
		return fmt.Errorf("queue claim: %w", err)
	}
	if *by == "" {
		return errors.New("queue claim: --by NAME is required")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := st.Claim(ctx, id, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "request %d claimed by %s\n", q.ID, q.ClaimedBy)
	return nil
}

func queueDone(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("queue done", flag.ContinueOnError)
	db := databaseFlag(fs)
	granted := fs.Bool("granted", false, "access was set up")
	denied := fs.Bool("denied", false, "access was not granted")
	note := fs.String("note", "", "a note for the user and the administrator")
	by := fs.String("by", "", "who completed it (default: who claimed it)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	id, err := requestArg(pos)
	if err != nil {
		return fmt.Errorf("queue done: %w", err)
	}
	if *granted == *denied {
		return errors.New("queue done: give exactly one of --granted and --denied")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := st.Complete(ctx, id, store.Completion{Granted: *granted, By: *by, Note: *note})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "request %d %s by %s; confirmations queued\n", q.ID, q.Status, q.DoneBy)
	return nil
}

func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	db := databaseFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: api.New(st), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Fprintf(stdout, "serving the queue API on http://%s/api/queue\n", *addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}
