package ocr

import (
	"strings"
)

// Toner that bled on a fax at 98 lines an inch closes the gaps that tell
// a typed 5 from an 8: the notch under the 5's flag fills, and what is
// left is a solid blob every reader, Tesseract at every scale included,
// takes for an 8 (the commonest misread of a typed employee number on
// the generated corpora). One mark survives: the end of the 5's bowl
// still stands off its upright, so the left edge of the blob steps right
// a little below the middle, where an 8's waist is level with its loops.
// bledFives shows such an 8 as the 5 it is; never sure (the caller caps
// the confidence), for a person to confirm.

// Measured on the generated corpora (seeds 1357, 9753, 9292, 4711, 8080,
// 5656): among solid blobs read as 8 (bleedFill of their box inked, no
// hole), the left edge at 60-70% of the height stood 0.15-0.33 of the
// width in on four 5s and at most 0.03 in on eight 8s.
const (
	bleedFill  = 0.7  // the least share of its box a bled character inks
	bleedWide  = 0.5  // the least width, in heights, of a bled digit
	fiveNotch  = 0.12 // the least step of the left edge, in widths, of a bled 5
	bleedHoles = 0.02 // the most of its box a bled character's holes may be
)

// bledFives returns text with each 8 that is a bled 5 as a 5, and
// whether it changed any. k's letter-sized pieces must be the characters
// one to one, left to right: bled ink is dark, and each character one
// piece.
func bledFives(k inkOf, r region, text string) (string, bool) {
	if !strings.Contains(text, "8") || strings.Trim(text, "0123456789") != "" {
		return text, false
	}
	chars := letterPieces(k, 6)
	if len(chars) != len(text) {
		return text, false
	}
	out := []byte(text)
	changed := false
	for i, b := range chars {
		if out[i] == '8' && bledFive(k, r, b) {
			out[i], changed = '5', true
		}
	}
	return string(out), changed
}

// bledFive reports whether piece b of k is a solid character whose left
// edge steps in below its middle (see above).
func bledFive(k inkOf, r region, b blob) bool {
	w, h := b.bounds.Dx(), b.bounds.Dy()
	if w < 4 || float64(w) < bleedWide*float64(h) || float64(b.area) < bleedFill*float64(w*h) {
		return false
	}
	stride := r.img.Rect.Dx()
	inked := func(x, y int) bool { return k.mask[(b.bounds.Min.Y+y)*stride+b.bounds.Min.X+x] }
	paper := 0
	for _, a := range holeAreas(k.mask, stride, b.bounds) {
		paper += a
	}
	if float64(paper) > bleedHoles*float64(w*h) {
		return false
	}
	var sum, rows int
	for y := 6 * h / 10; y < 7*h/10; y++ {
		x := 0
		for x < w && !inked(x, y) {
			x++
		}
		sum, rows = sum+x, rows+1
	}
	return rows > 0 && float64(sum) >= fiveNotch*float64(rows*w)
}
