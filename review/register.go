package review

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"sort"
	"sync"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/raster"
)

// Field boxes are in template points, but a faxed or scanned page lay on
// the glass shifted, turned and scaled a little. To draw the boxes where
// the writing is, and to crop the right place, the page is registered to
// its blank template: the printed content of windows spread over the
// template is found on the page by normalised cross-correlation, and an
// affine map is fitted to the shifts by least squares.
//
// The engine registers every page too, but the store does not keep that
// registration; this repeats the work once per page shown, in well under
// a second, and is cached with the page image.

// affine maps template points to page points:
// x' = A x + B y + C, y' = D x + E y + F.
type affine struct{ A, B, C, D, E, F float64 }

var identity = affine{A: 1, E: 1}

func (m affine) apply(x, y float64) (float64, float64) {
	return m.A*x + m.B*y + m.C, m.D*x + m.E*y + m.F
}

// box returns the bounding box of b's corners mapped by m.
func (m affine) box(b forms.Box) forms.Box {
	x0, y0 := math.Inf(1), math.Inf(1)
	x1, y1 := math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{b.X, b.Y}, {b.Right(), b.Y}, {b.X, b.Bottom()}, {b.Right(), b.Bottom()}} {
		x, y := m.apply(c[0], c[1])
		x0, y0, x1, y1 = math.Min(x0, x), math.Min(y0, y), math.Max(x1, x), math.Max(y1, y)
	}
	return forms.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// svg returns m as an SVG transform.
func (m affine) svg() string {
	return fmt.Sprintf("matrix(%.5f %.5f %.5f %.5f %.3f %.3f)", m.A, m.D, m.B, m.E, m.C, m.F)
}

// grid is a page's ink (0 white .. 1 black) sampled at res cells per point.
type grid struct {
	w, h int
	res  float64
	ink  []float32
}

func (g *grid) at(x, y int) float32 {
	if x < 0 || y < 0 || x >= g.w || y >= g.h {
		return 0
	}
	return g.ink[y*g.w+x]
}

// inkGrid averages a page image at dpi into cells of 1/res points.
func inkGrid(img *image.Gray, dpi, res float64) *grid {
	b := img.Bounds()
	f := res * 72 / dpi // cells per pixel
	g := &grid{w: int(math.Ceil(float64(b.Dx()) * f)), h: int(math.Ceil(float64(b.Dy()) * f)), res: res}
	g.ink = make([]float32, g.w*g.h)
	n := make([]float32, g.w*g.h)
	for y := 0; y < b.Dy(); y++ {
		gy := int(float64(y) * f)
		row := img.Pix[y*img.Stride : y*img.Stride+b.Dx()]
		base := gy * g.w
		for x, v := range row {
			i := base + int(float64(x)*f)
			g.ink[i] += float32(255-v) / 255
			n[i]++
		}
	}
	for i := range g.ink {
		if n[i] > 0 {
			g.ink[i] /= n[i]
		}
	}
	return g
}

// templates renders each revision's blank pages once, as ink grids at 1
// cell per point.
type templates struct {
	mu sync.Mutex
	by map[string][]*grid
}

func (t *templates) pages(ctx context.Context, rev *forms.Revision) ([]*grid, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g, ok := t.by[rev.Key()]; ok {
		return g, nil
	}
	var pdf bytes.Buffer
	if err := forms.Render(&pdf, rev); err != nil {
		return nil, err
	}
	pages, err := raster.Decode(ctx, pdf.Bytes(), raster.Limits{RenderDPI: 72})
	if err != nil {
		return nil, fmt.Errorf("review: render template %s: %w", rev.Key(), err)
	}
	var out []*grid
	for _, p := range pages {
		out = append(out, inkGrid(p.Image, p.DPI, 1))
	}
	if t.by == nil {
		t.by = map[string][]*grid{}
	}
	t.by[rev.Key()] = out
	return out, nil
}

// Registration settings, in points.
const (
	regWindow   = 80  // side of a window
	regMaxShift = 40  // largest shift looked for
	regMinScore = 0.5 // least correlation of a window that counts
	regMaxResid = 5   // residual beyond which a window is an outlier
)

