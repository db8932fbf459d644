package ocr

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sort"

	"github.com/lausd/misis-intake/forms"
)

// Registration resolutions. The coarse pass finds skew, scale and offset
// from ink profiles; the fine pass matches landmark patches.
const (
	coarseDPI = 50.0
	fineDPI   = 100.0
	maxSkew   = 6.0 // degrees searched either way
)

// ErrNoRegistration is returned when a page cannot be aligned to its
// template: too few printed landmarks were found where they should be.
var ErrNoRegistration = errors.New("ocr: page does not align with its template")

// registration is the alignment of one page image to one template page.
type registration struct {
	// M maps template points to page pixels.
	M affine
	// Residual is the RMS distance, in points, between where the landmarks
	// were found and where M puts them.
	Residual float64
	// Landmarks is how many landmarks agreed with M; Score their mean
	// normalised correlation with the template.
	Landmarks int
	Total     int
	Score     float64
	// Skew is the page's rotation found by deskewing, in degrees.
	Skew float64
}

// landmark is a patch of the blank template, at fineDPI, with strong edges in
// both directions, away from where people write.
type landmark struct {
	R         image.Rectangle // in template pixels at fineDPI
	mean, dev float64
}

// layout is what registration needs of one template page, computed once.
type layout struct {
	coarse  *image.Gray // blank page at coarseDPI
	rowProf []float64
	colProf []float64
	levels  [2]level // landmarks at coarseDPI and at fineDPI
}

// level is the blank page at one resolution with its landmarks.
type level struct {
	dpi       float64
	img       *image.Gray
	landmarks []landmark
}

func (t *templates) layout(rev *forms.Revision, n int) (*layout, error) {
	key := templateKey{rev.Key(), n, -1}
	t.mu.Lock()
	l, ok := t.layouts[key]
	t.mu.Unlock()
	if ok {
		return l, nil
	}
	coarse, err := t.page(rev, n, coarseDPI)
	if err != nil {
		return nil, err
	}
	fine, err := t.page(rev, n, fineDPI)
	if err != nil {
		return nil, err
	}
	l = &layout{coarse: coarse}
	fields := rev.Pages[n-1].Fields
	l.levels[0] = level{coarseDPI, coarse, pickLandmarks(coarse, coarseDPI, 32, 24, fields)}
	l.levels[1] = level{fineDPI, fine, pickLandmarks(fine, fineDPI, 48, 32, fields)}
	rows, cols := profiles(coarse, 0)
	off := coarse.Rect.Dx()/8 + 4
	l.rowProf = rows[off : off+coarse.Rect.Dy()]
	l.colProf = cols[off : off+coarse.Rect.Dx()]
	t.mu.Lock()
	t.layouts[key] = l
	t.mu.Unlock()
	return l, nil
}

// profiles returns the ink per row and per column of img after turning it
// by -skew degrees about its centre. Index i of either profile is the
// coordinate i - (w/8 + 4), room for turned coordinates below zero.
func profiles(img *image.Gray, skew float64) (rows, cols []float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	cx, cy := float64(w)/2, float64(h)/2
	rows = make([]float64, h+w/4+8)
	cols = make([]float64, w+h/4+8)
	off := float64(w/8 + 4) // room for turned coordinates below zero
	c, s := math.Cos(skew*math.Pi/180), math.Sin(skew*math.Pi/180)
	bg := paper(img)
	for y := 0; y < h; y++ {
		for x, p := range img.Pix[y*img.Stride : y*img.Stride+w] {
			if p >= bg {
				continue
			}
			wt := float64(bg - p)
			fx, fy := float64(x)+0.5-cx, float64(y)+0.5-cy
			xr := c*fx + s*fy + off + cx
			yr := -s*fx + c*fy + off + cy
			if i := int(yr); i >= 0 && i < len(rows) {
				rows[i] += wt
			}
			if i := int(xr); i >= 0 && i < len(cols) {
				cols[i] += wt
			}
		}
	}
	return rows, cols
}

