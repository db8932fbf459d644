package mail

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Limits bound the work and memory Parse spends on one message. A zero field
// takes its default; the defaults suit faxed and scanned forms with room to
// spare. Memory is bounded by the message size: every decoded attachment is
// no larger than its encoded bytes.
type Limits struct {
	// MessageBytes is the largest raw message accepted. Zero means 50 MiB.
	MessageBytes int64
	// AttachmentBytes is the largest decoded document attachment. Zero
	// means 40 MiB.
	AttachmentBytes int64
	// Attachments is the most document attachments one message may carry.
	// Zero means 50.
	Attachments int
	// Depth is the deepest nesting of multiparts and forwarded messages.
	// Zero means 10.
	Depth int
	// Parts is the most MIME parts of any kind. Zero means 1000.
	Parts int
	// DecorationBytes: a JPEG or PNG smaller than this that is shown inline
	// (inside multipart/related, or not marked as an attachment) is taken
	// for a logo or a signature image and ignored. Zero means 20 KiB; a
	// negative value keeps every image.
	DecorationBytes int
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{
	MessageBytes:    50 << 20,
	AttachmentBytes: 40 << 20,
	Attachments:     50,
	Depth:           10,
	Parts:           1000,
	DecorationBytes: 20 << 10,
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	if l.MessageBytes > 0 {
		d.MessageBytes = l.MessageBytes
	}
	if l.AttachmentBytes > 0 {
		d.AttachmentBytes = l.AttachmentBytes
	}
	if l.Attachments > 0 {
		d.Attachments = l.Attachments
	}
	if l.Depth > 0 {
		d.Depth = l.Depth
	}
	if l.Parts > 0 {
		d.Parts = l.Parts
	}
	if l.DecorationBytes != 0 {
		d.DecorationBytes = l.DecorationBytes
	}
	return d
}

// Message is what Parse reads from one e-mail message.
type Message struct {
	// MessageID is the message's Message-ID without its angle brackets, or
	// "" when it has none. For a forwarded message it is the forwarding
	// message's own ID: that is the message that arrived.
	MessageID string
	// From is the sender's address (e.g. "faxgateway@lausd.net"), or ""
	// when the From field is missing.
	From string
	// Subject is the decoded subject.
	Subject string
	// Date is the Date field, or the zero time when it is missing or
	// unreadable.
	Date time.Time
	// Hash is the SHA-256 of the raw message, in hex: the identity of a
	// message that has no Message-ID.
	Hash string
	// Attachments are the documents found, in the order they appear.
	Attachments []Attachment
	// Problems are sentences for the help desk about what was odd or
	// skipped (a Word file that was not read, a damaged part, no document
	// at all).
	Problems []string
}

// Attachment is one file found in a message.
type Attachment struct {
	// Filename is the decoded file name with any directory removed, or a
	// generated one such as "attachment-2.pdf" (from Path and Type) when
	// the sender gave none.
	Filename string
	// DeclaredType is the media type the sender declared, lower-cased
	// (e.g. "application/octet-stream"), or "" when none was.
	DeclaredType string
	// Type is what the bytes are: "pdf", "tiff", "jpeg" or "png". It is ""
	// for a file that was declared or named as a document but whose bytes
	// are not one (empty or damaged); Problems then says so.
	Type string
	// Data is the decoded content.
	Data []byte
	// Path is where the part sits in the MIME tree, numbered as IMAP
	// numbers body parts: "2" is the second part of the message, "2.1" the
	// first part inside it (or the body of a forwarded message at "2").
	Path string
}

// Document types Attachment.Type takes.
const (
	TypePDF  = "pdf"
	TypeTIFF = "tiff"
	TypeJPEG = "jpeg"
	TypePNG  = "png"
)

// Documents returns the attachments whose bytes are a document (Type is
// set).
func (m *Message) Documents() []Attachment {
	var out []Attachment
	for _, a := range m.Attachments {
		if a.Type != "" {
			out = append(out, a)
		}
	}
	return out
}

// Usable returns nil when the message carries at least one document, and
// otherwise a *ParseError wrapping ErrNoAttachment.
func (m *Message) Usable() error {
	if len(m.Documents()) > 0 {
		return nil
	}
	return &ParseError{Reason: NoAttachmentReason, Err: ErrNoAttachment}
}

// Parse reads one raw message. It returns a *ParseError (wrapping
// ErrTooLarge, ErrTooComplex or ErrMalformed) when the message cannot be
// taken in; a message without any document is not an error but has no
// Attachments and says so in Problems. The returned Message is never nil:
// on error it carries the Hash and whatever of the header could be read,
// so the message can still be recorded and quarantined.
func Parse(raw []byte, lim Limits) (*Message, error) {
	lim = lim.WithDefaults()
	sum := sha256.Sum256(raw)
	m := &Message{Hash: hex.EncodeToString(sum[:])}
	if int64(len(raw)) > lim.MessageBytes {
		return m, &ParseError{
			Reason: fmt.Sprintf("message is %s, more than the %s limit", byteSize(int64(len(raw))), byteSize(lim.MessageBytes)),
			Err:    ErrTooLarge,
		}
	}
	body := raw
	if bytes.HasPrefix(body, []byte("From ")) { // an mbox separator line
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		}
	}
	br := bufio.NewReader(bytes.NewReader(body))
	h, err := textproto.ReadHeader(br)
	readEnvelope(m, h)
	if err != nil {
		return m, &ParseError{Reason: "the message header is damaged and cannot be read", Err: ErrMalformed}
	}
	w := &walker{lim: lim, msg: m}
	if err := w.entity(h, br, "", 0, true, ""); err != nil {
		return m, err
	}
	if len(m.Documents()) == 0 {
		m.Problems = append(m.Problems, NoAttachmentReason)
	}
	return m, nil
}

