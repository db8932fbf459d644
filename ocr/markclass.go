package ocr

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/gen2brain/go-fitz"
	"github.com/go-pdf/fpdf"
)

// The mark classifier compares the ink in a role box with prototypes of A,
// R and other marks (checks, crosses, scribbles, other letters), drawn
// from the PDF core fonts and turned, slanted and thickened the way hands
// do, and keeps the nearest. It needs no system fonts: MuPDF carries the
// core fonts. Printed prototypes tell a letter from a check or a cross,
// but not a hand-printed A from an R cut by the box's edges: that is left
// to the letter's shape (letterShape), measured row by row.

const (
	glyphGrid = 16 // descriptors are glyphGrid×glyphGrid ink densities
	kNearest  = 7
)

type markClass int

const (
	classA markClass = iota
	classR
	classOther
)

type prototype struct {
	class markClass
	vec   []float64
}

var (
	protoOnce sync.Once
	protos    []prototype
	protoErr  error
)

// prototypes returns the classifier's prototypes, made on first use.
func prototypes() ([]prototype, error) {
	protoOnce.Do(func() { protos, protoErr = makePrototypes() })
	return protos, protoErr
}

// glyphSheet renders letters in every core font variant, one per cell,
// and returns them as ink masks with their letters.
func glyphSheet(letters string) ([]glyph, error) {
	const cell = 36.0
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: 612, Ht: 792}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	type at struct {
		letter byte
		x, y   float64
	}
	var cells []at
	x, y := 10.0, 10.0
	for _, fam := range []string{"Helvetica", "Times", "Courier"} {
		for _, style := range []string{"", "B", "I", "BI"} {
			pdf.SetFont(fam, style, 22)
			for i := 0; i < len(letters); i++ {
				pdf.Text(x+6, y+cell-9, letters[i:i+1])
				cells = append(cells, at{letters[i], x, y})
				x += cell
				if x+cell > 600 {
					x, y = 10, y+cell
				}
			}
		}
	}
	const dpi = 150.0
	rgba, err := renderSheet(pdf, dpi)
	if err != nil {
		return nil, fmt.Errorf("mark prototypes: %w", err)
	}
	k := dpi / 72
	var out []glyph
	for _, c := range cells {
		x0, y0 := int(c.x*k), int(c.y*k)
		n := int(cell * k)
		g := glyph{letter: c.letter, w: n, h: n, ink: make([]float64, n*n)}
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				o := (y0+j)*rgba.Stride + 4*(x0+i)
				g.ink[j*n+i] = 1 - float64(rgba.Pix[o+1])/255
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// renderSheet renders the one page of pdf, a sheet of drawn characters,
// at dpi with MuPDF.
func renderSheet(pdf *fpdf.Fpdf, dpi float64) (*image.RGBA, error) {
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	doc, err := fitz.NewFromMemory(buf.Bytes())
	if err != nil {
		return nil, err
	}
	defer doc.Close()
	return doc.ImageDPI(0, dpi)
}

// glyph is an ink density image, 1 for ink.
type glyph struct {
	letter byte
	w, h   int
	ink    []float64
}

func (g glyph) at(x, y float64) float64 {
	i, j := int(math.Floor(x)), int(math.Floor(y))
	if i < 0 || j < 0 || i >= g.w || j >= g.h {
		return 0
	}
	return g.ink[j*g.w+i]
}

// distorted returns g turned by rot radians, slanted by shear and with its
// strokes grown by grow pixels (shrunk when negative), as a hand might
// write it.
func (g glyph) distorted(rot, shear float64, grow int) glyph {
	out := glyph{letter: g.letter, w: g.w, h: g.h, ink: make([]float64, len(g.ink))}
	cx, cy := float64(g.w)/2, float64(g.h)/2
	c, s := math.Cos(rot), math.Sin(rot)
	for j := 0; j < g.h; j++ {
		for i := 0; i < g.w; i++ {
			x, y := float64(i)+0.5-cx, float64(j)+0.5-cy
			// Inverse of: slant, then turn.
			xr, yr := c*x+s*y, -s*x+c*y
			xr -= shear * yr
			out.ink[j*g.w+i] = g.at(xr+cx, yr+cy)
		}
	}
	for ; grow > 0; grow-- {
		out = out.morph(true)
	}
	for ; grow < 0; grow++ {
		out = out.morph(false)
	}
	return out
}

// morph grows (or shrinks) ink by one pixel.
func (g glyph) morph(grow bool) glyph {
	out := glyph{letter: g.letter, w: g.w, h: g.h, ink: make([]float64, len(g.ink))}
	for j := 0; j < g.h; j++ {
		for i := 0; i < g.w; i++ {
			v := g.ink[j*g.w+i]
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				n := g.at(float64(i+d[0])+0.5, float64(j+d[1])+0.5)
				if grow {
					v = math.Max(v, n)
				} else {
					v = math.Min(v, n)
				}
			}
			out.ink[j*g.w+i] = v
		}
	}
	return out
}

