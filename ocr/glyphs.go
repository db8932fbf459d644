package ocr

import (
	"image"
	"math/rand/v2"
	"slices"
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
	var b strings.Builder
	least := 1.0
	for _, bb := range characterBoxes(k, w) {
		vec := describe(func(x, y int) float64 {
			if k.mask[(y+bb.Min.Y)*w+x+bb.Min.X] {
				return 1
			}
			return 0
		}, bb.Dx(), bb.Dy())
		if vec == nil {
			continue
		}
		c, share := nearestGlyph(protos, vec, glyphChars)
		// An 8 has two holes, a 0, 6 or 9 one: where the nearest
		// prototypes name a digit with another count of holes than the
		// ink has, the nearest digit with that count is read instead.
		switch holes := countHoles(k.mask, w, bb); {
		case c == '8' && holes == 1:
			var s float64
			c, s = nearestGlyph(protos, vec, "069")
			share = min(share, s)
		case (c == '0' || c == '6' || c == '9') && holes == 2:
			c = '8'
		}
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

// characterBoxes returns the boxes of the characters the pieces of ink k
// (a mask w pixels wide) make, from left to right. No digit, slash or
// dash stands above another, so pieces one above the other are one
// character that fax or faint toner broke: the bar of a 2 parted from its
// curve, the foot of a 3. A piece wider than any one character is two
// that bold type or a fax joined, and is parted where least ink joins them.
func characterBoxes(k inkOf, w int) []image.Rectangle {
	sorted := append([]blob(nil), k.blobs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].bounds.Min.X < sorted[j].bounds.Min.X })
	var boxes []image.Rectangle
	for _, bl := range sorted {
		if n := len(boxes); n > 0 && stacked(boxes[n-1], bl.bounds) {
			boxes[n-1] = boxes[n-1].Union(bl.bounds)
			continue
		}
		boxes = append(boxes, bl.bounds)
	}
	line := 0
	for _, b := range boxes {
		line = max(line, b.Dy())
	}
	var out []image.Rectangle
	for _, b := range boxes {
		if float64(b.Dx()) > joinedWidth*float64(line) {
			if l, r, ok := part(k.mask, w, b); ok {
				out = append(out, l, r)
				continue
			}
		}
		out = append(out, b)
	}
	return out
}

// joinedWidth is the width, in line heights, beyond which a piece of ink
// in a digits or date field is two characters: digits are about two
// thirds as wide as they stand.
const joinedWidth = 0.85

// part splits box b of mask (w pixels wide) at the column of least ink in
// its middle, where that is a thin join, and returns the two halves
// cropped to their ink.
func part(mask []bool, w int, b image.Rectangle) (image.Rectangle, image.Rectangle, bool) {
	best, least := -1, b.Dy()
	for x := b.Min.X + b.Dx()*3/10; x < b.Max.X-b.Dx()*3/10; x++ {
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if mask[y*w+x] {
				n++
			}
		}
		if n < least {
			best, least = x, n
		}
	}
	if best < 0 || 4*least > b.Dy() {
		return image.Rectangle{}, image.Rectangle{}, false
	}
	crop := func(r image.Rectangle) image.Rectangle {
		var out image.Rectangle
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if mask[y*w+x] {
					out = out.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		return out
	}
	l := crop(image.Rect(b.Min.X, b.Min.Y, best, b.Max.Y))
	r := crop(image.Rect(best+1, b.Min.Y, b.Max.X, b.Max.Y))
	if l.Empty() || r.Empty() {
		return image.Rectangle{}, image.Rectangle{}, false
	}
	return l, r, true
}

// stacked reports whether a and b share at least half the width of the
// narrower of the two.
func stacked(a, b image.Rectangle) bool {
	shared := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
	return 2*shared >= min(a.Dx(), b.Dx())
}

// dot returns the dot product of a and b[:len(a)], summed four ways at
// once: the character reader's hottest loop.
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// nearestGlyph returns the character of chars most of the kNearest
// prototypes nearest to vec are, and the share of them that are.
func nearestGlyph(protos []glyphProto, vec []float64, chars string) (byte, float64) {
	type hit struct {
		d float64
		c byte
	}
	// hits keeps the kNearest nearest so far, nearest first; of equally
	// near prototypes, the first met.
	hits := make([]hit, 0, kNearest+1)
	for _, p := range protos {
		if strings.IndexByte(chars, p.char) < 0 {
			continue
		}
		h := hit{1 - dot(p.vec, vec), p.char}
		if len(hits) == kNearest && h.d >= hits[kNearest-1].d {
			continue
		}
		at := len(hits)
		for at > 0 && hits[at-1].d > h.d {
			at--
		}
		hits = slices.Insert(hits, at, h)
		if len(hits) > kNearest {
			hits = hits[:kNearest]
		}
	}
	votes := map[byte]int{}
	for _, h := range hits {
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

// countHoles counts the holes in the ink of mask (w pixels wide) inside
// box b: areas of paper the ink closes all round, bigger than a speck of
// paper a blot leaves.
func countHoles(mask []bool, w int, b image.Rectangle) int {
	minHole := max(2, b.Dx()*b.Dy()/100)
	n := 0
	for _, a := range holeAreas(mask, w, b) {
		if a >= minHole {
			n++
		}
	}
	return n
}

// holeAreas returns the size, in pixels, of each area of paper the ink of
// mask (w pixels wide) closes all round inside box b.
func holeAreas(mask []bool, w int, b image.Rectangle) []int {
	bw, bh := b.Dx()+2, b.Dy()+2 // a margin of paper all round
	ink := func(x, y int) bool {
		x, y = x+b.Min.X-1, y+b.Min.Y-1
		return x >= b.Min.X && y >= b.Min.Y && x < b.Max.X && y < b.Max.Y && mask[y*w+x]
	}
	seen := make([]bool, bw*bh)
	fill := func(start int) int {
		n, stack := 0, []int{start}
		seen[start] = true
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			x, y := p%bw, p/bw
			for _, q := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if q[0] < 0 || q[1] < 0 || q[0] >= bw || q[1] >= bh {
					continue
				}
				i := q[1]*bw + q[0]
				if !seen[i] && !ink(q[0], q[1]) {
					seen[i] = true
					stack = append(stack, i)
				}
			}
		}
		return n
	}
	fill(0) // the paper around the character
	var areas []int
	for i := range seen {
		if !seen[i] && !ink(i%bw, i/bw) {
			areas = append(areas, fill(i))
		}
	}
	return areas
}
