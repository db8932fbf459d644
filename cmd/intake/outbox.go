package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/lausd/misis-intake/store"
)

func runOutbox(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	switch sub {
	case "list":
		return outboxList(ctx, args, stdout)
	case "requeue":
		return outboxRequeue(ctx, args, stdout)
	}
	return fmt.Errorf("outbox: want 'outbox list [--unsent|--parked] [--json]' or 'outbox requeue [ID...]'")
}

// outboxState names where an outbox e-mail stands.
func outboxState(e store.OutboxEmail) string {
	switch {
	case e.SentAt != nil:
		return "sent"
	case e.ParkedAt != nil:
		return "parked"
	case e.Attempts > 0:
		return "retrying"
	}
	return "waiting"
}

func outboxList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("outbox list", flag.ContinueOnError)
	db := databaseFlag(fs)
	unsent := fs.Bool("unsent", false, "only e-mails not sent yet (waiting, retrying or parked)")
	parked := fs.Bool("parked", false, "only e-mails parked: the server refused them or they cannot be sent")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.Outbox(ctx)
	if err != nil {
		return err
	}
	list := []store.OutboxEmail{}
	for _, e := range all {
		if (*unsent && e.SentAt != nil) || (*parked && e.ParkedAt == nil) {
			continue
		}
		list = append(list, e)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tTRIES\tTO\tSUBJECT\tWHY")
	for _, e := range list {
		why := e.ParkReason
		if why == "" && e.SentAt == nil {
			why = e.LastError
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.Kind, outboxState(e), e.Attempts, e.To, e.Subject, why)
	}
	return tw.Flush()
}

func outboxRequeue(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("outbox requeue", flag.ContinueOnError)
	db := databaseFlag(fs)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var ids []int64
	for _, s := range rest {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("outbox requeue: %q is not an e-mail ID", s)
		}
		ids = append(ids, id)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.RequeueOutbox(ctx, actor(), ids)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d parked e-mails queued again\n", n)
	return nil
}
