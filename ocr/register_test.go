package ocr

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestRegister(t *testing.T) {
	reg := forms.MustLoad()
	tp := newTemplates()
	cases := []struct {
		rev  string
		scan scan
	}{
		{"school-mirror@02/17/2022", scan{DPI: 200}},
		{"school-mirror@02/17/2022", scan{DPI: 200, Rot: 4.5, Scale: 0.96, DX: 30, DY: -25}},
		{"district-staff@07/01/2023", scan{DPI: 300, Rot: -5, Scale: 1.05, DX: -36, DY: 36}},
		{"batch-removal@05/01/2023", scan{DPI: 204, Rot: 2, Scale: 1.0, DX: 10, DY: 20}},
		{"school-personnel@01/10/2020", scan{DPI: 150, Rot: -1.2, Scale: 0.95, DX: 36, DY: 0}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%+v", tc.rev, tc.scan), func(t *testing.T) {
			var rev *forms.Revision
			for _, r := range reg.Revisions() {
				if r.Key() == tc.rev {
					rev = r
				}
			}
			src := blank(t, tp, rev, 200)
			img := capture(src, 200, tc.scan)
			got, err := tp.register(newScanned(img, tc.scan.DPI), rev, 1)
			if err != nil {
				t.Fatal(err)
			}
			e := mapError(got.M, tc.scan.truth())
			t.Logf("skew %.2f residual %.2fpt landmarks %d/%d score %.2f error %.2fpt", got.Skew, got.Residual, got.Landmarks, got.Total, got.Score, e)
			if e > 1.0 {
				t.Errorf("registration off by %.2f points", e)
			}
		})
	}
}

// TestMatch finds a landmark patch in a page that holds it shifted, and
// checks its correlation against one computed directly from the pixels.
func TestMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	tmpl := image.NewGray(image.Rect(0, 0, 80, 60))
	for i := range tmpl.Pix {
		tmpl.Pix[i] = uint8(rng.IntN(256))
	}
	r := image.Rect(30, 20, 50, 36)
	mean, dev := stats(tmpl, r)
	lm := landmark{R: r, mean: mean, dev: dev}
	for _, shift := range [][2]int{{0, 0}, {3, -2}, {-4, 4}, {5, 5}} {
		page := image.NewGray(tmpl.Rect)
		for i := range page.Pix {
			page.Pix[i] = uint8(rng.IntN(256))
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				page.Pix[(y+shift[1])*page.Stride+x+shift[0]] = tmpl.Pix[y*tmpl.Stride+x]
			}
		}
		dx, dy, score := match(tmpl, page, lm, 6)
		if math.Abs(dx-float64(shift[0])) > 0.5 || math.Abs(dy-float64(shift[1])) > 0.5 || math.Abs(score-1) > 1e-9 {
			t.Errorf("shift %v: found %.2f, %.2f at %.4f, want the shift at 1", shift, dx, dy, score)
		}
		// Elsewhere, the correlation is what the pixels give.
		_, _, direct := match(tmpl, page, lm, 0)
		if want := ncc(tmpl, page, r, 0, 0); math.Abs(direct-want) > 1e-9 {
			t.Errorf("shift %v: correlation in place %.6f, want %.6f", shift, direct, want)
		}
	}
}

// ncc is the normalised correlation of tmpl's patch r with page's patch
// r moved by (i, j), computed directly.
func ncc(tmpl, page *image.Gray, r image.Rectangle, i, j int) float64 {
	var st, sp, stt, spp, stp float64
	n := float64(r.Dx() * r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			tv, pv := float64(tmpl.Pix[y*tmpl.Stride+x]), float64(page.Pix[(y+j)*page.Stride+x+i])
			st, sp, stt, spp, stp = st+tv, sp+pv, stt+tv*tv, spp+pv*pv, stp+tv*pv
		}
	}
	mt, mp := st/n, sp/n
	return (stp/n - mt*mp) / (math.Sqrt(stt/n-mt*mt) * math.Sqrt(spp/n-mp*mp))
}
