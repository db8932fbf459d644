package ocr

import (
	"image"
	"math"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestUnclearDigit(t *testing.T) {
	for _, tc := range []struct {
		stamp    string
		readings []string
		want     bool
	}{
		{"08/15/2022", []string{"08/16/2022", "08/18/2022"}, true},
		{"05/01/2023", []string{"08/01/2023", "06/01/2023"}, true},
		{"05/01/2023", []string{"05/07/2023"}, true},
		{"08/15/2022", []string{"08/16/2022", "08/15/2023"}, false}, // different digits
		{"08/15/2022", []string{"08/16/2022", "08/15/2022"}, false}, // one reads it right
		{"08/15/2022", []string{"08/16/2023", "08/18/2022"}, false}, // two digits off
		{"08/15/2022", []string{"8/15/2022", "08/18/2022"}, false},
		{"08/15/2022", nil, false},
	} {
		if got := unclearDigit(tc.stamp, tc.readings...); got != tc.want {
			t.Errorf("unclearDigit(%q, %q) = %v, want %v", tc.stamp, tc.readings, got, tc.want)
		}
	}
}

func TestNearLayout(t *testing.T) {
	reg, err := forms.Load()
	if err != nil {
		t.Fatal(err)
	}
	fam := reg.Family("batch-removal")
	layout := fam.Revision("05/01/2023")
	if layout == nil {
		t.Fatal("no batch-removal 05/01/2023 in the registry")
	}
	for _, tc := range []struct {
		name     string
		band     string
		bandConf float64
		box      string
		boxConf  float64
		want     bool
	}{
		{"band blurred, box a digit off", "06/01/2029", 0.10, "06/01/2023", 0.89, true},
		{"both unsure, band a digit off", "05/07/2023", 0.5, "09/01/2028", 0.6, true},
		{"both sure and disagreeing", "06/01/2023", 0.9, "05/01/2021", 0.8, false},
		{"both clear, the band a day to come", "08/01/2028", 0.78, "08/01/2023", 0.9, true},
		{"both clear, the box a day to come", "06/01/2023", 0.9, "05/01/2028", 0.8, true},
		{"neither a digit from the layout", "06/01/2029", 0.1, "06/07/2023", 0.89, false},
		{"box unread", "06/01/2023", 0.3, "", 0, false},
		{"readings agree", "06/01/2023", 0.3, "06/01/2023", 0.3, false},
	} {
		if got := nearLayout(fam, layout, tc.band, tc.bandConf, tc.box, tc.boxConf); got != tc.want {
			t.Errorf("%s: nearLayout(%q %.2f, %q %.2f) = %v, want %v", tc.name, tc.band, tc.bandConf, tc.box, tc.boxConf, got, tc.want)
		}
	}
}

func TestNotCurrentEither(t *testing.T) {
	reg, err := forms.Load()
	if err != nil {
		t.Fatal(err)
	}
	fam := reg.Family("district-staff")
	retired, current := fam.Revision("03/15/2021"), fam.Revision("07/01/2023")
	if retired == nil || current == nil {
		t.Fatal("no district-staff 03/15/2021 and 07/01/2023 in the registry")
	}
	for _, tc := range []struct {
		name  string
		near  *forms.Revision
		lead  float64
		reads []string
		want  bool
	}{
		{"both reads a digit from the retired one", retired, 0.18, []string{"03/18/2021", "03/18/2021"}, true},
		{"one read unread", retired, 0.18, []string{"03/18/2021", ""}, true},
		{"layout barely leads", retired, 0.05, []string{"03/18/2021", "03/18/2021"}, false},
		{"a read a digit from the current one", retired, 0.18, []string{"03/18/2021", "07/01/2028"}, false},
		{"near is the current one", current, 0.3, []string{"07/01/2028"}, false},
		{"nothing read", retired, 0.3, []string{"", ""}, false},
	} {
		if got := notCurrentEither(fam, tc.near, tc.lead, tc.reads...); got != tc.want {
			t.Errorf("%s: notCurrentEither(%s, %.2f, %q) = %v, want %v", tc.name, tc.near.Stamp, tc.lead, tc.reads, got, tc.want)
		}
	}
}

// TestHeaderRule finds the header rule on crafted pages at 200 dpi: a
// rule a fax broke into pieces a coarse pixel apart is still a rule; a
// line of text as long, its words a pixel apart, is not.
func TestHeaderRule(t *testing.T) {
	const dpi = 200.0
	px := dpi / 72
	coarse := int(dpi / coarseDPI) // page pixels to a coarse pixel
	page := func(y float64, on func(x int) bool) *scanned {
		img := image.NewGray(image.Rect(0, 0, int(612*px), int(792*px)))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		for yy := int(y * px); yy < int(y*px)+coarse; yy++ {
			for x := int(40 * px); x < int(580*px); x++ {
				if on(x / coarse) {
					img.Pix[yy*img.Stride+x] = 0
				}
			}
		}
		return newScanned(img, dpi)
	}
	cases := []struct {
		name string
		on   func(x int) bool // coarse columns inked
		want bool
	}{
		{"whole", func(int) bool { return true }, true},
		{"broken a pixel apart", func(x int) bool { return x%60 != 0 }, true},
		{"broken two pixels apart", func(x int) bool { return x%60 > 1 }, false},
		{"words a pixel apart", func(x int) bool { return x%4 != 0 }, false},
	}
	for _, c := range cases {
		y, ok := headerRule(page(headerRuleY, c.on))
		if ok != c.want || ok && math.Abs(y-headerRuleY) > 3 { // a coarse row is 1.4 points
			t.Errorf("%s: found %v at %.1f, want %v at %.0f", c.name, ok, y, c.want, headerRuleY)
		}
	}
}

func TestWithoutRules(t *testing.T) {
	const w, h = 300, 40
	// A line of "text" on rows 5-24 (dark cells, as digits' strokes
	// leave), and a rule on rows 30-33 with rows 29 and 34 its blurred
	// edges.
	draw := func(rule func(x int) bool) *image.Gray {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		for y := 5; y < 25; y++ {
			for x := 150; x < 290; x++ {
				if (x/6)%2 == 0 && (y < 8 || y > 21 || x%6 < 2) {
					img.Pix[y*w+x] = 0
				}
			}
		}
		for x := range w {
			if !rule(x) {
				continue
			}
			for y := 30; y < 34; y++ {
				img.Pix[y*w+x] = 0
			}
			if x%5 == 0 {
				img.Pix[29*w+x], img.Pix[34*w+x] = 60, 60
			}
		}
		return img
	}
	dark := func(img *image.Gray, y0, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := range w {
				if img.Pix[y*w+x] < 128 {
					n++
				}
			}
		}
		return n
	}
	want := dark(draw(func(int) bool { return false }), 0, 25)
	for _, c := range []struct {
		name string
		rule func(x int) bool
		want bool
	}{
		{"whole", func(int) bool { return true }, true},
		{"broken by a fax", func(x int) bool { return x%40 < 25 }, true},
		{"none", func(int) bool { return false }, false},
	} {
		img := draw(c.rule)
		if got := withoutRules(img); got != c.want {
			t.Errorf("%s: found a rule %v, want %v", c.name, got, c.want)
		}
		if got := dark(img, 0, 25); got != want {
			t.Errorf("%s: %d dark pixels of text left, want %d", c.name, got, want)
		}
		if got := dark(img, 25, h); got != 0 {
			t.Errorf("%s: %d dark pixels of the rule left", c.name, got)
		}
	}
}
