package pipeline

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// A batch-removal form may come in more than one message: a school faxes
// pages 1 and 2 of 3, then page 3 the next morning. Each message's share
// is read as a Reading of its own (a part); the parts of one batch are
// joined into one Reading and decided once.

// BatchPart is one message's share of a batch: the form read from one
// attachment, and which pages of the batch it holds.
type BatchPart struct {
	Reading forms.Reading
	// Held are the batch's page numbers (the N of "Page N of M"), one per
	// page of Reading.Pages and in the same order.
	Held []int
	// Unsure is set when the part's first page number was not read with
	// confidence: its Held pages are then a guess, and it joins a batch
	// only to fill the batch's missing pages, never beside a copy of one
	// of its pages.
	Unsure bool
}

// Partial returns the part a reading is when it holds only some of its
// batch's pages, with the batch's key; ok is false for any other reading.
// A reading is a part when it is a batch-removal form of a current
// revision whose page count was read with confidence, with a first page
// number (Unsure when not read with confidence) and a four-digit location
// code, and whose pages are fewer than its count.
// Anything less certain is decided as it is, and the rules send a batch
// short of pages to review (validate.CodeBatchIncomplete).
func Partial(reg *forms.Registry, r *forms.Reading) (part BatchPart, key validate.BatchKey, ok bool) {
	part, key, ok = asPart(reg, r)
	if !ok || len(part.Held) >= key.PageCount || part.Held[len(part.Held)-1] > key.PageCount {
		return BatchPart{}, validate.BatchKey{}, false
	}
	return part, key, true
}

// Whole returns a reading that holds every page of its batch, numbered
// with confidence, as a part, with the batch's key; ok is false for any
// other reading.
func Whole(reg *forms.Registry, r *forms.Reading) (part BatchPart, key validate.BatchKey, ok bool) {
	part, key, ok = asPart(reg, r)
	if !ok || part.Unsure || len(part.Held) != key.PageCount || part.Held[len(part.Held)-1] != key.PageCount {
		return BatchPart{}, validate.BatchKey{}, false
	}
	return part, key, true
}

// asPart returns a batch-removal reading of a current revision with a
// page count read with confidence, a first page number and a four-digit
// location code as a part of its batch.
func asPart(reg *forms.Registry, r *forms.Reading) (BatchPart, validate.BatchKey, bool) {
	fam := reg.Family(r.Family)
	if fam == nil || fam.Kind != "batch" || !r.Known {
		return BatchPart{}, validate.BatchKey{}, false
	}
	if rev := fam.Revision(r.Revision); rev == nil || rev.Status != forms.Current {
		return BatchPart{}, validate.BatchKey{}, false
	}
	held, count := validate.BatchPages(r)
	unsure := false
	if n, err := strconv.Atoi(strings.TrimSpace(r.Values["page_number"].Text)); held == nil && err == nil && n > 0 {
		for k := range r.Pages {
			held = append(held, n+k)
		}
		unsure = true
	}
	if len(held) == 0 || count == 0 {
		return BatchPart{}, validate.BatchKey{}, false
	}
	// The location code as read, however sure: a misread code only keeps
	// two parts apart, and the joined form's header is judged like any
	// other (an unsure code goes to review).
	loc := strings.Map(digitsOnly, r.Values["location_code"].Text)
	if len(loc) != 4 {
		return BatchPart{}, validate.BatchKey{}, false
	}
	key := validate.BatchKey{
		Family: r.Family, Revision: r.Revision, LocationCode: loc, PageCount: count,
		SchoolName: sureText(r, "school_name", letters), AdminName: sureText(r, "admin_name", letters),
	}
	return BatchPart{Reading: *r, Held: held, Unsure: unsure}, key, true
}

// Agree reports whether two parts read the same pages alike: on every
// batch page both hold, at least four in five of the employee numbers
// either lists the other lists too. perPage is the table rows of a page.
// Parts that agree are copies of one batch, not two batches from one
// school.
func Agree(a, b BatchPart, perPage int) bool {
	return alike(a, b, perPage, func(same, n int) bool { return 5*same >= 4*n })
}

// Repeats reports whether part a only repeats what b holds: b holds every
// page of a, with exactly the employee numbers a lists there, and a lists
// someone. A page sent again with a number corrected does not repeat it.
func Repeats(a, b BatchPart, perPage int) bool {
	listed := 0
	for _, xs := range a.numbers(perPage) {
		listed += len(xs)
	}
	for _, n := range a.Held {
		if !slices.Contains(b.Held, n) {
			return false
		}
	}
	return listed > 0 && Same(a, b, perPage)
}

// Same reports whether two parts list exactly the same employee numbers
// on every batch page both hold: a page sent twice, not corrected.
func Same(a, b BatchPart, perPage int) bool {
	return alike(a, b, perPage, func(same, n int) bool { return same == n })
}

// alike reports whether, on every batch page both parts hold, the number
// of employee numbers both list (same) against the most either lists (n)
// is enough.
func alike(a, b BatchPart, perPage int, enough func(same, n int) bool) bool {
	na, nb := a.numbers(perPage), b.numbers(perPage)
	for page, xs := range na {
		ys, ok := nb[page]
		if !ok {
			continue
		}
		same := 0
		for _, x := range xs {
			if slices.Contains(ys, x) {
				same++
			}
		}
		if !enough(same, max(len(xs), len(ys))) {
			return false
		}
	}
	return true
}

