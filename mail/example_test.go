package mail_test

import (
	"errors"
	"fmt"

	"github.com/lausd/misis-intake/mail"
)

func ExampleParse() {
	raw := []byte("From: \"RightFax Gateway\" <faxgateway@lausd.net>\r\n" +
		"Message-ID: <fax.1@gateway.lausd.net>\r\n" +
		"Subject: Fax received\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n" +
		"\r\n" +
		"--b\r\n" +
		"Content-Type: text/plain\r\n" +
		"\r\n" +
		"You have received a fax.\r\n" +
		"--b\r\n" +
		"Content-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''Solicitud%20de%20acceso.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"JVBERi0xLjQKJSVFT0YK\r\n" +
		"--b--\r\n")
	m, err := mail.Parse(raw, mail.Limits{})
	if err != nil {
		var pe *mail.ParseError
		if errors.As(err, &pe) {
			fmt.Println("quarantine:", pe.Reason)
		}
		return
	}
	fmt.Println(m.MessageID, m.From)
	for _, a := range m.Attachments {
		fmt.Printf("%s %q %s %d bytes\n", a.Path, a.Filename, a.Type, len(a.Data))
	}
	// Output:
	// fax.1@gateway.lausd.net faxgateway@lausd.net
	// 2 "Solicitud de acceso.pdf" pdf 15 bytes
}

func ExampleParseIMAPURL() {
	s, err := mail.ParseIMAPURL("imaps://intake%40lausd.net:s3cret@mail.lausd.net/INBOX")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Addr, s.Security, s.Mailbox, s.Processed, s.Quarantine)
	fmt.Println(s)
	_, err = mail.ParseIMAPURL("imap://intake:s3cret@mail.lausd.net/INBOX")
	fmt.Println(err)
	// Output:
	// mail.lausd.net:993 tls INBOX Processed Quarantine
	// imaps://intake%40lausd.net:xxxxx@mail.lausd.net:993/INBOX
	// mail: bad server URL: IMAP URL: imap:// without starttls=1 sends the password in clear text and is allowed only to a loopback address, not "mail.lausd.net"; use imaps:// or add ?starttls=1
}

// A Microsoft 365 mailbox read by an application granted access to it: the
// URL names the mailbox, the tenant and the client; the secret comes from
// the environment and shows nowhere.
func ExampleServer_WithOAuthEnv() {
	srv, err := mail.ParseIMAPURL("imaps://intake%40lausd.net@outlook.office365.com/INBOX?auth=xoauth2&tenant=lausd.onmicrosoft.com&client_id=6f1c2d")
	if err != nil {
		fmt.Println(err)
		return
	}
	env := map[string]string{mail.EnvClientSecret: "not-for-logs"} // os.Getenv in the service
	srv, err = srv.WithOAuthEnv(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(srv)
	fmt.Println(srv.OAuth)
	// Output:
	// imaps://intake%40lausd.net@outlook.office365.com:993/INBOX?auth=xoauth2
	// oauth(flow=client_credentials client_id=6f1c2d token_url=https://login.microsoftonline.com/lausd.onmicrosoft.com/oauth2/v2.0/token scope="https://outlook.office365.com/.default")
}
