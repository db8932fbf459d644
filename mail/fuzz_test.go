package mail

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, always returns a message with
// its hash, keeps its limits, and never decodes more bytes than it was given.
// Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
		"--b", "Content-Type: application/pdf; name=a.pdf", "Content-Transfer-Encoding: base64", "", b64([]byte("%PDF-1.4\n%%EOF")), "--b--", ""))
	lim := Limits{MessageBytes: 1 << 20, AttachmentBytes: 64 << 10, Attachments: 8, Depth: 6, Parts: 64}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, lim)
		if m == nil || len(m.Hash) != 64 {
			t.Fatalf("message %v without its hash", m)
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason == "" || pe.Err == nil {
				t.Fatalf("error %v is not a *ParseError with a reason", err)
			}
			return
		}
		if len(m.Attachments) > lim.Attachments {
			t.Fatalf("%d attachments, limit %d", len(m.Attachments), lim.Attachments)
		}
		total := 0
		for _, a := range m.Attachments {
			total += len(a.Data)
			if int64(len(a.Data)) > lim.AttachmentBytes {
				t.Fatalf("attachment of %d bytes, limit %d", len(a.Data), lim.AttachmentBytes)
			}
			if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") || !utf8.ValidString(a.Filename) {
				t.Fatalf("bad filename %q", a.Filename)
			}
			if a.Path == "" {
				t.Fatal("attachment without a path")
			}
			switch a.Type {
			case "", TypePDF, TypeTIFF, TypeJPEG, TypePNG:
			default:
				t.Fatalf("type %q", a.Type)
			}
		}
		if total > len(raw) {
			t.Fatalf("decoded %d bytes from a %d-byte message", total, len(raw))
		}
		for _, s := range []string{m.Subject, m.From, m.MessageID} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
	})
}