// numbers returns the employee numbers a part lists, by batch page.
func (p BatchPart) numbers(perPage int) map[int][]string {
	out := map[int][]string{}
	for _, n := range p.Held {
		out[n] = nil
	}
	for name, v := range p.Reading.Values {
		row, col, ok := forms.SplitRowField(name)
		k := (row - 1) / max(perPage, 1)
		if !ok || col != "employee_number" || k >= len(p.Held) {
			continue
		}
		if num := strings.Map(digitsOnly, v.Text); num != "" {
			out[p.Held[k]] = append(out[p.Held[k]], num)
		}
	}
	return out
}

// sureText returns a header value read with confidence (or set by a
// reviewer), normalised, or "".
func sureText(r *forms.Reading, name string, norm func(rune) rune) string {
	v, ok := r.Values[name]
	if !ok || !(v.Sure || v.Source == forms.FromReviewer) {
		return ""
	}
	return strings.Map(norm, strings.ToLower(v.Text))
}

func digitsOnly(c rune) rune {
	if c >= '0' && c <= '9' {
		return c
	}
	return -1
}

func letters(c rune) rune {
	if unicode.IsLetter(c) || unicode.IsDigit(c) {
		return c
	}
	return -1
}

// BatchOrigin says where one page of a joined batch came from: which
// part, and which page of that part's document.
type BatchOrigin struct {
	// BatchPage is the N of "Page N of M".
	BatchPage int
	// Part is the index of the part in the parts joined; Page is the
	// page of its document (an index of its Reading.Pages).
	Part int
	Page int
	// Duplicate is set for a copy of a page an earlier part already
	// brought: it is left out of the joined reading.
	Duplicate bool
}

// ErrNotJoinable is returned by JoinBatch for parts that cannot make one
// batch.
var ErrNotJoinable = errors.New("pipeline: batch parts cannot be joined")

// JoinBatch joins the parts of one batch, in the order they arrived, into
// one Reading as if its pages had come in one document: its rows numbered
// on in page order (page 2's first row is row 11 when a page has 10 rows)
// and its header taken from the part holding the lowest page. A page
// that an earlier part already brought is a duplicate and left out, so
// its rows are never judged twice.
//
// The joined Reading has no page_number value, and its Pages, like every
// value's Page, are the batch's page numbers; origins say, page by page,
// which part and document page each came from.
func JoinBatch(rev *forms.Revision, parts []BatchPart) (forms.Reading, []BatchOrigin, error) {
	perPage := rev.TableRows()
	if len(parts) == 0 || perPage == 0 {
		return forms.Reading{}, nil, fmt.Errorf("%w: %d parts of %s", ErrNotJoinable, len(parts), rev.Key())
	}
	out := forms.Reading{
		Family: rev.Family, Revision: rev.Stamp, Known: true, Confidence: 1,
		Values: map[string]forms.Value{},
	}
	var origins []BatchOrigin
	from := map[int]int{} // batch page -> part that brought it
	for i, p := range parts {
		if p.Reading.Family != rev.Family || p.Reading.Revision != rev.Stamp || len(p.Held) != len(p.Reading.Pages) {
			return forms.Reading{}, nil, fmt.Errorf("%w: part %d is %s@%s holding %d of %d pages",
				ErrNotJoinable, i, p.Reading.Family, p.Reading.Revision, len(p.Held), len(p.Reading.Pages))
		}
		out.Known = out.Known && p.Reading.Known
		out.Confidence = math.Min(out.Confidence, p.Reading.Confidence)
		for k, n := range p.Held {
			_, dup := from[n]
			origins = append(origins, BatchOrigin{BatchPage: n, Part: i, Page: p.Reading.Pages[k], Duplicate: dup})
			if !dup {
				from[n] = i
				out.Pages = append(out.Pages, n)
			}
		}
	}
	slices.Sort(out.Pages)

	// The header: from the part holding the lowest page, as the engine
	// takes a batch's header from its first page; a value it read without
	// confidence gives way to one another part read with confidence
	// (every page repeats the header).
	lead := from[out.Pages[0]]
	for _, i := range append([]int{lead}, partsInPageOrder(out.Pages, from)...) {
		p := parts[i]
		for name, v := range p.Reading.Values {
			if _, _, ok := forms.SplitRowField(name); ok || name == "page_number" {
				continue
			}
			if old, ok := out.Values[name]; ok && (old.Sure || !v.Sure) {
				continue
			}
			v.Page = batchPageOf(p, v.Page)
			out.Values[name] = v
		}
	}
	// The rows: a part's rows are numbered on across its own pages.
	for i, p := range parts {
		for name, v := range p.Reading.Values {
			row, col, ok := forms.SplitRowField(name)
			if !ok {
				continue
			}
			k := (row - 1) / perPage
			if k >= len(p.Held) || from[p.Held[k]] != i {
				continue // a duplicate page, or a row beyond the part's pages
			}
			n := p.Held[k]
			v.Page = n
			out.Values[forms.RowField((n-1)*perPage+row-k*perPage, col)] = v
		}
	}
	return out, origins, nil
}

// partsInPageOrder returns the parts that brought pages, in the order of
// the pages they brought.
func partsInPageOrder(pages []int, from map[int]int) []int {
	var out []int
	for _, n := range pages {
		if i := from[n]; !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// batchPageOf returns the batch page of a part's document page, or the
// part's first batch page when the page is not one of its own.
func batchPageOf(p BatchPart, page int) int {
	if k := slices.Index(p.Reading.Pages, page); k >= 0 {
		return p.Held[k]
	}
	return p.Held[0]
}
