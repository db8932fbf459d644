package ocr

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-pdf/fpdf"

	"github.com/lausd/misis-intake/forms"
)

// A third reader, for typed digits and dates. Type is set in a typeface,
// and in the faces forms are typed in (Helvetica or Arial, Times, Courier)
// every digit is as wide as every other: a typed number is a row of
// equal cells. Where a fax has broken the strokes so that Tesseract and
// the character reader (which reads piece by piece) both stumble, the
// cells are still where the face puts them. readTyped lays each face's
// characters over the ink, cell by cell, at the height the ink stands,
// and keeps the string that matches best: a dynamic programme over the
// pen's position, each character scored by the normalised correlation of
// its blurred shape with the blurred ink under it.
//
// It reads only type: handwriting matches no face well, and then it says
// so (a low fit), so its reading is not used.

// typeFace is one face's characters, drawn large on a sheet.
type typeFace struct {
	name   string
	glyphs map[byte]*typeGlyph
	digitH float64 // height of the digits above the baseline, sheet pixels
}

// typeGlyph is one character as drawn on the sheet: ink densities over
// its advance, from sheetAsc above the baseline to sheetDesc below.
type typeGlyph struct {
	adv float64 // advance, sheet pixels
	w   int
	ink []float32
}

const (
	sheetSize = 40.0            // points: the size characters are drawn at
	sheetDPI  = 300.0           // and the resolution they are rendered at
	sheetAsc  = 0.85            // ems above the baseline kept
	sheetDesc = 0.25            // ems below
	typeChars = "0123456789/AR" // digits and dates; the role marks' letters
	typeScale = 2               // field pixels to a pixel of the band characters are matched on
)

var (
	facesOnce sync.Once
	faces     []*typeFace
	facesErr  error
)

// coreFaces are the PDF core faces, which MuPDF carries: Helvetica (the
// shape of Arial), Times and Courier.
var coreFaces = []string{"Helvetica", "Times", "Courier"}

// systemFaces are faces drawn from TrueType files when installed
// (Debian's fonts-liberation): Courier New's metrics with shapes of its
// own, nearer Windows' Courier New than Courier is (its 6 is not
// Courier's). Liberation's Sans and Serif read as Helvetica and Times do.
var systemFaces = []string{
	"/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
}

// typeFaces returns the faces, drawn on first use.
func typeFaces() ([]*typeFace, error) {
	facesOnce.Do(func() { faces, facesErr = drawFaces() })
	return faces, facesErr
}

func drawFaces() ([]*typeFace, error) {
	names := slices.Clone(coreFaces)
	fonts := map[string][]byte{}
	for _, path := range systemFaces {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // not installed: the core faces serve
		}
		name := strings.TrimSuffix(filepath.Base(path), ".ttf")
		names, fonts[name] = append(names, name), b
	}
	const gap = 1.5 * sheetSize
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: gap * float64(len(typeChars)+1), Ht: gap * float64(len(names)+1)}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	for name, b := range fonts {
		pdf.AddUTF8FontFromBytes(name, "", b)
	}
	pdf.AddPage()
	type at struct{ x, base, adv float64 }
	pos := make([][]at, len(names))
	for i, name := range names {
		pdf.SetFont(name, "", sheetSize)
		base := gap * float64(i+1)
		for j := 0; j < len(typeChars); j++ {
			x := gap * (float64(j) + 0.5)
			pdf.Text(x, base, typeChars[j:j+1])
			pos[i] = append(pos[i], at{x, base, pdf.GetStringWidth(typeChars[j : j+1])})
		}
	}
	rgba, err := renderSheet(pdf, sheetDPI)
	if err != nil {
		return nil, fmt.Errorf("typefaces: %w", err)
	}
	k := sheetDPI / 72
	em := sheetSize * k
	up, down := int(sheetAsc*em), int(sheetDesc*em)
	var out []*typeFace
	for i, name := range names {
		f := &typeFace{name: name, glyphs: map[byte]*typeGlyph{}}
		for j, p := range pos[i] {
			x0, base := int(math.Round(p.x*k)), int(math.Round(p.base*k))
			g := &typeGlyph{adv: p.adv * k, w: int(math.Ceil(p.adv * k))}
			g.ink = make([]float32, g.w*(up+down))
			for y := 0; y < up+down; y++ {
				for x := 0; x < g.w; x++ {
					o := (base-up+y)*rgba.Stride + 4*(x0+x)
					v := 1 - float32(rgba.Pix[o+1])/255
					g.ink[y*g.w+x] = v
					if v > 0.5 && typeChars[j] >= '0' && typeChars[j] <= '9' {
						f.digitH = math.Max(f.digitH, float64(up-y))
					}
				}
			}
			f.glyphs[typeChars[j]] = g
		}
		out = append(out, f)
	}
	return out, nil
}

