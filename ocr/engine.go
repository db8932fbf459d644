package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// Page is one page image to read.
type Page struct {
	// Index is the page's number in its document, from 1 (as raster
	// numbers pages); values read from it carry Page = Index.
	Index int
	Image *image.Gray
	// DPI is the resolution of Image, the same across and down.
	DPI float64
}

// PageInfo is what the engine found out about one page.
type PageInfo struct {
	Index int
	// Family is the form family named by the page's title, "" when the page
	// is not a known form.
	Family string
	// Revision is the revision stamp as read, "MM/DD/YYYY", even when the
	// registry does not know it; Known is set when it does.
	Revision string
	Known    bool
	// FormPage is the page of its form this page is (1-based): the page of
	// the revision, or for a batch-removal form the n of "Page n of m" as
	// the grouping of pages settled it. PageCount is the pages in its
	// form: the revision's pages, or for a batch-removal page the m of
	// "Page n of m" (the pages grouped when larger).
	FormPage  int
	PageCount int
	// Confidence in Family, Revision and FormPage.
	Confidence float64
	// NotAForm is set for a page that carries no known form title: a fax
	// cover sheet, a letter.
	NotAForm bool
	// Rotation is how far, in degrees clockwise, the page was turned to
	// read it: 0, 90, 180 or 270.
	Rotation int
	// Skew is the small rotation found on the upright page, in degrees.
	Skew float64
	// Residual is the RMS distance, in points, between the printed
	// landmarks found on the page and where the registration puts them.
	Residual float64
	// Problem says why a known form's fields could not be read, "" when
	// they were.
	Problem string
}

// Result is everything read from the pages of one document.
type Result struct {
	// Pages holds one PageInfo per page given, in the same order.
	Pages []PageInfo
	// Forms holds one Reading per form found, in page order. Consecutive
	// pages of one batch-removal form ("Page n of m") are one Reading with
	// its rows numbered on.
	Forms []forms.Reading
}

// Thresholds are the least confidence at which a value of each kind is
// marked Sure, accepted without a person checking it. Zero fields take
// the defaults.
type Thresholds struct {
	Text, Digits, Date, Email, Mark, Signature float64
}

// DefaultThresholds are the thresholds used when Config leaves them zero.
// Calibrate them on the corpus: of the values read at confidence >= c, the
// share that is wrong must stay at or below 0.2%, on typed and on
// hand-printed fills alike.
//
// Measured on a fresh corpus of 200 submissions (8,751 values, seed
// 424242): text and e-mail names at 0.97 let five hand-printed values
// through wrong at 0.965-0.974 (a letter or a space off), so both stand at
// 0.975; that leaves one wrong value in 2,062 accepted hand-printed and
// one in 3,575 typed. E-mail names and names a person's record or name
// confirms are settled by the rules (validate), not by these. Recalibrate
// with intake eval, or from reviewers' outcomes with intake calibrate.
var DefaultThresholds = Thresholds{
	Text: 0.975, Digits: 0.96, Date: 0.92, Email: 0.975, Mark: 0.9, Signature: 0.85,
}

// For returns the threshold of a kind.
func (t Thresholds) For(k forms.Kind) float64 {
	d := DefaultThresholds
	pick := func(v, def float64) float64 {
		if v > 0 {
			return v
		}
		return def
	}
	switch k {
	case forms.KindText:
		return pick(t.Text, d.Text)
	case forms.KindDigits:
		return pick(t.Digits, d.Digits)
	case forms.KindDate:
		return pick(t.Date, d.Date)
	case forms.KindEmail:
		return pick(t.Email, d.Email)
	case forms.KindMark:
		return pick(t.Mark, d.Mark)
	case forms.KindSignature:
		return pick(t.Signature, d.Signature)
	}
	return 1.01 // an unknown kind is never sure
}

// Config configures an Engine.
type Config struct {
	// Registry holds the forms to recognise; nil loads the embedded one.
	Registry *forms.Registry
	// Workers is how many pages are read at once, each with its own
	// Tesseract client; 0 means one per CPU.
	Workers int
	// Thresholds decide which values are Sure; zero fields take defaults.
	Thresholds Thresholds
	// Logger receives a line per page (never a value read); nil discards.
	Logger *slog.Logger
	// Now is the clock, by which a date read is judged likely or not (see
	// doubtOldDates); nil means time.Now.
	Now func() time.Time
	// Places names the location a school/office name read on a page is;
	// nil names none. It parts batch-removal pages with no page number
	// read that name two places (see continues).
	Places Places
}

