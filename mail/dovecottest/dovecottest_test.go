package dovecottest

import (
	"bytes"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestDeliverAndFetch delivers one message into the maildir and fetches it
// back over IMAP.
func TestDeliverAndFetch(t *testing.T) {
	s := Start(t)
	raw := []byte("From: faxgateway@lausd.net\r\nTo: misis-access@lausd.net\r\nSubject: Fax\r\nMessage-ID: <dovecottest.1@lausd.net>\r\n\r\nA fax.\r\n")
	s.Deliver(t, raw)

	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		t.Fatalf("login: %v\n%s", err, s.Log())
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("INBOX holds %d messages, want 1", sel.NumMessages)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !bytes.Equal(msgs[0].BodySection[0].Bytes, raw) {
		t.Errorf("fetched %q, want the delivered message", msgs[0].BodySection[0].Bytes)
	}
	if n := s.Count(t, "INBOX"); n != 1 {
		t.Errorf("Count(INBOX) = %d, want 1", n)
	}
	if n := s.Count(t, "Nowhere"); n != 0 {
		t.Errorf("Count(Nowhere) = %d, want 0", n)
	}
	other, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Login(s.User, "wrong").Wait(); err == nil {
		t.Error("login with a wrong password succeeded")
	}
}
