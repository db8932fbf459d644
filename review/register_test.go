package review

import (
	"context"
	"encoding/json"
	"image"
	"math"
	"os"
	"testing"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/raster"
)

// TestRegister registers faxed and scanned sample pages to their
// templates and compares where field boxes land with where the corpus
// generator put them.
func TestRegister(t *testing.T) {
	t.Parallel()
	tpls := &templates{}
	for _, id := range []string{"sub-0001", "sub-0005", "sub-0011", "sub-0023"} {
		t.Run(id, func(t *testing.T) {
			s := loadSample(t, id)
			b, _ := os.ReadFile("../testdata/sample/" + id + ".json")
			var truth corpus.Truth
			if err := json.Unmarshal(b, &truth); err != nil {
				t.Fatal(err)
			}
			pt := truth.Attachments[0].Pages[0]
			rev := registry.Revision(pt.Family, pt.Revision)
			pages, err := raster.Decode(context.Background(), attachments(t, s.raw)[0], raster.Limits{RenderDPI: defaultRenderDPI})
			if err != nil {
				t.Fatal(err)
			}
			tg, err := tpls.pages(context.Background(), rev)
			if err != nil {
				t.Fatal(err)
			}
			m := register(tg[0], pages[0].Image, pages[0].DPI)
			worst, worstIdentity := 0.0, 0.0
			for _, f := range rev.Fields() {
				if f.Page != 1 {
					continue
				}
				for _, c := range [][2]float64{{f.Box.X, f.Box.Y}, {f.Box.Right(), f.Box.Bottom()}} {
					wx, wy := pt.Map(c[0], c[1])
					gx, gy := m.apply(c[0], c[1])
					worst = math.Max(worst, math.Hypot(gx-wx, gy-wy))
					worstIdentity = math.Max(worstIdentity, math.Hypot(c[0]-wx, c[1]-wy))
				}
			}
			t.Logf("%s: map %+v; worst error %.1f pt (%.1f pt unregistered)", truth.Transport, m, worst, worstIdentity)
			if worst > 4 {
				t.Errorf("a field box lands %.1f pt from where it was drawn, want at most 4", worst)
			}
		})
	}
}

// TestCrop samples a box through the registration: the crop of a shifted
// box holds exactly the ink drawn where the map sends it.
func TestCrop(t *testing.T) {
	t.Parallel()
	img := image.NewGray(image.Rect(0, 0, 288, 288)) // 2 pixels per point at 144 dpi
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 160; y < 180; y++ { // points 80..90
		for x := 100; x < 140; x++ { // points 50..70
			img.Pix[y*img.Stride+x] = 0
		}
	}
	for _, tc := range []struct {
		name string
		m    affine
		box  forms.Box
	}{
		{"identity", identity, forms.Box{X: 50, Y: 80, W: 20, H: 10}},
		{"shifted", affine{A: 1, E: 1, C: 10, F: -5}, forms.Box{X: 40, Y: 85, W: 20, H: 10}},
	} {
		c := crop(img, geometry{m: tc.m, dpi: 144}, tc.box, 0).(*image.Gray)
		if c.Bounds().Dx() != 40 || c.Bounds().Dy() != 20 {
			t.Fatalf("%s: crop is %v, want 40x20 pixels", tc.name, c.Bounds())
		}
		for i, v := range c.Pix {
			if v != 0 {
				t.Fatalf("%s: pixel %d of the crop is %d, want ink", tc.name, i, v)
			}
		}
		// With a margin the crop reaches white paper around the box.
		m := crop(img, geometry{m: tc.m, dpi: 144}, tc.box, 2).(*image.Gray)
		if m.Pix[0] != 255 || m.Pix[len(m.Pix)-1] != 255 {
			t.Errorf("%s: the margin is not paper", tc.name)
		}
	}
}