// readEnvelope fills the identity fields from the top-level header, keeping
// what it can of fields that do not follow the RFCs.
func readEnvelope(m *Message, h textproto.Header) {
	mh := gomail.Header{}
	mh.Header.Header = h
	if id, err := mh.MessageID(); err == nil && id != "" {
		m.MessageID = validUTF8(id)
	} else {
		m.MessageID = looseMessageID(h.Get("Message-Id"))
	}
	m.From = fromAddress(h.Get("From"))
	m.Subject = text(h.Get("Subject"))
	if d := h.Get("Date"); d != "" {
		if t, err := netmail.ParseDate(d); err == nil {
			m.Date = t
		}
	}
}

// looseMessageID takes the first token of a Message-ID that does not parse,
// without brackets; a sender's broken Message-ID still names the message.
func looseMessageID(v string) string {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return ""
	}
	return validUTF8(strings.Trim(fields[0], "<>"))
}

// fromAddress returns the first address of a From field, or, when the field
// does not parse, the text between the last angle brackets or the first
// word with an @.
func fromAddress(v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	p := netmail.AddressParser{WordDecoder: &wordDecoder}
	if list, err := p.ParseList(v); err == nil && len(list) > 0 {
		return validUTF8(list[0].Address)
	}
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return validUTF8(strings.TrimSpace(v[i+1 : i+j]))
		}
	}
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") {
			return validUTF8(strings.Trim(f, `<>"(),;`))
		}
	}
	return validUTF8(strings.TrimSpace(v))
}

// walker carries the limits and counters down one message's MIME tree.
type walker struct {
	lim   Limits
	msg   *Message
	parts int
	cut   bool // a multipart ended without its closing boundary
}

func (w *walker) problem(format string, args ...any) {
	w.msg.Problems = append(w.msg.Problems, fmt.Sprintf(format, args...))
}

func join(parent string, n int) string {
	if parent == "" {
		return strconv.Itoa(n)
	}
	return parent + "." + strconv.Itoa(n)
}

// entity reads one entity: the message itself or a forwarded message
// (isMessage), or a part. path is the part number ("" for the message);
// depth counts the containers above it.
func (w *walker) entity(h textproto.Header, body io.Reader, partPath string, depth int, isMessage bool, parent string) error {
	w.parts++
	if w.parts > w.lim.Parts {
		return &ParseError{Reason: fmt.Sprintf("message has more than %d MIME parts", w.lim.Parts), Err: ErrTooComplex}
	}
	if depth > w.lim.Depth {
		return &ParseError{Reason: fmt.Sprintf("message is nested more than %d levels deep", w.lim.Depth), Err: ErrTooComplex}
	}
	mediaType, ctParams := headerParams(h.Get("Content-Type"))
	if mediaType == "" && parent == "multipart/digest" {
		mediaType = "message/rfc822" // RFC 2046 5.1.5: a digest's default
	}
	if _, ok := ctParams["boundary"]; strings.HasPrefix(mediaType, "multipart/") && ok && ctParams["boundary"] != "" {
		return w.multipart(mediaType, ctParams["boundary"], body, partPath, depth, isMessage)
	}
	leafPath := partPath
	if isMessage {
		leafPath = join(partPath, 1)
	}
	if mediaType == "message/rfc822" || mediaType == "message/global" || savedMessage(h, mediaType, ctParams) {
		return w.forwarded(h, body, leafPath, depth)
	}
	return w.leaf(h, mediaType, ctParams, body, leafPath, parent == "multipart/related")
}

