package ocr

import (
	"errors"
	"fmt"
	"image"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// The header band: every family prints its title and revision stamp in the
// top 82 points of the page. The band read is taller to allow for the page
// being shifted on the glass.
var headerBand = boxF{X: 0, Y: 0, W: 612, H: 135}

const (
	headerDPI = 150.0 // the title is 14.5pt and the stamp 10pt bold: ample
	stampDPI  = 300.0
	// titleMatch is the least title score that names a family.
	titleMatch = 0.7
)

// title is the printed title of one family, line by line, as on the page.
type title struct {
	family *forms.Family
	lines  []string // normalised
	// last are the lines in lastTitleZone: the title's last line.
	last []string
}

// titles returns the title lines each family prints in its header: the
// large text at the top of page 1 of each revision.
func titles(reg *forms.Registry) []title {
	var out []title
	for _, fam := range reg.Families() {
		seen := map[string]bool{}
		for _, rev := range fam.Revisions {
			var lines, last []string
			z := lastTitleZone
			for _, e := range rev.Pages[0].Print {
				if e.Type == "text" && e.Size >= 12 && e.Box.Y < headerBand.H {
					lines = append(lines, norm(e.Text))
					if e.Box.Y >= z.Y && e.Box.Y+e.Box.H <= z.Y+z.H {
						last = append(last, norm(e.Text))
					}
				}
			}
			if len(lines) == 0 {
				lines = []string{norm(rev.Title)}
			}
			k := strings.Join(lines, "|")
			if !seen[k] {
				seen[k] = true
				out = append(out, title{fam, lines, last})
			}
		}
	}
	return out
}

// header is what the header band of a page says.
type header struct {
	quarters   int // clockwise quarter turns that make the page upright
	skew       float64
	family     *forms.Family
	titleScore float64
	// second is the score of the best other family, to judge ambiguity.
	second    float64
	stamp     string // "MM/DD/YYYY" or ""
	stampConf float64
}

// readHeader finds the orientation of img and reads its header band:
// which family's title it carries and the revision stamp. A page whose
// band names no family in any orientation has a nil family.
//
// The page is read as it lies first. The other way up is tried only when
// that names no family and could be a form turned over: it is not worth a
// read when the page as it lies has a rule where a header's would be and
// the page turned has none (a fax cover sheet, a letter).
func (e *Engine) readHeader(t *tess, img *image.Gray, dpi float64) (header, *scanned, error) {
	turns := []int{0, 2}
	if img.Rect.Dx() > img.Rect.Dy() {
		turns = []int{1, 3} // landscape: sideways
	}
	var best header
	var bestScan *scanned
	ruled := false // the page as it lies has a header rule
	for i, q := range turns {
		s := newScanned(rotate(img, q), dpi)
		y, hasRule := headerRule(s)
		hasRule = hasRule && plausibleRule(y)
		if i == 0 {
			ruled = hasRule
		} else if ruled && !hasRule {
			break
		}
		h, err := e.readBand(t, s, y, hasRule)
		if err != nil {
			return header{}, nil, err
		}
		h.quarters = q
		if bestScan == nil || h.titleScore > best.titleScore {
			best, bestScan = h, s
		}
		if h.titleScore >= titleSure {
			break
		}
	}
	return best, bestScan, nil
}

// The header's zones, in template points for a page whose header rule
// lies at headerRuleY. Every family prints its title at the left above
// the rule and the district's name at the right, with the revision stamp
// either under the title or under the district's name. Only the title
// and the stamp are read: the district's four lines are the same on every
// form and would cost as much to read as the rest together. The title's
// last line, which no two families share, is read first, and the line
// above it only when that does not clearly name one family. The zones
// leave room for the page lying half an inch left or right.
var (
	lastTitleZone  = boxF{X: 0, Y: 41, W: 386, H: 44}   // the title's last line, and a stamp under it
	firstTitleZone = boxF{X: 0, Y: 18, W: 386, H: 25}   // the rest of the title
	stampZone      = boxF{X: 310, Y: 64, W: 302, H: 21} // the stamp under the district's name
)

// titleSure is the title score that names a family without doubt.
const titleSure = 0.85

// plausibleRule reports whether a rule found y points from the top could
// be the header's: at headerRuleY, give or take half an inch of shift on
// the glass and 5% of scale.
func plausibleRule(y float64) bool {
	return math.Abs(y-headerRuleY) <= 36+0.05*headerRuleY
}

// readBand OCRs the header of an upright page. When the page has the
// header rule (at ruleY points), only the title and stamp zones above it
// are read; otherwise the whole band where a header could lie is.
func (e *Engine) readBand(t *tess, s *scanned, ruleY float64, ruled bool) (header, error) {
	if !ruled {
		words, err := e.readZone(t, s, headerBand)
		if err != nil {
			return header{}, err
		}
		return e.judgeHeader(s, words, false), nil
	}
	dy := ruleY - headerRuleY
	var words []word
	for _, z := range []boxF{lastTitleZone, stampZone} {
		z.Y += dy
		ws, err := e.readZone(t, s, z)
		if err != nil {
			return header{}, err
		}
		words = append(words, ws...)
	}
	if h := e.judgeHeader(s, words, true); h.titleScore >= titleSure && h.titleScore-h.second >= 0.2 {
		return h, nil
	}
	z := firstTitleZone
	z.Y += dy
	first, err := e.readZone(t, s, z)
	if err != nil {
		return header{}, err
	}
	return e.judgeHeader(s, append(first, words...), false), nil
}

// readZone OCRs one zone of an upright page, in template points of a page
// turned by its skew only.
func (e *Engine) readZone(t *tess, s *scanned, box boxF) ([]word, error) {
	m := aboutCentre(s.full, s.dpi, s.skew)
	band := warp(s.full, m, box, headerDPI/72)
	words, err := t.read(band, headerDPI, psmBlock, "")
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	return words, nil
}

// judgeHeader matches the words read in a page's header to the families'
// titles (their last lines only, when lastOnly) and finds the revision
// stamp among them.
func (e *Engine) judgeHeader(s *scanned, words []word, lastOnly bool) header {
	var text []string
	for _, w := range words {
		text = append(text, w.Text)
	}
	h := header{skew: s.skew}
	all := norm(strings.Join(text, " "))
	for _, ti := range e.titles {
		lines := ti.lines
		if lastOnly {
			lines = ti.last
		}
		if len(lines) == 0 {
			continue
		}
		s := 0.0
		for _, line := range lines {
			v, _ := findApprox(line, all)
			s += v
		}
		s /= float64(len(lines))
		switch {
		case s > h.titleScore:
			if h.family != ti.family {
				h.second = max(h.second, h.titleScore)
			}
			h.family, h.titleScore = ti.family, s
		case ti.family != h.family && s > h.second:
			h.second = s
		}
	}
	if h.titleScore < titleMatch {
		h.family = nil
	}
	h.stamp, h.stampConf = findStamp(words)
	return h
}

// headerRuleY is where every family prints the heavy rule under its
// header, in points from the top.
const headerRuleY = 82.0

// headerRule finds the first long horizontal rule in the top two inches
// of the deskewed page and returns where it lies in template points,
// assuming no scale. Text never makes an unbroken run that long.
func headerRule(s *scanned) (float64, bool) {
	const top = 150.0 // points
	px := coarseDPI / 72
	img := warp(s.full, aboutCentre(s.full, s.dpi, s.skew), boxF{0, 0, 612, top}, px)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	need := int(300 * px)
	// A rule may lie on two rows: a residual turn of a fraction of a
	// degree, or a 98-line fax drawing it one line thin, puts part of it
	// on each.
	dark := func(x, y int) bool {
		return img.Pix[y*img.Stride+x] < 200 || y+1 < h && img.Pix[(y+1)*img.Stride+x] < 200
	}
	for y := 0; y < h; y++ {
		run, gaps := 0, 0
		for x := 0; x < w; x++ {
			switch {
			case dark(x, y):
				run++
			case run > 0 && x+1 < w && dark(x+1, y):
				// A fax drops a dot of a rule here and there (seed 3030:
				// the header rule in three pieces a pixel apart, and the
				// box below it taken for the rule). A gap of one pixel
				// does not end a run; a line of text has too many.
				run, gaps = run+1, gaps+1
			default:
				run, gaps = 0, 0
			}
			if run >= need && gaps*ruleGaps <= run {
				return (float64(y) + 0.5) / px, true
			}
		}
	}
	return 0, false
}

// A run is a rule when at most one pixel in ruleGaps of it is a gap
// bridged.
const ruleGaps = 20

// aboutCentre maps template points to an upright page's pixels assuming
// the page is only turned by skew degrees about its centre.
func aboutCentre(up *image.Gray, dpi, skew float64) affine {
	px := dpi / 72
	cx, cy := float64(up.Rect.Dx())/2, float64(up.Rect.Dy())/2
	th := skew * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	// Turn (x*px - cx, y*px - cy) by th and move back.
	return affine{A: c * px, B: -s * px, C: cx - c*cx + s*cy, D: s * px, E: c * px, F: cy - s*cx - c*cy}
}

var stampRE = regexp.MustCompile(`(?i)r[eo]v\W{0,3}([0-9OoIl|SBZ]{1,2})\s*[/|l1I\\]\s*([0-9OoIl|SBZ]{1,2})\s*[/|l1I\\]\s*([0-9OoIl|SBZ]{4})`)

// findStamp looks for "(Rev. MM/DD/YYYY)" in the words read and returns the
// stamp and Tesseract's confidence in the words that carried it.
func findStamp(words []word) (string, float64) {
	for i := range words {
		if !strings.Contains(strings.ToLower(words[i].Text), "rev") && !strings.Contains(strings.ToLower(words[i].Text), "rov") {
			continue
		}
		end := min(i+3, len(words))
		var parts []string
		conf := 1.0
		for _, w := range words[i:end] {
			parts = append(parts, w.Text)
			conf = math.Min(conf, w.Conf)
		}
		m := stampRE.FindStringSubmatch(strings.Join(parts, " "))
		if m == nil {
			continue
		}
		if s, ok := stampDate(m[1], m[2], m[3]); ok {
			return s, conf
		}
	}
	return "", 0
}

// stampDate turns the three parts of a stamp, with letters Tesseract
// confuses with digits, into "MM/DD/YYYY" if that is a real date.
func stampDate(mm, dd, yyyy string) (string, bool) {
	fix := strings.NewReplacer("O", "0", "o", "0", "I", "1", "l", "1", "|", "1", "S", "5", "B", "8", "Z", "2")
	mm, dd, yyyy = fix.Replace(mm), fix.Replace(dd), fix.Replace(yyyy)
	if len(mm) == 1 {
		mm = "0" + mm
	}
	if len(dd) == 1 {
		dd = "0" + dd
	}
	s := mm + "/" + dd + "/" + yyyy
	if _, err := time.Parse("01/02/2006", s); err != nil {
		return "", false
	}
	if yyyy < "1990" || yyyy > "2099" {
		return "", false
	}
	return s, true
}

// stampBox returns where rev prints its revision stamp on page 1.
func stampBox(rev *forms.Revision) (forms.Box, bool) {
	for _, e := range rev.Pages[0].Print {
		if e.Type == "text" && strings.HasPrefix(strings.TrimSpace(e.Text), "(Rev.") {
			return e.Box, true
		}
	}
	return forms.Box{}, false
}

// readStamp OCRs the stamp box of rev on a registered page.
func (e *Engine) readStamp(t *tess, up *image.Gray, m affine, rev *forms.Revision) (string, float64, error) {
	b, ok := stampBox(rev)
	if !ok {
		return "", 0, nil
	}
	// The stamp is right-aligned on some revisions and left on others;
	// read the whole box with a little room.
	crop := warp(up, m, boxF{b.X - 4, b.Y - 3, b.W + 8, b.H + 6}, stampDPI/72)
	read := func() (string, float64, error) {
		words, err := t.read(crop, stampDPI, psmLine, "Rev.()0123456789/ ")
		if err != nil {
			return "", 0, fmt.Errorf("read revision stamp: %w", err)
		}
		s, c := findStamp(words)
		return s, c, nil
	}
	s, c, err := read()
	// The room left around the box takes in the header rule under it; a
	// fax that breaks the rule leaves pieces Tesseract reads as letters,
	// spoiling the line. A box read as no stamp is read again without
	// the rule.
	if err == nil && s == "" && withoutRules(crop) {
		return read()
	}
	return s, c, err
}

// ruleShare is the least share of a row's width a printed rule darkens,
// broken as a fax leaves it; no row of text is so dark. edgeShare is the
// least share of the rows beside it that its blurred edge darkens.
const (
	ruleShare = 0.5
	edgeShare = 0.05
)

// withoutRules whitens the rows of img that a printed rule crosses, with
// the rows beside it that its blurred edges darken and one more, and
// reports whether it found any. A rule under a line of text read alone is
// read as letters and spoils the reading of the text: the header rule
// under a faxed stamp read "eee vee 2.", and the stamp two digits wrong
// (seed 5353).
func withoutRules(img *image.Gray) bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	rule, share := make([]bool, h), make([]float64, h)
	for y := range h {
		dark := 0
		for _, v := range img.Pix[y*img.Stride : y*img.Stride+w] {
			if v < 128 {
				dark++
			}
		}
		share[y] = float64(dark) / float64(w)
		rule[y] = share[y] >= ruleShare
	}
	// Grow the rule over the rows beside it that its blurred edges darken.
	for y := 1; y < h; y++ {
		rule[y] = rule[y] || rule[y-1] && share[y] >= edgeShare
	}
	for y := h - 2; y >= 0; y-- {
		rule[y] = rule[y] || rule[y+1] && share[y] >= edgeShare
	}
	found := false
	for y := range h {
		found = found || rule[y]
		if rule[y] || y > 0 && rule[y-1] || y+1 < h && rule[y+1] {
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			for i := range row {
				row[i] = 255
			}
		}
	}
	return found
}

