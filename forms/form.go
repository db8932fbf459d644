package forms

import (
	"fmt"
	"sort"
	"strings"
)

// Units: every coordinate is in PDF points (1/72 inch) with the origin at the
// top-left corner of the page and y growing downwards, as a person measures
// a printed page.

// Box is a rectangle on a page, in points from the top-left corner.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Right returns the x coordinate of the box's right edge.
func (b Box) Right() float64 { return b.X + b.W }

// Bottom returns the y coordinate of the box's bottom edge.
func (b Box) Bottom() float64 { return b.Y + b.H }

// Overlaps reports whether b and o share any area.
func (b Box) Overlaps(o Box) bool {
	return b.X < o.Right() && o.X < b.Right() && b.Y < o.Bottom() && o.Y < b.Bottom()
}

// Inside reports whether b lies wholly within o.
func (b Box) Inside(o Box) bool {
	return b.X >= o.X && b.Y >= o.Y && b.Right() <= o.Right() && b.Bottom() <= o.Bottom()
}

// Scale returns the box multiplied by f, for example to convert points to
// pixels at f = dpi/72.
func (b Box) Scale(f float64) Box { return Box{b.X * f, b.Y * f, b.W * f, b.H * f} }

func (b Box) String() string { return fmt.Sprintf("[%.1f %.1f %.1f %.1f]", b.X, b.Y, b.W, b.H) }

// Kind says what a field holds and so how it is read and judged.
type Kind string

// The field kinds.
const (
	KindText      Kind = "text"      // printed words: names, titles, school names
	KindDigits    Kind = "digits"    // digits only: employee number, location code, phone
	KindDate      Kind = "date"      // MM/DD/YYYY
	KindEmail     Kind = "email"     // the local part before a pre-printed @lausd.net
	KindMark      Kind = "mark"      // a small box holding A, R, nothing, or another mark
	KindSignature Kind = "signature" // a signature line: signed or not
)

func (k Kind) valid() bool {
	switch k {
	case KindText, KindDigits, KindDate, KindEmail, KindMark, KindSignature:
		return true
	}
	return false
}

// Status says whether a revision is the one the district currently posts.
type Status string

// Revision statuses.
const (
	Current Status = "current"
	Retired Status = "retired"
)

// Mark values of a role box, as read and as recorded in ground truth.
const (
	MarkBlank = ""
	MarkAdd   = "A"
	MarkRem   = "R"
	MarkOther = "other" // a check, cross or scribble: never guessed, always reviewed
)

// Signature values.
const (
	Signed   = "present"
	Unsigned = "absent"
)

// Field is one value a person writes on the form.
type Field struct {
	// Name identifies the field within its revision, e.g. "employee_number"
	// or "role.counselor" or "row03.employee_number".
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Label is the printed caption beside the field.
	Label string `json:"label,omitempty"`
	// Suffix is printed just after the box, e.g. "@lausd.net".
	Suffix string `json:"suffix,omitempty"`
	// Optional fields may be left blank.
	Optional bool `json:"optional,omitempty"`
	// Presence marks a field whose text nothing is decided from: the form
	// needs it filled in (or, in the ITD block, left empty), so a confident
	// judgement that it holds writing, or none, is enough for the rules.
	Presence bool `json:"presence,omitempty"`
	// Box is where the value is written. For text it is the space above
	// the printed rule; for a mark the small square; for a signature the
	// space above the signature line.
	Box Box `json:"box"`
	// Role is the user role a mark field stands for.
	Role string `json:"role,omitempty"`
	// Group names the block a field belongs to: "itd" for the MiSiS/ITD Use
	// Only block the submitter must leave empty, "notify" for the optional
	// notification block, "header" for a batch form's header.
	Group string `json:"group,omitempty"`
	// Row is the 1-based table row of a batch-removal cell (0 elsewhere),
	// Column the column's name.
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
	// Page is the 1-based page of the revision the field is on.
	Page int `json:"-"`
}

// Revision is one printed version of a form family.
type Revision struct {
	// Family is the family's ID, e.g. "school-mirror".
	Family string `json:"family"`
	// Stamp is the revision date as printed, "MM/DD/YYYY".
	Stamp  string `json:"revision"`
	Status Status `json:"status"`
	// Title is the title as printed on this revision.
	Title    string   `json:"title"`
	PageSize PageSize `json:"page_size"`
	// Marks lists the marks a role box may hold on this revision: "A" or "AR".
	Marks string `json:"marks,omitempty"`
	Pages []Page `json:"pages"`

	fields map[string]*Field
	order  []string
}

