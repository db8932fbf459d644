package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// DefaultBatchWait is how long a batch-removal form missing some of its
// pages waits for them when Config.BatchWait is zero.
const DefaultBatchWait = 48 * time.Hour

// BatchWaitOrDefault returns how long a batch missing some of its pages waits for
// them: c.BatchWait, or DefaultBatchWait when it is zero or less.
func (c Config) BatchWaitOrDefault() time.Duration {
	if c.BatchWait > 0 {
		return c.BatchWait
	}
	return DefaultBatchWait
}

// BatchPages says which pages of its batch ("Page N of M") a batch-removal
// reading holds, and M.
//
// The pages of one batch read from one document follow on from the first
// page's number, so held is N, N+1, ... for as many pages as were read.
// A reading joined from the parts of a batch that came in separate
// messages has no page_number value: its Pages are the batch's page
// numbers themselves. held is nil when the first page's number was not
// read with confidence; count is 0 when the page count was not.
func BatchPages(r *forms.Reading) (held []int, count int) {
	count, _ = batchNumber(r, "page_count")
	if _, ok := r.Values["page_number"]; !ok {
		held = slices.Clone(r.Pages)
		slices.Sort(held)
		return held, count
	}
	first, ok := batchNumber(r, "page_number")
	if !ok {
		return nil, count
	}
	for k := range r.Pages {
		held = append(held, first+k)
	}
	return held, count
}

// MissingPages returns the pages of 1..count not in held.
func MissingPages(held []int, count int) []int {
	var out []int
	for p := 1; p <= count; p++ {
		if !slices.Contains(held, p) {
			out = append(out, p)
		}
	}
	return out
}

// batchNumber returns a usable, positive number in a digits field.
func batchNumber(r *forms.Reading, name string) (int, bool) {
	if v, ok := r.Values[name]; !ok || !usable(v) {
		return 0, false
	}
	return readNumber(r, name)
}

// readNumber returns a positive number read in a digits field, sure or
// not.
func readNumber(r *forms.Reading, name string) (int, bool) {
	v, ok := r.Values[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.Text))
	return n, err == nil && n > 0
}

// ruleBatchPages sends to review a batch holding fewer pages than its
// "Page _ of _" count: its missing pages never arrived, so it must not be
// decided as if complete; so does a batch whose count, read unsurely,
// seems to be more than the pages it holds. A reviewer who sets the page
// count confirms that the rows it holds are to be decided as they are.
func (j *judge) ruleBatchPages() {
	held, count := BatchPages(j.reading)
	have := len(j.reading.Pages)
	if held != nil {
		have = len(held)
	}
	if j.byReviewer("page_count") {
		return
	}
	if count == 0 {
		// A count read unsurely is no count to decide by, but one above
		// the pages held may mean pages never arrived: a person looks
		// before the rows are decided as if the batch were complete.
		if n, ok := readNumber(j.reading, "page_count"); ok && n > have {
			arrived := "1 page"
			if have != 1 {
				arrived = fmt.Sprintf("%d pages", have)
			}
			j.reviewItem("page_count", WhyMissingPages, CodeBatchIncomplete, fmt.Sprintf(
				"The page count seems to read %d but could not be read with confidence, and only %s arrived; check the count: if pages are missing, decide the rows it has and confirm the count to accept them.",
				n, arrived))
		}
		return
	}
	if have >= count {
		return
	}
	msg := fmt.Sprintf("The batch says it has %d pages but only %d arrived; decide the rows it has, and confirm the page count to accept them.", count, have)
	if held != nil {
		msg = upper(fmt.Sprintf("%s of %d of this batch never arrived (it holds %s); decide the rows it has, and confirm the page count to accept them.",
			PageList(MissingPages(held, count)), count, PageList(held)))
	}
	j.reviewItem("page_count", WhyMissingPages, CodeBatchIncomplete, msg)
}

// PageList names pages in words: "page 3", "pages 1 and 2", "pages 1, 2
// and 4".
func PageList(pages []int) string {
	s := make([]string, len(pages))
	for i, p := range pages {
		s[i] = strconv.Itoa(p)
	}
	switch len(s) {
	case 0:
		return "no page"
	case 1:
		return "page " + s[0]
	}
	return "pages " + strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// BatchKey is what the parts of one batch have in common: the form and
// revision, the header's location code and "of M" page count, and the
// school's and administrator's names as far as they were read with
// confidence ("" when not).
type BatchKey struct {
	Family       string
	Revision     string
	LocationCode string
	PageCount    int
	SchoolName   string
	AdminName    string
}

// Compatible reports whether two parts may belong to one batch: the same
// form, revision, location and page count, and no name read with
// confidence on both that differs.
func (k BatchKey) Compatible(o BatchKey) bool {
	same := func(a, b string) bool { return a == "" || b == "" || a == b }
	return k.Family == o.Family && k.Revision == o.Revision && k.LocationCode == o.LocationCode &&
		k.PageCount == o.PageCount && same(k.SchoolName, o.SchoolName) && same(k.AdminName, o.AdminName)
}
