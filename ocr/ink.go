package ocr

import (
	"image"
	"math"
	"slices"
)

// fieldDPI is the resolution fields are cut at: handwriting in a 15pt box
// is then 30-45 pixels high, where Tesseract reads best.
const fieldDPI = 300.0

// region is one field's area cut from a registered page, upright, at
// fieldDPI, with everything the blank template prints there removed.
type region struct {
	img  *image.Gray // page pixels, printed template whited out
	near []bool      // pixels close to the printed template
	px   float64     // pixels per point
	box  boxF        // the area cut, in template points
}

// printed is how far each pixel of a field's area, and of a margin
// around it, lies from what the blank form prints (rules, boxes,
// captions), at fieldDPI. It depends only on the template and the area,
// so the engine keeps one per field (see templates.printed).
type printed struct {
	tmpl   *image.Gray // the blank page at fieldDPI
	box    boxF        // the area, in template points
	margin int         // pixels of margin on each side of the area
	w      int         // width of dist, margins included
	// dist is the distance in pixels to the nearest printed pixel, along
	// rows, columns or diagonals (so growing the print by r pixels as a
	// square covers distance r), at most 255.
	dist []uint8
}

// printedMargin is the margin kept around an area: far enough for the
// slack of a page registered within 0.75pt (see cut); a page registered
// worse has its distances measured afresh.
const printedMargin = 26

// newPrinted measures the distances to the print of tmpl (the blank page
// at fieldDPI) over box and margin pixels around it.
func newPrinted(tmpl *image.Gray, box boxF, margin int) *printed {
	px := fieldDPI / 72
	e := float64(margin) / px
	blank := warp(tmpl, affine{A: px, E: px}, boxF{box.X - e, box.Y - e, box.W + 2*e, box.H + 2*e}, px)
	w, h := blank.Rect.Dx(), blank.Rect.Dy()
	dist := make([]uint8, w*h)
	for i, p := range blank.Pix[:w*h] {
		if p >= 200 {
			dist[i] = 255
		}
	}
	chessboard(dist, w, h)
	return &printed{tmpl: tmpl, box: box, margin: margin, w: w, dist: dist}
}

// chessboard turns a w×h map of 0 (set) and 255 (clear) into each pixel's
// distance to the nearest set pixel counting a diagonal step as one, up to
// 255: two passes, each taking the least of the neighbours already seen.
func chessboard(d []uint8, w, h int) {
	step := func(i, j int) {
		if v := d[j] + 1; d[j] < 255 && v < d[i] {
			d[i] = v
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if x > 0 {
				step(i, i-1)
			}
			if y > 0 {
				step(i, i-w)
				if x > 0 {
					step(i, i-w-1)
				}
				if x < w-1 {
					step(i, i-w+1)
				}
			}
		}
	}
	for y := h - 1; y >= 0; y-- {
		for x := w - 1; x >= 0; x-- {
			i := y*w + x
			if x < w-1 {
				step(i, i+1)
			}
			if y < h-1 {
				step(i, i+w)
				if x < w-1 {
					step(i, i+w+1)
				}
				if x > 0 {
					step(i, i+w-1)
				}
			}
		}
	}
}

// cut returns the area pr.box of an upright page registered by m, with
// the blank form's print removed: pixels where the template has ink,
// grown by a margin for registration error and scanner blur, are set to
// paper white, and pixels a little further are marked near it.
func cut(up *image.Gray, m affine, pr *printed, slack float64) region {
	px := fieldDPI / 72
	img := warp(up, m, pr.box, px)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	r := int(slack*px + 1.5)
	far := 3*r + 2
	if far > pr.margin {
		// Print further away than the margin kept still matters.
		pr = newPrinted(pr.tmpl, pr.box, far)
	}
	near := make([]bool, w*h)
	for y := 0; y < h; y++ {
		row := pr.dist[(y+pr.margin)*pr.w+pr.margin:]
		for x := 0; x < w; x++ {
			d := int(row[x])
			if d <= r {
				img.Pix[y*img.Stride+x] = 255
			}
			near[y*w+x] = d <= far
		}
	}
	return region{img: img, near: near, px: px, box: pr.box}
}

// blob is one connected piece of ink.
type blob struct {
	area   int
	bounds image.Rectangle
	// hugging is set when every pixel lies close to the printed template:
	// the remains of a rule or box, not writing.
	hugging bool
}

