package corpus

import "math"

// Truth is the ground truth of one submission: one e-mail message with its
// attachments, the forms in them and the outcome the rules must reach.
type Truth struct {
	ID string `json:"id"`
	// AsOf is the date the submission is judged on (YYYY-MM-DD): dates
	// after it are in the future.
	AsOf      string `json:"as_of"`
	Style     string `json:"style"` // "typed" or "hand"
	Transport string `json:"transport"`
	MessageID string `json:"message_id"`
	From      string `json:"from"`
	EML       string `json:"eml"`
	// Attachments are in the order they appear in the message.
	Attachments []AttachmentTruth `json:"attachments"`
	Forms       []FormTruth       `json:"forms"`
}

// AttachmentTruth is one attached document.
type AttachmentTruth struct {
	Filename    string      `json:"filename"`
	ContentType string      `json:"content_type"`
	Pages       []PageTruth `json:"pages"`
}

// Page kinds.
const (
	PageForm  = "form"
	PageCover = "cover" // a fax cover sheet: not a form
)

// PageTruth is one page of an attachment.
type PageTruth struct {
	Page int    `json:"page"` // 1-based within the attachment
	Kind string `json:"kind"` // PageForm or PageCover
	// Form is the index into Truth.Forms, or -1 for a cover sheet.
	Form      int    `json:"form"`
	Family    string `json:"family,omitempty"`
	Revision  string `json:"revision,omitempty"`
	FormPage  int    `json:"form_page,omitempty"`
	PageCount int    `json:"page_count,omitempty"`
	// Rotation is how far the page was turned (0 or 180 degrees).
	Rotation int `json:"rotation"`
	// Placement is how the page lay on the glass.
	Placement Placement `json:"placement"`
}

// The centre of a letter page, in points: pages turn and scale about it.
const pageCX, pageCY = 306.0, 396.0

// Placement is how a page lay on the fax or scanner glass: turned by Angle
// degrees (counter-clockwise as PDF turns, plus Rotation) and scaled by
// Scale about the page centre, then shifted by DX, DY points.
type Placement struct {
	Angle float64 `json:"angle"`
	Scale float64 `json:"scale"`
	DX    float64 `json:"dx"`
	DY    float64 `json:"dy"`
}

// Decisions the rules must reach for a form or a batch row.
const (
	Accept = "accept"
	Reject = "reject"
	Review = "review"
)

// FormTruth is one form and what must become of it.
type FormTruth struct {
	Form     int    `json:"form"`
	Family   string `json:"family"`
	Revision string `json:"revision"`
	Current  bool   `json:"current"`
	// Fields holds every field's true value by name: text as written,
	// marks as "", "A", "R" or "other", signatures "present" or "absent".
	Fields map[string]string `json:"fields"`
	// Writer names how each filled field was written: "typed" or the
	// handwriting font's name.
	Writer string `json:"writer"`
	// Decision is what the rules must decide when every value is read
	// right; Reasons are the reason codes that decision carries.
	Decision string   `json:"decision"`
	Reasons  []string `json:"reasons,omitempty"`
	// Defects names what the generator made wrong on purpose.
	Defects []string `json:"defects,omitempty"`
	// Rows are a batch-removal form's listed employees, in order.
	Rows []RowTruth `json:"rows,omitempty"`
}

// RowTruth is one row of a batch-removal form.
type RowTruth struct {
	Row            int    `json:"row"` // numbered on across pages
	EmployeeNumber string `json:"employee_number"`
	// Decision is Accept (a removal request), Reject or Review.
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	// Duplicate is set when the same employee is listed on an earlier row:
	// the two yield one request.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Map returns where the template point (x, y), in points, lies on the page
// as it was placed: scaled and turned about the page centre, then shifted.
func (pt PageTruth) Map(x, y float64) (float64, float64) {
	p := pt.Placement
	x = pageCX + (x-pageCX)*p.Scale
	y = pageCY + (y-pageCY)*p.Scale
	a := (p.Angle + float64(pt.Rotation)) * math.Pi / 180
	dx, dy := x-pageCX, y-pageCY
	x = pageCX + dx*math.Cos(a) + dy*math.Sin(a)
	y = pageCY - dx*math.Sin(a) + dy*math.Cos(a)
	return x + p.DX, y + p.DY
}
