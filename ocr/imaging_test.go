package ocr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestWarpMatchesSampling checks warp's fixed-point stepping against
// sampling each pixel on its own, for maps that keep the region inside the
// image and maps that run it over every edge.
func TestWarpMatchesSampling(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7 + i/640*13)
	}
	for _, tc := range []struct {
		name string
		m    affine
		box  boxF
		px   float64
	}{
		{"inside, turned", similarity(2.1, 0.03, 12, -4), boxF{20, 30, 180, 40}, 2},
		{"over the left and top", similarity(2, -0.05, -30, -20), boxF{0, 0, 100, 50}, 2},
		{"over the right and bottom", similarity(2.2, 0.04, 0, 0), boxF{250, 180, 80, 60}, 2},
		{"upside down", affine{A: -2, E: -2, C: 630, F: 470}, boxF{10, 10, 200, 100}, 2},
		{"averaged", similarity(2, 0.02, 5, 5), boxF{0, 0, 300, 200}, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := warp(img, tc.m, tc.box, tc.px)
			n := 1
			if r := tc.m.scale() / tc.px; r > 1.5 {
				n = min(int(r+0.999), 4)
			}
			step := 1 / (tc.px * float64(n))
			bad := 0
			for j := 0; j < got.Rect.Dy(); j++ {
				for i := 0; i < got.Rect.Dx(); i++ {
					sum := 0.0
					for b := 0; b < n; b++ {
						for a := 0; a < n; a++ {
							u, v := tc.m.apply(tc.box.X+float64(i)/tc.px+(float64(a)+0.5)*step, tc.box.Y+float64(j)/tc.px+(float64(b)+0.5)*step)
							sum += sample(img, u, v)
						}
					}
					want := int(sum/float64(n*n) + 0.5)
					if d := int(got.Pix[j*got.Stride+i]) - want; d > 1 || d < -1 {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d pixels differ from sampling by more than one level", bad, len(got.Pix))
			}
		})
	}
}

// TestShrink checks area averaging against the mean of each block, on a
// page whose sides are not multiples of the factor.
func TestShrink(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	img := image.NewGray(image.Rect(0, 0, 47, 31))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	for _, f := range []int{1, 2, 3, 4} {
		got := shrink(img, f)
		if got.Rect.Dx() != 47/f || got.Rect.Dy() != 31/f {
			t.Fatalf("factor %d: %v, want %dx%d", f, got.Rect, 47/f, 31/f)
		}
		for y := 0; y < 31/f; y++ {
			for x := 0; x < 47/f; x++ {
				s := 0
				for b := 0; b < f; b++ {
					for a := 0; a < f; a++ {
						s += int(img.GrayAt(x*f+a, y*f+b).Y)
					}
				}
				if want := uint8(s / (f * f)); got.GrayAt(x, y).Y != want {
					t.Fatalf("factor %d: (%d, %d) = %d, want %d", f, x, y, got.GrayAt(x, y).Y, want)
				}
			}
		}
	}
}