// cellShape is a character at the size of the ink being read: densities
// over its advance (rounded), on the band the ink is read in, blurred as
// the ink is; lead and tail are the first and last columns it inks.
type cellShape struct {
	w, h       int
	digitH     int
	ink        []float32
	adv        float64
	lead, tail int
	sum, sumSq float64
}

// shapeKey names a cellShape: a face's character at a digit height.
type shapeKey struct {
	face string
	char byte
	h    int
}

var shapes sync.Map // shapeKey -> *cellShape

// shape returns face's character c scaled so its digits stand h pixels,
// on a band of up pixels above the baseline and down below.
func (f *typeFace) shape(c byte, h int) *cellShape {
	key := shapeKey{f.name, c, h}
	if s, ok := shapes.Load(key); ok {
		return s.(*cellShape)
	}
	g := f.glyphs[c]
	s := float64(h) / f.digitH // band pixels per sheet pixel
	up, down := bandOf(h)
	em := sheetSize * sheetDPI / 72
	sheetUp := int(sheetAsc * em)
	sheetH := len(g.ink) / g.w
	out := &cellShape{w: max(1, int(math.Round(g.adv*s))), h: up + down, digitH: h, adv: g.adv * s}
	raw := make([]float32, out.w*out.h)
	for y := 0; y < out.h; y++ {
		y0 := float64(sheetUp) + float64(y-up)/s
		y1 := y0 + 1/s
		for x := 0; x < out.w; x++ {
			x0, x1 := float64(x)/s, float64(x+1)/s
			var sum, n float64
			for sy := int(y0); sy < int(math.Ceil(y1)); sy++ {
				for sx := int(x0); sx < int(math.Ceil(x1)); sx++ {
					n++
					if sy < 0 || sy >= sheetH || sx >= g.w {
						continue
					}
					sum += float64(g.ink[sy*g.w+sx])
				}
			}
			if n > 0 {
				raw[y*out.w+x] = float32(sum / n)
			}
		}
	}
	out.lead, out.tail = out.w, -1
	for x := 0; x < out.w; x++ {
		for y := 0; y < out.h; y++ {
			if raw[y*out.w+x] > 0.3 {
				out.lead, out.tail = min(out.lead, x), max(out.tail, x)
			}
		}
	}
	out.ink = blur3(raw, out.w, out.h)
	for _, v := range out.ink {
		out.sum += float64(v)
		out.sumSq += float64(v) * float64(v)
	}
	shapes.Store(key, out)
	return out
}

// bandOf is how many pixels of band a line of digits h pixels high is
// read on above its baseline and below it.
func bandOf(h int) (up, down int) {
	return h + h/6 + 2, h/4 + 2
}

// blur3 returns v (w×h) averaged over each pixel's 3×3 neighbourhood.
func blur3(v []float32, w, h int) []float32 {
	out := make([]float32, len(v))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float32
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx >= 0 && yy >= 0 && xx < w && yy < h {
						s += v[yy*w+xx]
					}
				}
			}
			out[y*w+x] = s / 9
		}
	}
	return out
}

// typedRead is readTyped's answer: the string, the face it is read in,
// and how well the face fits the ink (the characters' correlations, each
// weighted by its advance).
type typedRead struct {
	text   string
	face   string
	fit    float64
	margin float64 // the least lead of a character's score over any other's where it stands
}