// inkOf is the writing found in a region: its pieces, ignoring specks and
// the remains of printed lines.
type inkOf struct {
	blobs  []blob
	area   int             // pixels of ink in kept blobs
	bounds image.Rectangle // of kept blobs
	specks int             // blobs dropped as noise
	mask   []bool          // kept ink pixels
	thr    uint8           // pixels darker than this are ink
}

// findInk labels the ink of r (8-connected pixels darker than thr) and
// keeps the pieces of at least minArea square points that are not just
// the remains of printed lines.
func findInk(r region, thr uint8, minArea float64) inkOf {
	w, h := r.img.Rect.Dx(), r.img.Rect.Dy()
	label := make([]int32, w*h)
	out := inkOf{thr: thr, mask: make([]bool, w*h)}
	minPx := int(minArea * r.px * r.px)
	stack := make([]int, 0, 256)
	var members []int
	next := int32(0)
	for start := 0; start < w*h; start++ {
		if label[start] != 0 || r.img.Pix[start] >= thr {
			continue
		}
		next++
		label[start] = next
		stack = append(stack[:0], start)
		members = members[:0]
		b := blob{bounds: image.Rect(start%w, start/w, start%w+1, start/w+1), hugging: true}
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			members = append(members, p)
			x, y := p%w, p/w
			b.area++
			b.bounds = b.bounds.Union(image.Rect(x, y, x+1, y+1))
			if !r.near[p] {
				b.hugging = false
			}
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					q := ny*w + nx
					if label[q] == 0 && r.img.Pix[q] < thr {
						label[q] = next
						stack = append(stack, q)
					}
				}
			}
		}
		if b.area < minPx || b.hugging {
			out.specks++
			continue
		}
		if float64(b.bounds.Min.Y) <= 4.5*r.px && b.bounds.Max.Y < h*45/100 {
			// Hanging in from the top edge (or from the rule removed along
			// it) and no further than the upper part: a descender of the
			// writing on the line above.
			continue
		}
		out.blobs = append(out.blobs, b)
		out.area += b.area
		if out.bounds.Empty() {
			out.bounds = b.bounds
		} else {
			out.bounds = out.bounds.Union(b.bounds)
		}
		for _, p := range members {
			out.mask[p] = true
		}
	}
	return out
}

// letterPieces returns k's pieces at least tenths/10 as tall as the
// tallest, left to right: the characters, not the pieces a fax broke off
// them nor a hyphen.
func letterPieces(k inkOf, tenths int) []blob {
	tallest := 0
	for _, b := range k.blobs {
		tallest = max(tallest, b.bounds.Dy())
	}
	var out []blob
	for _, b := range k.blobs {
		if 10*b.bounds.Dy() >= tenths*tallest {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b blob) int { return a.bounds.Min.X - b.bounds.Min.X })
	return out
}

// clean returns a copy of r's image with only the kept ink, black on
// white, cropped to the ink with a margin: what Tesseract should see.
func (k inkOf) clean(r region, margin int) *image.Gray {
	w := r.img.Rect.Dx()
	b := k.bounds.Inset(-margin)
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if x < 0 || y < 0 || x >= w || y >= r.img.Rect.Dy() {
				continue
			}
			if k.mask[y*w+x] {
				out.Pix[(y-b.Min.Y)*out.Stride+x-b.Min.X] = r.img.Pix[y*w+x]
			}
		}
	}
	return out
}

// letterStroke is the length, in points, of the shortest stroke of a
// letter: ink reaching so far, across or down, is no speck.
const letterStroke = 3.5

// strokeLong reports whether the extent b (at px pixels a point) reaches
// letterStroke across or down.
func strokeLong(b image.Rectangle, px float64) bool {
	return float64(b.Dy())/px >= letterStroke || float64(b.Dx())/px >= letterStroke
}

// Strays are pieces of ink no bigger than a dot that stand apart from the
// writing: what a fax line or a scanner's dust leaves beside a field.
const (
	strayWide = 1.8 // points: at most this wide
	strayTall = 2.8 // and this tall (a speck on a 98 dpi fax spans rows)
	strayGap  = 2.0 // points of paper between a stray and any other ink
	// offLineGap is the paper between a run of digits and a dot above or
	// below it, in points, that makes the dot a stray. No digit reaches
	// beyond the run's line, so half a point is enough: a speck 0.7
	// points over the last 0 of a typed number was kept, and the
	// character and typed readers both read the 0 as a 6, surely (seed
	// 1919).
	offLineGap = 0.5
)

