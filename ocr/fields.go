package ocr

import (
	"fmt"
	"image"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// Character sets Tesseract may choose from, per kind of field.
const (
	digitSet = "0123456789"
	phoneSet = "0123456789-()"
	dateSet  = "0123456789/"
	emailSet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
	nameSet  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'-. "
	textSet  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'-.,&/()# "
)

// Ink settings.
const (
	minBlob = 0.8 // square points: smaller pieces of ink are specks
)

// read is one value as the engine read it, before thresholds.
type read struct {
	text string
	conf float64
}

// readText reads a text, digits, date or e-mail field from its region.
func (e *Engine) readText(t *tess, r region, f *forms.Field, thr uint8) (read, error) {
	k := findInk(r, thr, minBlob)
	if len(k.blobs) == 0 {
		return emptyRead(k), nil
	}
	// A little writing that is tiny compared with a letter is most likely
	// noise, but not surely: say so.
	if float64(k.bounds.Dy())/r.px < 3 && float64(k.bounds.Dx())/r.px < 3 {
		return read{"", 0.6}, nil
	}
	img := k.clean(r, int(3*r.px))
	set, psm := charSet(f), psmLine
	words, err := t.read(img, fieldDPI, psm, set)
	if err != nil {
		return read{}, fmt.Errorf("field %s: %w", f.Name, err)
	}
	raw, conf := joinWords(words)
	if raw == "" {
		// Ink Tesseract cannot read: something is written, we do not know what.
		return read{"", 0.05}, nil
	}
	return normalise(f, raw, conf), nil
}

// emptyRead scores a field with no writing: surer when the region is clean.
func emptyRead(k inkOf) read {
	c := 0.99
	if k.specks > 0 {
		c = 0.97
	}
	if k.specks > 6 {
		c = 0.9
	}
	return read{"", c}
}

func joinWords(words []word) (string, float64) {
	if len(words) == 0 {
		return "", 0
	}
	var parts []string
	conf := 1.0
	for _, w := range words {
		parts = append(parts, w.Text)
		conf = math.Min(conf, w.Conf)
	}
	return strings.Join(parts, " "), conf
}

// charSet returns the characters a field may hold.
func charSet(f *forms.Field) string {
	switch f.Kind {
	case forms.KindDigits:
		if isPhone(f) {
			return phoneSet
		}
		return digitSet
	case forms.KindDate:
		return dateSet
	case forms.KindEmail:
		return emailSet
	}
	col := f.Name
	if f.Column != "" {
		col = f.Column
	}
	if strings.HasSuffix(col, "first_name") || strings.HasSuffix(col, "last_name") || col == "middle_initial" {
		return nameSet
	}
	return textSet
}

func isPhone(f *forms.Field) bool { return strings.HasPrefix(f.Name, "phone") }

// digitsWant is how many digits a digits field must hold, 0 when free.
func digitsWant(f *forms.Field) (lo, hi int) {
	name := f.Name
	if f.Column != "" {
		name = f.Column
	}
	switch name {
	case "employee_number":
		return 8, 8
	case "location_code":
		return 4, 4
	case "phone":
		return 10, 10
	case "phone_ext":
		return 1, 6
	case "page_number", "page_count":
		return 1, 2
	}
	return 1, 12
}

var dateRE = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$`)

// reasons are the batch-removal reasons as printed on the form.
var reasons = []string{"Retired", "Transferred", "Left the district", "Changed assignment"}

// normalise turns what Tesseract read into the field's value and judges
// its confidence by whether it has the field's form.
func normalise(f *forms.Field, raw string, conf float64) read {
	raw = strings.TrimSpace(raw)
	switch f.Kind {
	case forms.KindDigits:
		var b strings.Builder
		for _, r := range raw {
			if r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		d := b.String()
		lo, hi := digitsWant(f)
		if len(d) < lo || len(d) > hi {
			conf *= 0.3
		}
		if isPhone(f) && f.Name == "phone" && !regexp.MustCompile(`^\(?\d{3}\)?-?\d{3}-?\d{4}$`).MatchString(raw) {
			conf *= 0.8
		}
		return read{d, conf}
	case forms.KindDate:
		s := strings.ReplaceAll(raw, " ", "")
		m := dateRE.FindStringSubmatch(s)
		if m == nil {
			return read{s, conf * 0.3}
		}
		y := m[3]
		if len(y) == 2 {
			y = "20" + y
			conf *= 0.8
		}
		v := fmt.Sprintf("%02s/%02s/%s", m[1], m[2], y)
		v = strings.ReplaceAll(v, " ", "0")
		if _, err := time.Parse("01/02/2006", v); err != nil {
			return read{v, conf * 0.3}
		}
		return read{v, conf}
	case forms.KindEmail:
		s := strings.ToLower(strings.ReplaceAll(raw, " ", ""))
		s = strings.TrimSuffix(s, "lausd.net")
		s = strings.TrimRight(s, "@.")
		return read{s, conf}
	}
	s := strings.Join(strings.Fields(raw), " ")
	if f.Column == "reason" {
		best, score := "", 0.0
		for _, r := range reasons {
			if c := closeness(strings.ToLower(s), strings.ToLower(r)); c > score {
				best, score = r, c
			}
		}
		if score >= 0.6 {
			// A clear match to one printed reason: the value is that reason.
			return read{best, conf * math.Min(1, 0.5+score/2)}
		}
		return read{s, conf * 0.3}
	}
	if f.Name == "middle_initial" {
		s = strings.TrimRight(s, ".")
		if len([]rune(s)) != 1 {
			conf *= 0.5
		}
	}
	return read{s, conf}
}

// readSignature decides whether a signature line is signed from the ink
// above it once the printed line is removed. A dot or a fax speck is not a
// signature: it takes writing of some length and height.
func readSignature(r region, thr uint8) read {
	k := findInk(r, thr, 1.0)
	var width, area float64
	tall := 0.0
	for _, b := range k.blobs {
		width += float64(b.bounds.Dx()) / r.px
		tall = math.Max(tall, float64(b.bounds.Dy())/r.px)
		area += float64(b.area) / (r.px * r.px)
	}
	span := 0.0
	if !k.bounds.Empty() {
		span = float64(k.bounds.Dx()) / r.px
	}
	// Strength of the evidence for writing: a signature spans 25pt or
	// more, stands 5pt or more high and puts down some ink.
	s := math.Min(math.Min(span/25, tall/5), area/12)
	switch {
	case s >= 1.6:
		return read{forms.Signed, 0.99}
	case s >= 1:
		return read{forms.Signed, 0.9}
	case s >= 0.6:
		return read{forms.Signed, 0.5}
	case s >= 0.3:
		return read{forms.Unsigned, 0.6}
	case len(k.blobs) == 0 && k.specks <= 3:
		return read{forms.Unsigned, 0.99}
	}
	return read{forms.Unsigned, 0.9}
}

// readMark classifies the ink in a role box as blank, A, R or other.
func (e *Engine) readMark(t *tess, r region, f *forms.Field, thr uint8) (read, error) {
	k := findInk(r, thr, 0.5)
	if len(k.blobs) == 0 {
		return emptyRead(k), nil
	}
	inner := float64(r.img.Rect.Dx()*r.img.Rect.Dy()) / (r.px * r.px)
	ink := float64(k.area) / (r.px * r.px)
	hgt := float64(k.bounds.Dy()) / r.px
	wid := float64(k.bounds.Dx()) / r.px
	if hgt < 2.5 && wid < 2.5 {
		// A dot: not a mark anyone meant, but not surely blank either.
		return read{forms.MarkBlank, 0.7}, nil
	}
	if ink > 0.6*inner {
		return read{forms.MarkOther, 0.9}, nil // filled in or scribbled over
	}
	img := k.clean(r, int(4*r.px))
	img = pad(img, int(6*r.px))
	only, err := t.read(img, fieldDPI, psmChar, "AR")
	if err != nil {
		return read{}, fmt.Errorf("field %s: %w", f.Name, err)
	}
	free, err := t.read(img, fieldDPI, psmChar, "")
	if err != nil {
		return read{}, fmt.Errorf("field %s: %w", f.Name, err)
	}
	sh := shapeOf(k, r)
	return classifyMark(only, free, sh), nil
}

// shape holds a few features of a mark that separate A, R and the rest.
type shape struct {
	holes   int     // enclosed areas of paper
	stem    float64 // share of rows whose leftmost ink is at the left edge
	topWide float64 // ink width in the top fifth over the bottom fifth
}

func shapeOf(k inkOf, r region) shape {
	w := r.img.Rect.Dx()
	b := k.bounds
	var s shape
	s.holes = holes(k.mask, w, b)
	rows, stem := 0, 0
	edge := b.Min.X + max(b.Dx()/5, 2)
	widthAt := func(y int) int {
		lo, hi := -1, -1
		for x := b.Min.X; x < b.Max.X; x++ {
			if k.mask[y*w+x] {
				if lo < 0 {
					lo = x
				}
				hi = x
			}
		}
		if lo < 0 {
			return 0
		}
		return hi - lo + 1
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if k.mask[y*w+x] {
				rows++
				if x <= edge {
					stem++
				}
				break
			}
		}
	}
	if rows > 0 {
		s.stem = float64(stem) / float64(rows)
	}
	fifth := max(b.Dy()/5, 1)
	var top, bottom float64
	for y := b.Min.Y; y < b.Min.Y+fifth; y++ {
		top = math.Max(top, float64(widthAt(y)))
	}
	for y := b.Max.Y - fifth; y < b.Max.Y; y++ {
		bottom = math.Max(bottom, float64(widthAt(y)))
	}
	if bottom > 0 {
		s.topWide = top / bottom
	}
	return s
}

// holes counts the areas of paper inside bounds that ink encloses.
func holes(mask []bool, w int, b image.Rectangle) int {
	bw, bh := b.Dx()+2, b.Dy()+2
	seen := make([]bool, bw*bh)
	ink := func(x, y int) bool {
		gx, gy := x+b.Min.X-1, y+b.Min.Y-1
		if gx < b.Min.X || gy < b.Min.Y || gx >= b.Max.X || gy >= b.Max.Y {
			return false
		}
		return mask[gy*w+gx]
	}
	n := 0
	var stack []int
	for start := 0; start < bw*bh; start++ {
		if seen[start] || ink(start%bw, start/bw) {
			continue
		}
		area := 0
		seen[start] = true
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			area++
			x, y := p%bw, p/bw
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || ny < 0 || nx >= bw || ny >= bh {
					continue
				}
				q := ny*bw + nx
				if !seen[q] && !ink(nx, ny) {
					seen[q] = true
					stack = append(stack, q)
				}
			}
		}
		if start != 0 && area >= 4 { // the first region is the paper outside
			n++
		}
	}
	return n
}

// classifyMark combines Tesseract's reading restricted to A and R, its
// free reading, and the shape. It names a letter only when all agree;
// anything else is "other", and its confidence says how sure.
func classifyMark(only, free []word, s shape) read {
	if len(only) == 0 {
		return read{forms.MarkOther, 0.6}
	}
	letter := strings.ToUpper(only[0].Text)
	conf := only[0].Conf
	freeText := ""
	freeConf := 0.0
	if len(free) > 0 {
		freeText, freeConf = free[0].Text, free[0].Conf
	}
	agree := strings.EqualFold(freeText, letter) || (letter == "A" && freeText == "4")
	shapeOK := false
	switch letter {
	case "A":
		shapeOK = s.holes >= 1 && s.stem < 0.6 && s.topWide < 0.8
	case "R":
		shapeOK = s.holes >= 1 && s.stem >= 0.6
	default:
		return read{forms.MarkOther, 0.6}
	}
	switch {
	case agree && shapeOK:
		return read{letter, math.Min(0.99, 0.5+0.5*math.Max(conf, freeConf))}
	case agree || shapeOK:
		// Half the evidence: most likely the letter, but a person decides.
		return read{letter, 0.5 * conf}
	}
	return read{forms.MarkOther, 0.5 + 0.4*(1-conf)}
}

// pad surrounds img with n pixels of paper.
func pad(img *image.Gray, n int) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w+2*n, h+2*n))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := 0; y < h; y++ {
		copy(out.Pix[(y+n)*out.Stride+n:], img.Pix[y*img.Stride:y*img.Stride+w])
	}
	return out
}