// paper returns the gray level below which a pixel of a reduced page
// holds some ink: a little under the page's median, which is paper. A
// reduced page is averaged, so thin and light strokes are grays well above
// any fixed ink threshold; weighting each pixel by how much darker than
// paper it is keeps them, whatever the scanner made of the paper.
func paper(img *image.Gray) uint8 {
	var hist [256]int
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		for _, p := range img.Pix[y*img.Stride : y*img.Stride+w] {
			hist[p]++
		}
	}
	half, n := w*h/2, 0
	for v, c := range hist {
		n += c
		if n >= half {
			if v < 30 {
				return 0
			}
			return uint8(v - 12)
		}
	}
	return 243
}

// deskew returns the rotation of the printed lines of img, in degrees,
// by maximising the sharpness of its row profile.
func deskew(img *image.Gray) float64 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	type pt struct{ x, y, w float64 }
	var ink []pt
	bg := paper(img)
	for y := 0; y < h; y++ {
		for x, p := range img.Pix[y*img.Stride : y*img.Stride+w] {
			if p < bg {
				ink = append(ink, pt{float64(x) + 0.5, float64(y) + 0.5, float64(bg - p)})
			}
		}
	}
	if len(ink) == 0 {
		return 0
	}
	bins := make([]float64, h+w/2+16)
	sharp := func(deg float64) float64 {
		for i := range bins {
			bins[i] = 0
		}
		c, s := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
		off := float64(w)/4 + 4
		for _, p := range ink {
			yr := -s*p.x + c*p.y + off
			i := int(yr)
			f := yr - float64(i)
			bins[i] += p.w * (1 - f)
			bins[i+1] += p.w * f
		}
		sum := 0.0
		for _, b := range bins {
			sum += b * b
		}
		return sum
	}
	best, bestV := 0.0, -1.0
	for d := -maxSkew; d <= maxSkew+1e-9; d += 0.25 {
		if v := sharp(d); v > bestV {
			best, bestV = d, v
		}
	}
	for _, step := range []float64{0.1, 0.04} {
		c := best
		for d := c - 2.5*step; d <= c+2.5*step+1e-9; d += step {
			if v := sharp(d); v > bestV {
				best, bestV = d, v
			}
		}
	}
	return best
}

// fit1D finds scale and offset such that page[s*i+o] best matches tmpl[i],
// by Pearson correlation over the template's extent.
func fit1D(tmpl, page []float64, maxOff float64) (scale, off, corr float64) {
	n := len(tmpl)
	var mt float64
	for _, v := range tmpl {
		mt += v
	}
	mt /= float64(n)
	corr = -2
	at := func(x float64) float64 {
		i := int(math.Floor(x))
		if i < 0 || i+1 >= len(page) {
			return 0
		}
		f := x - float64(i)
		return page[i]*(1-f) + page[i+1]*f
	}
	pv := make([]float64, n)
	for s := 0.93; s <= 1.07+1e-9; s += 0.005 {
		for o := -maxOff; o <= maxOff; o++ {
			var mp float64
			for i := range tmpl {
				pv[i] = at(s*(float64(i)+0.5) + o)
				mp += pv[i]
			}
			mp /= float64(n)
			var sxy, sxx, syy float64
			for i, t := range tmpl {
				a, b := t-mt, pv[i]-mp
				sxy += a * b
				sxx += a * a
				syy += b * b
			}
			if sxx == 0 || syy == 0 {
				continue
			}
			if c := sxy / math.Sqrt(sxx*syy); c > corr {
				scale, off, corr = s, o, c
			}
		}
	}
	return scale, off, corr
}

