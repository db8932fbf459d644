package review

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/store"
)

// pageSet is the upright page images of one attachment.
type pageSet struct {
	pages map[int]*image.Gray // by 1-based page
	dpi   map[int]float64
	png   map[int][]byte // encoded on first request
	// reg holds each page's registration to its template, by page and
	// revision key.
	reg map[string]affine
	mu  sync.Mutex
}

// imageCache keeps the rendered pages of the last few attachments, since a
// reviewer's page asks for the same pages and crops many times.
type imageCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of int64 attachment IDs, most recent first
	sets  map[int64]*list.Element
	vals  map[int64]*pageSet
	// loading makes concurrent requests for one attachment render it once.
	loading map[int64]chan struct{}
}

func newImageCache(max int) *imageCache {
	return &imageCache{max: max, order: list.New(), sets: map[int64]*list.Element{},
		vals: map[int64]*pageSet{}, loading: map[int64]chan struct{}{}}
}

func (c *imageCache) get(ctx context.Context, id int64, load func() (*pageSet, error)) (*pageSet, error) {
	for {
		c.mu.Lock()
		if e, ok := c.sets[id]; ok {
			c.order.MoveToFront(e)
			ps := c.vals[id]
			c.mu.Unlock()
			return ps, nil
		}
		if ch, ok := c.loading[id]; ok {
			c.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		c.loading[id] = ch
		c.mu.Unlock()

		ps, err := load()
		c.mu.Lock()
		delete(c.loading, id)
		close(ch)
		if err == nil {
			c.sets[id] = c.order.PushFront(id)
			c.vals[id] = ps
			for c.order.Len() > c.max {
				last := c.order.Back()
				old := last.Value.(int64)
				c.order.Remove(last)
				delete(c.sets, old)
				delete(c.vals, old)
			}
		}
		c.mu.Unlock()
		return ps, err
	}
}

// errNoPage is returned for a page the attachment does not have.
var errNoPage = errors.New("review: no such page")

// formPage returns the upright image of a document page of a form's
// attachment.
func (s *Server) formPage(ctx context.Context, src store.FormSource, page int) (*image.Gray, *pageSet, error) {
	ps, err := s.images.get(ctx, src.AttachmentID, func() (*pageSet, error) {
		att, err := s.st.Attachment(ctx, src.AttachmentID)
		if err != nil {
			return nil, err
		}
		pages, err := raster.Decode(ctx, att.Data, s.cfg.RasterLimits)
		if err != nil {
			return nil, fmt.Errorf("review: render attachment %d: %w", src.AttachmentID, err)
		}
		ps := &pageSet{pages: map[int]*image.Gray{}, dpi: map[int]float64{}, png: map[int][]byte{}, reg: map[string]affine{}}
		for _, p := range pages {
			ps.pages[p.Index] = rotateGray(p.Image, src.Rotation[p.Index])
			ps.dpi[p.Index] = p.DPI
		}
		return ps, nil
	})
	if err != nil {
		return nil, nil, err
	}
	img, ok := ps.pages[page]
	if !ok {
		return nil, nil, errNoPage
	}
	return img, ps, nil
}

// rotateGray turns an image clockwise by deg (a multiple of 90).
func rotateGray(src *image.Gray, deg int) *image.Gray {
	q := ((deg/90)%4 + 4) % 4
	if q == 0 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	var dst *image.Gray
	if q == 2 {
		dst = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		dst = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		row := src.Pix[(y)*src.Stride : (y)*src.Stride+w]
		for x, v := range row {
			var dx, dy int
			switch q {
			case 1: // 90 clockwise
				dx, dy = h-1-y, x
			case 2:
				dx, dy = w-1-x, h-1-y
			case 3:
				dx, dy = y, w-1-x
			}
			dst.Pix[dy*dst.Stride+dx] = v
		}
	}
	return dst
}

// pageSize returns the size in points of the form's pages: its revision's,
// or US Letter when the form is not identified.
func (s *Server) pageSize(r *forms.Reading) forms.PageSize {
	if rev := s.reg.Revision(r.Family, r.Revision); rev != nil && rev.PageSize.W > 0 {
		return rev.PageSize
	}
	return forms.PageSize{W: 612, H: 792}
}

func formID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("form"), 10, 64)
	return id, err == nil && id > 0
}