// ident is a page's identified revision and its registration.
type ident struct {
	stamp   string
	rev     *forms.Revision // the revision named by stamp, nil when unknown
	known   bool
	page    int
	conf    float64
	reg     *registration
	problem string
}

// nearKnown returns the revision of fam whose stamp differs from stamp in
// one character, the commonest misread, or nil. (A stamp two digits away
// is as likely a real revision as a double misread.)
func nearKnown(fam *forms.Family, stamp string) *forms.Revision {
	for _, r := range fam.Revisions {
		if stampsApart(r.Stamp, stamp) <= 1 {
			return r
		}
	}
	return nil
}

// stampsApart returns in how many characters two stamps differ; stamps of
// different lengths differ in all of them.
func stampsApart(a, b string) int {
	if len(a) != len(b) {
		return max(len(a), len(b))
	}
	diff := 0
	for i := range a {
		if a[i] != b[i] {
			diff++
		}
	}
	return diff
}

// notCurrentEither reports whether a page whose stamp reads (empty ones
// say nothing) are no posted revision, a digit from near, a retired
// revision whose layout the page has (leading the other revisions' fits by
// lead), is surely not the family's current revision: whether it is near
// worn by the fax or a revision the district never posted, the form is not
// one it accepts. Every read must be two characters from the current
// stamp: one is a misread of it as likely as of near.
func notCurrentEither(fam *forms.Family, near *forms.Revision, lead float64, reads ...string) bool {
	if near.Status == forms.Current || lead < 0.1 {
		return false
	}
	cur, read := fam.Current(), false
	for _, r := range reads {
		if r == "" {
			continue
		}
		if cur != nil && stampsApart(cur.Stamp, r) < 2 {
			return false
		}
		read = true
	}
	return read
}

