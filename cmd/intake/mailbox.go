package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/work"
)

// mailboxPoller returns the poller feeding r's pipeline from the mailbox
// at rawURL (or $INTAKE_IMAP_URL), or nil when neither names one. OAuth
// sign-in takes its secret from the environment (mail.Server.WithOAuthEnv).
// The database's lock (work.Mailbox) lets one process at a time poll.
func mailboxPoller(r *work.Runner, rawURL string, log *slog.Logger) (*mail.Poller, error) {
	if rawURL == "" {
		rawURL = os.Getenv("INTAKE_IMAP_URL")
	}
	if rawURL == "" {
		return nil, nil
	}
	srv, err := mail.ParseIMAPURL(rawURL)
	if err != nil {
		return nil, err
	}
	if srv, err = srv.WithOAuthEnv(os.Getenv); err != nil {
		return nil, err
	}
	box := r.Mailbox()
	p, err := mail.NewPoller(mail.PollerConfig{Server: srv, Sink: box, Lock: box, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("mailbox: %w", err)
	}
	return p, nil
}
