package raster

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
)

// Errors a caller branches on to quarantine an attachment. Every error Decode
// returns for a bad attachment wraps exactly one of them, with the page and
// the details, e.g. "raster: page 2: corrupt document: jpeg: ...".
var (
	// ErrEncrypted means the document needs a password to be opened.
	ErrEncrypted = errors.New("encrypted document")
	// ErrCorrupt means the bytes claim a supported type but cannot be parsed
	// or decoded: truncated, damaged, or crashing a decoder.
	ErrCorrupt = errors.New("corrupt document")
	// ErrNoPages means the document parsed but holds no page.
	ErrNoPages = errors.New("no pages")
	// ErrUnsupported means the bytes are not a PDF, TIFF, JPEG or PNG (a ZIP, an
	// executable, HTML, ...) or use a variant this package cannot read.
	ErrUnsupported = errors.New("unsupported document type")
	// ErrTooLarge means the document is beyond Limits: too many pages, or too
	// many pixels in a page, an embedded image or the whole document.
	ErrTooLarge = errors.New("document too large")
)

// Default limits, used for every zero (or negative) field of Limits.
const (
	// DefaultMaxPages is far above any form submission (a batch removal fax is
	// a few pages) and bounds the work one attachment can ask for.
	DefaultMaxPages = 100
	// DefaultMaxPixelsPerPage admits a Legal page at 600 dpi (42.8 Mpx).
	DefaultMaxPixelsPerPage = 50_000_000
	// DefaultMaxTotalPixels admits 100 fine-mode fax pages or about 45 Letter
	// pages at 300 dpi (400 MB of gray pixels).
	DefaultMaxTotalPixels = 400_000_000
	// DefaultRenderDPI is the resolution vector pages are rendered at.
	DefaultRenderDPI = 300
	// DefaultImageDPI is assumed for an image that does not state its
	// resolution (or states an implausible one).
	DefaultImageDPI = 200
)

// Limits bounds what one attachment may cost. A zero (or negative) field
// means its Default value.
type Limits struct {
	// MaxPages is the most pages a document may have.
	MaxPages int
	// MaxPixelsPerPage bounds each output page and each image a page draws.
	MaxPixelsPerPage int64
	// MaxTotalPixels bounds the sum of the output pages of one document.
	MaxTotalPixels int64
	// RenderDPI is the resolution of pages that are not one embedded image.
	RenderDPI float64
}

func (l Limits) withDefaults() Limits {
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.MaxPixelsPerPage <= 0 {
		l.MaxPixelsPerPage = DefaultMaxPixelsPerPage
	}
	if l.MaxTotalPixels <= 0 {
		l.MaxTotalPixels = DefaultMaxTotalPixels
	}
	if l.RenderDPI <= 0 || math.IsNaN(l.RenderDPI) || math.IsInf(l.RenderDPI, 0) {
		l.RenderDPI = DefaultRenderDPI
	}
	return l
}

// Source says how a page image was obtained.
type Source string

// Sources of a page image.
const (
	// SourcePDFImageCCITT is a CCITT G3/G4 image taken from a PDF page as is.
	SourcePDFImageCCITT Source = "pdf-image-ccitt"
	// SourcePDFImageJPEG is a DCT (JPEG) image taken from a PDF page as is.
	SourcePDFImageJPEG Source = "pdf-image-jpeg"
	// SourcePDFImageFlate is a Flate (or uncompressed) image taken from a PDF page.
	SourcePDFImageFlate Source = "pdf-image-flate"
	// SourcePDFRender is a PDF page rendered by MuPDF.
	SourcePDFRender Source = "pdf-render"
	// SourceTIFF is a TIFF page decoded directly.
	SourceTIFF Source = "tiff"
	// SourceTIFFRender is a TIFF page rendered by MuPDF (a compression the
	// TIFF decoder does not support, e.g. JPEG-in-TIFF or 2-D G3).
	SourceTIFFRender Source = "tiff-render"
	// SourceJPEG is a JPEG file.
	SourceJPEG Source = "jpeg"
	// SourcePNG is a PNG file.
	SourcePNG Source = "png"
)