// withoutStrays returns k without its strays. Digits and dates hold no
// dots or commas, so there a piece of ink no bigger than a dot goes also
// when it sits in a gap between characters (anywhere): not above or below
// any piece the size of a letter, as a bit of a digit that faint toner
// broke off is. In text a stray goes only when it stands apart beyond
// either end of the writing, where it cannot be the dot of an e-mail name
// or an initial.
func (k inkOf) withoutStrays(r region, anywhere bool) inkOf {
	small := func(b blob) bool {
		return float64(b.bounds.Dx())/r.px <= strayWide && float64(b.bounds.Dy())/r.px <= strayTall
	}
	gap := int(strayGap * r.px)
	apart := func(i int) bool {
		b := k.blobs[i].bounds
		left, right := true, true
		for j, o := range k.blobs {
			if j == i {
				continue
			}
			if b.Inset(-gap).Overlaps(o.bounds) {
				return false
			}
			left = left && b.Max.X+gap <= o.bounds.Min.X
			right = right && o.bounds.Max.X+gap <= b.Min.X
		}
		return anywhere || left || right
	}
	// Pieces no bigger than a dot lying close together are what worn
	// toner leaves of a character (a 2 whose every stroke broke): where
	// together they reach the size of a letter they are writing, though
	// no piece of them is.
	frags := k.fragments(small, int(math.Ceil(fragmentGap*r.px)))
	inGap := func(i int) bool {
		if strokeLong(frags[i], r.px) {
			return false
		}
		b := k.blobs[i]
		for _, o := range k.blobs {
			if strokeLong(o.bounds, r.px) && o.bounds.Min.X < b.bounds.Max.X && b.bounds.Min.X < o.bounds.Max.X {
				return false
			}
		}
		return true
	}
	// The line a run of digits stands on reaches from the top of its
	// letter-sized pieces to their foot, and no digit reaches beyond it:
	// a dot clear above or below it is no part of one. (A bit faint toner
	// broke off a digit lies against the rest of it.)
	line, pieces := image.Rectangle{}, 0
	for _, o := range k.blobs {
		if float64(o.bounds.Dy())/r.px >= letterStroke {
			line, pieces = line.Union(o.bounds), pieces+1
		}
	}
	clear := int(offLineGap * r.px)
	offLine := func(b blob) bool {
		return pieces >= 3 && (b.bounds.Max.Y+clear <= line.Min.Y || b.bounds.Min.Y >= line.Max.Y+clear)
	}
	var drop []int
	for i, b := range k.blobs {
		if len(k.blobs) > 1 && small(b) && (apart(i) || anywhere && (inGap(i) || offLine(b))) {
			drop = append(drop, i)
		}
	}
	if len(drop) == 0 {
		return k
	}
	return k.without(r.img.Rect.Dx(), drop...)
}

// fragmentGap is the most paper, in points, between two pieces of a
// character worn toner broke: a fax at 98 lines an inch loses whole
// lines of a thin stroke.
const fragmentGap = 1.0

// fragments returns, for each of k's pieces that is a fragment (frag),
// the extent of the fragments reachable from it through fragments at
// most gap pixels apart; for other pieces, their own bounds.
func (k inkOf) fragments(frag func(blob) bool, gap int) []image.Rectangle {
	n := len(k.blobs)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	root := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := 0; i < n; i++ {
		if !frag(k.blobs[i]) {
			continue
		}
		for j := i + 1; j < n; j++ {
			if frag(k.blobs[j]) && k.blobs[i].bounds.Inset(-gap).Overlaps(k.blobs[j].bounds) {
				parent[root(i)] = root(j)
			}
		}
	}
	extent := make(map[int]image.Rectangle)
	for i, b := range k.blobs {
		if frag(b) {
			extent[root(i)] = extent[root(i)].Union(b.bounds)
		}
	}
	out := make([]image.Rectangle, n)
	for i, b := range k.blobs {
		out[i] = b.bounds
		if frag(b) {
			out[i] = extent[root(i)]
		}
	}
	return out
}