// readTyped reads the kept ink of r as type in one of the faces, from the
// characters chars. The line the characters stand on is measured on the
// dark pieces of the ink, and again on all of it, faint parts included,
// where that differs: worn type breaks into dark pieces shorter than its
// characters, and a thinned bar's faint end may be where the ink begins;
// the better fit is kept. Where some character of the reading only just
// beats another (closeMargin), the ink is read again on a band whose
// pixels pair the field's columns the other way: matching at half
// resolution, which pair of columns a thin stroke falls in can decide it.
func readTyped(k inkOf, r region, chars string) (typedRead, error) {
	fs, err := typeFaces()
	if err != nil {
		return typedRead{}, err
	}
	base, h := typeLine(k)
	if h < 4*typeScale {
		return typedRead{}, nil
	}
	best := readBand(fs, k, r, base, h, 0, chars)
	if kw := k.whole(r); kw.bounds != k.bounds {
		b2, h2 := typeLine(kw)
		moved := max(h2-h, h-h2) >= typeScale || max(b2-base, base-b2) >= typeScale
		if h2 >= 4*typeScale && moved {
			if other := readBand(fs, kw, r, b2, h2, 0, chars); other.fit > best.fit {
				best, k, base, h = other, kw, b2, h2
			}
		}
	}
	if best.fit >= typedFit && best.margin < closeMargin {
		if other := readBand(fs, k, r, base, h, -1, chars); other.fit > best.fit {
			best = other
		}
	}
	return best, nil
}

// closeMargin is the lead of a character's score over the next best
// below which a reading is read again at the other pairing of columns:
// on four corpora of 200 submissions, 39 of 132 typed employee numbers
// read so closely (fitting at typedFit or better) were wrong, 5 of 453
// read with leads from there to 0.1, none of 362 above.
const closeMargin = 0.03

// clearMargin is the lead above which no typed employee number was read
// wrong on those corpora (see closeMargin).
const clearMargin = 0.1

// readBand reads the kept ink of r, standing on base and h pixels high,
// on a band of half its resolution whose columns start phase pixels
// right of where they would (-1 pairs the field's columns the other way,
// the ink's first column staying in the band's): each face at the height
// measured, then the best face a pixel shorter and taller, unless it fits
// too poorly for that to matter (handwriting).
func readBand(fs []*typeFace, k inkOf, r region, base, h, phase int, chars string) typedRead {
	// Characters are matched at half the field's resolution, where a
	// stroke a fax broke by a pixel or two is whole again once blurred.
	const f = typeScale
	w := r.img.Rect.Dx()
	hh := int(math.Round(float64(h) / f))
	up, down := bandOf(hh)
	// The ink on the band, blurred, and padded by two characters either
	// side so characters may be laid over the ends.
	pad := 2 * hh
	bw, bh := (k.bounds.Dx()+f-1)/f+2*pad, up+down
	x0, y0 := k.bounds.Min.X-f*pad+phase, base-f*up
	raw := make([]float32, bw*bh)
	for y := 0; y < bh; y++ {
		for x := 0; x < bw; x++ {
			var sum float32
			for dy := 0; dy < f; dy++ {
				for dx := 0; dx < f; dx++ {
					px, py := x0+f*x+dx, y0+f*y+dy
					if px < 0 || py < 0 || px >= w || py >= r.img.Rect.Dy() || !k.mask[py*w+px] {
						continue
					}
					sum += 1 - float32(r.img.Pix[py*r.img.Stride+px])/255
				}
			}
			raw[y*bw+x] = sum / (f * f)
		}
	}
	band := newInkBand(blur3(raw, bw, bh), bw, bh, up, pad, pad+(k.bounds.Dx()-1)/f)
	var best typedRead
	var bestFace *typeFace
	for _, f := range fs {
		if got := band.read(f, hh, chars); got.text != "" && got.fit > best.fit {
			best, bestFace = got, f
		}
	}
	if bestFace == nil || best.fit < handFit {
		return best
	}
	for _, dh := range []int{-1, 1} {
		if got := band.read(bestFace, hh+dh, chars); got.text != "" && got.fit > best.fit {
			best = got
		}
	}
	return best
}

// typedFit is the least fit at which a typed reading counts: type in
// one of the faces fits them from about 0.8 up, and a fax worn too thin
// to read, or handwriting, less.
const typedFit = 0.8

// clear reports whether the reading fits a face (typedFit) with every
// character clear of the next best (closeMargin).
func (tr typedRead) clear() bool {
	return tr.text != "" && tr.fit >= typedFit && tr.margin >= closeMargin
}

// clearTyped is the fit at which a typed reading is taken over
// Tesseract's where only it has the field's form (eight digits, a date).
const clearTyped = 0.85

// markLetters are the letters a role mark may be typed as.
const markLetters = forms.MarkAdd + forms.MarkRem

// typedChars returns the characters the typed reader may read in f.
func typedChars(f *forms.Field) string {
	if f.Kind == forms.KindDate {
		return dateSet
	}
	return digitSet
}

