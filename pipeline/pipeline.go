package pipeline

import (
	"context"
	"fmt"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/validate"
)

// Reader reads page images into forms; *ocr.Engine is one.
type Reader interface {
	ReadPages(ctx context.Context, pages []ocr.Page) (ocr.Result, error)
}

// Document is one attachment as read: every page's identification and
// every form found on its pages.
type Document struct {
	Pages []ocr.PageInfo  `json:"pages"`
	Forms []forms.Reading `json:"forms"`
	// Sources says, per page, how its image was taken from the file.
	Sources []raster.Source `json:"sources"`
}

// ReadAttachment turns an attachment's bytes into pages and reads them.
// Errors from raster (ErrEncrypted, ErrCorrupt, ErrTooLarge, ...) are
// returned wrapped, so callers can set the attachment aside with its
// reason using errors.Is.
func ReadAttachment(ctx context.Context, rd Reader, data []byte, lim raster.Limits) (Document, error) {
	pages, err := raster.Decode(ctx, data, lim)
	if err != nil {
		return Document{}, fmt.Errorf("pipeline: %w", err)
	}
	in := make([]ocr.Page, len(pages))
	doc := Document{Sources: make([]raster.Source, len(pages))}
	for i, p := range pages {
		in[i] = ocr.Page{Index: p.Index, Image: p.Image, DPI: p.DPI}
		doc.Sources[i] = p.Source
	}
	res, err := rd.ReadPages(ctx, in)
	if err != nil {
		return Document{}, fmt.Errorf("pipeline: read pages: %w", err)
	}
	doc.Pages, doc.Forms = res.Pages, res.Forms
	return doc, nil
}

// Decide judges one form by the district's rules.
func Decide(ctx context.Context, r *forms.Reading, env validate.Env) (validate.Decision, error) {
	d, err := validate.Decide(ctx, r, env)
	if err != nil {
		return validate.Decision{}, fmt.Errorf("pipeline: decide %s: %w", r.Family, err)
	}
	return d, nil
}