// describe turns an ink density image into the classifier's descriptor:
// the ink's bounding box scaled, keeping its aspect, into a square grid of
// ink densities, smoothed and normalised to unit length.
func describe(ink func(x, y int) float64, w, h int) []float64 {
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if ink(x, y) > 0.5 {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return nil
	}
	bw, bh := x1-x0+1, y1-y0+1
	side := max(bw, bh)
	// Centre the box in a square of side.
	ox := float64(x0) - float64(side-bw)/2
	oy := float64(y0) - float64(side-bh)/2
	const n = glyphGrid
	grid := make([]float64, n*n)
	cnt := make([]float64, n*n)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			gi := int((float64(x) - ox) * n / float64(side))
			gj := int((float64(y) - oy) * n / float64(side))
			if gi < 0 || gj < 0 || gi >= n || gj >= n {
				continue
			}
			grid[gj*n+gi] += ink(x, y)
			cnt[gj*n+gi]++
		}
	}
	for i := range grid {
		if cnt[i] > 0 {
			grid[i] /= cnt[i]
		}
	}
	// A light blur lets strokes a cell apart still meet.
	out := make([]float64, n*n)
	var norm float64
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			var s, wsum float64
			for dj := -1; dj <= 1; dj++ {
				for di := -1; di <= 1; di++ {
					a, b := i+di, j+dj
					if a < 0 || b < 0 || a >= n || b >= n {
						continue
					}
					wt := 1.0
					if di != 0 || dj != 0 {
						wt = 0.5
					}
					s += wt * grid[b*n+a]
					wsum += wt
				}
			}
			out[j*n+i] = s / wsum
			norm += out[j*n+i] * out[j*n+i]
		}
	}
	norm = math.Sqrt(norm)
	if norm == 0 {
		return nil
	}
	for i := range out {
		out[i] /= norm
	}
	return out
}

func makePrototypes() ([]prototype, error) {
	glyphs, err := glyphSheet("ARXVKNHYMW4")
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	var out []prototype
	add := func(c markClass, g glyph) {
		if v := describe(func(x, y int) float64 { return g.ink[y*g.w+x] }, g.w, g.h); v != nil {
			out = append(out, prototype{c, v})
		}
	}
	for _, g := range glyphs {
		c := classOther
		switch g.letter {
		case 'A':
			c = classA
		case 'R':
			c = classR
		}
		variants := 10
		if c == classOther {
			variants = 3
		}
		for v := 0; v < variants; v++ {
			rot := (r.Float64() - 0.5) * 0.4   // ±11 degrees
			shear := (r.Float64() - 0.5) * 0.6 // ±17 degrees of slant
			grow := r.IntN(3) - 1
			add(c, g.distorted(rot, shear, grow))
		}
	}
	// Checks, crosses and scribbles, drawn as strokes.
	for v := 0; v < 120; v++ {
		add(classOther, strokeMark(r, v%3))
	}
	return out, nil
}

// strokeMark draws a check (kind 0), a cross (1) or a scribble (2).
func strokeMark(r *rand.Rand, kind int) glyph {
	const n = 48
	g := glyph{w: n, h: n, ink: make([]float64, n*n)}
	j := func() float64 { return (r.Float64() - 0.5) * 8 }
	width := 1.5 + r.Float64()*2.5
	line := func(x0, y0, x1, y1 float64) {
		steps := int(math.Hypot(x1-x0, y1-y0)) + 1
		for s := 0; s <= steps; s++ {
			f := float64(s) / float64(steps)
			cx, cy := x0+(x1-x0)*f, y0+(y1-y0)*f
			for y := int(cy - width); y <= int(cy+width); y++ {
				for x := int(cx - width); x <= int(cx+width); x++ {
					if x >= 0 && y >= 0 && x < n && y < n && math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) <= width/2 {
						g.ink[y*n+x] = 1
					}
				}
			}
		}
	}
	switch kind {
	case 0:
		line(8+j(), 26+j(), 20+j(), 40+j())
		line(20, 40, 42+j(), 6+j())
	case 1:
		line(8+j(), 8+j(), 40+j(), 40+j())
		line(40+j(), 8+j(), 8+j(), 40+j())
	default:
		x, y := 10.0, 10.0
		for k := 0; k < 6; k++ {
			nx, ny := 6+r.Float64()*36, 6+r.Float64()*36
			line(x, y, nx, ny)
			x, y = nx, ny
		}
	}
	return g
}

