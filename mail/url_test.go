package mail

import (
	"errors"
	"strings"
	"testing"
)

func TestParseIMAPURL(t *testing.T) {
	tests := []struct {
		in   string
		want Server
		err  string // substring of the error; "" for success
	}{
		{in: "imaps://intake:s3cret@mail.lausd.net/INBOX", want: Server{Scheme: "imaps", Host: "mail.lausd.net", Addr: "mail.lausd.net:993",
			Security: ImplicitTLS, Username: "intake", Password: "s3cret", Mailbox: "INBOX", Processed: "Processed", Quarantine: "Quarantine"}},
		{in: "imap://intake:pw@mail.lausd.net:1143/Faxes?starttls=1", want: Server{Scheme: "imap", Host: "mail.lausd.net", Addr: "mail.lausd.net:1143",
			Security: StartTLS, Username: "intake", Password: "pw", Mailbox: "Faxes", Processed: "Processed", Quarantine: "Quarantine"}},
		{in: "imap://u:p@127.0.0.1:1143", want: Server{Scheme: "imap", Host: "127.0.0.1", Addr: "127.0.0.1:1143",
			Security: Plaintext, Username: "u", Password: "p", Mailbox: "INBOX", Processed: "Processed", Quarantine: "Quarantine"}},
		{in: "imap://u:p@[::1]/INBOX", want: Server{Scheme: "imap", Host: "::1", Addr: "[::1]:143",
			Security: Plaintext, Username: "u", Password: "p", Mailbox: "INBOX", Processed: "Processed", Quarantine: "Quarantine"}},
		{in: "IMAPS://intake%40lausd.net:p%40ss%3Aw%2Frd@localhost/Shared/Fax?processed=Done&quarantine=Held",
			want: Server{Scheme: "imaps", Host: "localhost", Addr: "localhost:993", Security: ImplicitTLS,
				Username: "intake@lausd.net", Password: "p@ss:w/rd", Mailbox: "Shared/Fax", Processed: "Done", Quarantine: "Held"}},
		{in: "", err: "empty"},
		{in: "http://u:p@host/INBOX", err: "scheme must be imaps:// or imap://"},
		{in: "imap://u:p@mail.lausd.net/INBOX", err: "allowed only to a loopback address"},
		{in: "imap://u:p@mail.lausd.net/INBOX?starttls=0", err: "allowed only to a loopback address"},
		{in: "imaps://u:p@mail.lausd.net/INBOX?starttls=1", err: "already uses TLS"},
		{in: "imap://u:p@host/?starttls=maybe", err: `starttls="maybe"`},
		{in: "imaps://mail.lausd.net/INBOX", err: "user name and a password are required"},
		{in: "imaps://u@mail.lausd.net/INBOX", err: "user name and a password are required"},
		{in: "imaps://u:p@:993/INBOX", err: "no host"},
		{in: "imaps://u:p@host:99999/INBOX", err: "port"},
		{in: "imaps://u:p@host/INBOX?folder=x", err: `unknown parameter "folder"`},
		{in: "imaps://u:p@host/INBOX?processed=INBOX", err: "three different"},
		{in: "imaps://u:p w@host/INBOX", err: "percent-encode"},
		{in: "imaps://u:s3cret%zz@host/INBOX", err: "two hex digits"},
		{in: "imaps://u:s3cret/host", err: "cannot be read"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseIMAPURL(tc.in)
			checkURL(t, got, err, tc.want, tc.err)
		})
	}
}

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		in   string
		want Server
		err  string
	}{
		{in: "smtp://notify:pw@smtp.lausd.net?starttls=1", want: Server{Scheme: "smtp", Host: "smtp.lausd.net", Addr: "smtp.lausd.net:587",
			Security: StartTLS, Username: "notify", Password: "pw"}},
		{in: "smtps://notify:pw@smtp.lausd.net", want: Server{Scheme: "smtps", Host: "smtp.lausd.net", Addr: "smtp.lausd.net:465",
			Security: ImplicitTLS, Username: "notify", Password: "pw"}},
		{in: "smtp://localhost:2525", want: Server{Scheme: "smtp", Host: "localhost", Addr: "localhost:2525", Security: Plaintext}},
		{in: "smtp://relay.lausd.net:25?starttls=true", want: Server{Scheme: "smtp", Host: "relay.lausd.net", Addr: "relay.lausd.net:25", Security: StartTLS}},
		{in: "smtp://u:p@smtp.lausd.net", err: "allowed only to a loopback address"},
		{in: "smtps://u@smtp.lausd.net", err: "both a user name and a password"},
		{in: "smtps://u:p@smtp.lausd.net/outbox", err: "no path"},
		{in: "smtps://u:p@smtp.lausd.net?from=x", err: `unknown parameter "from"`},
		{in: "imaps://u:p@smtp.lausd.net", err: "scheme must be smtps:// or smtp://"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSMTPURL(tc.in)
			checkURL(t, got, err, tc.want, tc.err)
		})
	}
}

func checkURL(t *testing.T, got Server, err error, want Server, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) || !errors.Is(err, ErrBadURL) {
			t.Fatalf("error = %v, want one containing %q", err, wantErr)
		}
		for _, secret := range []string{"s3cret", ":p@", "p w"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats the password", err)
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if want.Password != "" && strings.Contains(got.String(), ":"+want.Password+"@") {
		t.Errorf("String() = %q shows the password", got.String())
	}
}

func TestServerString(t *testing.T) {
	s, err := ParseIMAPURL("imap://intake:hunter2@mail.lausd.net/INBOX?starttls=1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "imap://intake:xxxxx@mail.lausd.net:143/INBOX?starttls=1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
