package forms

import (
	"fmt"
	"strconv"
	"strings"
)

// Source says who set a value.
type Source string

// Value sources.
const (
	FromEngine   Source = "engine"
	FromReviewer Source = "reviewer"
)

// Value is one field's value as read, with the evidence for it.
type Value struct {
	// Text is the value: for marks one of MarkBlank, MarkAdd, MarkRem or
	// MarkOther; for signatures Signed or Unsigned; for e-mail the local
	// part only.
	Text string `json:"value"`
	// Confidence in [0,1] that Text is right.
	Confidence float64 `json:"confidence"`
	// Present is the confidence in [0,1] that something is written in the
	// field, whatever it says, judged from the ink apart from reading it;
	// 1 - Present is the confidence that the field is blank. Zero when the
	// reader did not judge it.
	Present float64 `json:"present"`
	// Page is the 1-based page of the document the value was read from and
	// Box where on that page, in template points.
	Page   int    `json:"page"`
	Box    Box    `json:"box"`
	Source Source `json:"source"`
	// Sure is set when the value may be used without a person checking it:
	// the engine was confident enough for its kind, or a reviewer set it.
	Sure bool `json:"sure"`
}

// Reading is everything read from one submitted form: which form it is and
// every field's value. A batch-removal form spanning several pages is one
// Reading with its rows numbered on from page to page.
type Reading struct {
	Family string `json:"family"`
	// Revision is the stamp as read from the page, "MM/DD/YYYY", even
	// when the registry does not know it.
	Revision string `json:"revision"`
	// Known is set when the registry has this family and revision.
	Known bool `json:"known"`
	// Confidence in the identification of family and revision.
	Confidence float64 `json:"confidence"`
	// Pages are the document pages (1-based) the form was read from.
	Pages  []int            `json:"pages"`
	Values map[string]Value `json:"fields"`
}

// Get returns the named value and whether it was read.
func (r *Reading) Get(name string) (Value, bool) {
	v, ok := r.Values[name]
	return v, ok
}

// RowField returns the name of a table cell field, e.g. RowField(3,
// "employee_number") is "row03.employee_number".
func RowField(row int, column string) string {
	return fmt.Sprintf("row%02d.%s", row, column)
}

// SplitRowField splits a table cell name into its row and column. ok is
// false for names that are not table cells.
func SplitRowField(name string) (row int, column string, ok bool) {
	rest, found := strings.CutPrefix(name, "row")
	if !found {
		return 0, "", false
	}
	num, col, found := strings.Cut(rest, ".")
	if !found {
		return 0, "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return 0, "", false
	}
	return n, col, true
}
