package smtptest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/mail/smtptest"
)

// TestServer sends through the server with mail.Sender: over STARTTLS
// with a login it keeps the message; told to fail, it answers as told.
func TestServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{StartTLS: true, Username: "u", Password: "p"})
	server, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	snd, err := mail.NewSender(mail.SenderConfig{Server: server, From: "misis-access@lausd.net", TLSConfig: srv.ClientTLS, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	msg := mail.OutgoingMessage{MessageID: "a.1@test", To: []string{"irinas@lausd.net"}, Subject: "Hello", Text: "Body\n"}
	ctx := context.Background()
	if err := snd.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, time.Second)
	if m := got[0]; m.MessageID != "a.1@test" || m.Subject != "Hello" || !m.TLS || !m.Authed || m.From != "misis-access@lausd.net" || m.To[0] != "irinas@lausd.net" {
		t.Errorf("received %+v", m)
	}
	srv.FailNext(1, 451)
	if err := snd.Send(ctx, msg); err == nil || errors.Is(err, mail.ErrRejected) {
		t.Errorf("told to fail with 451: %v, want a transient error", err)
	}
	srv.FailNext(1, 554)
	if err := snd.Send(ctx, msg); !errors.Is(err, mail.ErrRejected) {
		t.Errorf("told to fail with 554: %v, want ErrRejected", err)
	}
	msg.To = []string{"nobody@lausd.net"}
	if err := snd.Send(ctx, msg); !errors.Is(err, mail.ErrRejected) {
		t.Errorf("to nobody: %v, want ErrRejected", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages kept, want the one accepted", n)
	}
}