// formForImage loads what an image handler needs, answering 404 itself.
func (s *Server) formForImage(w http.ResponseWriter, r *http.Request, ss *store.Session) (store.FormToDecide, store.FormSource, bool) {
	id, ok := formID(r)
	if !ok {
		s.notFound(w, r, ss, "The form")
		return store.FormToDecide{}, store.FormSource{}, false
	}
	f, err := s.st.Form(r.Context(), id)
	if err == nil {
		var src store.FormSource
		if src, err = s.st.FormSource(r.Context(), id); err == nil {
			return f, src, true
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, ss, "The form")
	} else {
		s.fail(w, r, ss, err)
	}
	return store.FormToDecide{}, store.FormSource{}, false
}

func (s *Server) writePNG(w http.ResponseWriter, r *http.Request, ss *store.Session, img image.Image) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// pageImage serves one page of a form's stored attachment, upright.
func (s *Server) pageImage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	f, src, ok := s.formForImage(w, r, ss)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("page"))
	if err != nil || !contains(f.Reading.Pages, n) {
		s.notFound(w, r, ss, "The page")
		return
	}
	img, ps, err := s.formPage(r.Context(), src, n)
	if err != nil {
		s.imageError(w, r, ss, err)
		return
	}
	ps.mu.Lock()
	b, ok := ps.png[n]
	ps.mu.Unlock()
	if !ok {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			s.fail(w, r, ss, err)
			return
		}
		b = buf.Bytes()
		ps.mu.Lock()
		ps.png[n] = b
		ps.mu.Unlock()
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b) //nolint:errcheck // the client went away
}