func (w *walker) multipart(mediaType, boundary string, body io.Reader, partPath string, depth int, isMessage bool) error {
	mr := textproto.NewMultipartReader(body, boundary)
	for n := 1; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if !w.cut {
				w.cut = true
				w.problem("the message's MIME structure is damaged or cut off; parts after that point were not read")
			}
			return nil
		}
		if err := w.entity(p.Header, p, join(partPath, n), depth+1, false, mediaType); err != nil {
			return err
		}
	}
}

// forwarded descends into a message/rfc822 part: its attachments count as
// the outer message's own.
func (w *walker) forwarded(h textproto.Header, body io.Reader, partPath string, depth int) error {
	dec, known := transferDecoder(h.Get("Content-Transfer-Encoding"), body)
	if !known {
		w.problem("a forwarded message (part %s) uses an unknown transfer encoding and was not read", partPath)
		return nil
	}
	br := bufio.NewReader(dec)
	inner, err := textproto.ReadHeader(br)
	if err != nil {
		w.problem("a forwarded message (part %s) has a damaged header and was not read", partPath)
		return nil
	}
	// The forwarded message's own parts are numbered under this part.
	return w.entity(inner, br, partPath, depth+1, true, "")
}

// savedMessage reports whether a part is a message saved as a .eml file
// and attached without the message/rfc822 type some clients forget.
func savedMessage(h textproto.Header, mediaType string, ctParams map[string]string) bool {
	switch mediaType {
	case "", "application/octet-stream", "text/plain", "application/x-eml":
	default:
		return false
	}
	_, dParams := headerParams(h.Get("Content-Disposition"))
	name := dParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	return strings.EqualFold(path.Ext(cleanFilename(name)), ".eml")
}

// sniffBytes is how much of a part is read to recognise a document: Adobe
// readers accept up to 1 KiB of junk before %PDF-.
const sniffBytes = 1024

func (w *walker) leaf(h textproto.Header, mediaType string, ctParams map[string]string, body io.Reader, partPath string, inRelated bool) error {
	disposition, dParams := headerParams(h.Get("Content-Disposition"))
	name := dParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	name = cleanFilename(name)
	cte := h.Get("Content-Transfer-Encoding")
	dec, known := transferDecoder(cte, body)
	if !known {
		w.problem("part %s (%s) uses an unknown transfer encoding %q and was not read", partPath, describe(name, mediaType), strings.TrimSpace(cte))
		return nil
	}
	br := bufio.NewReaderSize(dec, sniffBytes)
	head, _ := br.Peek(sniffBytes)
	textBody := name == "" && (mediaType == "" || strings.HasPrefix(mediaType, "text/"))
	typ := sniff(head, !textBody)
	declared := declaredDocument(mediaType, name)
	if typ == "" && declared == "" {
		_, err := io.Copy(io.Discard, br)
		if err != nil && !w.cut {
			w.cut = true
			w.problem("the message's MIME structure is damaged or cut off; parts after that point were not read")
		}
		if !textBody && (disposition == "attachment" || name != "") && !quietPart(mediaType) {
			w.problem("%s is not a PDF, TIFF, JPEG or PNG file and was not read", describe(name, mediaType))
		}
		if mediaType == "application/ms-tnef" {
			w.problem("the message was sent in Outlook's winmail.dat format; ask the sender to attach the form as a PDF")
		}
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(br, w.lim.AttachmentBytes+1))
	if int64(len(data)) > w.lim.AttachmentBytes {
		return &ParseError{
			Reason: fmt.Sprintf("%s is larger than the %s limit", describe(name, mediaType), byteSize(w.lim.AttachmentBytes)),
			Err:    ErrTooLarge,
		}
	}
	damaged := err != nil
	if (typ == TypeJPEG || typ == TypePNG) && len(data) < w.lim.DecorationBytes && (inRelated || disposition != "attachment") {
		return nil // a logo or a signature image
	}
	if len(w.msg.Attachments) >= w.lim.Attachments {
		return &ParseError{Reason: fmt.Sprintf("message has more than %d attachments", w.lim.Attachments), Err: ErrTooComplex}
	}
	if name == "" {
		ext := typ
		if ext == "" {
			ext = declared
		}
		name = "attachment-" + strings.ReplaceAll(partPath, ".", "-") + extension[ext]
	}
	if damaged {
		w.problem("%s could not be decoded completely; it may be damaged or cut off", quoteName(name))
	}
	if typ == "" {
		if len(data) == 0 {
			w.problem("%s is empty", quoteName(name))
		} else {
			w.problem("%s is labelled as a %s but its content is not one; it may be damaged", quoteName(name), strings.ToUpper(declared))
		}
	}
	w.msg.Attachments = append(w.msg.Attachments, Attachment{
		Filename:     name,
		DeclaredType: mediaType,
		Type:         typ,
		Data:         data,
		Path:         partPath,
	})
	return nil
}

