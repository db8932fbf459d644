package ocr

import (
	"image"
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

// cut returns the area box of an upright page registered by m, with the
// printed template (tmpl, the blank page at fieldDPI) removed: pixels
// where the template has ink, grown by a margin for registration error
// and scanner blur, are set to paper white.
func cut(up *image.Gray, m affine, tmpl *image.Gray, box boxF, slack float64) region {
	px := fieldDPI / 72
	img := warp(up, m, box, px)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	r := int(slack*px + 1.5)
	far := 3*r + 2
	// The template is cut wider than the region, so a rule just outside
	// it still marks the pixels near it.
	e := float64(far) / px
	blank := warp(tmpl, affine{A: px, E: px}, boxF{box.X - e, box.Y - e, box.W + 2*e, box.H + 2*e}, px)
	bw, bh := blank.Rect.Dx(), blank.Rect.Dy()
	printed := make([]bool, bw*bh)
	for i, p := range blank.Pix[:bw*bh] {
		printed[i] = p < 200
	}
	hardW := dilate(printed, bw, bh, r)
	nearW := dilate(printed, bw, bh, far)
	near := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			bx, by := x+far, y+far
			if bx >= bw || by >= bh {
				continue
			}
			if hardW[by*bw+bx] {
				img.Pix[y*img.Stride+x] = 255
			}
			near[y*w+x] = nearW[by*bw+bx]
		}
	}
	return region{img: img, near: near, px: px, box: box}
}

// dilate grows the set pixels of a w×h mask by r pixels (a square).
func dilate(mask []bool, w, h, r int) []bool {
	if r <= 0 {
		return append([]bool(nil), mask...)
	}
	tmp := make([]bool, len(mask))
	for y := 0; y < h; y++ {
		run := -1 << 30 // last set x
		for x := 0; x < w+r; x++ {
			if x < w && mask[y*w+x] {
				run = x
			}
			if t := x - r; t >= 0 && t < w && x-run <= 2*r {
				tmp[y*w+t] = true
			}
		}
	}
	out := make([]bool, len(mask))
	for x := 0; x < w; x++ {
		run := -1 << 30
		for y := 0; y < h+r; y++ {
			if y < h && tmp[y*w+x] {
				run = y
			}
			if t := y - r; t >= 0 && t < h && y-run <= 2*r {
				out[t*w+x] = true
			}
		}
	}
	return out
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
}

// findInk labels the ink of r (8-connected pixels darker than thr) and
// keeps the pieces of at least minArea square points that are not just
// the remains of printed lines.
func findInk(r region, thr uint8, minArea float64) inkOf {
	w, h := r.img.Rect.Dx(), r.img.Rect.Dy()
	label := make([]int32, w*h)
	var out inkOf
	out.mask = make([]bool, w*h)
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

// Strays are pieces of ink no bigger than a dot that stand apart from the
// writing: what a fax line or a scanner's dust leaves beside a field.
const (
	strayWide = 1.8 // points: at most this wide
	strayTall = 2.8 // and this tall (a speck on a 98 dpi fax spans rows)
	strayGap  = 2.0 // points of paper between a stray and any other ink
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
	inGap := func(b blob) bool {
		for _, o := range k.blobs {
			big := float64(o.bounds.Dy())/r.px >= 3.5 || float64(o.bounds.Dx())/r.px >= 3.5
			if big && o.bounds.Min.X < b.bounds.Max.X && b.bounds.Min.X < o.bounds.Max.X {
				return false
			}
		}
		return true
	}
	var drop []int
	for i, b := range k.blobs {
		if len(k.blobs) > 1 && small(b) && (apart(i) || anywhere && inGap(b)) {
			drop = append(drop, i)
		}
	}
	if len(drop) == 0 {
		return k
	}
	w := r.img.Rect.Dx()
	out := inkOf{specks: k.specks + len(drop), mask: append([]bool(nil), k.mask...)}
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