// Places tells whether two school/office names, read within the noise of
// a hand and a fax, name two of the district's locations
// (validate.MemLocations does).
type Places interface {
	// Differ reports whether two school/office names read from two
	// pages name two places.
	Differ(a, b string) bool
	// Where returns the place a page's header names by its location code
	// and school/office name as read, if they name one.
	Where(code, name string) (string, bool)
}

// Engine reads pages into forms. It is safe for concurrent use.
type Engine struct {
	reg    *forms.Registry
	titles []title
	tmpl   *templates
	pool   *pool
	thr    Thresholds
	log    *slog.Logger
	now    func() time.Time
	places Places
	// workers bounds the pages one call reads at once; the pool bounds
	// them across calls.
	workers int
	closed  atomic.Bool
}

// ErrClosed is returned by ReadPages after Close.
var ErrClosed = errors.New("ocr: engine closed")

// New starts an engine with one Tesseract client per worker.
func New(cfg Config) (*Engine, error) {
	reg := cfg.Registry
	if reg == nil {
		var err error
		if reg, err = forms.Load(); err != nil {
			return nil, fmt.Errorf("ocr: %w", err)
		}
	}
	n := cfg.Workers
	if n <= 0 {
		n = runtime.NumCPU()
	}
	p, err := newPool(n)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Engine{
		reg: reg, titles: titles(reg), tmpl: newTemplates(), pool: p,
		thr: cfg.Thresholds, log: log, now: now, places: cfg.Places, workers: n,
	}, nil
}

// Prepare does now the work the engine otherwise does on first need:
// rendering every known revision's blank pages, their landmarks and the
// print around each field, making the character and mark classifiers'
// prototypes, and drawing the typed reader's faces. A service calls
// it at start so that the first forms are read as fast as the rest; the
// benchmark calls it so that it measures that steady state.
func (e *Engine) Prepare() error {
	if _, err := digitPrototypes(); err != nil {
		return fmt.Errorf("ocr: prepare: %w", err)
	}
	if _, err := prototypes(); err != nil {
		return fmt.Errorf("ocr: prepare: %w", err)
	}
	if _, err := typeFaces(); err != nil {
		return fmt.Errorf("ocr: prepare: %w", err)
	}
	for _, fam := range e.reg.Families() {
		for _, rev := range fam.Revisions {
			for n := 1; n <= len(rev.Pages); n++ {
				if _, err := e.tmpl.layout(rev, n); err != nil {
					return fmt.Errorf("ocr: prepare: %w", err)
				}
				for i := range rev.Pages[n-1].Fields {
					if _, err := e.tmpl.printed(rev, n, regionBox(&rev.Pages[n-1].Fields[i])); err != nil {
						return fmt.Errorf("ocr: prepare: %w", err)
					}
				}
			}
		}
	}
	return nil
}

// Close frees the Tesseract clients. No call may be in progress; later
// calls return ErrClosed.
func (e *Engine) Close() {
	if e.closed.Swap(true) {
		return
	}
	e.pool.close()
}

// pageResult is one page read.
type pageResult struct {
	info   PageInfo
	values map[string]forms.Value
	rev    *forms.Revision
}

