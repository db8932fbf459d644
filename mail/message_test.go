package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// Documents with the right magic numbers; their bodies are padding.
var (
	testPDF  = append([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), append(bytes.Repeat([]byte("0 0 0 RG\n"), 400), []byte("trailer\n<< >>\n%%EOF\n")...)...)
	testTIFF = append([]byte("II*\x00\x08\x00\x00\x00"), bytes.Repeat([]byte{0}, 3000)...)
	testBigJ = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x11}, 60<<10)...)
	testLogo = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0x22}, 3<<10)...)
	testSmJ  = append([]byte{0xFF, 0xD8, 0xFF, 0xE1}, bytes.Repeat([]byte{0x33}, 5<<10)...)
)

// b64 encodes data as a mail body: base64 in 76-character lines.
func b64(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

func qp(data []byte) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Binary = true
	w.Write(data)
	w.Close()
	return b.String()
}

// msg joins lines with CRLF and fills {{pdf}}, {{tiff}}, {{jpeg}}, {{logo}},
// {{smalljpeg}} (base64) and {{qppdf}} (quoted-printable).
func msg(lines ...string) []byte {
	s := strings.Join(lines, "\r\n")
	s = strings.NewReplacer(
		"{{pdf}}", b64(testPDF),
		"{{tiff}}", b64(testTIFF),
		"{{jpeg}}", b64(testBigJ),
		"{{logo}}", b64(testLogo),
		"{{smalljpeg}}", b64(testSmJ),
		"{{qppdf}}", qp(testPDF),
	).Replace(s)
	return []byte(s)
}

const hdr = "From: \"RightFax Gateway\" <faxgateway@lausd.net>\r\n" +
	"To: misis-access@lausd.net\r\n" +
	"Subject: Fax received\r\n" +
	"Date: Fri, 20 Nov 2026 13:48:32 +0000\r\n" +
	"Message-ID: <abc.123@gateway.lausd.net>\r\n" +
	"MIME-Version: 1.0"

