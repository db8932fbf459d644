package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
)

// runDemo renders the blank forms and a sample corpus under --dir. Later
// stages of the pipeline extend it into the full demo.
func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dir := fs.String("dir", ".data/demo", "directory for the demo's files")
	count := fs.Int("count", 20, "sample submissions to generate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	formsDir := filepath.Join(*dir, "forms")
	fmt.Fprintf(stdout, "rendering the blank forms into %s\n", formsDir)
	if err := formsRender([]string{"--out", formsDir}, stdout); err != nil {
		return err
	}
	corpusDir := filepath.Join(*dir, "corpus")
	fmt.Fprintf(stdout, "generating %d sample submissions into %s\n", *count, corpusDir)
	return runCorpus(ctx, []string{"--out", corpusDir, "--count", fmt.Sprint(*count), "--seed", "1"}, stdout)
}
