package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/work"
)

// Environment variables the mail flags fall back to.
const (
	envSMTPURL   = "INTAKE_SMTP_URL"
	envSMTPFrom  = "INTAKE_SMTP_FROM"
	envHelpDesk  = "INTAKE_HELPDESK_EMAIL"
	envGateways  = "INTAKE_FAX_GATEWAYS"
	envTemplates = "INTAKE_TEMPLATES"
	envFormsURL  = "INTAKE_FORMS_URL"
)

// defaultFrom is the sender of the notices.
const defaultFrom = "MiSiS Access Requests <misis-access@lausd.net>"

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// noticeFlags are the flags that shape the notices: who is told, and with
// which templates.
type noticeFlags struct {
	helpDesk, gateways, templates, formsURL *string
}

func addNoticeFlags(fs *flag.FlagSet) *noticeFlags {
	return &noticeFlags{
		helpDesk: fs.String("helpdesk-email", envOr(envHelpDesk, notice.DefaultHelpDesk),
			"where a notice goes when the submitter cannot be told (env "+envHelpDesk+")"),
		gateways: fs.String("fax-gateways", envOr(envGateways, strings.Join(notice.DefaultGateways, ",")),
			"comma-separated senders that relay forms for someone else, user@host or *@host (env "+envGateways+")"),
		templates: fs.String("templates", os.Getenv(envTemplates),
			"directory of edited notice templates (rejection.txt, confirmation.txt) replacing the shipped ones (env "+envTemplates+")"),
		formsURL: fs.String("forms-url", envOr(envFormsURL, notice.DefaultFormsURL),
			"where the current forms are posted, named in rejection notices (env "+envFormsURL+")"),
	}
}

func (f *noticeFlags) notices() (*notice.Notices, error) {
	return newNotices(*f.helpDesk, *f.gateways, *f.templates, *f.formsURL)
}

// noticesFromEnv configures the notices from the environment only, for the
// commands without the flags (serve, queue).
func noticesFromEnv() (*notice.Notices, error) {
	return newNotices(os.Getenv(envHelpDesk), envOr(envGateways, strings.Join(notice.DefaultGateways, ",")),
		os.Getenv(envTemplates), os.Getenv(envFormsURL))
}

func newNotices(helpDesk, gateways, templates, formsURL string) (*notice.Notices, error) {
	tpl, err := mail.LoadTemplates(templates)
	if err != nil {
		return nil, err
	}
	gw := []string{}
	for _, g := range strings.Split(gateways, ",") {
		if g = strings.TrimSpace(g); g != "" {
			gw = append(gw, g)
		}
	}
	return notice.New(notice.Config{Templates: tpl, HelpDesk: helpDesk, Gateways: gw, FormsURL: formsURL})
}

// smtpFlags are intake work's outgoing mail flags.
type smtpFlags struct {
	url, from *string
}

func addSMTPFlags(fs *flag.FlagSet) *smtpFlags {
	return &smtpFlags{
		url: fs.String("smtp-url", os.Getenv(envSMTPURL),
			"server that sends the notices, smtps://user:pass@host or smtp://...?starttls=1 (plain smtp:// only to loopback) (env "+envSMTPURL+"; none: notices stay in the outbox)"),
		from: fs.String("smtp-from", envOr(envSMTPFrom, defaultFrom), "sender of the notices (env "+envSMTPFrom+")"),
	}
}

// sender returns the SMTP sender, or nil without --smtp-url.
func (f *smtpFlags) sender(log *slog.Logger) (*mail.Sender, error) {
	if *f.url == "" {
		return nil, nil
	}
	srv, err := mail.ParseSMTPURL(*f.url)
	if err != nil {
		return nil, err
	}
	return mail.NewSender(mail.SenderConfig{Server: srv, From: *f.from, Logger: log})
}

// pollHook runs one long-lived mail.Poller (IDLE, or polling, reconnecting
// with backoff) as work.Config.Poll: the runner calls the hook in the one
// process that holds the poller lock, and the hook starts the poller once
// and again only if it stopped.
type pollHook struct {
	poller *mail.Poller
	log    *slog.Logger

	mu      sync.Mutex
	running bool
	wg      sync.WaitGroup
}

func (h *pollHook) poll(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running || h.poller == nil {
		return nil
	}
	h.running = true
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		err := h.poller.Run(ctx)
		h.mu.Lock()
		h.running = false
		h.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			h.log.Error("mailbox poller stopped", "error", err)
		}
	}()
	return nil
}

// wait returns once the poller has stopped.
func (h *pollHook) wait() { h.wg.Wait() }

// drainMailbox takes in every message present once, trying again with
// backoff when the connection fails (a server restarting).
func drainMailbox(ctx context.Context, p *mail.Poller, log *slog.Logger) error {
	const tries = 6
	var err error
	for attempt := 1; attempt <= tries; attempt++ {
		if err = p.Drain(ctx); err == nil || ctx.Err() != nil {
			return err
		}
		wait := time.Duration(1<<(attempt-1)) * time.Second
		log.Warn("taking in the mailbox failed; trying again", "attempt", attempt, "wait", wait, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return fmt.Errorf("mailbox: %w", err)
}

// startOutbox sends the outbox until ctx ends.
func startOutbox(ctx context.Context, o *work.Outbox, wg *sync.WaitGroup) {
	if o == nil {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		o.Run(ctx) //nolint:errcheck // returns nil when ctx ends
	}()
}
