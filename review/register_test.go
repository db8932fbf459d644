package review

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/raster"
)

// TestRegister registers faxed and scanned sample pages to their
// templates and compares where field boxes land with where the corpus
// generator put them.
func TestRegister(t *testing.T) {
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
