package ocr

import (
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// The prototypes' votes for a typed A and a typed R: all the nearest
// prototypes that letter, the nearest close by.
var (
	typedA = shapeVote{class: classA, share: 1, near: 0.015}
	typedR = shapeVote{class: classR, share: 1, near: 0.024}
)

// TestClassifyMark covers how the prototypes' vote, the letter's shape and
// Tesseract's free reading combine into a mark and its confidence.
func TestClassifyMark(t *testing.T) {
	// shape returns a letter shape whose R score is r (positive: R).
	shape := func(r float64) letterShape { return letterShape{growth: (7.9 - r) / 9.3, across: 1.5} }
	tessSays := func(text string, conf float64) []word { return []word{{Text: text, Conf: conf}} }
	cases := []struct {
		name    string
		vote    shapeVote
		shape   letterShape
		free    []word
		want    string
		sure    bool // confidence at least the marks' default threshold
		maxConf float64
	}{
		{"clear typed A, Tesseract agrees", typedA, shape(-3), tessSays("A", 0.97), forms.MarkAdd, true, 1},
		{"typed A the fax thinned, Tesseract agrees", typedA, shape(-1.35), tessSays("A", 0.97), forms.MarkAdd, true, 1},
		{"typed R the fax thinned, Tesseract reads nothing", typedR, shape(1.99), nil, forms.MarkRem, true, 1},
		{"thinned A, prototypes not close", shapeVote{class: classA, share: 1, near: 0.05}, shape(-1.35), tessSays("A", 0.97), forms.MarkAdd, false, 0.85},
		{"thinned A, prototypes split", shapeVote{class: classA, share: 0.8, near: 0.015}, shape(-1.35), tessSays("A", 0.97), forms.MarkAdd, false, 0.85},
		{"shape barely an A", typedA, shape(-0.5), tessSays("A", 0.97), forms.MarkAdd, false, 0.85},
		{"Tesseract reads the other letter", typedA, shape(-1.35), tessSays("R", 0.9), forms.MarkAdd, false, 0.35},
		{"Tesseract reads something else", typedA, shape(-1.35), tessSays("4", 0.9), forms.MarkAdd, false, 0.85},
	}
	thr := DefaultThresholds.For(forms.KindMark)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := classifyMark(tc.vote, tc.shape, tc.free)
			if got.text != tc.want || (got.conf >= thr) != tc.sure || got.conf > tc.maxConf {
				t.Errorf("classifyMark = %q at %.2f; want %q, sure %v, at most %.2f", got.text, got.conf, tc.want, tc.sure, tc.maxConf)
			}
		})
	}
}

// TestTypedMark covers when the typed reader settles a mark alone: it
// reads the letter the prototypes vote for, fitting a face clearly.
func TestTypedMark(t *testing.T) {
	cases := []struct {
		name  string
		vote  shapeVote
		typed typedRead
		want  string // "" when the typed reader does not settle it
	}{
		// Seed 1357: a typed A with a tick the fax left beside it, whose
		// shape measures as an R.
		{"typed A", typedA, typedRead{text: "A", face: "Helvetica", fit: 0.92}, forms.MarkAdd},
		{"typed R", typedR, typedRead{text: "R", face: "Times", fit: 0.9}, forms.MarkRem},
		{"the other letter than the prototypes", typedA, typedRead{text: "R", face: "Helvetica", fit: 0.9}, ""},
		{"fitting no face clearly (hand)", typedA, typedRead{text: "A", face: "Courier", fit: 0.8}, ""},
		{"two letters", typedA, typedRead{text: "AA", face: "Courier", fit: 0.9}, ""},
		{"prototypes take it for a check", shapeVote{class: classOther, share: 1}, typedRead{text: "A", face: "Helvetica", fit: 0.9}, ""},
	}
	thr := DefaultThresholds.For(forms.KindMark)
	for _, tc := range cases {
		got, ok := typedMark(tc.vote, tc.typed)
		if ok != (tc.want != "") || got.text != tc.want || ok && got.conf < thr {
			t.Errorf("%s: typedMark = %q at %.2f, %v; want %q, sure", tc.name, got.text, got.conf, ok, tc.want)
		}
	}
}

// TestReadTypedMarkWithoutTesseract reads typed role marks with no
// Tesseract client (calling it would fail the test): the typed reader
// settles them. One is a real box from a G3 fax (seed 1357), an A with a
// tick beside it whose shape measured as an R's.
func TestReadTypedMarkWithoutTesseract(t *testing.T) {
	e := testEngine(t)
	field := &forms.Field{Name: "role.office_manager", Kind: forms.KindMark}
	for _, c := range []struct {
		name, font, letter string
	}{
		{"Liberation Sans A", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", forms.MarkAdd},
		{"Liberation Serif R", "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", forms.MarkRem},
		{"Liberation Mono A", "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", forms.MarkAdd},
		{"a fax's A with a tick", "testdata/mark-a-tick.png", forms.MarkAdd},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r region
			if strings.HasSuffix(c.font, ".png") {
				r = pngRegion(t, c.font)
			} else {
				r = inkRegion()
				p := pen{r.img, fieldDPI, loadFace(t, c.font, 12, fieldDPI)}
				p.mark(forms.Box{X: 20, Y: 2, W: 20, H: 16}, c.letter)
			}
			got, err := e.readMark(nil, r, field, 128)
			if err != nil {
				t.Fatal(err)
			}
			if got.text != c.letter || got.conf < e.thr.For(forms.KindMark) {
				t.Errorf("read %q at %.2f, want %q sure", got.text, got.conf, c.letter)
			}
		})
	}
}

// pngRegion is a field's region read from a gray PNG at fieldDPI.
func pngRegion(t *testing.T, path string) region {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s is not a gray PNG", path)
	}
	px := fieldDPI / 72
	return region{img: g, near: make([]bool, len(g.Pix)), px: px, box: boxF{0, 0, float64(g.Rect.Dx()) / px, float64(g.Rect.Dy()) / px}}
}