// unclearDigit reports whether every reading differs from stamp in one
// character, and all in the same one.
func unclearDigit(stamp string, readings ...string) bool {
	at := -1
	for _, r := range readings {
		if len(r) != len(stamp) {
			return false
		}
		diff := -1
		for i := range stamp {
			if r[i] == stamp[i] {
				continue
			}
			if diff >= 0 {
				return false
			}
			diff = i
		}
		if diff < 0 || (at >= 0 && diff != at) {
			return false
		}
		at = diff
	}
	return at >= 0
}

// unsureStamps is the confidence below which a stamp reading is doubtful.
const unsureStamps = 0.75

// nearLayout reports whether two stamp readings that disagree (band and
// box, with their confidences) point to layout, the posted revision of
// fam whose layout the page has: one at least is doubtful, and one is a
// digit from layout's stamp. A fax that blurs the band's reading to
// nonsense often leaves the box's one digit off (a 5 read as a 6). A
// reading of a day still to come is doubtful however clear: no form is
// stamped so (seed 5151: a bled 05/01/2023 read 08/01/2028 in the band
// and 08/01/2023 in the box, both at 0.78 or more).
func nearLayout(fam *forms.Family, layout *forms.Revision, band string, bandConf float64, box string, boxConf float64) bool {
	doubtful := math.Min(bandConf, boxConf) < unsureStamps || future(band) || future(box)
	return box != "" && box != band && doubtful &&
		(nearKnown(fam, box) == layout || nearKnown(fam, band) == layout)
}

