package ocr

import (
	"fmt"
	"image"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/otiai10/gosseract/v2"

	"github.com/lausd/misis-intake/forms"
)

// Character sets Tesseract may choose from, per kind of field.
const (
	digitSet = "0123456789"
	phoneSet = "0123456789-()"
	dateSet  = "0123456789/"
	emailSet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@"
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
func (e *Engine) readText(t *tess, r region, f *forms.Field, ink inkOf, page *typedTally) (read, error) {
	k := ink.withoutStrays(r, f.Kind == forms.KindDigits || f.Kind == forms.KindDate).withFaint(r)
	if len(k.blobs) == 0 {
		return emptyRead(k), nil
	}
	// Ink that fits in 3pt by 3pt is smaller than any letter written or
	// typed on the form: a speck, or a stray dot. With less ink than a
	// letter's stroke (see letterSized) it is surely noise; with more it
	// may be a blot over a small letter.
	if float64(k.bounds.Dy())/r.px < 3 && float64(k.bounds.Dx())/r.px < 3 {
		if float64(k.area)/(r.px*r.px) < 4 {
			return read{"", 0.98}, nil
		}
		return read{"", 0.6}, nil
	}
	// A few specks scattered over the box, none the size of a letter's
	// stroke, are no more writing than one.
	if letterSized(k, r) == 0 && len(k.blobs) <= 3 && float64(k.area)/(r.px*r.px) < 6 {
		return read{"", 0.975}, nil
	}
	var chars *charReads
	if f.Kind == forms.KindDigits || f.Kind == forms.KindDate {
		var err error
		if chars, err = e.readChars(k, r, f, page); err != nil {
			return read{}, err
		}
		if rd, ok := chars.agreed(f); ok {
			return rd, nil
		}
	}
	img := k.clean(r, int(3*r.px))
	set, psm := charSet(f), psmLine
	if _, hi := digitsWant(f); f.Kind == forms.KindDigits && hi <= 2 {
		// A page number: one or two digits, which line mode often misses.
		psm = psmWord
		if k.bounds.Dx() < k.bounds.Dy() {
			psm = psmChar
		}
	}
	words, err := t.read(img, fieldDPI, psm, set)
	if err != nil {
		return read{}, fmt.Errorf("field %s: %w", f.Name, err)
	}
	raw, conf := joinWords(trimNoise(words))
	if raw == "" {
		if len(words) > 0 {
			// Only stray marks were read. Without a piece of ink the size
			// of a letter, they are specks or the remains of the box;
			// otherwise perhaps writing Tesseract could not make out.
			if letterSized(k, r) == 0 {
				return read{"", 0.975}, nil
			}
			return read{"", 0.6}, nil
		}
		// Ink Tesseract cannot read: something is written, we do not know
		// what; but the typed reader may (digits and dates worn thin).
		if chars != nil {
			return chars.lost(k, r, f, page)
		}
		return read{"", 0.05}, nil
	}
	rd := normalise(f, raw, conf, e.now().Year())
	// readAgain reads the same ink at another scale: what Tesseract reads
	// from a different picture of it.
	readAgain := func() (read, error) {
		again, err := t.read(scaleGray(img, 0.6), fieldDPI*0.6, psm, set)
		if err != nil {
			return read{}, fmt.Errorf("field %s: %w", f.Name, err)
		}
		raw2, conf2 := joinWords(trimNoise(again))
		return normalise(f, raw2, conf2, e.now().Year()), nil
	}
	if chars != nil {
		out, err := e.checkGlyphs(rd, k, r, f, chars, readAgain, page)
		if err != nil {
			return read{}, err
		}
		if f.Kind == forms.KindDigits && !page.handwritten() {
			if text, ok := bledFives(k, r, out.text); ok {
				out = read{text, math.Min(out.conf, disputedConf)}
			}
		}
		return out, nil
	}
	// A confident read short of sure is read again. If the two differ,
	// neither is sure; if they agree, it gains some of the way (Tesseract
	// is diffident about strings no dictionary knows, like e-mail names).
	// A read that agreement would still leave short of sure is not read
	// again, for the second reading could not change what is done with it;
	// nor is a read already sure: on two corpora (513 submissions) the
	// second reading never once disagreed with one.
	thr := e.thr.For(f.Kind)
	if rd.conf < verifyAbove || rd.conf >= thr || rd.conf+(1-rd.conf)*agreeGain < thr {
		return rd, nil
	}
	again, err := readAgain()
	if err != nil {
		return read{}, err
	}
	if !strings.EqualFold(rd.text, again.text) {
		rd.conf = math.Min(rd.conf, 0.5)
		return rd, nil
	}
	rd.conf += (1 - rd.conf) * agreeGain
	return rd, nil
}

// Text reads from verifyAbove up to the kind's threshold are read twice
// when agreement, which closes agreeGain of the distance to certainty,
// would make them sure. Digits and
// dates are read twice when the character reader disagrees (see
// checkGlyphs), and keep at most tieConf then: enough for a date, not for
// digits.
const (
	verifyAbove = 0.85
	agreeGain   = 0.4
	tieConf     = 0.94
	// typedTieConf is the most a reading keeps that Tesseract and the
	// typed reader agree on against Tesseract's first reading: short of
	// every kind's threshold.
	typedTieConf = 0.9
	// disputedConf is the most a reading of digits keeps when the
	// character reader reads as many characters confidently, and others.
	disputedConf = 0.6
	// splitConf is the most a reading of digits or a date keeps that no
	// other reading agrees with: short of every kind's threshold.
	splitConf = 0.9
	// unsureTess is the confidence below which Tesseract's reading of
	// digits or a date gives way, to be shown, to a typed reading that
	// fits a face well and clearly.
	unsureTess = 0.7
	// lostTess is the confidence below which Tesseract has all but lost
	// digits or a date (a digit missed, 2626 for a worn 2026): there any
	// typed reading that fits a face is the better one to show.
	lostTess = 0.5
)

// charReads is what the character reader and the typed reader made of
// the ink of a field of digits or a date: the character reader's reading
// (as the field holds it, with a confidence below 1 when it has not the
// field's form), the share of its characters read confidently, and the
// typed reader's reading, once it has been read (typedRun).
type charReads struct {
	second   read
	share    float64
	typed    typedRead
	typedRun bool
}

// Where the character reader reads at least agreeShare of the characters
// confidently and the typed reader reads the same digits, fitting a face
// (typedFit), the two are taken without Tesseract: on a corpus of 200
// submissions (seed 2718) they so agreed on 609 of 835 typed digits and
// dates, every one right, where Tesseract misread 3; on no handwritten
// one.
const agreeShare = 0.7

// readChars reads the ink k of f with the character reader, and with the
// typed reader too where the character reader reads it as the field holds
// it, confidently: a field whose two readings agree needs no Tesseract.
// Phone numbers (the typed reader reads them poorly), page numbers (one
// or two digits, too few to tell a face) and pages whose writing has
// shown itself handwritten are left to the character reader and
// Tesseract.
func (e *Engine) readChars(k inkOf, r region, f *forms.Field, page *typedTally) (*charReads, error) {
	g, share, err := readGlyphs(k, r)
	if err != nil {
		return nil, err
	}
	c := &charReads{second: normalise(f, g, 1, e.now().Year()), share: share}
	if _, hi := digitsWant(f); c.second.conf == 1 && share >= agreeShare && !(f.Kind == forms.KindDigits && hi <= 2) {
		if err := c.readTyped(k, r, f, page); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readTyped runs the typed reader over k once, unless f is a phone number
// (on a corpus of 200 submissions it read none of 18 right) or page's
// writing has shown itself handwritten, and notes its fit on the page's
// tally.
func (c *charReads) readTyped(k inkOf, r region, f *forms.Field, page *typedTally) error {
	if c.typedRun || isPhone(f) || page.handwritten() {
		return nil
	}
	typed, err := readTyped(k, r, typedChars(f))
	if err != nil {
		return err
	}
	c.typed, c.typedRun = typed, true
	page.note(typed.fit, evenType(k, r.px))
	return nil
}

// agreed returns the character reader's reading when the typed reader
// read the same digits fitting a face, sure (see agreeShare), with the
// lesser of the confidences each would lend a reading of Tesseract's. A
// number the character reader read few characters of confidently
// (below sureShare) is so taken only where the typed reader read it
// clearly (clearMargin): a worn 4 read as a 1 by both, at a lead of
// 0.09, was sure and wrong (seed 9292); requiring the lead cost 1% of
// the typed employee numbers taken without a person on two corpora.
func (c *charReads) agreed(f *forms.Field) (read, bool) {
	if c.second.conf < 1 || c.share < agreeShare || c.typed.lends(c.second.text) == 0 {
		return read{}, false
	}
	if f.Kind == forms.KindDigits && c.share < sureShare && c.typed.margin < clearMargin {
		// Too few characters read confidently for the character reader's
		// agreement to make a number sure (see agreement), and the typed
		// reader not clear of doubt: Tesseract reads too.
		return read{}, false
	}
	return read{c.second.text, math.Min(c.typed.lends(c.second.text), 0.9+0.09*c.share)}, true
}

// agreement is the confidence the character reader lends a reading of f
// it agrees with, by the share of characters it read confidently. Where
// it read fewer than sureShare of a number's characters confidently, its
// agreement never makes the number sure: on five corpora of 200
// submissions, agreeing at five characters in seven it made seven
// numbers sure that Tesseract alone had not, two of them wrong (a
// toner-closed 5 read as an 8, hand-printed 3s as 5s). (The typed
// reader's agreement may, where that reader is clear; see agreed.)
func agreement(f *forms.Field, share float64) float64 {
	c := 0.9 + 0.09*share
	if f.Kind == forms.KindDigits && share < sureShare {
		c = math.Min(c, tieConf)
	}
	return c
}

// sureShare is the least share of a number's characters the character
// reader must read confidently for its agreement to make the number sure.
const sureShare = 0.75

// checkGlyphs reads digits and dates a second way, character by
// character, and weighs Tesseract's reading by whether the two agree;
// where they do not, a third way, by the typed reader (unless page's
// writing has shown itself handwritten).
//
// When they disagree, Tesseract reads the ink again at another scale
// (readAgain), and the three readings vote:
//   - Tesseract unsure of its first reading (below unsureTess) and the
//     typed reader fitting a face with every character clear: the
//     typed reading is shown, never sure (a worn Courier 3 read as an 8
//     at 0.6 by Tesseract, seed 4711);
//   - the typed reader reading other digits than Tesseract with every
//     character clear of doubt (clearMargin): the typed reading is
//     shown, never sure, even where Tesseract read the same twice (a
//     speck over a 5 read twice as an 8 at 0.8, seed 7878);
//   - the typed reader, every character clear, and the character reader
//     agreeing on another reading than Tesseract's: theirs is shown,
//     never sure, however often Tesseract read the same (a typed date,
//     seed 8484);
//   - Tesseract twice the same is taken, with no more than tieConf, short
//     of the digits' threshold: the character reader read otherwise, and
//     though on type it is the weaker of the two (it cannot part touching
//     characters), a fax that bleeds turns a 5 into an 8 for Tesseract
//     twice alike (seed 1357: two sure employee numbers wrong so). A date
//     read twice alike takes the better confidence of the two (raised
//     when it falls in this year), up to tieConf;
//   - the second Tesseract reading agreeing with the character reader is
//     taken instead, with at most tieConf;
//   - Tesseract's first reading and the typed reader agreeing on one
//     without the field's form (a worn seven-digit number) is shown as
//     read, never sure;
//   - where no two readings agree, the first is shown, never sure, or
//     the second where Tesseract was surer of it by betterBy; or, where
//     Tesseract all but lost it (below lostTess), the typed reading
//     fitting a face.
func (e *Engine) checkGlyphs(rd read, k inkOf, r region, f *forms.Field, chars *charReads, readAgain func() (read, error), page *typedTally) (read, error) {
	// The same form checks apply to the second reading: a factor below 1
	// when it is not what the field holds. The two are compared by their
	// digits: slashes and dashes are where the character reader is weakest.
	second, share := chars.second, chars.share
	gd, td := digits(second.text), digits(rd.text)
	if f.Kind == forms.KindDate && len(gd) == len(td)+1 && len(k.blobs) > 2 {
		// The character reader reads every piece of ink, a speck or a bit
		// of the box's edge at either end too, where Tesseract leaves it
		// out. No date has a digit more, so the date is read again without
		// the piece at that end; where the two then agree surely, that
		// is taken.
		for _, i := range k.endBlobs() {
			g2, share2, err := readGlyphs(k.without(r.img.Rect.Dx(), i), r)
			if err != nil {
				return read{}, err
			}
			s2 := normalise(f, g2, 1, e.now().Year())
			if c := (0.9 + 0.09*share2) * s2.conf; digits(s2.text) == td && c >= e.thr.For(f.Kind) {
				rd.conf = math.Max(rd.conf, c)
				return rd, nil
			}
		}
	}
	if gd == td && td != "" {
		rd.conf = math.Max(rd.conf, agreement(f, share)*second.conf)
		return rd, nil
	}
	disputed := share >= 0.5 && len(gd) == len(td) // as many characters, read confidently, and different ones
	// The typed reader lays the characters of the faces forms are typed
	// in over the ink (see typeface.go). Where it reads what Tesseract
	// read, and that has the field's form, two readers that fail in
	// different ways agree, and Tesseract need not read again (on two
	// corpora of 200 submissions, 33 typed values the character reader
	// disputed and the two agreed on, every one right). It has read the
	// ink already where the character reader read it confidently.
	if err := chars.readTyped(k, r, f, page); err != nil {
		return read{}, err
	}
	typed := chars.typed
	hasForm := func(s string) bool { return s != "" && normalise(f, s, 1, e.now().Year()).conf == 1 }
	if c := typed.lends(rd.text); c > 0 && hasForm(rd.text) {
		rd.conf = math.Max(rd.conf, c)
		return rd, nil
	}
	if f.Kind == forms.KindDigits && page.handwritten() {
		// Digits the character reader disputes are never sure after a
		// second reading (see below); on a page written by hand that
		// reading would only choose which unsure value a person sees.
		if disputed {
			return read{rd.text, math.Min(rd.conf, disputedConf)}, nil
		}
		return read{rd.text, math.Min(rd.conf, splitConf)}, nil
	}
	again, err := readAgain()
	if err != nil {
		return read{}, err
	}
	tessHasForm := hasForm(rd.text) || hasForm(again.text)
	// The typed reader read the field's form with every character clear
	// of doubt (clearMargin).
	typedClearly := typed.clear() && typed.margin >= clearMargin && hasForm(typed.text)
	switch {
	case !tessHasForm && hasForm(second.text) && typed.lends(second.text) > 0:
		// Neither of Tesseract's readings has the field's form (41/16/2026,
		// 16/03/2026) and the character reader and the typed reader agree
		// on one that has: the better guess, for a person to confirm.
		return read{second.text, typedTieConf}, nil
	case !tessHasForm && typed.fit >= clearTyped && hasForm(typed.text) && digits(typed.text) != gd:
		// Likewise, the typed reader alone fitting well: the typed reader
		// read right 5 of 8 typed dates Tesseract misread on seed 2718.
		return read{typed.text, 0.5 * typed.fit}, nil
	case rd.conf < unsureTess && typed.clear() && hasForm(typed.text) && digits(typed.text) != td:
		// Tesseract is unsure, and the typed reader fits a face with
		// every character clear: its reading is the better guess, for a
		// person to confirm.
		return read{typed.text, 0.5 * typed.fit}, nil
	case typed.lends(rd.text) > 0:
		// Tesseract and the typed reader agree on a reading without the
		// field's form (one with it was taken above): a worn seven-digit
		// number, say. It is shown as read, never sure, for the rules to
		// judge.
		return read{rd.text, math.Min(rd.conf, typedTieConf)}, nil
	case f.Kind == forms.KindDigits && typedClearly &&
		digits(typed.text) != td && digits(typed.text) != digits(again.text) && digits(again.text) != gd:
		// The typed reader reads other digits than Tesseract with every
		// character clear of doubt, and no two other readers agree: on
		// six corpora of 200 submissions it was right all 12 times it
		// so differed from Tesseract's first reading (three of them
		// read at 0.79 to 0.91), and Tesseract's reading, though read
		// twice alike, is not to be trusted over it. Never sure: it is
		// one reader's.
		return read{typed.text, 0.5 * typed.fit}, nil
	case typedClearly && digits(typed.text) == gd && gd != td:
		// The typed reader, every character clear of doubt, and the
		// character reader agree on another reading than Tesseract's
		// first: two readers that fail in different ways against one,
		// however often it read the same (seed 8484: a typed 11/10/2026
		// Tesseract read 11/16/2026 twice, sure at 0.94). Never sure: the
		// character reader read too few characters confidently to make
		// it so (see agreed).
		return read{typed.text, 0.5 * typed.fit}, nil
	case again.text == rd.text && rd.text != "":
		if f.Kind == forms.KindDate {
			// A date read twice alike: the better confidence of the two,
			// raised as agreeing text is when it falls in this year (a
			// misread year is the commonest misread of a date).
			c := math.Max(rd.conf, again.conf)
			if strings.HasSuffix(rd.text, strconv.Itoa(e.now().Year())) {
				c += (1 - c) * agreeGain
			}
			rd.conf = math.Min(c, tieConf)
		} else {
			rd.conf = math.Min(rd.conf, tieConf)
		}
		return rd, nil
	case digits(again.text) == gd && gd != "":
		// Two readers agree, as when the first did (above), but against
		// Tesseract's first reading.
		return read{again.text, math.Min(math.Max(again.conf, agreement(f, share)*second.conf), tieConf)}, nil
	case again.text != "" && typed.lends(again.text) > 0:
		// Tesseract at another scale and the typed reader agree against
		// Tesseract's first reading: the better guess, for a person to
		// confirm (typed dates so read were wrong one time in four).
		return read{again.text, math.Min(again.conf, typedTieConf)}, nil
	case second.conf == 1 && share >= 0.8 && f.Kind == forms.KindDate && !isDate(rd.text) && !isDate(again.text):
		// Neither of Tesseract's readings is a date at all (44/95/2026,
		// 14/05/2026) and the character reader reads one confidently:
		// the fax broke strokes Tesseract could not put together, and
		// the date is the character reader's. (On four corpora of 200
		// submissions this made two typed dates sure, none wrong.)
		return read{second.text, tieConf}, nil
	case second.conf == 1 && rd.conf < 0.3 && share >= 0.4 && !typed.clear():
		// Tesseract's reading has not the field's form (eight digits, a
		// date) and the second one has: it is the better guess to show a
		// person, never sure on its own. Where the typed reader fits a
		// face with every character clear, its reading is the better one
		// (below): on seven corpora of 200 submissions it was right
		// against the character reader's all three times.
		return read{second.text, 0.5 * share}, nil
	case rd.conf < lostTess && typed.fit >= typedFit && typed.text != "" && digits(typed.text) != td:
		// No two readings agree, Tesseract has all but lost the field,
		// and the typed reader fits a face: its reading, whatever it is
		// (a seven-digit number is for the rules to reject, not for the
		// reader to hide), is the better guess, for a person to confirm.
		return read{typed.text, 0.5 * typed.fit}, nil
	}
	// No two readings agree: the first is shown, never sure, unless
	// Tesseract was surer of its second by betterBy.
	shown := rd
	if again.conf >= rd.conf+betterBy {
		shown = again
	}
	if disputed {
		shown.conf = math.Min(shown.conf, disputedConf)
	} else {
		shown.conf = math.Min(shown.conf, splitConf)
	}
	return shown, nil
}

// betterBy is how much surer of its second reading Tesseract must be for
// that to be shown where no two readings agree. On six corpora of 200
// submissions, of the numbers and dates whose second reading was the
// surer by at least this, it was right 57 times the first was wrong and
// wrong 8 times the first was right (39 and 1 of them handwritten dates);
// by less, 30 and 23.
const betterBy = 0.2

// lost is what is shown for digits or a date whose ink Tesseract
// read nothing of: the typed reader's reading where it fits a face, never
// sure; otherwise nothing, as unsure as can be. (The typed reader does
// not read a page whose writing has shown itself handwritten.)
func (c *charReads) lost(k inkOf, r region, f *forms.Field, page *typedTally) (read, error) {
	if err := c.readTyped(k, r, f, page); err != nil {
		return read{}, err
	}
	if t := c.typed; t.fit >= typedFit && t.text != "" {
		return read{t.text, 0.5 * t.fit}, nil
	}
	return read{"", 0.05}, nil
}

// digits keeps only the digits of s.
func digits(s string) string { return digitsOnlyRE.ReplaceAllString(s, "") }

// trimNoise drops words at either end that hold no letter or digit: the
// dots and ticks specks and rule remains become.
func trimNoise(words []word) []word {
	alnum := func(s string) bool {
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return true
			}
		}
		return false
	}
	for len(words) > 0 && !alnum(words[0].Text) {
		words = words[1:]
	}
	for len(words) > 0 && !alnum(words[len(words)-1].Text) {
		words = words[:len(words)-1]
	}
	return words
}

// emptyRead scores a field with no piece of ink the size of a letter's
// stroke: surely blank when clean, a little less so with many specks,
// which faint writing broken up by the fax might also leave.
func emptyRead(k inkOf) read {
	c := 0.99
	if k.specks > 0 {
		c = 0.985
	}
	if k.specks > 6 {
		c = 0.975
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

var phoneRE = regexp.MustCompile(`^\(?\d{3}\)?[- ]?\d{3}-?\d{4}$`)

var digitsOnlyRE = regexp.MustCompile(`\D`)

var dateRE = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$`)

// isDate reports whether s, as normalise writes a date, is a day of the
// calendar.
func isDate(s string) bool {
	_, err := time.Parse("01/02/2006", s)
	return err == nil
}

// slashesRestored turns a 1 or 7 where MM/DD/YYYY has one of its slashes
// back into the slash, when the other slash was read, and reports whether
// that makes s a date's form. (With both slashes lost the reading is too
// far gone to trust its digits either.)
func slashesRestored(s string) (string, bool) {
	if len(s) != len("01/02/2006") {
		return s, false
	}
	b := []byte(s)
	switch {
	case b[2] == '/' && (b[5] == '1' || b[5] == '7'):
		b[5] = '/'
	case b[5] == '/' && (b[2] == '1' || b[2] == '7'):
		b[2] = '/'
	default:
		return s, false
	}
	return string(b), dateRE.Match(b)
}

// reasons are the batch-removal reasons as printed on the form.
var reasons = []string{"Retired", "Transferred", "Left the district", "Changed assignment"}

// normalise turns what Tesseract read into the field's value and judges
// its confidence by whether it has the field's form (a date, by whether
// anyone would write it in the year it is now).
func normalise(f *forms.Field, raw string, conf float64, year int) read {
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
		if f.Name == "phone" {
			if !phoneRE.MatchString(raw) {
				conf *= 0.8
			}
			if len(d) == 10 {
				// As people write it and the ground truth records it.
				d = d[:3] + "-" + d[3:6] + "-" + d[6:]
			}
		}
		return read{d, conf}
	case forms.KindDate:
		s := strings.ReplaceAll(raw, " ", "")
		m := dateRE.FindStringSubmatch(s)
		if m == nil {
			// A slash is one thin slanted stroke, which the reader may take
			// for a 1 or a 7: where the date's form has a slash and the
			// rest fits, it is one, less surely.
			if fixed, ok := slashesRestored(s); ok {
				m = dateRE.FindStringSubmatch(fixed)
				conf *= 0.6
			}
		}
		if m == nil {
			// Slashes are the strokes Tesseract loses first: eight digits
			// in a date field are still MM DD YYYY, less surely.
			d := digits(s)
			if len(d) != 8 {
				return read{s, conf * 0.3}
			}
			m = []string{s, d[0:2], d[2:4], d[4:8]}
			conf *= 0.6
		}
		y := m[3]
		if len(y) == 2 {
			y = "20" + y
			conf *= 0.8
		}
		v := fmt.Sprintf("%02s/%02s/%s", m[1], m[2], y)
		v = strings.ReplaceAll(v, " ", "0")
		d, err := time.Parse("01/02/2006", v)
		if err != nil {
			return read{v, conf * 0.3}
		}
		if d.Year() < year-5 || d.Year() > year+1 {
			// A real date, but not one anyone writes on this form now: most
			// likely a misread digit.
			conf *= 0.5
		}
		return read{v, conf}
	case forms.KindEmail:
		s := strings.ReplaceAll(raw, " ", "")
		if strings.ToLower(strings.ReplaceAll(s, "I", "")) == strings.ReplaceAll(s, "I", "") {
			// An e-mail name written in lower case has no capital I: the
			// upright stroke read as one is the l it looks just like.
			s = strings.ReplaceAll(s, "I", "l")
		}
		s = strings.ToLower(s)
		s = strings.TrimSuffix(s, "lausd.net")
		// No address begins or ends with a dot, dash or underscore: one
		// read there is a speck or the rule's end.
		s = strings.Trim(strings.TrimRight(s, "@"), ".,-_")
		return read{s, conf}
	}
	s := strings.Join(strings.Fields(raw), " ")
	// A dot or comma after the last word is a speck or a habit, not part of
	// a name or a title.
	s = strings.TrimRight(s, ".,")
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
	// more, stands 5pt or more high and puts down some ink; initials
	// stand as high on less width and ink.
	s := math.Min(math.Min(span/25, tall/5), area/12)
	initials := math.Min(math.Min(span/15, tall/5), area/8)
	switch {
	case s >= 1.6:
		return read{forms.Signed, 0.99}
	case s >= 1 || initials >= 1:
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
	if hgt < 3 && wid < 2.5 {
		// A dot: not a mark anyone meant. A speck of a fax line is surely
		// none (at 98 lines an inch a speck of two lines stands 2.6pt
		// tall); a larger dot, as a pen leaves, is not surely blank
		// either.
		if ink < 3.5 {
			return read{forms.MarkBlank, 0.95}, nil
		}
		return read{forms.MarkBlank, 0.7}, nil
	}
	if specks(k, r) {
		// Two or three specks apart, none with a stroke's length: what a
		// fax line leaves, not a letter or a check broken up.
		return read{forms.MarkBlank, 0.93}, nil
	}
	if ink > 0.6*inner {
		return read{forms.MarkOther, 0.9}, nil // filled in or scribbled over
	}
	vote, err := classifyShape(markVector(k, r))
	if err != nil {
		return read{}, err
	}
	// A mark the prototypes take for a letter may be typed: the typed
	// reader lays the faces' A and R over it, without the specks a fax
	// leaves beside it.
	if vote.class != classOther {
		typed, err := readTyped(k.withoutStrays(r, true), r, markLetters)
		if err != nil {
			return read{}, err
		}
		if rd, ok := typedMark(vote, typed); ok {
			return rd, nil
		}
	}
	img := pad(k.clean(r, int(4*r.px)), int(6*r.px))
	// Tesseract reads the letter free: a whitelist of A and R makes its
	// LSTM return nothing for letters it reads well without one.
	var free []word
	for _, psm := range []gosseract.PageSegMode{psmChar, psmLine} {
		if free, err = t.read(img, fieldDPI, psm, ""); err != nil {
			return read{}, fmt.Errorf("field %s: %w", f.Name, err)
		}
		if len(free) > 0 {
			break
		}
	}
	return classifyMark(vote, measureLetter(withCap(k, r, thr), r.img.Rect.Dx()), free), nil
}

// typedMark returns the letter of a typed mark: one the typed reader reads
// as the prototypes vote v reads it, fitting a face clearly, sure. The
// letter's shape (see classifyMark) may be thrown by a speck the fax left
// against it (an A with a tick beside it measures as an R); the face's A
// and R are not.
func typedMark(v shapeVote, typed typedRead) (read, bool) {
	proto := ""
	switch v.class {
	case classA:
		proto = forms.MarkAdd
	case classR:
		proto = forms.MarkRem
	}
	if proto == "" || typed.fit < clearTyped || typed.text != proto {
		return read{}, false
	}
	return read{proto, 0.93}, true
}

// specks reports whether the ink k in a box is two or three specks: each
// under 2.5 points across and 2 square points of ink.
func specks(k inkOf, r region) bool {
	if len(k.blobs) < 2 || len(k.blobs) > 3 {
		return false
	}
	for _, b := range k.blobs {
		if float64(b.bounds.Dx())/r.px >= 2.5 || float64(b.bounds.Dy())/r.px >= 2.5 || float64(b.area)/(r.px*r.px) >= 2 {
			return false
		}
	}
	return true
}

// classifyMark combines the nearest-prototype vote v, the letter's shape
// s and Tesseract's free reading of the mark. The prototypes tell a letter
// from a check, a cross or a scribble; the shape tells an A from an R,
// which the prototypes (printed letters) often do not for hand-printing
// cut by the box's edges. A letter is sure only when the prototypes and
// the shape agree on it clearly and Tesseract does not read the other
// letter; a mark that all the nearest prototypes take for a check, cross
// or scribble is "other".
func classifyMark(v shapeVote, s letterShape, free []word) read {
	tess, tessConf := "", 0.0
	if len(free) == 1 {
		tess, tessConf = strings.ToUpper(free[0].Text), free[0].Conf
	}
	rScore := s.rScore()
	letter := forms.MarkAdd
	if rScore > 0 {
		letter = forms.MarkRem
	}
	margin := math.Abs(rScore)
	tessLetter := tess == forms.MarkAdd || tess == forms.MarkRem
	if v.class == classOther {
		if v.share < 1 && margin >= 1 && s.across <= 2.2 {
			// Some of the nearest prototypes are letters, and a line down
			// the ink meets no more strokes than a letter's: a letter
			// written oddly, or cut by the box's edges, more often than a
			// check. Stacked strokes are a scribble.
			return read{letter, 0.5}
		}
		if tessLetter && tessConf > 0.9 {
			// Tesseract is sure of a letter the shape does not match.
			return read{tess, 0.4}
		}
		// Never sure: a letter written oddly looks like a check or a cross
		// more often than the reverse, and the rules send other marks to a
		// person anyway.
		return read{forms.MarkOther, 0.5 + 0.35*v.share}
	}
	proto := forms.MarkAdd
	if v.class == classR {
		proto = forms.MarkRem
	}
	if tessLetter && tess != letter && tessConf > 0.7 {
		// Tesseract reads the other letter: a person decides.
		return read{letter, 0.35}
	}
	tessAgrees := tess == letter && tessConf > 0.5
	if proto != letter {
		// The shape and the prototypes disagree; the shape is the better
		// judge of hand-printing, but not a sure one alone.
		return read{letter, math.Min(0.5+0.08*margin, 0.8)}
	}
	switch {
	case margin >= 2 && v.share == 1 && (tessAgrees || v.near < 0.035):
		return read{letter, 0.97}
	case margin >= 1 && v.share == 1 && v.near < 0.035 && (tessAgrees || tess == ""):
		// Every nearest prototype, the nearest close by (a letter as type
		// prints it), and the shape, if less clearly, take it for this
		// letter, and Tesseract reads no other: a typed letter the fax
		// thinned. (On four corpora this made six typed marks sure, none
		// wrong, and no hand-printed one.)
		return read{letter, 0.93}
	case margin >= 2 && (tessAgrees || v.share == 1):
		return read{letter, 0.93}
	}
	return read{letter, math.Min(0.5+0.1*margin+0.2*v.share, 0.85)}
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