// PageSize is the paper size in points.
type PageSize struct {
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Page is the layout of one printed page of a revision.
type Page struct {
	// Number is 1-based.
	Number int `json:"number"`
	// Print is everything printed on the page that is not a field: the
	// header, instructions, block titles, lines, the confidentiality text.
	Print []Element `json:"print"`
	// Fields are the values a person fills in on this page.
	Fields []Field `json:"fields"`
	// Table, when set, is a grid of rows whose cells become fields
	// named rowNN.COLUMN.
	Table *Table `json:"table,omitempty"`
}

// Element is a printed, unchanging part of a page.
type Element struct {
	// Type is "text", "para" (wrapped text), "line", "rect", "bullets" or "box" (a
	// filled band behind a block title).
	Type string `json:"type"`
	Box  Box    `json:"box"`
	Text string `json:"text,omitempty"`
	// Items are the lines of a bullet list.
	Items []string `json:"items,omitempty"`
	// Size is the font size in points; Style is "", "B", "I" or "BI";
	// Align is "L", "C" or "R".
	Size  float64 `json:"size,omitempty"`
	Style string  `json:"style,omitempty"`
	Align string  `json:"align,omitempty"`
	// Width is the line width for lines and rects; Gray fills a box (0 black, 1 white).
	Width float64  `json:"width,omitempty"`
	Gray  *float64 `json:"gray,omitempty"`
	// Landmark marks printed text that registration may use to align a
	// scanned page to this template.
	Landmark bool `json:"landmark,omitempty"`
}

// Table is the grid of a batch-removal page.
type Table struct {
	// Box is the whole grid including the header row.
	Box Box `json:"box"`
	// HeaderH is the height of the header row; RowH of every other row.
	HeaderH float64  `json:"header_h"`
	RowH    float64  `json:"row_h"`
	Rows    int      `json:"rows"`
	Columns []Column `json:"columns"`
}

// Column is one column of a Table.
type Column struct {
	Name  string  `json:"name"`
	Label string  `json:"label"`
	Kind  Kind    `json:"kind"`
	W     float64 `json:"w"`
}

// Key returns the revision's identity, e.g. "school-mirror@02/17/2022".
func (r *Revision) Key() string { return r.Family + "@" + r.Stamp }

// Field returns the named field, or nil.
func (r *Revision) Field(name string) *Field { return r.fields[name] }

// Fields returns every field in page order, then in the order defined.
func (r *Revision) Fields() []*Field {
	out := make([]*Field, 0, len(r.order))
	for _, n := range r.order {
		out = append(out, r.fields[n])
	}
	return out
}

// Roles returns the role names of the revision's mark fields, in order.
func (r *Revision) Roles() []string {
	var roles []string
	for _, f := range r.Fields() {
		if f.Kind == KindMark && f.Role != "" {
			roles = append(roles, f.Role)
		}
	}
	return roles
}

// RoleField returns the mark field for a role name, or nil.
func (r *Revision) RoleField(role string) *Field {
	for _, f := range r.Fields() {
		if f.Kind == KindMark && strings.EqualFold(f.Role, role) {
			return f
		}
	}
	return nil
}

// Allows reports whether a mark is allowed in this revision's role boxes.
func (r *Revision) Allows(mark string) bool {
	return mark != "" && mark != MarkOther && strings.Contains(r.Marks, mark)
}

// TableRows returns the number of table rows per repeated page, or 0.
func (r *Revision) TableRows() int {
	for _, p := range r.Pages {
		if p.Table != nil {
			return p.Table.Rows
		}
	}
	return 0
}

// Family is a form family: one title, its revisions and the rules that
// belong to the paper form itself.
type Family struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Short is a short name for lists and messages.
	Short string `json:"short"`
	// Kind is "access" for the access request forms, "batch" for the
	// batch removal fax form.
	Kind string `json:"kind"`
	// Signatures lists the signature fields that must be signed.
	Signatures []string `json:"signatures"`
	// AdminTitles, when set, lists the job titles the signing site
	// administrator may hold (principal, assistant principal).
	AdminTitles []string `json:"admin_titles,omitempty"`
	// AdminTitleField names the field holding the administrator's title.
	AdminTitleField string `json:"admin_title_field,omitempty"`
	// TermEndsWithYear is set for mirror access, which lasts for the
	// current academic year only.
	TermEndsWithYear bool `json:"term_ends_with_year,omitempty"`

	Revisions []*Revision `json:"-"`
}

// Current returns the family's current revision.
func (f *Family) Current() *Revision {
	for _, r := range f.Revisions {
		if r.Status == Current {
			return r
		}
	}
	return nil
}

// Revision returns the revision with the given stamp, or nil.
func (f *Family) Revision(stamp string) *Revision {
	for _, r := range f.Revisions {
		if r.Stamp == stamp {
			return r
		}
	}
	return nil
}

func (f *Family) sortRevisions() {
	sort.Slice(f.Revisions, func(i, j int) bool {
		return stampOrder(f.Revisions[i].Stamp) > stampOrder(f.Revisions[j].Stamp)
	})
}

// stampOrder turns "MM/DD/YYYY" into "YYYYMMDD" for sorting.
func stampOrder(s string) string {
	if len(s) != 10 {
		return s
	}
	return s[6:] + s[0:2] + s[3:5]
}
