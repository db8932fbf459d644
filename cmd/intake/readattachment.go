package main

import (
	"context"
	"io"

	"github.com/lausd/misis-intake/sandbox"
)

// runReadAttachment is the child process a sandbox.Pool starts: `intake
// work` reads every attachment in one of these, under limits, so that a
// hostile document costs only itself. Not for people to run.
func runReadAttachment(ctx context.Context, args []string, _ io.Writer) error {
	return sandbox.Main(ctx, args)
}