// offStampConf is the confidence of the clearer of the two stamp reads
// (a, read at ca, and b, at cb) that are not stamp, the posted revision's:
// a read of the revision itself, however clear, is no sign of another.
func offStampConf(stamp, a string, ca float64, b string, cb float64) float64 {
	c := 0.0
	if a != stamp {
		c = math.Max(c, ca)
	}
	if b != stamp {
		c = math.Max(c, cb)
	}
	return c
}

// unclearStamp is the confidence below which a stamp read as no posted
// revision gives way to the layout; clearStamp the confidence from which
// a stamp a digit from a posted revision may be a revision of its own.
const (
	unclearStamp = 0.5
	clearStamp   = 0.9
)

// future reports whether a stamp (MM/DD/YYYY) is a day after today.
func future(stamp string) bool {
	d, err := time.Parse("01/02/2006", stamp)
	return err == nil && d.After(time.Now())
}

// fitQuality scores how well a page fits a template: the share of
// landmarks found in place times their mean correlation.
func fitQuality(r registration) float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Landmarks) / float64(r.Total) * r.Score
}

// identifyRevision settles the revision of a page whose title named
// family h.family. The stamp is read in the header band and, unless that
// named a revision the page fits, again alone in the stamp box of the
// template the page registers to; the revision is what the stamp says,
// never what the layout suggests, unless no stamp can be read at all, and
// then with a low confidence.
func (e *Engine) identifyRevision(t *tess, sc *scanned, h header) (ident, error) {
	up := sc.full
	fam := h.family
	order := append([]*forms.Revision(nil), fam.Revisions...)
	if r := fam.Revision(h.stamp); r != nil {
		for i, o := range order {
			if o == r {
				order[0], order[i] = order[i], order[0]
			}
		}
	}
	type fit struct {
		rev  *forms.Revision
		page int
		reg  registration
		q    float64
	}
	var best *fit
	fits := map[*forms.Revision]*fit{}
	// lead is how much better a fit of quality q to rev is than the best
	// fit to any other revision tried (1 when there is none).
	lead := func(rev *forms.Revision, q float64) float64 {
		gap := 1.0
		for r, o := range fits {
			if r != rev {
				gap = math.Min(gap, q-o.q)
			}
		}
		return gap
	}
	for i, rev := range order {
		for n := 1; n <= len(rev.Pages); n++ {
			reg, err := e.tmpl.register(sc, rev, n)
			if errors.Is(err, ErrNoRegistration) {
				continue
			}
			if err != nil {
				return ident{}, err
			}
			f := &fit{rev, n, reg, fitQuality(reg)}
			if fits[rev] == nil || f.q > fits[rev].q {
				fits[rev] = f
			}
			if best == nil || f.q > best.q {
				best = f
			}
		}
		// The band's stamp named this revision and the page fits it well:
		// no need to try the others.
		if i == 0 && rev.Stamp == h.stamp && best != nil && best.rev == rev && best.q > 0.6 {
			break
		}
	}
	id := ident{stamp: h.stamp}
	if best == nil {
		id.rev = fam.Revision(h.stamp)
		id.known = id.rev != nil
		id.conf = 0.3 * h.titleScore * h.stampConf
		id.problem = "the page does not align with any revision of its form"
		return id, nil
	}
	// The stamp read again, alone in the stamp box of the revision the
	// page fits best; unless the band's stamp named a revision of the
	// family and the page fits that revision's layout well: a misread
	// does not turn one posted revision's stamp into another's, so a
	// second reading could only agree.
	s2, c2 := h.stamp, h.stampConf
	if !(best.rev.Stamp == h.stamp && best.q > 0.6) {
		var err error
		if s2, c2, err = e.readStamp(t, up, best.reg.M, best.rev); err != nil {
			return ident{}, err
		}
	}
	// The landmarks of one revision's layout are in place and the others'
	// are not: the revisions' layouts differ visibly, so the layout alone
	// tells which it is (a family whose revisions share a layout never
	// gets here: only its stamp tells them apart). On a worn fax a quarter
	// of the landmarks may be lost, and then the others' must fit far
	// worse; a third, and the others must not fit at all (a G4 fax at 98
	// lines of seed 2024 fitted its revision at 0.69, the other not).
	lead0 := lead(best.rev, best.q)
	layoutTells := best.q >= 0.8 && lead0 >= 0.15 || best.q >= 0.7 && lead0 >= 0.3 || best.q >= 0.6 && lead0 >= 0.5
	// Another family's title nearly matching too makes the title doubtful.
	// (The titles share words: read cleanly, one scores 1 and another
	// still about 0.77, which is no doubt at all.)
	title := h.titleScore * math.Min(1, (h.titleScore-h.second)/0.2)
	switch {
	case s2 != "" && s2 == h.stamp:
		id.stamp, id.conf = s2, title*(0.9+0.1*math.Max(c2, h.stampConf))
	case s2 != "" && h.stamp == "":
		id.stamp, id.conf = s2, title*0.9*c2
	case s2 == "" && h.stamp != "":
		id.stamp, id.conf = h.stamp, title*0.85*h.stampConf
	case s2 != "" && best.q >= 0.7 && unclearDigit(best.rev.Stamp, h.stamp, s2):
		// The two reads disagree with each other, and each with a posted
		// revision whose layout the page has, in the same one digit: that
		// digit is unclear, and the rest is that revision's stamp.
		id.stamp, id.conf = best.rev.Stamp, 0.85*title
		id.problem = fmt.Sprintf("the stamp reads %s and %s, a digit unclear; taken as %s, whose layout the page has", h.stamp, s2, best.rev.Stamp)
	case best.q >= 0.7 && nearLayout(fam, best.rev, h.stamp, h.stampConf, s2, c2):
		// Most likely the revision whose layout the page has, which a
		// person confirms (the confidence stays low). Its fields are read
		// meanwhile.
		id.stamp, id.conf = best.rev.Stamp, 0.6*title
		if layoutTells && offStampConf(best.rev.Stamp, h.stamp, h.stampConf, s2, c2) < clearStamp ||
			notCurrentEither(fam, best.rev, lead0, h.stamp, s2) {
			id.conf = 0.85 * title
		}
		id.problem = fmt.Sprintf("the stamp reads %s and %s, not both surely; taken as %s, a digit away, whose layout the page has", h.stamp, s2, best.rev.Stamp)
	case s2 != "":
		// The two reads disagree: the stamp box read alone is the better one.
		id.stamp, id.conf = s2, 0.3*title
	default:
		id.stamp, id.conf = best.rev.Stamp, 0.2*title
		id.problem = "the revision stamp cannot be read; revision guessed from the layout"
		if layoutTells {
			id.conf = 0.85 * title
		}
	}
	if id.problem == "" && (s2 == "" || h.stamp == "" || s2 == h.stamp) {
		if fam.Revision(id.stamp) != nil {
			// OCR noise does not turn a stamp into another real date that
			// is exactly one of this family's revisions: a stamp read as a
			// known one is that one, whatever Tesseract's confidence.
			id.conf = math.Max(id.conf, 0.93*title)
		} else if near := nearKnown(fam, id.stamp); near != nil {
			// A digit away from a posted revision: more likely a misread
			// than a form the district never posted.
			id.conf *= 0.5
			switch {
			case best.rev != near || best.q < 0.7 && !layoutTells:
			case future(id.stamp):
				// No form can be stamped with a day still to come: the
				// stamp is the posted revision a digit away, whose layout
				// the page has.
				id.problem = fmt.Sprintf("the stamp reads %s, a day still to come; taken as %s, a digit away, whose layout the page has", id.stamp, near.Stamp)
				id.stamp, id.conf = near.Stamp, 0.85*title
			default:
				// The page has that revision's layout too: read its
				// fields as that revision's, and let a person confirm
				// which it is (the confidence stays low): a stamp read
				// clearly may be a revision not posted yet. One read
				// less than clearly, on a page whose layout alone tells
				// the revision, is that revision's worn by the fax (a 5
				// read as an 8).
				// A page with a retired revision's layout, its stamp far
				// from the current one's, is not the current revision,
				// whichever it is: sure enough to be turned away.
				id.problem = fmt.Sprintf("the stamp reads %s, a digit from %s, whose layout the page has", id.stamp, near.Stamp)
				id.stamp = near.Stamp
				if layoutTells && math.Max(c2, h.stampConf) < clearStamp || notCurrentEither(fam, near, lead0, h.stamp, s2) {
					id.conf = 0.85 * title
				}
			}
		}
	}
	if fam.Revision(id.stamp) == nil && id.problem == "" && math.Max(c2, h.stampConf) < unclearStamp && layoutTells {
		// A stamp read without confidence as no posted revision, on a
		// page that has one revision's layout and not the others': most
		// likely that revision with its stamp blurred. Its fields are
		// read, and a person confirms which revision it is.
		id.problem = fmt.Sprintf("the stamp reads %q unclearly; the layout is that of %s", id.stamp, best.rev.Stamp)
		id.stamp, id.conf = best.rev.Stamp, math.Min(id.conf, 0.5)
	}
	id.rev = fam.Revision(id.stamp)
	id.known = id.rev != nil
	if !id.known {
		return id, nil
	}
	f := fits[id.rev]
	if f == nil {
		// Not tried yet, or it did not align: then perhaps a heavy hand
		// in its table misled the coarse pass (see registerHeader).
		for n := 1; n <= len(id.rev.Pages); n++ {
			reg, err := e.tmpl.register(sc, id.rev, n)
			if errors.Is(err, ErrNoRegistration) {
				reg, err = e.tmpl.registerHeader(sc, id.rev, n)
			}
			if err != nil && !errors.Is(err, ErrNoRegistration) {
				return ident{}, err
			}
			if err == nil && (f == nil || fitQuality(reg) > f.q) {
				f = &fit{id.rev, n, reg, fitQuality(reg)}
			}
		}
	}
	if f == nil {
		id.problem = "the page does not align with the template of its revision"
		id.conf *= 0.5
		return id, nil
	}
	looksOther := f != best && best.q-f.q > 0.15
	if looksOther {
		// The stamp names one revision but the page looks like another.
		id.conf *= 0.5
	}
	if f.q >= 0.7 && !looksOther {
		// Most landmarks of this revision's template are where they should
		// be: the page is this form even if its title is cut or blurred.
		// The stamp still decides the revision.
		// A stamp read as one of this family's revisions is that one
		// (see above), whatever Tesseract's confidence in it.
		stampOK := id.stamp == s2 || id.stamp == h.stamp
		if stampOK && id.problem == "" {
			id.conf = math.Max(id.conf, 0.95)
		}
	}
	if f == best && len(fits) > 1 && id.problem == "" {
		// The layout agrees with the stamp and tells the revisions apart:
		// evidence of its own for a stamp read only once.
		if lead(f.rev, f.q) > 0.1 {
			id.conf = math.Max(id.conf, 0.95*title)
		}
	}
	if f.q < 0.5 {
		id.problem = fmt.Sprintf("poor fit to the template (%.0f%% of landmarks found)", 100*float64(f.reg.Landmarks)/float64(max(f.reg.Total, 1)))
	}
	id.page = f.page
	id.reg = &f.reg
	return id, nil
}
