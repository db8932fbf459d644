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

// pageSet is the page images of one attachment, by 1-based page.
type pageSet struct {
	// raw holds the pages as rendered; upright holds them turned as they
	// were read, each turned on first request.
	raw     map[int]*image.Gray
	upright map[int]*image.Gray
	dpi     map[int]float64
	png     map[int][]byte // encoded on first request
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

// docPage is a page of a stored document, and how far it was turned to be
// read (degrees clockwise).
type docPage struct {
	attachment int64
	page       int
	rotation   int
}

// formSource says where a form's pages are. A form's values carry the page
// numbers of its own attachment, except on a batch joined from parts that
// came in several messages, whose values carry batch page numbers: origins
// then says which document page each batch page is.
type formSource struct {
	store.FormSource
	origins map[int]docPage // nil unless the form is a joined batch
}

// doc returns the document page that is the given page of the form.
func (src formSource) doc(page int) (docPage, bool) {
	if src.origins != nil {
		d, ok := src.origins[page]
		return d, ok
	}
	return docPage{attachment: src.AttachmentID, page: page, rotation: src.Rotation[page]}, true
}

// formSource returns where a form's pages are: its attachment, and for a
// joined batch the origin of every batch page (a later copy of a page
// left out, as the joined reading leaves it out).
func (s *Server) formSource(ctx context.Context, formID int64) (formSource, error) {
	fs, err := s.st.FormSource(ctx, formID)
	if err != nil {
		return formSource{}, err
	}
	src := formSource{FormSource: fs}
	origins, err := s.st.PageOrigins(ctx, formID)
	if err != nil {
		return src, err
	}
	for _, o := range origins {
		if o.Duplicate {
			continue
		}
		if src.origins == nil {
			src.origins = map[int]docPage{}
		}
		if _, ok := src.origins[o.BatchPage]; !ok {
			src.origins[o.BatchPage] = docPage{attachment: o.AttachmentID, page: o.Page, rotation: o.Rotation}
		}
	}
	return src, nil
}

// formPage returns the upright image of a page of a form (numbered as its
// values number it), the attachment's page set holding it, and its page
// number in that set.
func (s *Server) formPage(ctx context.Context, src formSource, page int) (*image.Gray, *pageSet, int, error) {
	d, ok := src.doc(page)
	if !ok {
		return nil, nil, 0, errNoPage
	}
	ps, err := s.images.get(ctx, d.attachment, func() (*pageSet, error) {
		att, err := s.st.Attachment(ctx, d.attachment)
		if err != nil {
			return nil, err
		}
		pages, err := raster.Decode(ctx, att.Data, s.cfg.RasterLimits)
		if err != nil {
			return nil, fmt.Errorf("review: render attachment %d: %w", d.attachment, err)
		}
		ps := &pageSet{raw: map[int]*image.Gray{}, upright: map[int]*image.Gray{}, dpi: map[int]float64{},
			png: map[int][]byte{}, reg: map[string]affine{}}
		for _, p := range pages {
			ps.raw[p.Index] = p.Image
			ps.dpi[p.Index] = p.DPI
		}
		return ps, nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	img, ok := ps.upright[d.page]
	if !ok {
		raw, ok := ps.raw[d.page]
		if !ok {
			return nil, nil, 0, errNoPage
		}
		// A page is turned the same way whichever form shows it: the
		// rotation is the stored page's.
		img = rotateGray(raw, d.rotation)
		ps.upright[d.page] = img
		delete(ps.raw, d.page)
	}
	return img, ps, d.page, nil
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
func (s *Server) formForImage(w http.ResponseWriter, r *http.Request, ss *store.Session) (store.FormToDecide, formSource, bool) {
	id, ok := formID(r)
	if !ok {
		s.notFound(w, r, ss, "The form")
		return store.FormToDecide{}, formSource{}, false
	}
	f, err := s.st.Form(r.Context(), id)
	if err == nil {
		var src formSource
		if src, err = s.formSource(r.Context(), id); err == nil {
			return f, src, true
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, ss, "The form")
	} else {
		s.fail(w, r, ss, err)
	}
	return store.FormToDecide{}, formSource{}, false
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

// pageImage serves one page of a form, upright, from the document it came
// in.
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
	img, ps, at, err := s.formPage(r.Context(), src, n)
	if err != nil {
		s.imageError(w, r, ss, err)
		return
	}
	ps.mu.Lock()
	b, ok := ps.png[at]
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
		ps.png[at] = b
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
func (s *Server) pageGeometry(ctx context.Context, rd *forms.Reading, src formSource, page int) (*image.Gray, geometry, error) {
	img, ps, at, err := s.formPage(ctx, src, page)
	if err != nil {
		return nil, geometry{}, err
	}
	g := geometry{m: identity, dpi: ps.dpi[at]}
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
	key := fmt.Sprintf("%d/%s/%d", at, rev.Key(), tpage)
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
