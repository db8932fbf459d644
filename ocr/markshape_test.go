package ocr

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"testing"

	"github.com/gen2brain/go-fitz"
	"github.com/go-pdf/fpdf"

	"github.com/lausd/misis-intake/forms"
)

// handFonts are the handwriting fonts marks are crafted in, with the
// scale that brings their capitals to about the same height.
var handFonts = []struct {
	name, path string
	scale      float64
}{
	{"dkg", "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", 1.0},
	{"dkg-bold", "/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf", 1.0},
	{"breip", "/usr/share/fonts/truetype/breip/Breip.ttf", 1.25},
	{"humor-sans", "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf", 1.1},
}

// markBox is where a crafted role box sits on its small page, in points.
var markBox = forms.Box{X: 12.5, Y: 12.5, W: 15, H: 15}

const markPage = 40.0 // points: the side of the crafted page

// handMark says how a crafted mark is written: a letter in a hand font,
// or strokes (a check, cross or scribble).
type handMark struct {
	font   int     // index into handFonts
	letter string  // "A" or "R"; "" for strokes
	size   float64 // letter height over the box's
	slant  float64 // degrees of italic lean
	turn   float64 // degrees the letter is turned
	stroke float64 // the pen's width over the glyph's outline, points
	lines  [][][2]float64
}

// drawMarkPage draws the role box and, unless m is nil, the mark in it,
// and returns the page as a PDF.
func drawMarkPage(t *testing.T, m *handMark) []byte {
	t.Helper()
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: markPage, Ht: markPage}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	pdf.SetLineWidth(0.9)
	b := markBox
	pdf.Rect(b.X, b.Y, b.W, b.H, "D")
	switch {
	case m == nil:
	case m.letter != "":
		f := handFonts[m.font]
		ttf, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatalf("hand font: %v", err)
		}
		pdf.AddUTF8FontFromBytes(f.name, "", ttf)
		size := b.H * m.size * f.scale
		pdf.SetFont(f.name, "", size)
		cx, cy := b.X+b.W/2, b.Y+b.H/2
		x := cx - pdf.GetStringWidth(m.letter)/2
		y := cy + size*0.36
		pdf.TransformBegin()
		pdf.TransformRotate(m.turn, cx, cy)
		pdf.TransformSkewX(m.slant, x, y)
		pdf.SetTextRenderingMode(2)
		pdf.SetLineWidth(m.stroke + 0.2)
		pdf.Text(x, y, m.letter)
		pdf.SetTextRenderingMode(0)
		pdf.TransformEnd()
	default:
		pdf.SetLineWidth(m.stroke)
		pdf.SetLineCapStyle("round")
		pdf.SetLineJoinStyle("round")
		for _, l := range m.lines {
			pdf.MoveTo(b.X+l[0][0]*b.W, b.Y+l[0][1]*b.H)
			for _, p := range l[1:] {
				pdf.LineTo(b.X+p[0]*b.W, b.Y+p[1]*b.H)
			}
			pdf.DrawPath("D")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// renderGray renders page 1 of a PDF at dpi as grey pixels.
func renderGray(t *testing.T, doc []byte, dpi float64) *image.Gray {
	t.Helper()
	d, err := fitz.NewFromMemory(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rgba, err := d.ImageDPI(0, dpi)
	if err != nil {
		t.Fatal(err)
	}
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[y*w+x] = rgba.Pix[y*rgba.Stride+4*x+1]
		}
	}
	return out
}

// markTransports are the ways a crafted mark reaches the engine: scanned
// in grey, or faxed (black and white at 204 dpi, strokes thinned by the
// fax's threshold; in normal mode every other row is lost).
var markTransports = []struct {
	name string
	dpi  float64
	post func(*image.Gray) *image.Gray
}{
	{"scan-300", 300, nil},
	{"fax-fine", 204, thinFax},
	{"fax-normal", 204, func(img *image.Gray) *image.Gray { return faxNormal(thinFax(img)) }},
}