// lends returns the confidence the typed reading tr lends text, read by
// Tesseract from the same ink: from 0.972 at typedFit to 0.99 at a
// perfect fit when it reads the same digits, otherwise 0.
func (tr typedRead) lends(text string) float64 {
	if tr.fit < typedFit || digits(tr.text) != digits(text) {
		return 0
	}
	return 0.9 + 0.09*tr.fit
}

// typedTally counts, over one page, the typed reader's readings that fit
// a face and those that fit none: a page filled in by hand shows itself
// in its first few, and the typed reader, which cannot read a hand, is
// spared the rest. A nil tally never tells.
type typedTally struct{ good, poor int }

// Readings fitting below handFit fit no face: handwriting fits 0.42-0.70,
// type from about 0.8; handTells such readings, and none fitting, tell a
// page's writing handwritten.
const (
	handFit   = typedFit - 0.1
	handTells = 4
)

// note counts a reading fitting fit of ink whose characters stand even
// as type does (see evenType). Type fitting no face is no sign of a hand:
// a fax whose toner bled fits none (0.65-0.70 over a whole page, seed
// 5353), and taken for handwriting, the typed reader stood aside for the
// rest of the page.
func (t *typedTally) note(fit float64, even bool) {
	switch {
	case t == nil:
	case fit >= typedFit:
		t.good++
	case fit < handFit && !even:
		t.poor++
	}
}

func (t *typedTally) handwritten() bool {
	return t != nil && t.good == 0 && t.poor >= handTells
}

// Type on the forms is set at 10 to 12 points: its digits stand about 7
// to 8.5 points tall, 9 where a fax bled, their tops level.
const (
	typeTall = 9.6 // points: the tallest type's characters
	evenBy   = 0.1 // of their height: how far type's tops stray
)

// evenType reports whether the characters of k stand as type does: no
// taller than typeTall, and their tops within evenBy of their height,
// where a hand's rise and fall. (A date's slashes reach lower than its
// digits in many faces, so only the tops are compared. On a corpus of 200
// submissions, 17 of 23 typed readings fitting no face stood so, among
// them all of the bled page's, and 3 of 546 hand-printed ones.)
func evenType(k inkOf, px float64) bool {
	_, h := typeLine(k)
	if h <= 0 || float64(h) > typeTall*px {
		return false
	}
	lo, hi := math.MaxInt, math.MinInt
	for _, b := range letterPieces(k, 5) {
		lo, hi = min(lo, b.bounds.Min.Y), max(hi, b.bounds.Min.Y)
	}
	return float64(hi-lo) < evenBy*float64(h)
}

// typeLine returns the baseline of the ink k (the row below its foot)
// and the height of its characters: the median over its letter-sized
// pieces, for a fax may break a digit into a short piece or two.
func typeLine(k inkOf) (base, h int) {
	var feet, tops []int
	for _, b := range letterPieces(k, 5) {
		feet, tops = append(feet, b.bounds.Max.Y), append(tops, b.bounds.Min.Y)
	}
	if len(feet) == 0 {
		return 0, 0
	}
	sort.Ints(feet)
	sort.Ints(tops)
	base = feet[len(feet)/2]
	return base, base - tops[len(tops)/2]
}

// inkBand is the blurred ink of a field on the band its line stands on;
// left and right are the first and last columns holding ink.
type inkBand struct {
	ink         []float32
	w, h        int
	up          int // rows above the baseline
	left, right int
	sum, sumSq  []float64 // integral images of ink and its square, (w+1)×(h+1)
}

// score is the normalised correlation of shape s with the band's ink
// with the pen at x; a blank stretch of band scores -0.2.
func (b inkBand) score(s *cellShape, x int) float64 {
	up, _ := bandOf(s.digitH)
	y0, y1 := max(0, b.up-up), min(b.h, s.h+b.up-up) // band rows under the shape
	x0, x1 := max(0, x), min(b.w, x+s.w)
	if y0 >= y1 || x0 >= x1 {
		return -0.2
	}
	var st float64
	for by := y0; by < y1; by++ {
		row := b.ink[by*b.w+x0 : by*b.w+x1]
		srow := s.ink[(by-b.up+up)*s.w+x0-x:]
		var acc float32
		for i, v := range row {
			acc += srow[i] * v
		}
		st += float64(acc)
	}
	si, sii := b.sums(x0, y0, x1, y1)
	n := float64(s.w * s.h)
	vi := sii - si*si/n
	vt := s.sumSq - s.sum*s.sum/n
	if vi < 1e-6 || vt < 1e-6 {
		return -0.2
	}
	return (st - s.sum*si/n) / math.Sqrt(vi*vt)
}