// pickLandmarks chooses patches of the blank page with edges in both
// directions (corners, letters, boxes), spread over the page, that do not
// overlap the places people write text or sign. Role-mark squares are
// kept: the square dominates whatever is written in it.
func pickLandmarks(img *image.Gray, dpi float64, pw, ph int, fields []forms.Field) []landmark {
	step := pw / 4
	px := dpi / 72
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var avoid []image.Rectangle
	for _, f := range fields {
		if f.Kind == forms.KindMark {
			continue
		}
		b := f.Box
		avoid = append(avoid, image.Rect(int((b.X-2)*px), int((b.Y-2)*px), int((b.Right()+2)*px), int((b.Bottom()+1)*px)))
	}
	type cand struct {
		r     image.Rectangle
		score float64
	}
	var cands []cand
	at := func(x, y int) float64 { return float64(img.Pix[y*img.Stride+x]) }
	for y := 0; y+ph < h; y += step {
	next:
		for x := 0; x+pw < w; x += step {
			r := image.Rect(x, y, x+pw, y+ph)
			for _, a := range avoid {
				if r.Overlaps(a) {
					continue next
				}
			}
			var gx, gy float64
			for j := y; j < y+ph-1; j++ {
				for i := x; i < x+pw-1; i++ {
					gx += math.Abs(at(i+1, j) - at(i, j))
					gy += math.Abs(at(i, j+1) - at(i, j))
				}
			}
			s := math.Min(gx, gy)
			if s < 255*float64(pw)*0.8 {
				continue
			}
			cands = append(cands, cand{r, s})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	// Up to three per cell of a 4x5 grid, so the fit is held from every side.
	const gx, gy, per = 4, 5, 3
	count := map[int]int{}
	var picked []landmark
	for _, c := range cands {
		cell := (c.r.Min.X*gx/w)*gy + c.r.Min.Y*gy/h
		if count[cell] >= per {
			continue
		}
		clash := false
		for _, p := range picked {
			if c.r.Inset(-8).Overlaps(p.R) {
				clash = true
				break
			}
		}
		if clash {
			continue
		}
		count[cell]++
		m, d := stats(img, c.r)
		picked = append(picked, landmark{R: c.r, mean: m, dev: d})
	}
	return picked
}

func stats(img *image.Gray, r image.Rectangle) (mean, dev float64) {
	var s, ss float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			v := float64(img.Pix[y*img.Stride+x])
			s += v
			ss += v * v
		}
	}
	n := float64(r.Dx() * r.Dy())
	mean = s / n
	return mean, math.Sqrt(math.Max(ss/n-mean*mean, 0))
}

// integralBytes returns the integral images of img's bytes and of their
// squares over r: element (y*(r.Dx()+1) + x) sums the pixels above and to
// the left of r.Min+(x, y).
func integralBytes(img *image.Gray, r image.Rectangle) (sum, sumSq []int) {
	w, h := r.Dx()+1, r.Dy()+1
	sum, sumSq = make([]int, w*h), make([]int, w*h)
	for y := 1; y < h; y++ {
		row := img.Pix[(r.Min.Y+y-1)*img.Stride+r.Min.X : (r.Min.Y+y-1)*img.Stride+r.Max.X]
		var rs, rss int
		for x := 1; x < w; x++ {
			v := int(row[x-1])
			rs += v
			rss += v * v
			sum[y*w+x] = sum[(y-1)*w+x] + rs
			sumSq[y*w+x] = sumSq[(y-1)*w+x] + rss
		}
	}
	return sum, sumSq
}

// dotBytes returns the sum of the products of a's bytes and b's, b at
// least as long: the registration's hottest loop, summed four ways at once.
func dotBytes(a, b []uint8) int {
	b = b[:len(a)]
	var s0, s1, s2, s3 int
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += int(a[k]) * int(b[k])
		s1 += int(a[k+1]) * int(b[k+1])
		s2 += int(a[k+2]) * int(b[k+2])
		s3 += int(a[k+3]) * int(b[k+3])
	}
	for ; k < len(a); k++ {
		s0 += int(a[k]) * int(b[k])
	}
	return s0 + s1 + s2 + s3
}

