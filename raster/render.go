package raster

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/gen2brain/go-fitz"
)

// openFitz opens data with MuPDF. The caller closes the document. A MuPDF
// document is not safe for concurrent use: each decode opens its own.
func openFitz(data []byte) (*fitz.Document, error) {
	var doc *fitz.Document
	err := protect("mupdf open", func() error {
		d, err := fitz.NewFromMemory(data)
		switch {
		case errors.Is(err, fitz.ErrNeedsPassword):
			_ = d.Close()
			return fmt.Errorf("%w: a password is needed to open it", ErrEncrypted)
		case err != nil:
			if d != nil {
				_ = d.Close()
			}
			return fmt.Errorf("%w: mupdf: %v", ErrCorrupt, err)
		}
		doc = d
		return nil
	})
	return doc, err
}

// fitzPageCount returns the number of pages MuPDF sees.
func fitzPageCount(doc *fitz.Document) (int, error) {
	n := 0
	err := protect("mupdf page count", func() error {
		n = doc.NumPage()
		return nil
	})
	if err == nil && n < 0 {
		err = fmt.Errorf("%w: mupdf cannot count the pages", ErrCorrupt)
	}
	return n, err
}

// fitzPageSize returns the size in pixels page n (from 0) will have when
// rendered at dpi. The page bounds MuPDF gives are in points, truncated to
// integers, so one point is added to stay on the safe side of the limits.
func fitzPageSize(doc *fitz.Document, n int, dpi float64) (int, int, error) {
	var b image.Rectangle
	err := protect("mupdf page bounds", func() (err error) {
		b, err = doc.Bound(n)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return 0, 0, err
		}
		return 0, 0, fmt.Errorf("%w: mupdf: %v", ErrCorrupt, err)
	}
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return 0, 0, fmt.Errorf("%w: empty page box", ErrCorrupt)
	}
	return pointsToPixels(float64(b.Dx()+1), dpi), pointsToPixels(float64(b.Dy()+1), dpi), nil
}

// pointsToPixels converts a length in PDF points to pixels at dpi, rounding
// up; absurd lengths saturate so that the limits reject them.
func pointsToPixels(pt, dpi float64) int {
	v := math.Ceil(pt * dpi / 72)
	if math.IsNaN(v) || v > 1<<40 {
		return 1 << 40
	}
	if v < 1 {
		return 1
	}
	return int(v)
}

// renderFitzPage renders page n (from 0) at dpi as a gray image, after
// checking its size against lim: MuPDF aborts the process when it cannot
// allocate a pixmap, so nothing beyond the limits may reach it.
func renderFitzPage(doc *fitz.Document, n int, dpi float64, lim Limits) (*image.Gray, error) {
	w, h, err := fitzPageSize(doc, n, dpi)
	if err != nil {
		return nil, err
	}
	if _, err := checkPixels(w, h, lim); err != nil {
		return nil, err
	}
	var rgba *image.RGBA
	err = protect("mupdf render", func() (err error) {
		rgba, err = doc.ImageDPI(n, dpi)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: mupdf: %v", ErrCorrupt, err)
	}
	return toGray(rgba), nil
}
