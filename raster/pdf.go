package raster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"regexp"
	"strconv"

	"github.com/gen2brain/go-fitz"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// eofWindow is where the %%EOF marker must be: a PDF written in full ends
// with it (give or take trailing bytes some mailers add); a truncated
// attachment does not.
const eofWindow = 1024

// Bounds on what a page may ask of pdfcpu while we look at it.
const (
	maxContentBytes = 1 << 20 // a scan with an OCR text layer; a bare scan is a few dozen bytes
)

// pdfConfig is the pdfcpu configuration for reading untrusted PDFs. It is
// built here rather than with model.NewDefaultConfiguration, which would
// create pdfcpu's configuration directory in the user's home on first use.
func pdfConfig() *model.Configuration {
	lim := model.DefaultResourceLimits()
	lim.MaxDecodeBytes = 256 << 20
	lim.MaxStreamBytes = 256 << 20
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Limits:                    lim,
		Cmd:                       model.VALIDATE,
	}
}

// pdfPlan is what will be done with one PDF page.
type pdfPlan struct {
	index int // from 1
	// image is the page's single full-page image when it can be decoded
	// directly; nil means render.
	image *pdfImage
	// renderDPI is the resolution of a rendered page.
	renderDPI float64
	rotate    int // clockwise degrees, a multiple of 90
	out       plannedPage
}

func decodePDF(ctx context.Context, data []byte, lim Limits, fn func(Page) error) error {
	data = data[pdfStart(data):]
	tail := data[max(0, len(data)-eofWindow):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return fmt.Errorf("%w: PDF has no %%%%EOF marker at its end (truncated?)", ErrCorrupt)
	}

	var xref *model.Context
	perr := protect("pdf parse", func() (err error) {
		xref, err = pdfcpu.ReadWithContext(ctx, bytes.NewReader(data), pdfConfig())
		if err == nil {
			err = xref.EnsurePageCount()
		}
		return err
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case errors.Is(perr, pdfcpu.ErrWrongPassword):
		return fmt.Errorf("%w: a password is needed to open it", ErrEncrypted)
	case perr != nil:
		// MuPDF repairs more than pdfcpu reads (broken cross-reference
		// tables, wrong offsets): let it have a go before giving up.
		return renderWholePDF(ctx, data, lim, fn, perr)
	}

	if err := protect("pdf images", func() error { return checkImages(xref.XRefTable, lim) }); err != nil {
		return err
	}
	n := xref.PageCount
	if n <= 0 {
		return ErrNoPages
	}
	if n > lim.MaxPages {
		return fmt.Errorf("%w: %d pages, limit %d", ErrTooLarge, n, lim.MaxPages)
	}
	plans := make([]pdfPlan, 0, n)
	sizes := make([]plannedPage, 0, n)
	for i := 1; i <= n; i++ {
		var p pdfPlan
		err := protect("pdf page", func() (err error) {
			p, err = planPDFPage(xref, i, lim)
			return err
		})
		if err != nil {
			return fmt.Errorf("page %d: %w", i, err)
		}
		plans = append(plans, p)
		sizes = append(sizes, p.out)
	}
	if err := checkPlan(sizes, lim); err != nil {
		return err
	}

	var doc *fitz.Document
	defer func() {
		if doc != nil {
			_ = doc.Close()
		}
	}()
	render := func(p pdfPlan) (*image.Gray, error) {
		if doc == nil {
			d, err := openFitz(data)
			if err != nil {
				return nil, err
			}
			doc = d
		}
		return renderFitzPage(doc, p.index-1, p.renderDPI, lim)
	}

	for _, p := range plans {
		if err := ctx.Err(); err != nil {
			return err
		}
		page := Page{Index: p.index}
		if p.image != nil {
			img, dpi, err := p.image.decode(lim)
			switch {
			case err == nil:
				page.Image, page.DPI, page.Source = rotate(img, p.rotate), dpi, p.image.source
			case errors.Is(err, ErrTooLarge):
				return fmt.Errorf("page %d: %w", p.index, err)
			default:
				// The image did not decode as its dictionary says; MuPDF
				// is more forgiving with damaged image data.
				p.renderDPI = p.image.nativeDPI()
			}
		}
		if page.Image == nil {
			img, err := render(p)
			if err != nil {
				return fmt.Errorf("page %d: %w", p.index, err)
			}
			page.Image, page.DPI, page.Source = img, p.renderDPI, SourcePDFRender
		}
		if err := emit(ctx, fn, page); err != nil {
			return err
		}
	}
	return nil
}

// renderWholePDF renders every page with MuPDF alone, for a PDF pdfcpu could
// not read. The images are checked on the raw bytes first (scanImageSizes),
// the page sizes through MuPDF.
func renderWholePDF(ctx context.Context, data []byte, lim Limits, fn func(Page) error, perr error) error {
	// Opening parses the structure only (and tells a password-protected
	// file); nothing is drawn before the image sizes are checked.
	doc, err := openFitz(data)
	if err != nil {
		if errors.Is(err, ErrEncrypted) {
			return err
		}
		return fmt.Errorf("%w (pdfcpu: %v)", err, perr)
	}
	defer doc.Close()
	if err := scanImageSizes(data, lim); err != nil {
		return fmt.Errorf("%w (pdfcpu: %v)", err, perr)
	}
	n, err := fitzPageCount(doc)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w (pdfcpu: %v)", ErrNoPages, perr)
	}
	if n > lim.MaxPages {
		return fmt.Errorf("%w: %d pages, limit %d", ErrTooLarge, n, lim.MaxPages)
	}
	sizes := make([]plannedPage, 0, n)
	for i := range n {
		w, h, err := fitzPageSize(doc, i, lim.RenderDPI)
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		sizes = append(sizes, plannedPage{w, h})
	}
	if err := checkPlan(sizes, lim); err != nil {
		return err
	}
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err := renderFitzPage(doc, i, lim.RenderDPI, lim)
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		if err := emit(ctx, fn, Page{Index: i + 1, Image: img, DPI: lim.RenderDPI, Source: SourcePDFRender}); err != nil {
			return err
		}
	}
	return nil
}