// match finds where the template patch lm lies in page (both at fineDPI,
// page already roughly aligned), searching ±radius pixels, and returns the
// displacement with sub-pixel refinement and its correlation.
func match(tmpl, page *image.Gray, lm landmark, radius int) (dx, dy, score float64) {
	r := lm.R
	pw, ph := page.Rect.Dx(), page.Rect.Dy()
	n := float64(r.Dx() * r.Dy())
	size := 2*radius + 1
	scores := make([]float64, size*size)
	// The page's sums over each placement of the patch come from integral
	// images of the window searched; only the products with the template
	// are summed per placement. Sums of bytes: exact in integers.
	win := image.Rect(r.Min.X-radius, r.Min.Y-radius, r.Max.X+radius, r.Max.Y+radius).Intersect(image.Rect(0, 0, pw, ph))
	sum, sumSq := integralBytes(page, win)
	ww := win.Dx() + 1
	boxSum := func(t []int, x0, y0, x1, y1 int) int {
		x0, x1, y0, y1 = x0-win.Min.X, x1-win.Min.X, y0-win.Min.Y, y1-win.Min.Y
		return t[y1*ww+x1] - t[y0*ww+x1] - t[y1*ww+x0] + t[y0*ww+x0]
	}
	best, bi, bj := -2.0, 0, 0
	for j := -radius; j <= radius; j++ {
		for i := -radius; i <= radius; i++ {
			if r.Min.X+i < 0 || r.Min.Y+j < 0 || r.Max.X+i > pw || r.Max.Y+j > ph {
				scores[(j+radius)*size+i+radius] = -1
				continue
			}
			var istp int
			for y := r.Min.Y; y < r.Max.Y; y++ {
				trow := tmpl.Pix[y*tmpl.Stride+r.Min.X : y*tmpl.Stride+r.Max.X]
				prow := page.Pix[(y+j)*page.Stride+r.Min.X+i : (y+j)*page.Stride+r.Max.X+i]
				istp += dotBytes(trow, prow)
			}
			x0, y0, x1, y1 := r.Min.X+i, r.Min.Y+j, r.Max.X+i, r.Max.Y+j
			sp, spp, stp := float64(boxSum(sum, x0, y0, x1, y1)), float64(boxSum(sumSq, x0, y0, x1, y1)), float64(istp)
			mp := sp / n
			dp := math.Sqrt(math.Max(spp/n-mp*mp, 0))
			c := -1.0
			if dp > 1 && lm.dev > 1 {
				c = (stp/n - lm.mean*mp) / (lm.dev * dp)
			}
			scores[(j+radius)*size+i+radius] = c
			if c > best {
				best, bi, bj = c, i, j
			}
		}
	}
	dx, dy = float64(bi), float64(bj)
	sc := func(i, j int) float64 { return scores[(j+radius)*size+i+radius] }
	if bi > -radius && bi < radius {
		l, c, rr := sc(bi-1, bj), sc(bi, bj), sc(bi+1, bj)
		if d := l - 2*c + rr; d < 0 {
			dx += math.Max(-0.5, math.Min(0.5, 0.5*(l-rr)/d))
		}
	}
	if bj > -radius && bj < radius {
		u, c, b := sc(bi, bj-1), sc(bi, bj), sc(bi, bj+1)
		if d := u - 2*c + b; d < 0 {
			dy += math.Max(-0.5, math.Min(0.5, 0.5*(u-b)/d))
		}
	}
	return dx, dy, best
}

// scanned is an upright page prepared for registration: reduced copies
// for the coarse and fine passes and its skew, computed once however many
// templates the page is tried against.
type scanned struct {
	full    *image.Gray
	dpi     float64
	fine    *image.Gray // full reduced by fineF, near fineDPI
	fineF   int
	coarse  *image.Gray // full reduced by coarseF, near coarseDPI
	coarseF int
	skew    float64 // degrees
}

func newScanned(img *image.Gray, dpi float64) *scanned {
	s := &scanned{full: img, dpi: dpi}
	s.fineF = max(1, int(dpi/fineDPI+0.25))
	s.fine = shrink(img, s.fineF)
	s.coarseF = max(1, int(math.Round(dpi/coarseDPI)))
	if s.coarseF%s.fineF == 0 {
		s.coarse = shrink(s.fine, s.coarseF/s.fineF) // the same, from a quarter of the pixels
	} else {
		s.coarse = shrink(img, s.coarseF)
	}
	s.skew = deskew(s.coarse)
	return s
}

// register aligns a scanned upright page to page n of rev.
func (t *templates) register(s *scanned, rev *forms.Revision, n int) (registration, error) {
	return t.registerOn(s, rev, n, 1)
}

// registerHeader registers s as register does, the coarse pass matching
// the rows' ink of the header alone. A batch table filled in a heavy hand
// can outweigh its rules in the rows' profile, and the coarse pass then
// puts the page's rows off; the header above the table is printed alone.
func (t *templates) registerHeader(s *scanned, rev *forms.Revision, n int) (registration, error) {
	return t.registerOn(s, rev, n, headerShare)
}

// headerShare is the share of the page from its top whose rows' ink the
// second coarse pass matches: the title, the instructions and the header
// fields, above any table.
const headerShare = 0.35