// ReadPages identifies every page, reads the fields of every known form
// and groups the pages into forms. Pages are read concurrently, up to
// Workers at a time. A page that cannot be read does not fail the others:
// its PageInfo says why.
func (e *Engine) ReadPages(ctx context.Context, pages []Page) (Result, error) {
	if e.closed.Load() {
		return Result{}, ErrClosed
	}
	results := make([]pageResult, len(pages))
	errs := make([]error, len(pages))
	var wg sync.WaitGroup
	sem := make(chan struct{}, e.workers)
	for i := range pages {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return Result{}, ctx.Err()
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			t, err := e.pool.get(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer e.pool.put(t)
			results[i], errs[i] = e.readPage(ctx, t, pages[i])
		}(i)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	for i, err := range errs {
		if err != nil {
			return Result{}, fmt.Errorf("ocr: page %d: %w", pages[i].Index, err)
		}
	}
	var res Result
	for _, r := range results {
		res.Pages = append(res.Pages, r.info)
	}
	res.Forms = e.group(results)
	numberPages(res)
	return res, nil
}

// isBlank reports whether a reduced page holds almost no ink: under one
// pixel in a thousand clearly darker than paper.
func isBlank(img *image.Gray) bool {
	bg := paper(img)
	if bg < 40 {
		return false
	}
	dark := 0
	for _, p := range img.Pix {
		if p < bg-40 {
			dark++
		}
	}
	return dark*1000 < len(img.Pix)
}

// numberPages sets FormPage and PageCount of every page of a batch-removal
// form spanning pages from where the page falls in its form: the n and m
// of "Page n of m" as the grouping settled them.
func numberPages(res Result) {
	at := map[int]int{}
	for i, p := range res.Pages {
		at[p.Index] = i
	}
	for _, f := range res.Forms {
		if len(f.Pages) < 2 {
			continue
		}
		for k, idx := range f.Pages {
			i, ok := at[idx]
			if !ok {
				continue
			}
			res.Pages[i].FormPage = k + 1
			res.Pages[i].PageCount = max(res.Pages[i].PageCount, len(f.Pages))
		}
	}
}

// ErrBadPage is returned for a page the engine cannot take at all.
var ErrBadPage = errors.New("ocr: unusable page image")

// readPage identifies one page and reads its fields.
func (e *Engine) readPage(ctx context.Context, t *tess, p Page) (pageResult, error) {
	out := pageResult{info: PageInfo{Index: p.Index}}
	if p.Image == nil || p.Image.Rect.Dx() < 100 || p.Image.Rect.Dy() < 100 || p.DPI < 50 || p.DPI > 1200 {
		return out, fmt.Errorf("%w: %v at %v dpi", ErrBadPage, boundsOf(p.Image), p.DPI)
	}
	img := p.Image
	if img.Rect.Min != (image.Point{}) || img.Stride != img.Rect.Dx() {
		img = compact(img)
	}
	h, sc, err := e.readHeader(t, img, p.DPI)
	if err != nil {
		return out, err
	}
	info := &out.info
	info.Rotation = 90 * h.quarters
	info.Skew = h.skew
	if h.family == nil {
		info.NotAForm = true
		// Sure only of a blank page; a page with writing whose header could
		// not be read may still be a form.
		info.Confidence = math.Min(0.95, clamp01(1-h.titleScore))
		if isBlank(sc.coarse) {
			info.Confidence = 0.99
			info.Problem = "the page is blank"
		}
		e.log.Debug("page is not a form", "page", p.Index, "title_score", h.titleScore)
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	info.Family = h.family.ID
	id, err := e.identifyRevision(t, sc, h)
	if err != nil {
		return out, err
	}
	info.Revision, info.Known, info.FormPage = id.stamp, id.rev != nil && id.known, id.page
	info.Confidence = id.conf
	if id.reg != nil {
		info.Residual = id.reg.Residual
		info.Skew = id.reg.Skew
	}
	if id.problem != "" {
		info.Problem = id.problem
	}
	if !info.Known || id.reg == nil {
		e.log.Debug("page identified", "page", p.Index, "family", info.Family, "revision", info.Revision, "known", info.Known, "problem", info.Problem)
		return out, nil
	}
	info.PageCount = len(id.rev.Pages)
	out.rev = id.rev
	vals, err := e.readFields(ctx, t, sc, p, id)
	if err != nil {
		return out, err
	}
	out.values = vals
	if v, ok := vals["page_count"]; ok && v.Text != "" {
		if n, err := strconv.Atoi(v.Text); err == nil {
			info.PageCount = n
		}
	}
	e.log.Debug("page read", "page", p.Index, "family", info.Family, "revision", info.Revision,
		"rotation", info.Rotation, "residual_pt", info.Residual, "fields", len(vals))
	return out, nil
}

func boundsOf(img *image.Gray) image.Rectangle {
	if img == nil {
		return image.Rectangle{}
	}
	return img.Rect
}

// compact copies img so its pixels start at (0, 0) with no row padding.
func compact(img *image.Gray) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		copy(out.Pix[y*w:(y+1)*w], img.Pix[y*img.Stride:y*img.Stride+w])
	}
	return out
}
