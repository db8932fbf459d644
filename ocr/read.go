package ocr

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// readFields reads every field of the identified revision page from the
// registered upright page.
func (e *Engine) readFields(ctx context.Context, t *tess, sc *scanned, p Page, id ident) (map[string]forms.Value, error) {
	up := sc.full
	thr := uint8(otsu(sc.coarse))
	reg := *id.reg
	// Registration error costs confidence everywhere on the page.
	trust := 1.0
	if reg.Residual > 0.75 {
		trust = math.Max(0.5, 1-(reg.Residual-0.75)/2.5)
	}
	slack := math.Max(0.6, 2*reg.Residual)
	vals := map[string]forms.Value{}
	var typed typedTally // how the page's digits and dates fit typefaces
	for i := range id.rev.Pages[id.page-1].Fields {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := &id.rev.Pages[id.page-1].Fields[i]
		pr, err := e.tmpl.printed(id.rev, id.page, regionBox(f))
		if err != nil {
			return nil, err
		}
		r := cut(up, reg.M, pr, slack)
		// The ink in the area, which says whether anything is written
		// there (below) and is what a text field's reader reads.
		var ink inkOf
		if f.Kind != forms.KindSignature {
			ink = findInk(r, thr, minBlob)
		}
		var rd read
		switch f.Kind {
		case forms.KindMark:
			rd, err = e.readMark(t, r, f, thr)
		case forms.KindSignature:
			rd = readSignature(r, thr)
		default:
			rd, err = e.readText(t, r, f, ink, &typed)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Name, err)
		}
		conf := clamp01(rd.conf * trust)
		var present float64
		if f.Kind == forms.KindSignature {
			present = rd.conf
			if rd.text != forms.Signed {
				present = 1 - rd.conf
			}
		} else {
			present = presence(ink, r)
		}
		// Poor registration makes ink in or out of the box less certain.
		present = 0.5 + (present-0.5)*trust
		vals[f.Name] = forms.Value{
			Text: rd.text, Confidence: conf, Present: present, Page: p.Index, Box: f.Box,
			Source: forms.FromEngine, Sure: conf >= e.thr.For(f.Kind),
		}
	}
	doubtOddYears(vals, id.rev.Pages[id.page-1].Fields, e.thr.For(forms.KindDate))
	doubtOldDates(vals, id.rev.Pages[id.page-1].Fields, e.thr.For(forms.KindDate), e.now())
	return vals, nil
}

// likelyDays is how far from today, either way, the submitter's dates on
// a form sent today lie: within the year.
const likelyDays = 365

// doubtOldDates weighs each of the submitter's dates (the header's and the
// table rows', not the ITD block's) against today: one more than a year
// from it is most likely a misread digit (a 6 read as a 4 turns this
// year into one long past), and is not sure. A form truly dated so long
// ago is then rejected by a person's reading, not by a misread.
func doubtOldDates(vals map[string]forms.Value, fields []forms.Field, thr float64, now time.Time) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for _, f := range fields {
		v, ok := vals[f.Name]
		if f.Kind != forms.KindDate || f.Group == "itd" || !ok {
			continue
		}
		d, err := time.Parse("01/02/2006", v.Text)
		if err != nil {
			continue
		}
		if days := math.Abs(d.Sub(today).Hours() / 24); days <= likelyDays {
			continue
		}
		v.Confidence = math.Min(v.Confidence, oddYearConf)
		v.Sure = v.Confidence >= thr
		vals[f.Name] = v
	}
}

// oddYearConf is the most confidence left to a date whose year disagrees
// with the form's other dates.
const oddYearConf = 0.6

// doubtOddYears weighs the dates of a form's header against each other.
// They are written within days of one another (the request, and the
// signatures below it), so a year that differs from the year the others
// agree on is most likely a misread digit, and two dates that disagree
// cannot both be sure. Table rows and the ITD block are left alone: their
// dates are not the submitter's of the day.
func doubtOddYears(vals map[string]forms.Value, fields []forms.Field, thr float64) {
	years := map[string]string{}
	count := map[string]int{}
	for _, f := range fields {
		v, ok := vals[f.Name]
		if f.Kind != forms.KindDate || f.Row > 0 || f.Group == "itd" || !ok || len(v.Text) != len("01/02/2006") {
			continue
		}
		y := v.Text[6:]
		years[f.Name] = y
		count[y]++
	}
	if len(count) < 2 {
		return
	}
	for name, y := range years {
		if 2*count[y] > len(years) {
			continue // the year most of the dates agree on
		}
		v := vals[name]
		v.Confidence = math.Min(v.Confidence, oddYearConf)
		v.Sure = v.Confidence >= thr
		vals[name] = v
	}
}

// letterSized counts the pieces of ink the size of a letter: a stroke
// letterStroke long or a blot of 4pt².
func letterSized(k inkOf, r region) int {
	n := 0
	for _, b := range k.blobs {
		if strokeLong(b.bounds, r.px) || float64(b.area)/(r.px*r.px) >= 4 {
			n++
		}
	}
	return n
}

// regionBox is the area read for a field: its box with room for writing
// that strays above the line, below it (descenders, signatures) or over
// the edge of a mark's square.
func regionBox(f *forms.Field) boxF {
	b := f.Box
	switch {
	case f.Kind == forms.KindMark:
		return boxF{b.X - 3, b.Y - 3, b.W + 6, b.H + 6}
	case f.Kind == forms.KindSignature:
		return boxF{b.X, b.Y - 6, b.W, b.H + 9}
	case f.Row > 0:
		return boxF{b.X - 1, b.Y - 1, b.W + 2, b.H + 2}
	}
	return boxF{b.X - 1, b.Y - 4, b.W + 2, b.H + 7}
}

// presence is the confidence that something is written in a region,
// judged from its ink alone: pieces the size of letters, or only specks.
func presence(k inkOf, r region) float64 {
	area := float64(k.area) / (r.px * r.px)
	switch {
	case len(k.blobs) == 0 && k.specks == 0:
		return 0.01
	case len(k.blobs) == 0 && k.specks <= 6:
		return 0.03
	case len(k.blobs) == 0:
		return 0.1
	}
	letters := letterSized(k, r)
	switch {
	case letters == 0 && len(k.blobs) <= 2 && area < 4:
		return 0.04 // a speck or two, smaller than any letter
	case letters == 0 && len(k.blobs) <= 2 && area < 6:
		return 0.1
	case letters == 0:
		return 0.3
	case letters >= 2 || area >= 6:
		return 0.99
	}
	return 0.8
}