// planPDFPage decides how page i is turned into an image and how large it
// will be, checking every image the page draws against the limits.
func planPDFPage(xref *model.Context, i int, lim Limits) (pdfPlan, error) {
	x := xref.XRefTable
	pageDict, _, attrs, err := x.PageDict(i, false)
	if err != nil {
		return pdfPlan{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	box := pageBox(attrs)
	if box.Width() <= 0 || box.Height() <= 0 {
		return pdfPlan{}, fmt.Errorf("%w: empty page box", ErrCorrupt)
	}
	p := pdfPlan{index: i, renderDPI: lim.RenderDPI, rotate: ((attrs.Rotate % 360) + 360) % 360 / 90 * 90}

	if img := singleImage(x, pageDict, attrs.Resources, box); img != nil {
		if img.decodable() {
			p.image = img
			w, h, _ := squareSize(img.w, img.h, img.xdpi, img.ydpi)
			p.out = plannedPage{w, h}
			if p.rotate == 90 || p.rotate == 270 {
				p.out = plannedPage{h, w}
			}
			return p, nil
		}
		p.renderDPI = img.nativeDPI()
	}
	w, h := pointsToPixels(box.Width(), p.renderDPI), pointsToPixels(box.Height(), p.renderDPI)
	if p.rotate == 90 || p.rotate == 270 {
		w, h = h, w
	}
	p.out = plannedPage{w, h}
	return p, nil
}

// pageBox is the visible page: the CropBox clipped to the MediaBox, as
// MuPDF shows it. A page without a MediaBox is US Letter, as in MuPDF.
func pageBox(attrs *model.InheritedPageAttrs) types.Rectangle {
	box := types.Rectangle{UR: types.Point{X: 612, Y: 792}}
	if attrs.MediaBox != nil {
		box = normRect(*attrs.MediaBox)
	}
	if attrs.CropBox != nil {
		c := normRect(*attrs.CropBox)
		box.LL.X, box.LL.Y = math.Max(box.LL.X, c.LL.X), math.Max(box.LL.Y, c.LL.Y)
		box.UR.X, box.UR.Y = math.Min(box.UR.X, c.UR.X), math.Min(box.UR.Y, c.UR.Y)
	}
	return box
}

func normRect(r types.Rectangle) types.Rectangle {
	return types.Rectangle{
		LL: types.Point{X: math.Min(r.LL.X, r.UR.X), Y: math.Min(r.LL.Y, r.UR.Y)},
		UR: types.Point{X: math.Max(r.LL.X, r.UR.X), Y: math.Max(r.LL.Y, r.UR.Y)},
	}
}

// checkImages rejects a document holding an image larger than the per-page
// pixel limit before anything decodes it. Every image stream in the file
// counts, used or not, wherever it is drawn from (pages, forms, patterns,
// soft masks, Type 3 glyphs): MuPDF decodes an image at its full size.
func checkImages(x *model.XRefTable, lim Limits) error {
	for nr, entry := range x.Table {
		if entry == nil || entry.Free {
			continue
		}
		sd, ok := entry.Object.(types.StreamDict)
		if !ok || subtype(x, sd.Dict) != "Image" {
			continue
		}
		w, _ := intEntry(x, sd.Dict, "Width")
		h, _ := intEntry(x, sd.Dict, "Height")
		if w <= 0 || h <= 0 {
			continue // MuPDF refuses such an image; nothing to allocate.
		}
		if _, err := checkPixels(w, h, lim); err != nil {
			return fmt.Errorf("image object %d: %w", nr, err)
		}
	}
	return nil
}

// deref resolves indirect references; nil when o cannot be resolved.
func deref(x *model.XRefTable, o types.Object) types.Object {
	if o == nil {
		return nil
	}
	r, err := x.Dereference(o)
	if err != nil {
		return nil
	}
	return r
}

func intEntry(x *model.XRefTable, d types.Dict, key string) (int, bool) {
	switch v := deref(x, d[key]).(type) {
	case types.Integer:
		return v.Value(), true
	case types.Float:
		if f := v.Value(); f == math.Trunc(f) && math.Abs(f) < 1<<31 {
			return int(f), true
		}
	}
	return 0, false
}

func boolEntry(x *model.XRefTable, d types.Dict, key string) bool {
	b, ok := deref(x, d[key]).(types.Boolean)
	return ok && b.Value()
}

func nameEntry(x *model.XRefTable, d types.Dict, key string) string {
	n, _ := deref(x, d[key]).(types.Name)
	return n.Value()
}

func subtype(x *model.XRefTable, d types.Dict) string {
	return nameEntry(x, d, "Subtype")
}

func number(o types.Object) (float64, bool) {
	switch v := o.(type) {
	case types.Integer:
		return float64(v.Value()), true
	case types.Float:
		return v.Value(), true
	}
	return 0, false
}

// imageSizeKey finds the size entries of image dictionaries in raw PDF
// bytes: /Width or /Height, then a number, then maybe "0 R" (indirect).
var imageSizeKey = regexp.MustCompile(`/(Width|Height)[\x00\t\n\f\r ]*(\d+)([\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+R)?`)

// scanImageSizes guards a PDF that pdfcpu could not read before MuPDF
// renders it: image dictionaries are never compressed (streams cannot live
// in object streams), so every image's /Width and /Height is in the raw
// bytes. A size given indirectly, or a width and height whose product (even
// from two images) passes the per-page limit, makes the damaged file too
// risky to render: it is reported corrupt.
func scanImageSizes(data []byte, lim Limits) error {
	var maxW, maxH int64
	for _, m := range imageSizeKey.FindAllSubmatch(data, -1) {
		if len(m[3]) > 0 {
			return fmt.Errorf("%w: damaged PDF with an image size given by reference", ErrCorrupt)
		}
		v, err := strconv.ParseInt(string(m[2]), 10, 64)
		if err != nil {
			v = math.MaxInt64
		}
		if string(m[1]) == "Width" {
			maxW = max(maxW, v)
		} else {
			maxH = max(maxH, v)
		}
	}
	if maxW > 0 && maxH > 0 && (maxW > lim.MaxPixelsPerPage || maxH > lim.MaxPixelsPerPage || maxW*maxH > lim.MaxPixelsPerPage) {
		return fmt.Errorf("%w: damaged PDF declaring images up to %dx%d pixels", ErrCorrupt, maxW, maxH)
	}
	return nil
}
