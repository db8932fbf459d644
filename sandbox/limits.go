package sandbox

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/raster"
)

// Limits bounds what one message and each of its attachments may cost. It
// is the one place an operator sets them: Mail and Raster map it onto the
// packages that enforce the first six, and the Pool enforces the rest. A
// zero (or negative) field takes its default, DefaultLimits.
type Limits struct {
	// MessageBytes is the largest raw message taken in (mail.Limits.MessageBytes).
	// A larger one is quarantined with the reason.
	MessageBytes int64
	// Attachments is the most document attachments one message may carry
	// (mail.Limits.Attachments).
	Attachments int
	// AttachmentBytes is the largest attachment once decoded from its MIME
	// transfer encoding (mail.Limits.AttachmentBytes).
	AttachmentBytes int64
	// Pages is the most pages one document may have (raster.Limits.MaxPages).
	Pages int
	// PixelsPerPage bounds each page image and each image a PDF page draws
	// (raster.Limits.MaxPixelsPerPage): 50 Mpx admits a Legal page at 600 dpi.
	PixelsPerPage int64
	// TotalPixels bounds the pixels of all the pages of one document
	// (raster.Limits.MaxTotalPixels).
	TotalPixels int64
	// DecompressedBytes bounds the page images decoding one document may
	// produce, one byte per gray pixel: raster.Limits.MaxTotalPixels is the
	// smaller of TotalPixels and DecompressedBytes. Sizes are checked from
	// the headers before anything is inflated, so a Flate or TIFF
	// decompression bomb fails before it is decoded; the other streams of
	// a PDF are bounded by raster's own decode limit (256 MiB) and, like
	// everything the child allocates, by Memory.
	DecompressedBytes int64

	// WallTime bounds reading one attachment, start to end.
	WallTime time.Duration
	// CPUTime bounds the CPU time the child spends on one attachment
	// (RLIMIT_CPU).
	CPUTime time.Duration
	// Memory bounds each child's private writable memory (RLIMIT_DATA: the
	// Go heap, malloc, decoded images); the Go heap is kept below 60% of it.
	Memory int64
	// OutputBytes bounds the JSON answer for one attachment.
	OutputBytes int64
}

// DefaultLimits are what a zero Limits stands for. A faxed form is one to a
// few pages of 1728x2200 pixels, read in a few seconds: every default
// leaves a wide margin above that.
var DefaultLimits = Limits{
	MessageBytes:      mail.DefaultLimits.MessageBytes,
	Attachments:       mail.DefaultLimits.Attachments,
	AttachmentBytes:   mail.DefaultLimits.AttachmentBytes,
	Pages:             raster.DefaultMaxPages,
	PixelsPerPage:     raster.DefaultMaxPixelsPerPage,
	TotalPixels:       raster.DefaultMaxTotalPixels,
	DecompressedBytes: raster.DefaultMaxTotalPixels,
	WallTime:          2 * time.Minute,
	CPUTime:           2 * time.Minute,
	Memory:            3 << 30,
	OutputBytes:       16 << 20,
}

// WithDefaults returns l with every zero or negative field set to its
// default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	set64 := func(dst *int64, v int64) {
		if v > 0 {
			*dst = v
		}
	}
	set64(&d.MessageBytes, l.MessageBytes)
	set64(&d.AttachmentBytes, l.AttachmentBytes)
	set64(&d.PixelsPerPage, l.PixelsPerPage)
	set64(&d.TotalPixels, l.TotalPixels)
	set64(&d.DecompressedBytes, l.DecompressedBytes)
	set64(&d.Memory, l.Memory)
	set64(&d.OutputBytes, l.OutputBytes)
	if l.Attachments > 0 {
		d.Attachments = l.Attachments
	}
	if l.Pages > 0 {
		d.Pages = l.Pages
	}
	if l.WallTime > 0 {
		d.WallTime = l.WallTime
	}
	if l.CPUTime > 0 {
		d.CPUTime = l.CPUTime
	}
	return d
}

// Mail returns the limits package mail enforces when it parses a message.
func (l Limits) Mail() mail.Limits {
	l = l.WithDefaults()
	return mail.Limits{MessageBytes: l.MessageBytes, Attachments: l.Attachments, AttachmentBytes: l.AttachmentBytes}
}

// Raster returns the limits package raster enforces on one document.
func (l Limits) Raster() raster.Limits {
	l = l.WithDefaults()
	return raster.Limits{MaxPages: l.Pages, MaxPixelsPerPage: l.PixelsPerPage, MaxTotalPixels: min(l.TotalPixels, l.DecompressedBytes)}
}

// RegisterFlags defines a command-line flag for every field of l, with l's
// values as the defaults shown; a flag given sets its field.
func (l *Limits) RegisterFlags(fs *flag.FlagSet) {
	d := l.WithDefaults()
	*l = d
	fs.Var((*byteSize)(&l.MessageBytes), "max-message-bytes", "largest message taken in (e.g. 50MiB)")
	fs.IntVar(&l.Attachments, "max-attachments", d.Attachments, "most document attachments in one message")
	fs.Var((*byteSize)(&l.AttachmentBytes), "max-attachment-bytes", "largest attachment, decoded")
	fs.IntVar(&l.Pages, "max-pages", d.Pages, "most pages in one document")
	fs.Int64Var(&l.PixelsPerPage, "max-page-pixels", d.PixelsPerPage, "most pixels in one page image")
	fs.Int64Var(&l.TotalPixels, "max-document-pixels", d.TotalPixels, "most pixels in all the pages of one document")
	fs.Var((*byteSize)(&l.DecompressedBytes), "max-decompressed-bytes", "most bytes of page images one document may decode to")
	fs.DurationVar(&l.WallTime, "attachment-timeout", d.WallTime, "longest time reading one attachment may take")
	fs.DurationVar(&l.CPUTime, "attachment-cpu", d.CPUTime, "most CPU time reading one attachment may use")
	fs.Var((*byteSize)(&l.Memory), "reader-memory", "memory of each attachment-reading process (RLIMIT_DATA)")
	fs.Var((*byteSize)(&l.OutputBytes), "max-reading-bytes", "largest answer (JSON) for one attachment")
}

// byteSize is an int64 flag that reads "3GiB", "512MiB", "64KiB" or plain
// bytes.
type byteSize int64

func (b *byteSize) String() string { return formatBytes(int64(*b)) }

func (b *byteSize) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mul    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	t := strings.TrimSpace(s)
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mul {
		return 0, fmt.Errorf("sandbox: %q is not a size (e.g. 512MiB)", s)
	}
	return n * mul, nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// formatDuration writes d as a person reads it: "60 s", "5 min".
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < 3*time.Minute || d%time.Minute != 0:
		return fmt.Sprintf("%s s", strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}