// thinFax binarises as a fax machine set light does: only dark grey
// becomes black, so strokes lose their soft edges.
func thinFax(img *image.Gray) *image.Gray {
	out := copyGray(img)
	for i, p := range out.Pix {
		if p < 90 {
			out.Pix[i] = 0
		} else {
			out.Pix[i] = 255
		}
	}
	return out
}

// readCraftedMark draws m, passes it through the transport and reads the
// role box as the engine does, printed box removed.
func readCraftedMark(t *testing.T, e *Engine, tc *tess, m *handMark, dpi float64, post func(*image.Gray) *image.Gray) read {
	t.Helper()
	page := renderGray(t, drawMarkPage(t, m), dpi)
	if post != nil {
		page = post(page)
	}
	tmpl := renderGray(t, drawMarkPage(t, nil), fieldDPI)
	f := &forms.Field{Name: "role.test", Kind: forms.KindMark, Box: markBox}
	r := cut(page, affine{A: dpi / 72, E: dpi / 72}, newPrinted(tmpl, regionBox(f), printedMargin), 0.6)
	rd, err := e.readMark(tc, r, f, 128)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

func TestHandMarkLetters(t *testing.T) {
	e := testEngine(t)
	tc := testClient(t, e)
	type pose struct {
		slant, turn, size, stroke float64
	}
	poses := []pose{
		{slant: -12, turn: 4, size: 1.15, stroke: 0.15}, // leaning right, thin pen
		{slant: 0, turn: -5, size: 1.35, stroke: 0.6},   // upright, broad pen, tall
		{slant: 7, turn: 2, size: 1.25, stroke: 0.35},   // leaning left
	}
	sure := e.thr.For(forms.KindMark)
	wrong, cases := 0, 0
	for fi, f := range handFonts {
		for _, letter := range []string{forms.MarkAdd, forms.MarkRem} {
			for _, p := range poses {
				for _, tr := range markTransports {
					name := fmt.Sprintf("%s/%s/slant%+.0f-pen%.2f/%s", f.name, letter, p.slant, p.stroke, tr.name)
					cases++
					t.Run(name, func(t *testing.T) {
						m := &handMark{font: fi, letter: letter, size: p.size, slant: p.slant, turn: p.turn, stroke: p.stroke}
						rd := readCraftedMark(t, e, tc, m, tr.dpi, tr.post)
						switch {
						case rd.text == letter:
						case rd.conf >= sure:
							t.Errorf("read %q surely (%.2f), want %q", rd.text, rd.conf, letter)
						case letter == forms.MarkAdd:
							// An A stands on its two feet however it is cut.
							t.Errorf("read %q at %.2f, want %q", rd.text, rd.conf, letter)
						default:
							// An R whose bowl the box's edge cut may pass for
							// another mark, unsure.
							t.Logf("read %q at %.2f, want %q", rd.text, rd.conf, letter)
							wrong++
						}
					})
				}
			}
		}
	}
	if wrong*9 > cases {
		t.Errorf("%d of %d letters read wrong, want at most one in nine", wrong, cases)
	}
}

func TestHandMarkOthers(t *testing.T) {
	e := testEngine(t)
	tc := testClient(t, e)
	marks := []struct {
		name  string
		lines [][][2]float64
	}{
		{"check", [][][2]float64{{{0.15, 0.55}, {0.42, 0.88}, {0.95, 0.05}}}},
		{"check-small", [][][2]float64{{{0.25, 0.5}, {0.45, 0.8}, {0.8, 0.15}}}},
		{"cross", [][][2]float64{{{0.13, 0.13}, {0.87, 0.87}}, {{0.87, 0.13}, {0.13, 0.87}}}},
		{"cross-tilted", [][][2]float64{{{0.2, 0.08}, {0.8, 0.92}}, {{0.92, 0.25}, {0.08, 0.7}}}},
		{"scribble", [][][2]float64{{{0.2, 0.2}, {0.8, 0.3}, {0.25, 0.5}, {0.85, 0.6}, {0.2, 0.8}, {0.75, 0.85}}}},
	}
	for _, mk := range marks {
		for _, width := range []float64{0.9, 1.6} {
			for _, tr := range markTransports {
				t.Run(fmt.Sprintf("%s/pen%.1f/%s", mk.name, width, tr.name), func(t *testing.T) {
					m := &handMark{stroke: width, lines: mk.lines}
					rd := readCraftedMark(t, e, tc, m, tr.dpi, tr.post)
					if rd.text != forms.MarkOther {
						t.Errorf("read %q at %.2f, want other", rd.text, rd.conf)
					}
					if rd.conf >= e.thr.For(forms.KindMark) {
						t.Errorf("read %q at %.2f: other marks are never sure", rd.text, rd.conf)
					}
				})
			}
		}
	}
}

// TestLetterShape checks that the shape alone tells A from R in every
// hand font, upright and slanted either way.
func TestLetterShape(t *testing.T) {
	for fi, f := range handFonts {
		for _, letter := range []string{forms.MarkAdd, forms.MarkRem} {
			var scores []float64
			for _, slant := range []float64{-14, 0, 8} {
				m := &handMark{font: fi, letter: letter, size: 1.2, slant: slant, stroke: 0.3}
				page := renderGray(t, drawMarkPage(t, m), fieldDPI)
				tmpl := renderGray(t, drawMarkPage(t, nil), fieldDPI)
				fd := &forms.Field{Kind: forms.KindMark, Box: markBox}
				r := cut(page, affine{A: fieldDPI / 72, E: fieldDPI / 72}, newPrinted(tmpl, regionBox(fd), printedMargin), 0.6)
				k := withCap(findInk(r, 128, 0.5), r, 128)
				scores = append(scores, measureLetter(k, r.img.Rect.Dx()).rScore())
			}
			for i, s := range scores {
				if (letter == forms.MarkRem) != (s > 0) {
					t.Errorf("%s %s slant %d: R score %.2f", f.name, letter, i, s)
				}
			}
		}
	}
}

// TestWithCap checks that the top of a letter standing above its box is
// put back, and that ink hanging in from the line above is not.
func TestWithCap(t *testing.T) {
	tmpl := renderGray(t, drawMarkPage(t, nil), fieldDPI)
	fd := &forms.Field{Kind: forms.KindMark, Box: markBox}
	px := fieldDPI / 72
	top := int(3 * px) // the box's top edge, in region pixels
	cases := []struct {
		name string
		mark *handMark
		cap  bool // whether a piece above the box's edge is put back
	}{
		{"tall A", &handMark{font: 0, letter: forms.MarkAdd, size: 1.2, stroke: 0.3}, true},
		{"tall slanted A", &handMark{font: 2, letter: forms.MarkAdd, size: 1.25, slant: -10, stroke: 0.3}, true},
		{"descender from above over an A", &handMark{stroke: 1, lines: [][][2]float64{
			{{0.3, -0.4}, {0.32, -0.12}}, // hangs in from the line above
			{{0.2, 0.9}, {0.5, 0.1}, {0.8, 0.9}}, {{0.3, 0.6}, {0.7, 0.6}},
		}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := renderGray(t, drawMarkPage(t, c.mark), fieldDPI)
			r := cut(page, affine{A: px, E: px}, newPrinted(tmpl, regionBox(fd), printedMargin), 0.6)
			k := findInk(r, 128, 0.5)
			if len(k.blobs) == 0 {
				t.Fatal("no ink found")
			}
			if k.bounds.Min.Y < top {
				t.Fatalf("findInk already keeps ink from row %d, above the box's edge at %d", k.bounds.Min.Y, top)
			}
			got := withCap(k, r, 128)
			if capped := got.bounds.Min.Y < top-int(0.5*px); capped != c.cap {
				t.Errorf("ink starts at row %d (box edge at %d): cap put back = %v, want %v", got.bounds.Min.Y, top, capped, c.cap)
			}
		})
	}
}