// shapeVote is the classifier's answer: the class most of the nearest
// prototypes share, the share of the k nearest that are of it, and the
// distance to its nearest prototype.
type shapeVote struct {
	class markClass
	share float64
	near  float64
}

// classifyShape classifies a descriptor by its nearest prototypes.
func classifyShape(vec []float64) (shapeVote, error) {
	ps, err := prototypes()
	if err != nil {
		return shapeVote{class: classOther}, err
	}
	if vec == nil {
		return shapeVote{class: classOther}, nil
	}
	type hit struct {
		d float64
		c markClass
	}
	hits := make([]hit, len(ps))
	for i, p := range ps {
		var dot float64
		for k, v := range p.vec {
			dot += v * vec[k]
		}
		hits[i] = hit{1 - dot, p.class}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	var votes [3]float64
	for _, h := range hits[:kNearest] {
		votes[h.c]++
	}
	best := classA
	for c := classR; c <= classOther; c++ {
		if votes[c] > votes[best] {
			best = c
		}
	}
	v := shapeVote{class: best, share: votes[best] / kNearest, near: 2}
	for _, h := range hits { // nearest first
		if h.c == best {
			v.near = h.d
			break
		}
	}
	return v, nil
}

// markVector describes the kept ink of a mark region.
func markVector(k inkOf, r region) []float64 {
	w := r.img.Rect.Dx()
	return describe(func(x, y int) float64 {
		if k.mask[y*w+x] {
			return 1
		}
		return 0
	}, w, r.img.Rect.Dy())
}

// withCap returns k with the top of the letter put back: a hand-printed
// letter is often taller than its box, and the top of an A (or of an R's
// bowl) then stands above the box's printed edge, cut from the rest where
// the edge was whited out. findInk drops such a piece as the descender of
// the line above; here it is kept when it stands clear of the region's
// top edge (a descender from above hangs in from it) and ink of the
// letter continues below it, across the whited-out edge.
func withCap(k inkOf, r region, thr uint8) inkOf {
	w, h := r.img.Rect.Dx(), r.img.Rect.Dy()
	if len(k.blobs) == 0 {
		return k
	}
	minPx := int(0.5 * r.px * r.px)
	seen := make([]bool, w*h)
	var stack, members []int
	out := k
	copied := false
	for start := 0; start < w*h && float64(start/w) <= 4.5*r.px; start++ {
		if seen[start] || k.mask[start] || r.img.Pix[start] >= thr {
			continue
		}
		seen[start] = true
		stack = append(stack[:0], start)
		members = members[:0]
		b := image.Rect(start%w, start/w, start%w+1, start/w+1)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			members = append(members, p)
			x, y := p%w, p/w
			b = b.Union(image.Rect(x, y, x+1, y+1))
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					q := ny*w + nx
					if !seen[q] && r.img.Pix[q] < thr {
						seen[q] = true
						stack = append(stack, q)
					}
				}
			}
		}
		// A cap is a peak or an arch, not the flat remains of the box's
		// edge.
		if len(members) < minPx || b.Min.Y == 0 || 2*b.Dy() < b.Dx() || b.Max.Y >= h*45/100 || b.Max.Y <= k.bounds.Min.Y-int(3.5*r.px) {
			continue
		}
		// The span of its lowest row, and the first row of the letter's
		// ink below it: they must meet, allowing a slant of 45 degrees.
		lo, hi := w, -1
		for _, p := range members {
			if p/w == b.Max.Y-1 {
				lo, hi = min(lo, p%w), max(hi, p%w)
			}
		}
		joined := false
		for y := b.Max.Y; y < h && y < b.Max.Y+int(3.5*r.px) && !joined; y++ {
			d := y - b.Max.Y + 2
			for x := max(lo-d, 0); x <= min(hi+d, w-1); x++ {
				if k.mask[y*w+x] {
					joined = true
					break
				}
			}
		}
		if !joined {
			continue
		}
		if !copied {
			out.mask = append([]bool(nil), k.mask...)
			out.blobs = append([]blob(nil), k.blobs...)
			copied = true
		}
		for _, p := range members {
			out.mask[p] = true
		}
		out.blobs = append(out.blobs, blob{area: len(members), bounds: b})
		out.area += len(members)
		out.bounds = out.bounds.Union(b)
	}
	return out
}