// Page is one page image of a document.
type Page struct {
	// Index is the page number in the document, from 1.
	Index int
	// Image is the page, with square pixels.
	Image *image.Gray
	// DPI is the resolution of Image on both axes, after any correction of
	// non-square pixels.
	DPI float64
	// Source says how the image was obtained.
	Source Source
}

// Decode returns every page of the document in data, in order. It holds all
// pages in memory; DecodeEach hands them over one at a time.
func Decode(ctx context.Context, data []byte, lim Limits) ([]Page, error) {
	var pages []Page
	err := DecodeEach(ctx, data, lim, func(p Page) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pages, nil
}

// DecodeEach decodes the document in data and calls fn with each page, in
// order, without keeping the pages: fn may keep or drop each image. All
// limits are checked before the first page is decoded, so a document that is
// too large fails before fn is called. An error from fn stops decoding and is
// returned as is; so is the context's error when ctx ends between pages.
func DecodeEach(ctx context.Context, data []byte, lim Limits, fn func(Page) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	lim = lim.withDefaults()
	var fnErr error
	each := func(p Page) error {
		fnErr = fn(p)
		return fnErr
	}
	var err error
	switch t := Sniff(data); t {
	case TypePDF:
		err = decodePDF(ctx, data, lim, each)
	case TypeTIFF:
		err = decodeTIFF(ctx, data, lim, each)
	case TypeJPEG:
		err = decodeJPEG(ctx, data, lim, each)
	case TypePNG:
		err = decodePNG(ctx, data, lim, each)
	default:
		err = fmt.Errorf("%w: %s", ErrUnsupported, describe(data))
	}
	switch {
	case err == nil, fnErr != nil && err == fnErr, ctx.Err() != nil && err == ctx.Err():
		return err
	}
	return fmt.Errorf("raster: %w", err)
}

// protect runs f and turns a panic inside it (a third-party decoder meeting
// bytes it did not expect) into ErrCorrupt.
func protect(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: decoder panic: %v", ErrCorrupt, what, r)
		}
	}()
	return f()
}

// plannedPage is a page whose output size is known before it is decoded.
type plannedPage struct {
	w, h int
}

// checkPlan enforces lim on the output sizes of every page, before anything
// is decoded.
func checkPlan(plan []plannedPage, lim Limits) error {
	if len(plan) == 0 {
		return ErrNoPages
	}
	if len(plan) > lim.MaxPages {
		return fmt.Errorf("%w: %d pages, limit %d", ErrTooLarge, len(plan), lim.MaxPages)
	}
	var total int64
	for i, p := range plan {
		px, err := checkPixels(p.w, p.h, lim)
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		total += px
		if total > lim.MaxTotalPixels {
			return fmt.Errorf("%w: more than %d pixels in the document (at page %d)", ErrTooLarge, lim.MaxTotalPixels, i+1)
		}
	}
	return nil
}

// checkPixels reports ErrTooLarge when a w x h image is beyond the per-page
// limit, and ErrCorrupt for a non-positive size.
func checkPixels(w, h int, lim Limits) (int64, error) {
	if w <= 0 || h <= 0 {
		return 0, fmt.Errorf("%w: image size %dx%d", ErrCorrupt, w, h)
	}
	if int64(w) > lim.MaxPixelsPerPage || int64(h) > lim.MaxPixelsPerPage ||
		int64(w)*int64(h) > lim.MaxPixelsPerPage {
		return 0, fmt.Errorf("%w: %dx%d pixels, limit %d per page", ErrTooLarge, w, h, lim.MaxPixelsPerPage)
	}
	return int64(w) * int64(h), nil
}

// squareSize returns the output size of a w x h image at xdpi x ydpi once
// its coarser axis is stretched to square pixels, and the resulting DPI.
// Resolutions within 0.5% of each other are taken as square already.
func squareSize(w, h int, xdpi, ydpi float64) (int, int, float64) {
	switch {
	case math.Abs(xdpi-ydpi) <= 0.005*math.Max(xdpi, ydpi):
		return w, h, xdpi
	case ydpi < xdpi:
		return w, int(math.Round(float64(h) * xdpi / ydpi)), xdpi
	default:
		return int(math.Round(float64(w) * ydpi / xdpi)), h, ydpi
	}
}

// emit checks the context, then hands the page to fn.
func emit(ctx context.Context, fn func(Page) error, p Page) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(p)
}
