package work

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/store"
)

// Ingest stores one raw message and queues its splitting, in one
// transaction. A message received before (same Message-ID, or same bytes
// when it has none) is stored as a duplicate and not worked on.
func (r *Runner) Ingest(ctx context.Context, raw []byte, origin string) (store.Inserted, error) {
	m, _ := mail.Parse(raw, r.cfg.MailLimits) // never nil; its errors are the split stage's to report
	key := m.MessageID
	if key == "" {
		key = store.HashKey(raw)
	}
	var ins store.Inserted
	err := r.cfg.Store.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		ins, err = store.InsertMessage(ctx, tx, store.NewMessage{Key: key, Raw: raw, Origin: origin, From: m.From, Subject: m.Subject})
		if err != nil || ins.DuplicateOf != 0 {
			return err
		}
		_, err = r.client.InsertTx(ctx, tx, SplitArgs{MessageID: ins.ID}, nil)
		return err
	})
	if err != nil {
		return store.Inserted{}, fmt.Errorf("work: ingest: %w", err)
	}
	if ins.DuplicateOf == 0 {
		metrics.MessagesFetched.WithLabelValues(metrics.SourceFile).Inc()
	}
	return ins, nil
}

// documentTypes maps a file's extension to its document type and media
// type.
var documentTypes = map[string][2]string{
	".pdf":  {"pdf", "application/pdf"},
	".tif":  {"tiff", "image/tiff"},
	".tiff": {"tiff", "image/tiff"},
	".jpg":  {"jpeg", "image/jpeg"},
	".jpeg": {"jpeg", "image/jpeg"},
	".png":  {"png", "image/png"},
}

// ErrNotMessageOrDocument is returned by Wrap for a file that is neither
// an .eml message nor a PDF, TIFF, JPEG or PNG document.
var ErrNotMessageOrDocument = errors.New("work: not an .eml message nor a PDF, TIFF, JPEG or PNG file")

// Wrap returns a local file as a message: an .eml file as it is, a bare
// document wrapped in a message with one attachment and a Message-ID made
// from the document's hash, so the same file fed twice is one message.
func Wrap(name string, data []byte, now time.Time) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".eml" {
		return data, nil
	}
	t, ok := documentTypes[ext]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotMessageOrDocument)
	}
	base := filepath.Base(name)
	sum := store.Hash(data)
	var b bytes.Buffer
	boundary := "=_intake_" + sum[:16]
	fmt.Fprintf(&b, "Message-Id: <file-%s@intake.local>\r\n", sum)
	fmt.Fprintf(&b, "From: intake ingest <ingest@intake.local>\r\n")
	fmt.Fprintf(&b, "Subject: Local file %s\r\n", mimeWord(base))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Mime-Version: 1.0\r\n")
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\n", boundary)
	fmt.Fprintf(&b, "Content-Type: %s\r\n", t[1])
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=%q\r\n", asciiName(base, t[0]))
	fmt.Fprintf(&b, "Content-Transfer-Encoding: base64\r\n\r\n")
	writeBase64(&b, data)
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

// IngestFile stores a local file (see Wrap) and queues its work.
func (r *Runner) IngestFile(ctx context.Context, name string, data []byte) (store.Inserted, error) {
	raw, err := Wrap(name, data, time.Now())
	if err != nil {
		return store.Inserted{}, err
	}
	return r.Ingest(ctx, raw, "file:"+filepath.Base(name))
}

// Retry queues a failed item's stage again, in one transaction with
// putting it back to waiting.
func (r *Runner) Retry(ctx context.Context, actor string, it store.Item) error {
	var args river.JobArgs
	switch it.Kind {
	case "message":
		args = SplitArgs{MessageID: it.ID}
	case "attachment":
		args = ReadArgs{AttachmentID: it.ID}
	case "form":
		args = DecideArgs{FormID: it.ID}
	default:
		return fmt.Errorf("work: cannot retry a %q", it.Kind)
	}
	err := r.cfg.Store.InTx(ctx, func(tx pgx.Tx) error {
		if err := store.Reset(ctx, tx, actor, it); err != nil {
			return err
		}
		_, err := r.client.InsertTx(ctx, tx, args, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("work: retry %s: %w", it, err)
	}
	return nil
}