type wantAtt struct {
	filename, typ, path, declared string
	data                          []byte
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name     string
		raw      []byte
		want     []wantAtt
		problems []string // substrings, each must appear in some Problem
		noProbs  bool     // Problems must be empty
		id       string
		subject  string
		from     string
	}{
		{
			name: "plain attachment",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b1"`, "",
				"--b1", "Content-Type: text/plain; charset=utf-8", "", "Fax attached.", "",
				"--b1", "Content-Type: application/pdf; name=fax.pdf", "Content-Disposition: attachment; filename=fax.pdf",
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--b1--", ""),
			want:    []wantAtt{{"fax.pdf", TypePDF, "2", "application/pdf", testPDF}},
			noProbs: true,
			id:      "abc.123@gateway.lausd.net", subject: "Fax received", from: "faxgateway@lausd.net",
		},
		{
			name: "nested mixed alternative related with logo",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="outer"`, "",
				"--outer", `Content-Type: multipart/alternative; boundary="alt"`, "",
				"--alt", "Content-Type: text/plain", "", "See attached.", "",
				"--alt", `Content-Type: multipart/related; boundary="rel"`, "",
				"--rel", "Content-Type: text/html", "", `<p>See attached.<img src="cid:logo"></p>`, "",
				"--rel", "Content-Type: image/png; name=image001.png", "Content-ID: <logo>", "Content-Disposition: inline; filename=image001.png",
				"Content-Transfer-Encoding: base64", "", "{{logo}}--rel--", "",
				"--alt--", "",
				"--outer", "Content-Type: application/pdf", `Content-Disposition: attachment; filename="Access Request.pdf"`,
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--outer--", ""),
			want:    []wantAtt{{"Access Request.pdf", TypePDF, "2", "application/pdf", testPDF}},
			noProbs: true,
		},
		{
			name: "forwarded message/rfc822",
			raw: msg("From: Front Office <office.1234@lausd.net>", "Subject: Fwd: Fax", "Message-ID: <fwd.1@lausd.net>",
				`Content-Type: multipart/mixed; boundary="f"`, "",
				"--f", "Content-Type: text/plain", "", "Please see below.", "",
				"--f", "Content-Type: message/rfc822", "Content-Disposition: inline", "",
				hdr, `Content-Type: multipart/mixed; boundary="g"`, "",
				"--g", "Content-Type: text/plain", "", "Fax.", "",
				"--g", "Content-Type: application/octet-stream; name=fax_1.tif", "Content-Disposition: attachment; filename=fax_1.tif",
				"Content-Transfer-Encoding: base64", "", "{{tiff}}--g--", "",
				"--f--", ""),
			want:    []wantAtt{{"fax_1.tif", TypeTIFF, "2.2", "application/octet-stream", testTIFF}},
			noProbs: true,
			id:      "fwd.1@lausd.net", from: "office.1234@lausd.net", subject: "Fwd: Fax",
		},
		{
			name: "forwarded single-part message",
			raw: msg("From: a@lausd.net", "Message-ID: <x@y>", `Content-Type: multipart/mixed; boundary="f"`, "",
				"--f", "Content-Type: message/rfc822", "", "From: b@lausd.net", "Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}",
				"--f--", ""),
			want: []wantAtt{{"attachment-1-1.pdf", TypePDF, "1.1", "application/pdf", testPDF}},
		},
		{
			name: "forwarded as a .eml file with a generic type",
			raw: msg("From: a@lausd.net", "Message-ID: <outer@x>", `Content-Type: multipart/mixed; boundary="f"`, "",
				"--f", "Content-Type: text/plain", "", "See the attached message.", "",
				"--f", "Content-Type: application/octet-stream; name=\"Fax received.eml\"", "Content-Disposition: attachment; filename=\"Fax received.eml\"",
				"Content-Transfer-Encoding: base64", "", b64(msg(hdr, "Content-Type: application/pdf; name=inner.pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}")), "--f--", ""),
			want:    []wantAtt{{"inner.pdf", TypePDF, "2.1", "application/pdf", testPDF}},
			noProbs: true,
			id:      "outer@x",
		},
		{
			name: "multipart/digest parts default to messages",
			raw: msg("From: a@lausd.net", `Content-Type: multipart/digest; boundary="d"`, "",
				"--d", "", hdr, "Content-Type: image/tiff; name=one.tif", "Content-Transfer-Encoding: base64", "", "{{tiff}}",
				"--d", "", hdr, "Content-Type: application/pdf; name=two.pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}--d--", ""),
			want: []wantAtt{
				{"one.tif", TypeTIFF, "1.1", "image/tiff", testTIFF},
				{"two.pdf", TypePDF, "2.1", "application/pdf", testPDF},
			},
			noProbs: true,
		},
		{
			name: "RFC 2231 UTF-8 filename",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf", "Content-Disposition: attachment; filename*=UTF-8''Solicitud%20de%20acceso%20%C3%B1.pdf",
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", ""),
			want: []wantAtt{{"Solicitud de acceso ñ.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "RFC 2231 ISO-8859-1 filename",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf", "Content-Disposition: attachment; filename*=iso-8859-1'es'Peti%E7%E3o.pdf",
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", ""),
			want: []wantAtt{{"Petição.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "RFC 2231 continuations",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf", "Content-Disposition: attachment;",
				"  filename*0*=utf-8''MiSiS%20Access%20;", `  filename*1="Request Form ";`, "  filename*2*=%E2%80%93%20Rev.pdf",
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", ""),
			want: []wantAtt{{"MiSiS Access Request Form – Rev.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "encoded-word filename in name parameter",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", `Content-Type: application/pdf; name="=?UTF-8?B?Rm9ybXVsYXJpbyBkZSBhY2Nlc28ucGRm?="`,
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", ""),
			want: []wantAtt{{"Formulario de acceso.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "unquoted filename with spaces and a directory",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf", `Content-Disposition: attachment; filename=C:\Scans\My Form.pdf`,
				"Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", ""),
			want: []wantAtt{{"My Form.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "no filename generates one",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: text/plain", "", "hello", "",
				"--b", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", "{{pdf}}",
				"--b", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", "{{tiff}}--b--", ""),
			want: []wantAtt{
				{"attachment-2.pdf", TypePDF, "2", "application/octet-stream", testPDF},
				{"attachment-3.tif", TypeTIFF, "3", "application/octet-stream", testTIFF},
			},
			noProbs: true,
		},
		{
			name: "wrong declared type is corrected by sniffing",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: image/tiff; name=scan.tif", "Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", ""),
			want: []wantAtt{{"scan.tif", TypePDF, "1", "image/tiff", testPDF}},
		},
		{
			name: "octet-stream that is not a document",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/octet-stream; name=data.bin", "Content-Disposition: attachment; filename=data.bin",
				"Content-Transfer-Encoding: base64", "", b64([]byte("PK\x03\x04 not a form")), "--b--", ""),
			problems: []string{`"data.bin" is not a PDF, TIFF, JPEG or PNG`, NoAttachmentReason},
		},
		{
			name: "Word document only",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: text/plain", "", "form attached", "",
				"--b", "Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=form.docx",
				"Content-Disposition: attachment; filename=form.docx", "Content-Transfer-Encoding: base64", "", b64([]byte("PK\x03\x04word")), "--b--", ""),
			problems: []string{`"form.docx" is not a PDF, TIFF, JPEG or PNG`, NoAttachmentReason},
		},
		{
			name: "inline PDF and inline large JPEG are found",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf; name=a.pdf", "Content-Disposition: inline; filename=a.pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}",
				"--b", "Content-Type: image/jpeg", "Content-Transfer-Encoding: base64", "", "{{jpeg}}--b--", ""),
			want: []wantAtt{
				{"a.pdf", TypePDF, "1", "application/pdf", testPDF},
				{"attachment-2.jpg", TypeJPEG, "2", "image/jpeg", testBigJ},
			},
			noProbs: true,
		},
		{
			name: "small images: ignored inline, kept as attachment",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: image/jpeg; name=sig.jpg", "Content-Disposition: inline", "Content-Transfer-Encoding: base64", "", "{{smalljpeg}}",
				"--b", "Content-Type: image/jpeg; name=page.jpg", "Content-Disposition: attachment; filename=page.jpg", "Content-Transfer-Encoding: base64", "", "{{smalljpeg}}--b--", ""),
			want: []wantAtt{{"page.jpg", TypeJPEG, "2", "image/jpeg", testSmJ}},
		},
		{
			name: "quoted-printable PDF",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf; name=qp.pdf", "Content-Transfer-Encoding: quoted-printable", "", "{{qppdf}}", "--b--", ""),
			want: []wantAtt{{"qp.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "single-part PDF message without a content type name",
			raw:  msg("From: scanner@lausd.net", "Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}"),
			want: []wantAtt{{"attachment-1.pdf", TypePDF, "1", "application/pdf", testPDF}},
			id:   "", from: "scanner@lausd.net",
		},
		{
			name: "bare LF line endings",
			raw: []byte(strings.ReplaceAll(string(msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf; name=lf.pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}--b--", "")), "\r\n", "\n")),
			want: []wantAtt{{"lf.pdf", TypePDF, "1", "application/pdf", testPDF}},
		},
		{
			name: "encoded-word subject in ISO-8859-1 and a Windows-1252 sender name",
			raw: msg("From: =?windows-1252?Q?Jos=E9_P=E9rez?= <jp@lausd.net>", "Subject: =?ISO-8859-1?Q?Solicitud_de_acceso_=F1?=", "Message-ID: <q@r>",
				"Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}"),
			want:    []wantAtt{{"attachment-1.pdf", TypePDF, "1", "application/pdf", testPDF}},
			subject: "Solicitud de acceso ñ", from: "jp@lausd.net", id: "q@r",
		},
		{
			name: "unknown charset keeps the raw subject",
			raw: msg("From: a@lausd.net", "Subject: =?x-klingon?Q?qapla=27?=", "Content-Type: text/plain; charset=x-klingon", "",
				"nuqneH"),
			subject:  "=?x-klingon?Q?qapla=27?=",
			problems: []string{NoAttachmentReason},
		},
		{
			name:     "raw 8-bit Latin-1 subject",
			raw:      msg("From: a@lausd.net", "Subject: Formulario de inscripci\xf3n", "", "hello"),
			subject:  "Formulario de inscripción",
			problems: []string{NoAttachmentReason},
		},
		{
			name:     "broken Message-ID and From still identify",
			raw:      msg("From: Fax Machine faxmachine@lausd.net", "Message-ID: 12345@fax", "", "hi"),
			id:       "12345@fax",
			from:     "faxmachine@lausd.net",
			problems: []string{NoAttachmentReason},
		},
		{
			name: "declared PDF whose bytes are not one",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf; name=broken.pdf", "Content-Transfer-Encoding: base64", "", b64([]byte("<html>error 500</html>")), "--b--", ""),
			want:     []wantAtt{{"broken.pdf", "", "1", "application/pdf", []byte("<html>error 500</html>")}},
			problems: []string{`"broken.pdf" is labelled as a PDF but its content is not one`, NoAttachmentReason},
		},
		{
			name: "text after the base64 padding is ignored",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: image/tiff; name=pad.tif", "Content-Transfer-Encoding: base64", "", "{{tiff}}", "Sent by RightFax 10.6", "--b--", ""),
			want:    []wantAtt{{"pad.tif", TypeTIFF, "1", "image/tiff", testTIFF}},
			noProbs: true,
		},
		{
			name: "missing closing boundary keeps the attachment",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/pdf; name=cut.pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}"),
			want:     []wantAtt{{"cut.pdf", TypePDF, "1", "application/pdf", testPDF}},
			problems: []string{"damaged or cut off"},
		},
		{
			name: "winmail.dat",
			raw: msg(hdr, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "Content-Type: application/ms-tnef; name=winmail.dat", "Content-Transfer-Encoding: base64", "", b64([]byte("\x78\x9f\x3e\x22")), "--b--", ""),
			problems: []string{"winmail.dat", NoAttachmentReason},
		},
		{
			name: "mbox From line",
			raw: append([]byte("From faxgateway@lausd.net Fri Nov 20 13:48:32 2026\r\n"),
				msg(hdr, "Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "", "{{pdf}}")...),
			want: []wantAtt{{"attachment-1.pdf", TypePDF, "1", "application/pdf", testPDF}},
			id:   "abc.123@gateway.lausd.net",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.raw, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(m.Attachments) != len(tc.want) {
				t.Fatalf("got %d attachments %v, want %d; problems %q", len(m.Attachments), names(m.Attachments), len(tc.want), m.Problems)
			}
			for i, w := range tc.want {
				a := m.Attachments[i]
				if a.Filename != w.filename || a.Type != w.typ || a.Path != w.path || a.DeclaredType != w.declared {
					t.Errorf("attachment %d = {%q %q %q %q}, want {%q %q %q %q}", i,
						a.Filename, a.Type, a.Path, a.DeclaredType, w.filename, w.typ, w.path, w.declared)
				}
				if !bytes.Equal(a.Data, w.data) {
					t.Errorf("attachment %d: data differs (%d bytes, want %d)", i, len(a.Data), len(w.data))
				}
			}
			for _, p := range tc.problems {
				if !containsSub(m.Problems, p) {
					t.Errorf("no problem mentions %q; problems %q", p, m.Problems)
				}
			}
			if tc.noProbs && len(m.Problems) > 0 {
				t.Errorf("problems %q, want none", m.Problems)
			}
			if tc.id != "" && m.MessageID != tc.id {
				t.Errorf("MessageID = %q, want %q", m.MessageID, tc.id)
			}
			if tc.subject != "" && m.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.subject)
			}
			if tc.from != "" && m.From != tc.from {
				t.Errorf("From = %q, want %q", m.From, tc.from)
			}
			wantUsable := false
			for _, w := range tc.want {
				wantUsable = wantUsable || w.typ != ""
			}
			if err := m.Usable(); (err == nil) != wantUsable || (err != nil && !errors.Is(err, ErrNoAttachment)) {
				t.Errorf("Usable() = %v, want usable %v", err, wantUsable)
			}
			if len(m.Hash) != 64 {
				t.Errorf("Hash = %q", m.Hash)
			}
		})
	}
}

func TestParseNoMessageID(t *testing.T) {
	m, err := Parse(msg("From: a@lausd.net", "", "hi"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageID != "" {
		t.Errorf("MessageID = %q, want empty", m.MessageID)
	}
	if got := m.Problems; len(got) != 1 || got[0] != NoAttachmentReason {
		t.Errorf("Problems = %q", got)
	}
}

func TestParseLimits(t *testing.T) {
	nested := func(depth int) []byte {
		var b strings.Builder
		b.WriteString(hdr + "\r\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n--n%d\r\n", i, i)
		}
		b.WriteString("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(testPDF))
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--n%d--\r\n", i)
		}
		return []byte(b.String())
	}
	many := func(n int) []byte {
		var b strings.Builder
		b.WriteString(hdr + "\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n")
		for i := 0; i < n; i++ {
			b.WriteString("--m\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(testPDF))
		}
		b.WriteString("--m--\r\n")
		return []byte(b.String())
	}
	tests := []struct {
		name   string
		raw    []byte
		lim    Limits
		want   error
		reason string
	}{
		{"message too large", many(3), Limits{MessageBytes: 1000}, ErrTooLarge, "more than the 1000 bytes limit"},
		{"attachment too large", many(1), Limits{AttachmentBytes: 100}, ErrTooLarge, "larger than the 100 bytes limit"},
		{"too deep", nested(12), Limits{}, ErrTooComplex, "nested more than 10 levels"},
		{"deep within limit", nested(9), Limits{}, nil, ""},
		{"too many attachments", many(4), Limits{Attachments: 3}, ErrTooComplex, "more than 3 attachments"},
		{"too many parts", many(4), Limits{Parts: 4}, ErrTooComplex, "more than 4 MIME parts"},
		{"damaged header", []byte("Subject: x\r\nthis line has no colon\r\n\r\nbody"), Limits{}, ErrMalformed, "header is damaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.raw, tc.lim)
			if m == nil || len(m.Hash) != 64 {
				t.Fatalf("Parse returned message %+v without its hash", m)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse error = %v, want %v", err, tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("reason = %v, want it to contain %q", err, tc.reason)
			}
		})
	}
}

func TestHeaderParams(t *testing.T) {
	tests := []struct {
		in    string
		value string
		want  map[string]string
	}{
		{`attachment; filename="a b.pdf"`, "attachment", map[string]string{"filename": "a b.pdf"}},
		{`Attachment; FileName=a.pdf; size=12`, "attachment", map[string]string{"filename": "a.pdf", "size": "12"}},
		{`inline; filename="a \"q\".pdf"`, "inline", map[string]string{"filename": `a "q".pdf`}},
		{`attachment; filename="unterminated.pdf`, "attachment", map[string]string{"filename": "unterminated.pdf"}},
		{`attachment; filename=plain.pdf; filename*=utf-8''ext%C3%A9.pdf`, "attachment", map[string]string{"filename": "exté.pdf"}},
		{`attachment; filename*=windows-1252''na%EFve.pdf`, "attachment", map[string]string{"filename": "naïve.pdf"}},
		{`attachment; filename*=x-unknown''abc%41.pdf`, "attachment", map[string]string{"filename": "abcA.pdf"}},
		{`attachment; filename*0="a"; filename*1="b"; filename*3="skipped"`, "attachment", map[string]string{"filename": "ab"}},
		{`attachment; ; novalue; =x`, "attachment", map[string]string{}},
		{``, "", map[string]string{}},
	}
	for _, tc := range tests {
		v, p := headerParams(tc.in)
		if v != tc.value {
			t.Errorf("headerParams(%q) value = %q, want %q", tc.in, v, tc.value)
		}
		for k, want := range tc.want {
			if p[k] != want {
				t.Errorf("headerParams(%q)[%q] = %q, want %q", tc.in, k, p[k], want)
			}
		}
		if len(p) != len(tc.want) {
			t.Errorf("headerParams(%q) = %q, want %q", tc.in, p, tc.want)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("é", 150) + ".pdf"
	tests := []struct{ in, want string }{
		{"form.pdf", "form.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\form.pdf`, "form.pdf"},
		{"a\x00b\tc.pdf", "abc.pdf"},
		{"..", ""},
		{"  ", ""},
		{"dir/", ""},
		{long, strings.Repeat("é", 98) + ".pdf"},
	}
	for _, tc := range tests {
		if got := cleanFilename(tc.in); got != tc.want {
			t.Errorf("cleanFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func names(atts []Attachment) []string {
	var out []string
	for _, a := range atts {
		out = append(out, a.Filename+"@"+a.Path)
	}
	return out
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
