package ocr

import (
	"image"
	"math"
)

// affine maps template points (x, y) to image pixels (u, v):
// u = A*x + B*y + C, v = D*x + E*y + F.
type affine struct{ A, B, C, D, E, F float64 }

func (m affine) apply(x, y float64) (float64, float64) {
	return m.A*x + m.B*y + m.C, m.D*x + m.E*y + m.F
}

// then returns the map that applies m first and n after it.
func (m affine) then(n affine) affine {
	return affine{
		A: n.A*m.A + n.B*m.D, B: n.A*m.B + n.B*m.E, C: n.A*m.C + n.B*m.F + n.C,
		D: n.D*m.A + n.E*m.D, E: n.D*m.B + n.E*m.E, F: n.D*m.C + n.E*m.F + n.F,
	}
}

// invert returns the inverse map, or false when m is singular.
func (m affine) invert() (affine, bool) {
	det := m.A*m.E - m.B*m.D
	if math.Abs(det) < 1e-12 {
		return affine{}, false
	}
	a, b, d, e := m.E/det, -m.B/det, -m.D/det, m.A/det
	return affine{A: a, B: b, C: -(a*m.C + b*m.F), D: d, E: e, F: -(d*m.C + e*m.F)}, true
}

// scale returns the mean linear scale of m (pixels per point).
func (m affine) scale() float64 {
	return math.Sqrt(math.Abs(m.A*m.E - m.B*m.D))
}

// similarity returns the map of a rotation by theta (radians, clockwise on
// the page as y grows downwards), uniform scale s and shift.
func similarity(s, theta, tx, ty float64) affine {
	c, n := s*math.Cos(theta), s*math.Sin(theta)
	return affine{A: c, B: -n, C: tx, D: n, E: c, F: ty}
}

// sample returns the bilinear gray value of img at (u, v), white outside.
// img's pixels start at (0, 0).
func sample(img *image.Gray, u, v float64) float64 {
	u -= 0.5
	v -= 0.5
	fu, fv := math.Floor(u), math.Floor(v)
	x0, y0 := int(fu), int(fv)
	fx, fy := u-fu, v-fv
	if x0 >= 0 && y0 >= 0 && x0+1 < img.Rect.Dx() && y0+1 < img.Rect.Dy() {
		// Inside: the four neighbours without a bounds test each.
		i := y0*img.Stride + x0
		p := img.Pix[i : i+img.Stride+2]
		p00, p01 := float64(p[0]), float64(p[1])
		p10, p11 := float64(p[img.Stride]), float64(p[img.Stride+1])
		a := p00*(1-fx) + p01*fx
		b := p10*(1-fx) + p11*fx
		return a*(1-fy) + b*fy
	}
	get := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= img.Rect.Dx() || y >= img.Rect.Dy() {
			return 255
		}
		return float64(img.Pix[y*img.Stride+x])
	}
	a := get(x0, y0)*(1-fx) + get(x0+1, y0)*fx
	b := get(x0, y0+1)*(1-fx) + get(x0+1, y0+1)*fx
	return a*(1-fy) + b*fy
}