func (s *Server) imageError(w http.ResponseWriter, r *http.Request, ss *store.Session, err error) {
	if errors.Is(err, errNoPage) {
		s.notFound(w, r, ss, "The page")
		return
	}
	s.fail(w, r, ss, err)
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// cropMargin is how far, in points, a crop reaches beyond a field's box.
// A table row gets almost none: the rows above and below are close.
const (
	cropMargin    = 6
	rowCropMargin = 1
)

// geometry says how template points of a form's page map to the pixels
// of its image.
type geometry struct {
	m   affine
	dpi float64
}

// rect returns the pixels of a template box, with a margin in points.
func (g geometry) rect(b forms.Box, margin float64) image.Rectangle {
	p := g.m.box(b)
	f := g.dpi / 72
	return image.Rect(
		int(math.Floor((p.X-margin)*f)), int(math.Floor((p.Y-margin)*f)),
		int(math.Ceil((p.Right()+margin)*f)), int(math.Ceil((p.Bottom()+margin)*f)),
	)
}

// pageGeometry returns a form's page image and how its template maps onto
// it: registered when the form's revision is known, else points scaled by
// the image's resolution.
func (s *Server) pageGeometry(ctx context.Context, rd *forms.Reading, src store.FormSource, page int) (*image.Gray, geometry, error) {
	img, ps, err := s.formPage(ctx, src, page)
	if err != nil {
		return nil, geometry{}, err
	}
	g := geometry{m: identity, dpi: ps.dpi[page]}
	if g.dpi <= 0 {
		g.dpi = 72 * float64(img.Bounds().Dx()) / s.pageSize(rd).W
	}
	rev := s.reg.Revision(rd.Family, rd.Revision)
	idx := 0
	for i, p := range rd.Pages {
		if p == page {
			idx = i
		}
	}
	if rev == nil || len(rev.Pages) == 0 {
		return img, g, nil
	}
	tpage := min(idx, len(rev.Pages)-1)
	key := fmt.Sprintf("%d/%s/%d", page, rev.Key(), tpage)
	ps.mu.Lock()
	m, ok := ps.reg[key]
	ps.mu.Unlock()
	if !ok {
		tg, err := s.tpls.pages(ctx, rev)
		if err != nil || tpage >= len(tg) {
			s.log.Error("template for registration", "revision", rev.Key(), "err", err)
			return img, g, nil
		}
		m = register(tg[tpage], img, g.dpi)
		ps.mu.Lock()
		ps.reg[key] = m
		ps.mu.Unlock()
	}
	g.m = m
	return img, g, nil
}

// crop cuts a template box, with a margin in points, out of a page image.
// It samples the page through the registration, so the crop comes out
// upright and holds the box's own writing even on a skewed page.
func crop(img *image.Gray, g geometry, b forms.Box, margin float64) image.Image {
	f := g.dpi / 72 // pixels per point
	w, h := int(math.Ceil((b.W+2*margin)*f)), int(math.Ceil((b.H+2*margin)*f))
	if w < 1 || h < 1 || w*h > 16<<20 {
		return image.NewGray(image.Rect(0, 0, 1, 1))
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	bounds := img.Bounds()
	for v := 0; v < h; v++ {
		for u := 0; u < w; u++ {
			x, y := g.m.apply(b.X-margin+(float64(u)+0.5)/f, b.Y-margin+(float64(v)+0.5)/f)
			px, py := int(x*f), int(y*f)
			c := uint8(255)
			if image.Pt(px, py).In(bounds) {
				c = img.Pix[(py-bounds.Min.Y)*img.Stride+(px-bounds.Min.X)]
			}
			out.Pix[v*out.Stride+u] = c
		}
	}
	return out
}

// fieldPlace returns where a field is: the page and box it was read from,
// else its place on the revision.
func (s *Server) fieldPlace(rd *forms.Reading, name string) (int, forms.Box, bool) {
	if v, ok := rd.Values[name]; ok && v.Page > 0 && v.Box.W > 0 {
		return v.Page, v.Box, true
	}
	rev := s.reg.Revision(rd.Family, rd.Revision)
	if rev == nil {
		return 0, forms.Box{}, false
	}
	fd := rev.Field(name)
	if fd == nil || fd.Page < 1 || fd.Page > len(rd.Pages) {
		return 0, forms.Box{}, false
	}
	return rd.Pages[fd.Page-1], fd.Box, true
}

// cropImage serves the part of the page where one field was read.
func (s *Server) cropImage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	f, src, ok := s.formForImage(w, r, ss)
	if !ok {
		return
	}
	page, box, ok := s.fieldPlace(&f.Reading, r.PathValue("field"))
	if !ok {
		s.notFound(w, r, ss, "The field")
		return
	}
	img, g, err := s.pageGeometry(r.Context(), &f.Reading, src, page)
	if err != nil {
		s.imageError(w, r, ss, err)
		return
	}
	s.writePNG(w, r, ss, crop(img, g, box, cropMargin))
}

// rowImage serves one row of a batch form's table: the union of its
// cells.
func (s *Server) rowImage(w http.ResponseWriter, r *http.Request, ss *store.Session) {
	f, src, ok := s.formForImage(w, r, ss)
	if !ok {
		return
	}
	row, err := strconv.Atoi(r.PathValue("row"))
	if err != nil || row < 1 {
		s.notFound(w, r, ss, "The row")
		return
	}
	page, box, ok := s.rowPlace(&f.Reading, row)
	if !ok {
		s.notFound(w, r, ss, "The row")
		return
	}
	img, g, err := s.pageGeometry(r.Context(), &f.Reading, src, page)
	if err != nil {
		s.imageError(w, r, ss, err)
		return
	}
	s.writePNG(w, r, ss, crop(img, g, box, rowCropMargin))
}

// rowPlace returns the page and the box around every cell of a table row.
func (s *Server) rowPlace(rd *forms.Reading, row int) (int, forms.Box, bool) {
	page := 0
	var u forms.Box
	for name := range rd.Values {
		n, _, ok := forms.SplitRowField(name)
		if !ok || n != row {
			continue
		}
		p, b, ok := s.fieldPlace(rd, name)
		if !ok || (page != 0 && p != page) {
			continue
		}
		if page == 0 {
			page, u = p, b
			continue
		}
		x0, y0 := math.Min(u.X, b.X), math.Min(u.Y, b.Y)
		x1, y1 := math.Max(u.Right(), b.Right()), math.Max(u.Bottom(), b.Bottom())
		u = forms.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
	}
	return page, u, page != 0
}