var extension = map[string]string{TypePDF: ".pdf", TypeTIFF: ".tif", TypeJPEG: ".jpg", TypePNG: ".png", "": ".bin"}

// quietPart reports whether a non-document part is routine enough not to
// mention: signatures, calendar invitations and delivery reports.
func quietPart(mediaType string) bool {
	switch mediaType {
	case "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature",
		"text/calendar", "message/delivery-status", "text/rfc822-headers", "message/disposition-notification":
		return true
	}
	return false
}

func quoteName(name string) string { return "attachment " + strconv.Quote(name) }

func describe(name, mediaType string) string {
	switch {
	case name != "":
		return quoteName(name)
	case mediaType != "":
		return "an attachment of type " + mediaType
	}
	return "an attachment"
}

// transferDecoder undoes a Content-Transfer-Encoding. known is false for an
// encoding it does not know (x-uuencode and the like).
func transferDecoder(enc string, r io.Reader) (io.Reader, bool) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Cleaner{r: r}), true
	case "quoted-printable":
		return quotedprintable.NewReader(r), true
	case "", "7bit", "8bit", "binary":
		return r, true
	}
	return r, false
}

// base64Cleaner drops what senders put between base64 characters (spaces,
// tabs, line breaks, stray punctuation) and ends the data after its padding,
// so text a gateway appends after the last line does not spoil it.
type base64Cleaner struct {
	r      io.Reader
	padded bool // a '=' was seen
	done   bool
}

func (c *base64Cleaner) Read(p []byte) (int, error) {
	for {
		if c.done {
			return 0, io.EOF
		}
		n, err := c.r.Read(p)
		k := 0
		for _, b := range p[:n] {
			switch {
			case b == '=':
				c.padded = true
			case b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/':
				if c.padded {
					c.done = true
				}
			default:
				continue
			}
			if c.done {
				break
			}
			p[k] = b
			k++
		}
		if c.done {
			return k, io.EOF
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// sniff recognises a document from its first bytes. loose allows the junk
// before %PDF- that PDF readers accept; text bodies must start with it.
func sniff(head []byte, loose bool) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TypeTIFF
	case loose && bytes.Contains(head, []byte("%PDF-")):
		return TypePDF
	}
	return ""
}

// declaredDocument is the document type a part claims by its media type or
// its file name's extension, or "".
func declaredDocument(mediaType, name string) string {
	switch mediaType {
	case "application/pdf", "application/x-pdf":
		return TypePDF
	case "image/tiff", "image/tif", "image/x-tiff":
		return TypeTIFF
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return TypeJPEG
	case "image/png", "image/x-png":
		return TypePNG
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf":
		return TypePDF
	case ".tif", ".tiff":
		return TypeTIFF
	case ".jpg", ".jpeg":
		return TypeJPEG
	case ".png":
		return TypePNG
	}
	return ""
}

// maxFilename is the longest file name kept, in bytes.
const maxFilename = 200

// cleanFilename makes a sender's file name safe to show and to store: no
// directories, no control characters, valid UTF-8, at most maxFilename
// bytes with its extension kept. It returns "" when nothing usable is left.
func cleanFilename(name string) string {
	name = validUTF8(name)
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." || strings.Trim(name, ".") == "" {
		return ""
	}
	if len(name) > maxFilename {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:maxFilename-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// byteSize writes a size for people: "12.5 MB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
