package ocr

import (
	"image"
	"image/draw"
	"math"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/lausd/misis-intake/forms"
)

const (
	printFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	handFont  = "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf"
)

// loadFace opens a TrueType font at size points for an image at dpi.
func loadFace(t testing.TB, path string, size, dpi float64) font.Face {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("font: %v", err)
	}
	f, err := opentype.Parse(b)
	if err != nil {
		t.Fatalf("font: %v", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		t.Fatalf("font: %v", err)
	}
	t.Cleanup(func() { face.Close() })
	return face
}

// pen writes on a blank page image at dpi, in template points.
type pen struct {
	img  *image.Gray
	dpi  float64
	face font.Face
}

// text writes s on the line of box b, a little right of its start.
func (p pen) text(b forms.Box, s string) {
	k := p.dpi / 72
	d := font.Drawer{
		Dst:  p.img,
		Src:  image.Black,
		Face: p.face,
		Dot:  fixed.P(int((b.X+4)*k), int((b.Bottom()-2.5)*k)),
	}
	d.DrawString(s)
}

// stroke draws a polyline through pts (points) with a round pen w points wide.
func (p pen) stroke(w float64, pts ...[2]float64) {
	k := p.dpi / 72
	r := w * k / 2
	for i := 1; i < len(pts); i++ {
		x0, y0 := pts[i-1][0]*k, pts[i-1][1]*k
		x1, y1 := pts[i][0]*k, pts[i][1]*k
		n := int(math.Hypot(x1-x0, y1-y0)) + 1
		for s := 0; s <= n; s++ {
			f := float64(s) / float64(n)
			cx, cy := x0+(x1-x0)*f, y0+(y1-y0)*f
			for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
				for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
					if math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) <= r && image.Pt(x, y).In(p.img.Rect) {
						p.img.Pix[y*p.img.Stride+x] = 20
					}
				}
			}
		}
	}
}

// mark writes a mark into a role box: "A" or "R" as letters in the
// face, "check" and "cross" as strokes.
func (p pen) mark(b forms.Box, m string) {
	switch m {
	case "check":
		p.stroke(1.2, [2]float64{b.X + 3, b.Y + b.H*0.55}, [2]float64{b.X + b.W*0.4, b.Bottom() - 3}, [2]float64{b.Right() - 2, b.Y + 2})
	case "cross":
		p.stroke(1.2, [2]float64{b.X + 3, b.Y + 3}, [2]float64{b.Right() - 3, b.Bottom() - 3})
		p.stroke(1.2, [2]float64{b.Right() - 3, b.Y + 3}, [2]float64{b.X + 3, b.Bottom() - 3})
	case "":
	default:
		k := p.dpi / 72
		adv := font.MeasureString(p.face, m)
		x := (b.X+b.W/2)*k - float64(adv)/64/2
		d := font.Drawer{Dst: p.img, Src: image.Black, Face: p.face, Dot: fixed.P(int(x), int((b.Bottom()-3)*k))}
		d.DrawString(m)
	}
}

// signature scribbles a signature on the line of box b.
func (p pen) signature(b forms.Box) {
	var pts [][2]float64
	for i := 0; i <= 40; i++ {
		x := b.X + 10 + float64(i)*2.2
		y := b.Bottom() - 6 - 5*math.Sin(float64(i)*0.9) - 2*math.Cos(float64(i)*0.37)
		pts = append(pts, [2]float64{x, y})
	}
	p.stroke(1.0, pts...)
}

// copyGray returns a copy of img.
func copyGray(img *image.Gray) *image.Gray {
	out := image.NewGray(img.Rect)
	draw.Draw(out, out.Rect, img, img.Rect.Min, draw.Src)
	return out
}

// revision returns the named revision or fails the test.
func revision(t testing.TB, reg *forms.Registry, key string) *forms.Revision {
	t.Helper()
	fam, stamp, _ := strings.Cut(key, "@")
	r := reg.Revision(fam, stamp)
	if r == nil {
		t.Fatalf("no revision %s", key)
	}
	return r
}
