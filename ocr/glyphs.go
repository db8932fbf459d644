package ocr

import (
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
)

// A second reader for handwritten digits: each piece of ink in a digits or
// date field is matched against prototypes of the digits, the slash and the
// dash drawn from the PDF core fonts and turned, slanted and thickened as
// hands do. It reads only what is written as separate characters, which
// printed hands mostly do; where it and Tesseract agree, the value is far
// more likely right than either alone says.

const glyphChars = "0123456789/-"

type glyphProto struct {
	char byte
	vec  []float64
}

var (
	digitOnce   sync.Once
	digitProtos []glyphProto
	digitErr    error
)

func digitPrototypes() ([]glyphProto, error) {
	digitOnce.Do(func() {
		glyphs, err := glyphSheet(glyphChars)
		if err != nil {
			digitErr = err
			return
		}
		r := rand.New(rand.NewPCG(5, 6))
		for _, g := range glyphs {
			for v := 0; v < 8; v++ {
				d := g.distorted((r.Float64()-0.5)*0.3, (r.Float64()-0.5)*0.6, r.IntN(3)-1)
				vec := describeShape(d)
				if vec != nil {
					digitProtos = append(digitProtos, glyphProto{g.letter, vec})
				}
			}
		}
	})
	return digitProtos, digitErr
}

// describeShape describes a glyph image, keeping the proportions that tell
// a 1 or a slash from a 0: the descriptor itself scales to the box, so the
// box's aspect is appended.
func describeShape(g glyph) []float64 {
	return describe(func(x, y int) float64 { return g.ink[y*g.w+x] }, g.w, g.h)
}

// readGlyphs reads the kept ink of a region as characters from glyphChars,
// piece by piece from left to right, and returns the string and the least
// share of nearest prototypes that agreed on a character.
func readGlyphs(k inkOf, r region) (string, float64, error) {
	protos, err := digitPrototypes()
	if err != nil {
		return "", 0, err
	}
	w := r.img.Rect.Dx()
	blobs := append([]blob(nil), k.blobs...)
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].bounds.Min.X < blobs[j].bounds.Min.X })
	var b strings.Builder
	least := 1.0
	for _, bl := range blobs {
		bb := bl.bounds
		vec := describe(func(x, y int) float64 {
			if k.mask[(y+bb.Min.Y)*w+x+bb.Min.X] {
				return 1
			}
			return 0
		}, bb.Dx(), bb.Dy())
		if vec == nil {
			continue
		}
		c, share := nearestGlyph(protos, vec)
		// A one, a slash and a dash are strokes; their slant and length
		// tell them apart better than a grid does.
		switch aspect := float64(bb.Dy()) / float64(bb.Dx()); {
		case aspect < 0.6:
			c = '-'
		case c == '-':
			c, share = '1', share*0.5
		}
		b.WriteByte(c)
		least = min(least, share)
	}
	return b.String(), least, nil
}

func nearestGlyph(protos []glyphProto, vec []float64) (byte, float64) {
	type hit struct {
		d float64
		c byte
	}
	hits := make([]hit, len(protos))
	for i, p := range protos {
		var dot float64
		for k, v := range p.vec {
			dot += v * vec[k]
		}
		hits[i] = hit{1 - dot, p.char}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	votes := map[byte]int{}
	for _, h := range hits[:kNearest] {
		votes[h.c]++
	}
	best, n := hits[0].c, 0
	for c, v := range votes {
		if v > n || (v == n && c == hits[0].c) {
			best, n = c, v
		}
	}
	return best, float64(n) / kNearest
}