// registerOn registers s to page n of rev, its coarse pass matching the
// rows' ink over the top share of the template.
func (t *templates) registerOn(s *scanned, rev *forms.Revision, n int, share float64) (registration, error) {
	l, err := t.layout(rev, n)
	if err != nil {
		return registration{}, err
	}
	m0, err := coarseAlign(s, l, share)
	if err != nil {
		return registration{}, err
	}
	reg := registration{Skew: s.skew}
	// Refine on the reduced page: template points to its pixels.
	f := float64(s.fineF)
	m := m0.then(affine{A: 1 / f, E: 1 / f})
	for _, pass := range []struct {
		lvl    *level
		radius int
	}{{&l.levels[0], 12}, {&l.levels[1], 4}, {&l.levels[1], 2}} {
		next, res, used, score, err := refine(s.fine, m, pass.lvl, pass.radius)
		if err != nil {
			return registration{}, err
		}
		m = next
		reg.Residual, reg.Landmarks, reg.Score = res, used, score
	}
	reg.M = m.then(affine{A: f, E: f})
	reg.Total = len(l.levels[1].landmarks)
	return reg, nil
}

// coarseAlign finds scale and offset of the deskewed page against the
// template from ink profiles at coarseDPI, the rows' over the top share
// of the template; the map it returns is to the full page's pixels.
func coarseAlign(s *scanned, l *layout, share float64) (affine, error) {
	small := s.coarse
	cd := s.dpi / float64(s.coarseF) // resolution of small
	skew := s.skew
	rows, cols := profiles(small, skew)
	// Page profiles are in small's pixels; resample to coarseDPI units by
	// letting the scale search absorb cd/coarseDPI.
	k := cd / coarseDPI
	maxOff := 1.1 * coarseDPI // half an inch of shift, the rest from scale
	offR := float64(small.Rect.Dx()/8 + 4)
	top := l.rowProf[:max(1, int(share*float64(len(l.rowProf))))]
	sy, oy, cy := fit1D(top, resampleProfile(rows, k, offR), maxOff)
	offC := float64(small.Rect.Dx()/8 + 4)
	sx, ox, cx := fit1D(l.colProf, resampleProfile(cols, k, offC), maxOff)
	// A batch table full of handwriting matches its blank rows only
	// weakly (0.25-0.3); the landmarks below reject a wrong alignment.
	if cy < 0.2 || cx < 0.2 {
		return affine{}, fmt.Errorf("%w: ink profiles do not match (rows %.2f, columns %.2f)", ErrNoRegistration, cy, cx)
	}
	// Template points -> deskewed coarse units -> turned back -> page pixels.
	toC := coarseDPI / 72
	m := affine{A: sx * toC, C: ox, E: sy * toC, F: oy}
	// The profiles were turned about the page centre.
	ccx, ccy := float64(small.Rect.Dx())/2/k, float64(small.Rect.Dy())/2/k
	th := skew * math.Pi / 180
	rot := affine{A: math.Cos(th), B: -math.Sin(th), D: math.Sin(th), E: math.Cos(th)}
	full := s.dpi / coarseDPI // coarse units to page pixels
	m = m.then(affine{A: 1, C: -ccx, E: 1, F: -ccy}).then(rot).then(affine{A: full, C: ccx * full, E: full, F: ccy * full})
	return m, nil
}

// resampleProfile turns a profile indexed in page pixels (shifted by off)
// into one indexed in coarseDPI units from the page origin.
func resampleProfile(p []float64, k, off float64) []float64 {
	n := int(float64(len(p))/k) + 1
	out := make([]float64, n)
	for i := range out {
		x := float64(i)*k + off
		j := int(x)
		if j >= 0 && j+1 < len(p) {
			f := x - float64(j)
			out[i] = (p[j]*(1-f) + p[j+1]*f) * k
		}
	}
	return out
}