// withFaint returns k with the faint ink within the writing's extent put
// in its mask: pixels lighter than ink but well darker than paper, away
// from the print. A fax at 98 lines an inch draws a thin typed stroke one
// line thick and breaks it, and cut at fieldDPI what is left of it is
// grey: the diagonal of a 2 goes, and Tesseract reads its foot as a dash.
// The faint pixels stay out of k's blobs, which count the writing's
// pieces.
func (k inkOf) withFaint(r region) inkOf {
	if len(k.blobs) == 0 {
		return k
	}
	faint := k.thr + (255-k.thr)/2
	w, h := r.img.Rect.Dx(), r.img.Rect.Dy()
	b := k.bounds.Inset(-int(faintReach*r.px + 0.5)).Intersect(image.Rect(0, 0, w, h))
	out := k
	out.mask = slices.Clone(k.mask)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if p := y*w + x; r.img.Pix[y*r.img.Stride+x] < faint && !r.near[p] {
				out.mask[p] = true
			}
		}
	}
	return out
}

// faintReach is how far beyond the writing's extent, in points, faint ink
// is taken for a part of it.
const faintReach = 0.5

// whole returns k with its pieces taken from its mask, the faint ink
// withFaint put there included (findInk counts only the dark).
func (k inkOf) whole(r region) inkOf {
	inked := 0
	for _, on := range k.mask {
		if on {
			inked++
		}
	}
	if inked == k.area {
		return k // nothing faint in the mask: its pieces are k's
	}
	img := image.NewGray(r.img.Rect)
	for i, on := range k.mask {
		img.Pix[i] = 255
		if on {
			img.Pix[i] = 0
		}
	}
	out := findInk(region{img: img, near: make([]bool, len(k.mask)), px: r.px, box: r.box}, 128, 0)
	out.mask, out.thr, out.specks = k.mask, k.thr, k.specks
	return out
}

// without returns k, whose mask is w pixels wide, without the pieces of
// ink numbered drop, counted as specks.
func (k inkOf) without(w int, drop ...int) inkOf {
	out := inkOf{specks: k.specks + len(drop), mask: append([]bool(nil), k.mask...), thr: k.thr}
	for i, b := range k.blobs {
		if slices.Contains(drop, i) {
			clearBlob(out.mask, w, b)
			continue
		}
		out.blobs = append(out.blobs, b)
		out.area += b.area
		out.bounds = out.bounds.Union(b.bounds)
	}
	return out
}

// endBlobs returns the numbers of the leftmost and the rightmost pieces
// of ink.
func (k inkOf) endBlobs() []int {
	if len(k.blobs) == 0 {
		return nil
	}
	first, last := 0, 0
	for i, b := range k.blobs {
		if b.bounds.Min.X < k.blobs[first].bounds.Min.X {
			first = i
		}
		if b.bounds.Max.X > k.blobs[last].bounds.Max.X {
			last = i
		}
	}
	if first == last {
		return []int{first}
	}
	return []int{first, last}
}

// clearBlob removes blob b from mask (w pixels wide): the 8-connected
// piece of ink in b's box whose extent and area are b's, leaving any
// neighbour that reaches into the box.
func clearBlob(mask []bool, w int, b blob) {
	h := len(mask) / w
	var members, stack []int
	seen := map[int]bool{}
	for y := b.bounds.Min.Y; y < b.bounds.Max.Y; y++ {
		for x := b.bounds.Min.X; x < b.bounds.Max.X; x++ {
			start := y*w + x
			if !mask[start] || seen[start] {
				continue
			}
			members, stack = members[:0], append(stack[:0], start)
			seen[start] = true
			ext := image.Rect(x, y, x+1, y+1)
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				members = append(members, p)
				px, py := p%w, p/w
				ext = ext.Union(image.Rect(px, py, px+1, py+1))
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						nx, ny := px+dx, py+dy
						q := ny*w + nx
						if nx >= 0 && ny >= 0 && nx < w && ny < h && mask[q] && !seen[q] {
							seen[q] = true
							stack = append(stack, q)
						}
					}
				}
			}
			if ext == b.bounds && len(members) == b.area {
				for _, p := range members {
					mask[p] = false
				}
				return
			}
		}
	}
}
