package ocr

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// inkRegion returns a region at fieldDPI, 60 x 20 points, with black
// rectangles (in points) drawn on white paper.
func inkRegion(rects ...[4]float64) region {
	px := fieldDPI / 72
	img := image.NewGray(image.Rect(0, 0, int(60*px), int(20*px)))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, r := range rects {
		for y := int(r[1] * px); y < int((r[1]+r[3])*px); y++ {
			for x := int(r[0] * px); x < int((r[0]+r[2])*px); x++ {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return region{img: img, near: make([]bool, len(img.Pix)), px: px, box: boxF{0, 0, 60, 20}}
}

func TestWithoutStrays(t *testing.T) {
	letter := func(x float64) [4]float64 { return [4]float64{x, 6, 3, 7} }
	dot := func(x, y float64) [4]float64 { return [4]float64{x, y, 1, 1} }
	low := func(x float64) [4]float64 { return [4]float64{x, 9, 3, 7} } // clear of the top edge
	tests := []struct {
		name     string
		rects    [][4]float64
		anywhere bool
		want     int // blobs kept
	}{
		{"a speck after the writing goes", [][4]float64{letter(5), letter(10), dot(25, 12)}, false, 2},
		{"a speck before the writing goes", [][4]float64{dot(1, 2), letter(10), letter(15)}, false, 2},
		{"a dot between words of text stays", [][4]float64{letter(5), dot(12, 12), letter(17)}, false, 3},
		{"a lone speck between digits goes", [][4]float64{letter(5), dot(12, 12), letter(17)}, true, 2},
		{"a dot beside a letter of text stays", [][4]float64{letter(5), dot(8.5, 12)}, false, 2},
		{"a speck beside a digit goes", [][4]float64{letter(5), {8.5, 11, 1.2, 2.4}, letter(10)}, true, 2},
		{"a piece under a digit stays", [][4]float64{letter(5), {6, 14, 1.2, 2.4}, letter(10)}, true, 3},
		{"a speck clear above a run of digits goes", [][4]float64{low(5), low(10), low(15), dot(11, 6.5)}, true, 3},
		{"a speck clear below a run of digits goes", [][4]float64{low(5), low(10), low(15), dot(16, 17.5)}, true, 3},
		// A speck 0.7 points over the last 0 of a typed number (seed 1919):
		// kept, it made the 0 a 6 for the character and typed readers.
		{"a speck just above a run of digits goes", [][4]float64{low(5), low(10), low(15), dot(16, 7.3)}, true, 3},
		{"a bit broken off under a digit of a run stays", [][4]float64{low(5), low(10), low(15), {11, 16.3, 1.2, 1.2}}, true, 4},
		{"a speck above text stays for the dot of an i", [][4]float64{low(5), low(10), low(15), dot(11, 6.5)}, false, 4},
		{"a larger piece apart from the rest stays", [][4]float64{letter(5), {30, 8, 3, 3}}, true, 2},
		{"a lone dot is left to the speck rule", [][4]float64{dot(20, 10)}, true, 1},
		{"a speck a 98 dpi fax stretched goes", [][4]float64{{1, 2, 1.2, 2.4}, letter(10), letter(15)}, false, 2},
		// The last digit of a worn G3 fax (seed 2323) broken into pieces
		// none bigger than a dot, together the size of a digit.
		{"a digit worn into dots stays", [][4]float64{letter(5), letter(10), {15, 6, 1.5, 1.5}, {16.5, 8.2, 1.5, 1.5}, {15.5, 10.4, 1.5, 1.5}, {15, 12.6, 1.5, 1.5}}, true, 6},
		{"two specks together between digits go", [][4]float64{letter(5), dot(12, 12), dot(13.6, 12), letter(17)}, true, 2},
		{"an apostrophe inside a name stays", [][4]float64{letter(5), {9, 6, 1, 2.4}, letter(12)}, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inkRegion(tt.rects...)
			k := findInk(r, 128, minBlob)
			got := k.withoutStrays(r, tt.anywhere)
			if len(got.blobs) != tt.want {
				t.Fatalf("kept %d of %d pieces, want %d", len(got.blobs), len(k.blobs), tt.want)
			}
			dropped := len(k.blobs) - len(got.blobs)
			if got.specks != k.specks+dropped {
				t.Errorf("specks = %d, want %d", got.specks, k.specks+dropped)
			}
			inked := 0
			for _, m := range got.mask {
				if m {
					inked++
				}
			}
			if inked != got.area {
				t.Errorf("mask holds %d pixels, area says %d", inked, got.area)
			}
		})
	}
}

// TestBlankFieldWithSpecks checks that specks a fax leaves in a field,
// none the size of a letter's stroke, read as a surely blank field, and
// that one stroke of a letter does not.
func TestBlankFieldWithSpecks(t *testing.T) {
	e := testEngine(t)
	tc := testClient(t, e)
	field := &forms.Field{Name: "itd_reason", Kind: forms.KindText, Box: forms.Box{W: 60, H: 20}}
	tests := []struct {
		name  string
		rects [][4]float64
		blank bool // surely blank
	}{
		{"clean", nil, true},
		{"one fax-normal speck", [][4]float64{{30, 8, 1.2, 2.6}}, true},
		{"two specks far apart", [][4]float64{{5, 8, 1.2, 2.6}, {50, 12, 1.4, 2.4}}, true},
		{"three dots", [][4]float64{{5, 8, 1, 1}, {25, 12, 1, 1}, {50, 5, 1, 1}}, true},
		{"a stroke of a letter", [][4]float64{{30, 6, 1.2, 7}}, false},
		{"a blot", [][4]float64{{30, 8, 2.8, 2.8}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inkRegion(tt.rects...)
			rd, err := e.readText(tc, r, field, findInk(r, 128, minBlob), nil)
			if err != nil {
				t.Fatal(err)
			}
			sure := rd.text == "" && rd.conf >= e.thr.For(forms.KindText)
			if sure != tt.blank {
				t.Errorf("read %q at %.3f; surely blank %v, want %v", rd.text, rd.conf, sure, tt.blank)
			}
		})
	}
}

// TestMarkBoxWithSpeck checks that a fax speck in a role box reads as a
// surely blank box, and a dot of ink as a blank one not surely so.
func TestMarkBoxWithSpeck(t *testing.T) {
	e := testEngine(t)
	tc := testClient(t, e)
	box := &forms.Field{Name: "role.counselor", Kind: forms.KindMark, Box: forms.Box{W: 15, H: 15}}
	for _, tt := range []struct {
		name string
		rect [4]float64
		sure bool
	}{
		{"a speck", [4]float64{20, 8, 1.2, 1.4}, true},
		{"a dot of ink", [4]float64{20, 8, 2.2, 2.2}, false},
	} {
		rd, err := e.readMark(tc, inkRegion(tt.rect), box, 128)
		if err != nil {
			t.Fatal(err)
		}
		if rd.text != forms.MarkBlank || (rd.conf >= e.thr.For(forms.KindMark)) != tt.sure {
			t.Errorf("%s: read %q at %.2f, want blank, sure %v", tt.name, rd.text, rd.conf, tt.sure)
		}
	}
}

// TestChessboard checks the distance map against its definition: a pixel
// lies within r of the print when a printed pixel is in the square of
// radius r around it.
func TestChessboard(t *testing.T) {
	const w, h = 37, 23
	abs := func(v int) int { return max(v, -v) }
	rng := rand.New(rand.NewPCG(1, 2))
	for _, density := range []float64{0, 0.002, 0.02, 0.2} {
		d := make([]uint8, w*h)
		set := make([]bool, w*h)
		for i := range d {
			d[i] = 255
			if rng.Float64() < density {
				d[i], set[i] = 0, true
			}
		}
		chessboard(d, w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				want := 255
				for v := 0; v < h; v++ {
					for u := 0; u < w; u++ {
						if set[v*w+u] {
							want = min(want, max(abs(u-x), abs(v-y)))
						}
					}
				}
				if got := int(d[y*w+x]); got != want {
					t.Fatalf("density %v: distance at (%d,%d) is %d, want %d", density, x, y, got, want)
				}
			}
		}
	}
}

// TestWhole checks that the pieces of k.whole are those of the kept ink
// with its faint parts: a stroke whose top the fax left grey is as tall
// as it is, and a grey mark beyond withFaint's reach stays out.
func TestWhole(t *testing.T) {
	r := inkRegion([4]float64{10, 8, 2, 6})
	px := r.px
	grey := func(x0, y0, x1, y1 float64, v uint8) {
		for y := int(y0 * px); y < int(y1*px); y++ {
			for x := int(x0 * px); x < int(x1*px); x++ {
				r.img.Pix[y*r.img.Stride+x] = v
			}
		}
	}
	grey(10, 7.6, 12, 8, 170) // the stroke's worn top, above the dark part
	grey(40, 6, 42, 14, 170)  // a grey mark far off
	k := findInk(r, 128, minBlob).withFaint(r)
	if got := k.bounds.Dy(); got != int(14*px)-int(8*px) {
		t.Fatalf("dark ink %d pixels tall, want the dark part only", got)
	}
	w := k.whole(r)
	if len(w.blobs) != 1 {
		t.Fatalf("whole has %d pieces, want 1", len(w.blobs))
	}
	if got, want := w.bounds, image.Rect(int(10*px), int(7.6*px), int(12*px), int(14*px)); got != want {
		t.Errorf("whole's bounds %v, want %v (the stroke with its grey top)", got, want)
	}
}