// refine matches every landmark near where m puts it and fits an affine
// map to the matches, dropping those that disagree.
func refine(img *image.Gray, m affine, l *level, radius int) (affine, float64, int, float64, error) {
	px := l.dpi / 72
	// Only the windows searched around each landmark are warped.
	warped := image.NewGray(l.img.Rect)
	for _, lm := range l.landmarks {
		warpInto(warped, img, m, lm.R.Inset(-radius-1), px)
	}
	type pair struct {
		x, y  float64 // template points
		u, v  float64 // page pixels
		score float64
	}
	var pairs []pair
	for _, lm := range l.landmarks {
		dx, dy, sc := match(l.img, warped, lm, radius)
		if sc < 0.5 {
			continue
		}
		cx := (float64(lm.R.Min.X+lm.R.Max.X) / 2) / px
		cy := (float64(lm.R.Min.Y+lm.R.Max.Y) / 2) / px
		u, v := m.apply(cx+dx/px, cy+dy/px)
		pairs = append(pairs, pair{cx, cy, u, v, sc})
	}
	scale := m.scale()
	use := make([]bool, len(pairs))
	for i := range use {
		use[i] = true
	}
	var fit affine
	var rms float64
	for iter := 0; iter < 4; iter++ {
		var xs, ys, us, vs []float64
		for i, p := range pairs {
			if use[i] {
				xs, ys, us, vs = append(xs, p.x), append(ys, p.y), append(us, p.u), append(vs, p.v)
			}
		}
		if len(xs) < 6 {
			return affine{}, 0, 0, 0, fmt.Errorf("%w: %d of %d landmarks found", ErrNoRegistration, len(xs), len(l.landmarks))
		}
		var ok bool
		fit, ok = fitAffine(xs, ys, us, vs)
		if !ok {
			return affine{}, 0, 0, 0, fmt.Errorf("%w: landmarks are degenerate", ErrNoRegistration)
		}
		res := make([]float64, len(pairs))
		var sorted []float64
		for i, p := range pairs {
			u, v := fit.apply(p.x, p.y)
			res[i] = math.Hypot(u-p.u, v-p.v) / scale
			if use[i] {
				sorted = append(sorted, res[i])
			}
		}
		sort.Float64s(sorted)
		limit := math.Max(3*sorted[len(sorted)/2], 1.5)
		changed := false
		for i := range pairs {
			keep := res[i] <= limit
			if keep != use[i] {
				use[i], changed = keep, true
			}
		}
		var ss float64
		var cnt int
		for i := range pairs {
			if use[i] {
				ss += res[i] * res[i]
				cnt++
			}
		}
		if cnt > 0 {
			rms = math.Sqrt(ss / float64(cnt))
		}
		if !changed {
			break
		}
	}
	var used int
	var score float64
	for i, p := range pairs {
		if use[i] {
			used++
			score += p.score
		}
	}
	if used < 6 {
		return affine{}, 0, 0, 0, fmt.Errorf("%w: %d of %d landmarks agree", ErrNoRegistration, used, len(l.landmarks))
	}
	return fit, rms, used, score / float64(used), nil
}

// fitAffine solves the least-squares affine map from (x, y) to (u, v).
func fitAffine(xs, ys, us, vs []float64) (affine, bool) {
	var n, sx, sy, sxx, sxy, syy float64
	var su, sxu, syu, sv, sxv, syv float64
	for i := range xs {
		x, y := xs[i], ys[i]
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
		syy += y * y
		su += us[i]
		sxu += x * us[i]
		syu += y * us[i]
		sv += vs[i]
		sxv += x * vs[i]
		syv += y * vs[i]
	}
	// Normal equations [sxx sxy sx; sxy syy sy; sx sy n] [a b c] = [sxu syu su].
	mat := [3][3]float64{{sxx, sxy, sx}, {sxy, syy, sy}, {sx, sy, n}}
	a, b, c, ok1 := solve3(mat, [3]float64{sxu, syu, su})
	d, e, f, ok2 := solve3(mat, [3]float64{sxv, syv, sv})
	if !ok1 || !ok2 {
		return affine{}, false
	}
	return affine{A: a, B: b, C: c, D: d, E: e, F: f}, true
}

func solve3(m [3][3]float64, r [3]float64) (float64, float64, float64, bool) {
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
			m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
			m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	d := det(m)
	if math.Abs(d) < 1e-9 {
		return 0, 0, 0, false
	}
	var out [3]float64
	for k := 0; k < 3; k++ {
		mk := m
		for i := 0; i < 3; i++ {
			mk[i][k] = r[i]
		}
		out[k] = det(mk) / d
	}
	return out[0], out[1], out[2], true
}