// register finds the map from the template page tpl to the page image.
// It returns the identity when too little of the template is found.
func register(tpl *grid, img *image.Gray, dpi float64) affine {
	// Pyramids at 1, 1/2 and 1/4 cell per point.
	p1 := inkGrid(img, dpi, 1)
	p2 := downsample(p1)
	p4 := downsample(p2)
	t2 := downsample(tpl)
	t4 := downsample(t2)
	type pair struct{ x, y, dx, dy float64 }
	var pairs []pair
	for cy := regWindow / 2; cy+regWindow/2 <= tpl.h; cy += regWindow {
		for cx := regWindow / 2; cx+regWindow/2 <= tpl.w; cx += regWindow {
			x0, y0 := cx-regWindow/2, cy-regWindow/2
			// The whole range coarsely, then finer around the best.
			dx, dy, s := match(t4, p4, x0/4, y0/4, regWindow/4, regMaxShift/4, 0, 0)
			if s < regMinScore/2 {
				continue
			}
			dx, dy, _ = match(t2, p2, x0/2, y0/2, regWindow/2, 2, 2*dx, 2*dy)
			dx, dy, s = match(tpl, p1, x0, y0, regWindow, 2, 2*dx, 2*dy)
			if s < regMinScore {
				continue
			}
			pairs = append(pairs, pair{float64(cx), float64(cy), float64(dx), float64(dy)})
		}
	}
	if len(pairs) == 0 {
		return identity
	}
	fit := func(ps []pair) (affine, bool) {
		if len(ps) < 4 {
			return affine{}, false
		}
		xs := make([][3]float64, len(ps))
		ux, uy := make([]float64, len(ps)), make([]float64, len(ps))
		for i, p := range ps {
			xs[i] = [3]float64{p.x, p.y, 1}
			ux[i], uy[i] = p.x+p.dx, p.y+p.dy
		}
		a, ok1 := leastSquares(xs, ux)
		d, ok2 := leastSquares(xs, uy)
		m := affine{a[0], a[1], a[2], d[0], d[1], d[2]}
		plausible := math.Abs(m.A-1) < 0.1 && math.Abs(m.E-1) < 0.1 && math.Abs(m.B) < 0.1 && math.Abs(m.D) < 0.1
		return m, ok1 && ok2 && plausible
	}
	m, ok := fit(pairs)
	if ok {
		var kept []pair
		for _, p := range pairs {
			x, y := m.apply(p.x, p.y)
			if math.Hypot(x-(p.x+p.dx), y-(p.y+p.dy)) <= regMaxResid {
				kept = append(kept, p)
			}
		}
		if m2, ok2 := fit(kept); ok2 {
			return m2
		}
		return m
	}
	// Too few windows for an affine map: the median shift.
	dxs, dys := make([]float64, len(pairs)), make([]float64, len(pairs))
	for i, p := range pairs {
		dxs[i], dys[i] = p.dx, p.dy
	}
	sort.Float64s(dxs)
	sort.Float64s(dys)
	return affine{A: 1, E: 1, C: dxs[len(dxs)/2], F: dys[len(dys)/2]}
}

// downsample halves a grid's resolution.
func downsample(g *grid) *grid {
	h := &grid{w: g.w / 2, h: g.h / 2, res: g.res / 2}
	h.ink = make([]float32, h.w*h.h)
	for y := 0; y < h.h; y++ {
		for x := 0; x < h.w; x++ {
			h.ink[y*h.w+x] = (g.at(2*x, 2*y) + g.at(2*x+1, 2*y) + g.at(2*x, 2*y+1) + g.at(2*x+1, 2*y+1)) / 4
		}
	}
	return h
}

// match finds the shift (in cells, within ±r of (ox, oy)) at which the
// template window at (x0, y0) of side n correlates best with the page, and
// the correlation.
func match(t, p *grid, x0, y0, n, r, ox, oy int) (int, int, float64) {
	var st, stt float64
	for y := y0; y < y0+n; y++ {
		for x := x0; x < x0+n; x++ {
			v := float64(t.at(x, y))
			st += v
			stt += v * v
		}
	}
	cnt := float64(n * n)
	vt := stt - st*st/cnt
	if vt < cnt*0.002 { // a window with almost no print
		return 0, 0, -1
	}
	best, bx, by := -2.0, 0, 0
	for dy := oy - r; dy <= oy+r; dy++ {
		for dx := ox - r; dx <= ox+r; dx++ {
			var sp, spp, stp float64
			for y := y0; y < y0+n; y++ {
				for x := x0; x < x0+n; x++ {
					q := float64(p.at(x+dx, y+dy))
					sp += q
					spp += q * q
					stp += q * float64(t.at(x, y))
				}
			}
			vp := spp - sp*sp/cnt
			if vp <= 1e-9 {
				continue
			}
			s := (stp - st*sp/cnt) / math.Sqrt(vt*vp)
			if s > best {
				best, bx, by = s, dx, dy
			}
		}
	}
	return bx, by, best
}

// leastSquares solves min |X b - y| for three unknowns.
func leastSquares(xs [][3]float64, ys []float64) ([3]float64, bool) {
	var m [3][4]float64
	for i, x := range xs {
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				m[r][c] += x[r] * x[c]
			}
			m[r][3] += x[r] * ys[i]
		}
	}
	for c := 0; c < 3; c++ {
		piv := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[piv][c]) {
				piv = r
			}
		}
		if math.Abs(m[piv][c]) < 1e-9 {
			return [3]float64{}, false
		}
		m[c], m[piv] = m[piv], m[c]
		for r := 0; r < 3; r++ {
			if r == c {
				continue
			}
			f := m[r][c] / m[c][c]
			for k := c; k < 4; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	return [3]float64{m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]}, true
}