// letterShape is what tells a hand-printed A from an R in the ink of a
// role box, measured row by row so that slant (which shifts rows sideways)
// changes none of it:
//
//   - an A widens from its apex to its feet; an R is about as wide at its
//     bowl as at its leg;
//   - an R's right edge dents in where the bowl meets the leg; an A's
//     right edge is the straight outside of its leg;
//   - an A stands on two feet; an R whose leg the box's edge cut away
//     ends in the closed bottom of its bowl.
//
// The box's printed edges are whited out before the ink is read, so the
// top and feet of a letter larger than the box are often cut off; each
// measure holds for what is left.
type letterShape struct {
	growth  float64 // fitted widening from top to bottom, in widths of the ink
	notch   float64 // deepest inward dent of the right edge in the middle half, in widths
	botRuns float64 // mean number of strokes across the bottom fifth of the rows
	across  float64 // mean number of strokes a vertical line through the ink meets
}

// measureLetter measures the kept ink of k in a region w pixels wide.
func measureLetter(k inkOf, w int) letterShape {
	b := k.bounds
	h := b.Dy()
	if h < 4 || b.Dx() < 2 {
		return letterShape{}
	}
	var ys, widths, rights []float64
	var bot, botRows float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		left, right, runs := -1, -1, 0
		for x := b.Min.X; x < b.Max.X; x++ {
			if !k.mask[y*w+x] {
				continue
			}
			if left < 0 {
				left = x
			}
			if x == b.Min.X || !k.mask[y*w+x-1] {
				runs++
			}
			right = x
		}
		if left < 0 {
			continue // a gap where the box's edge was whited out
		}
		t := float64(y - b.Min.Y)
		ys = append(ys, t)
		widths = append(widths, float64(right-left+1))
		rights = append(rights, float64(right))
		if t >= 0.8*float64(h) {
			bot += float64(runs)
			botRows++
		}
	}
	width := float64(b.Dx())
	var s letterShape
	_, slope := fitLine(ys, widths)
	s.growth = slope * float64(h) / width
	a, slope := fitLine(ys, rights)
	for i, y := range ys {
		if y >= 0.25*float64(h) && y <= 0.75*float64(h) {
			s.notch = math.Max(s.notch, (a+slope*y-rights[i])/width)
		}
	}
	if botRows > 0 {
		s.botRuns = bot / botRows
	}
	s.across = strokesAcross(k, w)
	return s
}

// fitLine returns the least-squares line v = a + slope·x.
func fitLine(xs, vs []float64) (a, slope float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	n := float64(len(xs))
	var mx, mv float64
	for i := range xs {
		mx += xs[i]
		mv += vs[i]
	}
	mx, mv = mx/n, mv/n
	var sxx, sxv float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxv += (xs[i] - mx) * (vs[i] - mv)
	}
	if sxx == 0 {
		return mv, 0
	}
	slope = sxv / sxx
	return mv - slope*mx, slope
}

// rScore weighs the measures into log-odds of R against A: above 0 an R,
// below an A, and the further from 0 the surer. The weights were fitted
// (logistic regression) on hand-printed marks of a generated corpus.
func (s letterShape) rScore() float64 {
	return 7.9 - 9.3*s.growth + 21*s.notch - 2.8*s.botRuns
}

// strokesAcross is the mean number of strokes a vertical line meets
// through the ink of k (region w pixels wide): at most two or three for a
// letter, more for a scribble's stacked strokes.
func strokesAcross(k inkOf, w int) float64 {
	b := k.bounds
	var sum, cols float64
	for x := b.Min.X; x < b.Max.X; x++ {
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if k.mask[y*w+x] && (y == b.Min.Y || !k.mask[(y-1)*w+x]) {
				n++
			}
		}
		if n > 0 {
			sum += float64(n)
			cols++
		}
	}
	if cols == 0 {
		return 0
	}
	return sum / cols
}
