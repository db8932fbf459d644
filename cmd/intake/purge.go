package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/lausd/misis-intake/retention"
)

func runPurge(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	db := databaseFlag(fs)
	olderThan := fs.String("older-than", "", "retention period: purge the originals of messages finished longer ago than this (e.g. 30d)")
	dryRun := fs.Bool("dry-run", false, "say what would be purged, change nothing")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *olderThan == "" {
		return fmt.Errorf("purge: --older-than is required (e.g. 30d)")
	}
	age, err := retention.ParseAge(*olderThan)
	if err != nil {
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
	res, err := retention.Purge(ctx, st.Pool(), retention.Options{OlderThan: age, DryRun: *dryRun})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	verb := "purged"
	if *dryRun {
		verb = "would purge"
	}
	fmt.Fprintf(stdout, "%s the originals of %d messages and %d attachments (%d bytes)\n", verb, res.Messages, res.Attachments, res.Bytes)
	return nil
}