// sums returns the sum of the band's ink over the rectangle [x0,x1) ×
// [y0,y1), and of its squares, from the integral images.
func (b inkBand) sums(x0, y0, x1, y1 int) (sum, sumSq float64) {
	w := b.w + 1
	at := func(t []float64) float64 {
		return t[y1*w+x1] - t[y0*w+x1] - t[y1*w+x0] + t[y0*w+x0]
	}
	return at(b.sum), at(b.sumSq)
}

// newInkBand returns the band of blurred ink ink (w×h) with its integral
// images.
func newInkBand(ink []float32, w, h, up, left, right int) inkBand {
	b := inkBand{ink: ink, w: w, h: h, up: up, left: left, right: right}
	b.sum, b.sumSq = make([]float64, (w+1)*(h+1)), make([]float64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var rs, rss float64
		for x := 0; x < w; x++ {
			v := float64(ink[y*w+x])
			rs, rss = rs+v, rss+v*v
			i := (y+1)*(w+1) + x + 1
			b.sum[i], b.sumSq[i] = b.sum[i-w-1]+rs, b.sumSq[i-w-1]+rss
		}
	}
	return b
}

// read lays face f's characters, their digits h pixels high, over the
// band: the best string whose first character's ink starts where the
// band's does, whose last one's ends where it ends, each pen step being
// the character's advance give or take a pixel.
func (b inkBand) read(f *typeFace, h int, chars string) typedRead {
	const slack = 2
	shapesOf := make([]*cellShape, len(chars))
	for i := range chars {
		shapesOf[i] = f.shape(chars[i], h)
	}
	type node struct {
		total float64 // the characters' scores, each weighted by its advance
		width float64 // the advances
		prevX int
		prevC int
		ok    bool
	}
	// dp[x][c]: the best string so far whose last character is chars[c]
	// with its pen at x.
	dp := make([][]node, b.w)
	scores := make([][]float64, b.w)
	scoreAt := func(x int) []float64 {
		if scores[x] == nil {
			scores[x] = make([]float64, len(chars))
			for c, s := range shapesOf {
				scores[x][c] = b.score(s, x)
			}
		}
		return scores[x]
	}
	steps := make([]int, len(chars))
	for c, s := range shapesOf {
		steps[c] = int(math.Round(s.adv))
	}
	bestEnd, bestX, bestC := math.Inf(-1), -1, -1
	for x := 0; x < b.w; x++ {
		// The best string before a character with its pen at x: the same
		// whichever character follows.
		var prev node
		for pc, ps := range shapesOf {
			for j := -1; j <= 1; j++ {
				px := x - steps[pc] - j
				if px < 0 || dp[px] == nil || !dp[px][pc].ok {
					continue
				}
				cand := dp[px][pc]
				t := cand.total - 0.02*math.Abs(float64(j))*ps.adv
				if !prev.ok || t > prev.total {
					prev = node{total: t, width: cand.width, prevX: px, prevC: pc, ok: true}
				}
			}
		}
		for c, s := range shapesOf {
			n := prev
			if lead := x + s.lead; lead >= b.left-slack && lead <= b.left+slack && !(prev.ok && prev.total > 0) {
				// The string may start here, unless one before it scores
				// better than nothing.
				n = node{ok: true, prevX: -1, prevC: -1}
			}
			if !n.ok {
				continue
			}
			if dp[x] == nil {
				dp[x] = make([]node, len(chars))
			}
			n.total += scoreAt(x)[c] * s.adv
			n.width += s.adv
			dp[x][c] = n
			if tail := x + s.tail; tail >= b.right-slack && tail <= b.right+slack {
				if mean := n.total / n.width; mean > bestEnd {
					bestEnd, bestX, bestC = mean, x, c
				}
			}
		}
	}
	if bestX < 0 {
		return typedRead{}
	}
	var text []byte
	margin := math.Inf(1)
	for x, c := bestX, bestC; x >= 0; {
		text = append(text, chars[c])
		for o, v := range scores[x] {
			if o != c {
				margin = math.Min(margin, scores[x][c]-v)
			}
		}
		n := dp[x][c]
		x, c = n.prevX, n.prevC
	}
	for i, j := 0, len(text)-1; i < j; i, j = i+1, j-1 {
		text[i], text[j] = text[j], text[i]
	}
	return typedRead{text: string(text), face: f.name, fit: bestEnd, margin: margin}
}
