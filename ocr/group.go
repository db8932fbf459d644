package ocr

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/lausd/misis-intake/forms"
)

// group turns the pages read into forms: one Reading per access form, one
// per batch-removal form however many pages it spans, one per page of an
// unknown revision. Pages that are not forms separate forms.
func (e *Engine) group(pages []pageResult) []forms.Reading {
	var out []forms.Reading
	var cur *forms.Reading // the batch or multi-page form being built
	var curRev *forms.Revision
	var curPages int // pages merged into cur
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
		}
		cur, curRev, curPages = nil, nil, 0
	}
	for _, p := range pages {
		info := p.info
		if info.NotAForm {
			flush()
			continue
		}
		if p.rev == nil {
			flush()
			out = append(out, forms.Reading{
				Family: info.Family, Revision: info.Revision, Known: info.Known,
				Confidence: info.Confidence, Pages: []int{info.Index},
				Values: map[string]forms.Value{},
			})
			continue
		}
		if cur != nil && continues(cur, curRev, curPages, p, e.places) {
			merge(cur, p, curPages*p.rev.TableRows())
			curPages++
			continue
		}
		flush()
		cur = &forms.Reading{
			Family: info.Family, Revision: info.Revision, Known: info.Known,
			Confidence: info.Confidence, Values: map[string]forms.Value{},
		}
		curRev = p.rev
		merge(cur, p, 0)
		curPages = 1
	}
	flush()
	return out
}

// continues reports whether page p carries on the form cur (of revision
// rev, pages so far): the next page of a multi-page revision, or the next
// "Page n of m" of a batch-removal form. When the page number cannot be
// read, the page count and then the header's place decide: the location
// code or school name read surely, or the places the headers' school
// names, or codes and names together, name.
func continues(cur *forms.Reading, rev *forms.Revision, pages int, p pageResult, places Places) bool {
	if p.rev != rev {
		return false
	}
	if rev.TableRows() == 0 {
		return p.info.FormPage == pages+1 && p.info.FormPage > 1
	}
	n, nok := number(p.values["page_number"])
	m, mok := number(cur.Values["page_count"])
	pm, pmok := number(p.values["page_count"])
	switch {
	case nok && n == pages+1 && (!mok || n <= m):
		return true
	case mok && pages < m && pmok && pm == m:
		return true // the page number is misread, the count agrees
	case nok && n == 1 && p.values["page_number"].Confidence > disputedConf:
		return false // a new batch starts (unless the number is disputed)
	}
	// Page numbers unread: a batch page right after a batch page of the same
	// revision carries it on unless its header names another place.
	for _, name := range []string{"location_code", "school_name"} {
		a, b := p.values[name], cur.Values[name]
		if a.Sure && b.Sure && !strings.EqualFold(a.Text, b.Text) {
			return false
		}
	}
	// Every page of a batch bears its administrator's name: two pages
	// whose names are surely two people's are two batches (Maricel Banks
	// and Chinonso Estrada, two one-page batches scanned together, whose
	// school names read too garbled to tell apart).
	if namesApart(p.values["admin_name"].Text, cur.Values["admin_name"].Text) {
		return false
	}
	// Hand-printed school names read through a fax are seldom sure, but
	// each is near one school's name and far from the rest: two pages
	// whose names are two schools' are two batches (Garfield and Reseda
	// Senior High, each a one-page batch with no page number written), as
	// are two of which one names Portola Middle and the other is near
	// Calabash and Malabar Street Elementary but not Portola.
	if places == nil {
		return true
	}
	if places.Differ(p.values["school_name"].Text, cur.Values["school_name"].Text) {
		return false
	}
	// A header whose code and name, each unsure, agree on one place, and
	// another whose name alone names another (Local District Northwest
	// Office, 9216, and Northeast Office: names too alike for either
	// misread to name one place alone).
	a, aok := places.Where(p.values["location_code"].Text, p.values["school_name"].Text)
	b, bok := places.Where(cur.Values["location_code"].Text, cur.Values["school_name"].Text)
	return !(aok && bok && a != b)
}

// namesApart reports whether two names read from two pages are surely
// two people's: each has at least minNameLetters letters and the two
// share less than apartShare of their pairs of adjacent letters (a
// Dice coefficient). A name misread by a hand or a fax keeps about half
// its pairs (Maricel Banks read as Waccel Fanks keeps 5 of 11); two
// people's names share next to none.
func namesApart(a, b string) bool {
	pa, pb := letterPairs(a), letterPairs(b)
	if len(pa) < minNameLetters-1 || len(pb) < minNameLetters-1 {
		return false
	}
	left := map[string]int{}
	for _, p := range pa {
		left[p]++
	}
	common := 0
	for _, p := range pb {
		if left[p] > 0 {
			left[p]--
			common++
		}
	}
	return 2*float64(common)/float64(len(pa)+len(pb)) < apartShare
}

// letterPairs returns the pairs of adjacent letters of s, lower-cased,
// across the spaces between words.
func letterPairs(s string) []string {
	var letters []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) {
			letters = append(letters, r)
		}
	}
	var out []string
	for i := 1; i < len(letters); i++ {
		out = append(out, string(letters[i-1:i+1]))
	}
	return out
}

// The names namesApart compares.
const (
	minNameLetters = 8
	apartShare     = 0.2
)

func number(v forms.Value) (int, bool) {
	if v.Text == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v.Text)
	return n, err == nil && n > 0
}

// merge adds page p's values to r, numbering table rows on by rowOffset.
// The first page's header fields stand; a later page only fills a header
// field the first page left unread.
func merge(r *forms.Reading, p pageResult, rowOffset int) {
	r.Pages = append(r.Pages, p.info.Index)
	r.Confidence = math.Min(r.Confidence, p.info.Confidence)
	for name, v := range p.values {
		if row, col, ok := forms.SplitRowField(name); ok {
			r.Values[forms.RowField(row+rowOffset, col)] = v
			continue
		}
		if old, ok := r.Values[name]; ok && (old.Text != "" || v.Text == "" || name == "page_number") {
			continue
		}
		r.Values[name] = v
	}
}
