package ocr

import (
	"image"
	"math"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// scan describes how a crafted page is put on the glass: turned by Rot
// degrees, scaled by Scale, shifted by (DX, DY) points, captured at DPI.
type scan struct {
	DPI    float64
	Rot    float64
	Scale  float64
	DX, DY float64
}

// truth returns the map from template points to pixels of the scanned image.
func (s scan) truth() affine {
	sc := s.Scale
	if sc == 0 {
		sc = 1
	}
	px := s.DPI / 72
	// Turn about the page centre so a large turn keeps the page on the glass.
	const cx, cy = 306.0, 396.0
	th := s.Rot * math.Pi / 180
	c, n := math.Cos(th)*sc, math.Sin(th)*sc
	m := affine{A: c, B: -n, C: cx - c*cx + n*cy + s.DX, D: n, E: c, F: cy - n*cx - c*cy + s.DY}
	return m.then(affine{A: px, E: px})
}

// capture renders src (a page drawn at srcDPI) as scanned by s, on a US
// letter sheet at s.DPI.
func capture(src *image.Gray, srcDPI float64, s scan) *image.Gray {
	m := s.truth()
	inv, _ := m.invert()
	w, h := int(8.5*s.DPI+0.5), int(11*s.DPI+0.5)
	out := image.NewGray(image.Rect(0, 0, w, h))
	k := srcDPI / 72
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			tx, ty := inv.apply(float64(x)+0.5, float64(y)+0.5)
			out.Pix[y*out.Stride+x] = uint8(sample(src, tx*k, ty*k) + 0.5)
		}
	}
	return out
}

// blank renders page 1 of a revision at dpi.
func blank(t testing.TB, tp *templates, rev *forms.Revision, dpi float64) *image.Gray {
	t.Helper()
	g, err := tp.page(rev, 1, dpi)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewGray(g.Rect)
	copy(out.Pix, g.Pix)
	return out
}

// mapError is the largest distance, in points, between where got and want
// put the corners and centre of the page.
func mapError(got, want affine) float64 {
	worst := 0.0
	for _, p := range [][2]float64{{36, 36}, {576, 36}, {36, 756}, {576, 756}, {306, 396}} {
		gu, gv := got.apply(p[0], p[1])
		wu, wv := want.apply(p[0], p[1])
		worst = math.Max(worst, math.Hypot(gu-wu, gv-wv)/want.scale())
	}
	return worst
}