// warp renders the template region box (points) of img at px pixels per
// point, through m (template points to image pixels). When the image is
// coarser than the output, it averages a small neighbourhood instead of
// picking one pixel, so thin lines do not vanish.
func warp(img *image.Gray, m affine, box boxF, px float64) *image.Gray {
	w, h := int(math.Round(box.W*px)), int(math.Round(box.H*px))
	if w < 1 {
		w = 1
	}
	if h < 1 {
		h = 1
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	// Image pixels per output pixel: when above 1, average that many samples.
	ratio := m.scale() / px
	n := 1
	if ratio > 1.5 {
		n = int(math.Ceil(ratio))
		if n > 4 {
			n = 4
		}
	}
	step := 1 / (px * float64(n))
	if n == 1 {
		for j := 0; j < h; j++ {
			warpRow(out.Pix[j*out.Stride:j*out.Stride+w], img, m, box.X+0.5/px, box.Y+(float64(j)+0.5)/px, 1/px)
		}
		return out
	}
	// n×n samples per pixel: n rows of n samples a pixel, summed.
	sub := make([]uint8, w*n)
	sum := make([]int, w)
	for j := 0; j < h; j++ {
		clear(sum)
		for b := 0; b < n; b++ {
			y := box.Y + float64(j)/px + (float64(b)+0.5)*step
			warpRow(sub, img, m, box.X+0.5*step, y, step)
			for i, p := range sub {
				sum[i/n] += int(p)
			}
		}
		row := out.Pix[j*out.Stride : j*out.Stride+w]
		for i := range row {
			row[i] = uint8((sum[i] + n*n/2) / (n * n))
		}
	}
	return out
}

// warpRow fills row with one bilinear sample of img per pixel, through m
// (template points to image pixels), starting at template point (x, y)
// and stepping dx points along x. Where the row lies inside img, as
// nearly all of it does, it is sampled in fixed point, stepping through
// the image rather than mapping each pixel.
func warpRow(row []uint8, img *image.Gray, m affine, x, y, dx float64) {
	u0, v0 := m.apply(x, y)
	u0, v0 = u0-0.5, v0-0.5 // pixel centres, as sample has them
	du, dv := m.A*dx, m.D*dx
	// [lo, hi) is where both neighbours of every sample lie inside img.
	lo, hi := 0, len(row)
	inside := func(a, d, size float64) {
		top := size - 1.001
		if d == 0 {
			if a < 0 || a >= top {
				hi = lo
			}
			return
		}
		first, last := (0-a)/d, (top-a)/d // where a+d*i crosses 0 and top
		if d < 0 {
			first, last = last, first
		}
		lo = max(lo, int(math.Ceil(first))+1)
		hi = min(hi, int(math.Floor(last)))
	}
	inside(u0, du, float64(img.Rect.Dx()))
	inside(v0, dv, float64(img.Rect.Dy()))
	if hi < lo {
		lo, hi = 0, 0
	}
	slow := func(from, to int) {
		for i := from; i < to; i++ {
			u, v := m.apply(x+float64(i)*dx, y)
			row[i] = uint8(sample(img, u, v) + 0.5)
		}
	}
	slow(0, lo)
	slow(hi, len(row))
	// 32 fractional bits: the steps' rounding drifts less than a
	// millionth of a pixel over any row.
	const one = 1 << 32
	U, V := int64((u0+du*float64(lo))*one), int64((v0+dv*float64(lo))*one)
	dU, dV := int64(math.Round(du*one)), int64(math.Round(dv*one))
	pix, stride := img.Pix, img.Stride
	for i := lo; i < hi; i++ {
		k := int(V>>32)*stride + int(U>>32)
		fx, fy := int(U>>24)&0xff, int(V>>24)&0xff // 8-bit weights
		a := int(pix[k])*(256-fx) + int(pix[k+1])*fx
		b := int(pix[k+stride])*(256-fx) + int(pix[k+stride+1])*fx
		row[i] = uint8((a*(256-fy) + b*fy + 1<<15) >> 16)
		U += dU
		V += dV
	}
}

// warpInto fills the rectangle r of dst, whose pixels are template points
// times px, from img through m (template points to img pixels), by
// bilinear sampling.
func warpInto(dst *image.Gray, img *image.Gray, m affine, r image.Rectangle, px float64) {
	r = r.Intersect(dst.Rect)
	for j := r.Min.Y; j < r.Max.Y; j++ {
		row := dst.Pix[j*dst.Stride+r.Min.X : j*dst.Stride+r.Max.X]
		warpRow(row, img, m, (float64(r.Min.X)+0.5)/px, (float64(j)+0.5)/px, 1/px)
	}
}

// boxF is a rectangle in points, the engine's copy of forms.Box.
type boxF struct{ X, Y, W, H float64 }

// rotate returns img turned clockwise by quarter turns (0-3).
func rotate(img *image.Gray, quarters int) *image.Gray {
	quarters = ((quarters % 4) + 4) % 4
	if quarters == 0 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var out *image.Gray
	if quarters == 2 {
		out = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		out = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x, p := range row {
			switch quarters {
			case 1: // clockwise: (x, y) -> (h-1-y, x)
				out.Pix[x*out.Stride+h-1-y] = p
			case 2:
				out.Pix[(h-1-y)*out.Stride+w-1-x] = p
			case 3: // counter-clockwise: (x, y) -> (y, w-1-x)
				out.Pix[(w-1-x)*out.Stride+y] = p
			}
		}
	}
	return out
}

// shrink returns img reduced by an integer factor by area averaging.
func shrink(img *image.Gray, f int) *image.Gray {
	if f <= 1 {
		return img
	}
	w, h := img.Rect.Dx()/f, img.Rect.Dy()/f
	out := image.NewGray(image.Rect(0, 0, w, h))
	n := f * f
	// Each output row sums f input rows, read in order, column by column.
	sums := make([]int, w*f)
	for y := 0; y < h; y++ {
		clear(sums)
		for b := 0; b < f; b++ {
			row := img.Pix[(y*f+b)*img.Stride:]
			row = row[:len(sums)]
			for x, v := range row {
				sums[x] += int(v)
			}
		}
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		for x := range dst {
			s := 0
			for _, v := range sums[x*f : x*f+f] {
				s += v
			}
			dst[x] = uint8(s / n)
		}
	}
	return out
}

// inkThreshold is the gray level below which a pixel counts as ink. Paper
// from scanners is rarely darker than 200 and pen strokes rarely lighter
// than 120; fax pages are already black and white.
const inkThreshold = 150

// otsu returns the Otsu threshold of img, clamped to a sane band so that a
// page with almost no ink does not split its paper noise in two.
func otsu(img *image.Gray) int {
	var hist [256]int
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		for _, p := range img.Pix[y*img.Stride : y*img.Stride+w] {
			hist[p]++
		}
	}
	total := w * h
	sum := 0.0
	for i, c := range hist {
		sum += float64(i * c)
	}
	var sumB, wB float64
	best, thr := -1.0, inkThreshold
	for t := 0; t < 256; t++ {
		wB += float64(hist[t])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/wB, (sum-sumB)/wF
		v := wB * wF * (mB - mF) * (mB - mF)
		if v > best {
			best, thr = v, t
		}
	}
	if thr < 100 {
		thr = 100
	}
	if thr > 200 {
		thr = 200
	}
	return thr
}

// scaleGray returns img resized by f (area-averaged when shrinking).
func scaleGray(img *image.Gray, f float64) *image.Gray {
	w := max(1, int(float64(img.Rect.Dx())*f+0.5))
	h := max(1, int(float64(img.Rect.Dy())*f+0.5))
	return warp(img, affine{A: 1, E: 1}, boxF{0, 0, float64(w) / f, float64(h) / f}, f)
}
