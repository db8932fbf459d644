package ocr

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/gen2brain/go-fitz"

	"github.com/lausd/misis-intake/forms"
)

// templates renders the blank pages of revisions with MuPDF and caches them
// by revision, page and resolution. The blank page is the reference every
// scanned page is registered against and the mask that removes printed
// rules and boxes from field crops, so it comes from the same definition
// that printed the form.
type templates struct {
	mu      sync.Mutex
	pdfs    map[string][]byte // revision key -> rendered PDF
	pages   map[templateKey]*image.Gray
	layouts map[templateKey]*layout
	prints  map[printKey]*printed
}

type printKey struct {
	page templateKey
	box  boxF
}

type templateKey struct {
	rev  string
	page int
	dpi  float64
}

func newTemplates() *templates {
	return &templates{pdfs: map[string][]byte{}, pages: map[templateKey]*image.Gray{}, layouts: map[templateKey]*layout{}, prints: map[printKey]*printed{}}
}

// printed returns the distances to the print around box on page n of
// rev, made once per field.
func (t *templates) printed(rev *forms.Revision, n int, box boxF) (*printed, error) {
	key := printKey{templateKey{rev.Key(), n, fieldDPI}, box}
	t.mu.Lock()
	pr, ok := t.prints[key]
	t.mu.Unlock()
	if ok {
		return pr, nil
	}
	tmpl, err := t.page(rev, n, fieldDPI)
	if err != nil {
		return nil, err
	}
	pr = newPrinted(tmpl, box, printedMargin)
	t.mu.Lock()
	t.prints[key] = pr
	t.mu.Unlock()
	return pr, nil
}

// page returns page n (1-based) of rev's blank form rendered at dpi as a
// gray image. The caller must not modify it.
func (t *templates) page(rev *forms.Revision, n int, dpi float64) (*image.Gray, error) {
	dpi = math.Round(dpi*100) / 100
	key := templateKey{rev.Key(), n, dpi}
	t.mu.Lock()
	defer t.mu.Unlock()
	if g, ok := t.pages[key]; ok {
		return g, nil
	}
	pdf, ok := t.pdfs[rev.Key()]
	if !ok {
		var buf bytes.Buffer
		if err := forms.Render(&buf, rev); err != nil {
			return nil, fmt.Errorf("render template %s: %w", rev.Key(), err)
		}
		pdf = buf.Bytes()
		t.pdfs[rev.Key()] = pdf
	}
	// MuPDF documents are not safe for concurrent use; the lock covers it.
	g, err := rasterise(pdf, n, dpi)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", rev.Key(), err)
	}
	t.pages[key] = g
	return g, nil
}

// rasterise renders page n (1-based) of a PDF made by forms at dpi as a
// gray image.
func rasterise(pdf []byte, n int, dpi float64) (*image.Gray, error) {
	doc, err := fitz.NewFromMemory(pdf)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer doc.Close()
	rgba, err := doc.ImageDPI(n-1, dpi)
	if err != nil {
		return nil, fmt.Errorf("rasterise page %d: %w", n, err)
	}
	g := image.NewGray(rgba.Bounds())
	for y := rgba.Rect.Min.Y; y < rgba.Rect.Max.Y; y++ {
		row := rgba.Pix[(y-rgba.Rect.Min.Y)*rgba.Stride:]
		out := g.Pix[(y-g.Rect.Min.Y)*g.Stride:]
		for x := 0; x < rgba.Rect.Dx(); x++ {
			r, gg, b := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
			out[x] = uint8((299*r + 587*gg + 114*b) / 1000)
		}
	}
	return g, nil
}
