package forms

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
)

// Printing defaults for a blank form.
const (
	labelSize  = 8.5 // field captions
	roleSize   = 9.5 // role names beside their mark boxes
	fieldRule  = 0.6 // the line a value is written on
	markStroke = 0.9 // the square of a role mark
	labelFont  = "Helvetica"
)

// NewPDF returns an empty PDF document sized for rev, in points with the
// origin at the top-left, ready for DrawPage. Callers that fill forms (the
// corpus generator) add their own fonts and ink on the same pages.
func NewPDF(rev *Revision) *fpdf.Fpdf {
	pdf := fpdf.NewCustom(&fpdf.InitType{
		UnitStr: "pt",
		Size:    fpdf.SizeType{Wd: rev.PageSize.W, Ht: rev.PageSize.H},
	})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("misis-intake forms", true)
	pdf.SetTitle(rev.Title+" (Rev. "+rev.Stamp+")", true)
	pdf.SetCompression(true)
	return pdf
}

// Render writes the blank printable form for rev as a vector PDF, one PDF
// page per page of the revision.
func Render(w io.Writer, rev *Revision) error {
	pdf := NewPDF(rev)
	for i := range rev.Pages {
		pdf.AddPage()
		DrawPage(pdf, rev, i+1)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("forms: render %s: %w", rev.Key(), err)
	}
	return nil
}

// DrawPage draws the blank page n (1-based) of rev on pdf's current page:
// every printed element, then every field's caption and the line, box or
// square the value goes on.
func DrawPage(pdf *fpdf.Fpdf, rev *Revision, n int) {
	p := &rev.Pages[n-1]
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252 for the core fonts
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
	for _, e := range p.Print {
		drawElement(pdf, tr, e)
	}
	if p.Table != nil {
		drawTable(pdf, tr, p.Table)
	}
	for i := range p.Fields {
		f := &p.Fields[i]
		if f.Row > 0 {
			continue // drawn by the table
		}
		drawField(pdf, tr, f)
	}
}

func drawElement(pdf *fpdf.Fpdf, tr func(string) string, e Element) {
	size := e.Size
	if size == 0 {
		size = labelSize
	}
	align := e.Align
	if align == "" {
		align = "L"
	}
	pdf.SetFont(labelFont, e.Style, size)
	switch e.Type {
	case "text":
		pdf.SetXY(e.Box.X, e.Box.Y)
		pdf.CellFormat(e.Box.W, e.Box.H, tr(e.Text), "", 0, align+"M", false, 0, "")
	case "para":
		pdf.SetXY(e.Box.X, e.Box.Y)
		pdf.MultiCell(e.Box.W, size*1.18, tr(e.Text), "", align, false)
	case "bullets":
		y := e.Box.Y
		for _, item := range e.Items {
			pdf.SetXY(e.Box.X, y)
			pdf.CellFormat(size, size*1.18, tr("•"), "", 0, "L", false, 0, "")
			pdf.SetXY(e.Box.X+size, y)
			pdf.MultiCell(e.Box.W-size, size*1.18, tr(item), "", "L", false)
			y = pdf.GetY() + size*0.15
		}
	case "line":
		pdf.SetLineWidth(width(e.Width, 0.8))
		pdf.Line(e.Box.X, e.Box.Y, e.Box.Right(), e.Box.Bottom())
	case "rect":
		pdf.SetLineWidth(width(e.Width, 0.8))
		pdf.Rect(e.Box.X, e.Box.Y, e.Box.W, e.Box.H, "D")
	case "box":
		g := 0.85
		if e.Gray != nil {
			g = *e.Gray
		}
		c := int(g * 255)
		pdf.SetFillColor(c, c, c)
		pdf.Rect(e.Box.X, e.Box.Y, e.Box.W, e.Box.H, "F")
		pdf.SetXY(e.Box.X+4, e.Box.Y)
		pdf.CellFormat(e.Box.W-8, e.Box.H, tr(e.Text), "", 0, align+"M", false, 0, "")
	}
}

func width(w, def float64) float64 {
	if w > 0 {
		return w
	}
	return def
}

func drawField(pdf *fpdf.Fpdf, tr func(string) string, f *Field) {
	pdf.SetFont(labelFont, "", labelSize)
	base := f.Box.Bottom() - 2 // caption baseline, just above the rule
	switch f.Kind {
	case KindMark:
		pdf.SetLineWidth(markStroke)
		pdf.Rect(f.Box.X, f.Box.Y, f.Box.W, f.Box.H, "D")
		caption := f.Label
		size := labelSize
		if caption == "" {
			caption, size = f.Role, roleSize
		}
		pdf.SetFont(labelFont, "", size)
		pdf.Text(f.Box.Right()+5, f.Box.Y+f.Box.H/2+size*0.35, tr(caption))
		return
	case KindSignature:
		pdf.SetLineWidth(fieldRule * 1.5)
	default:
		pdf.SetLineWidth(fieldRule)
	}
	if f.Label != "" {
		label := tr(f.Label)
		if f.Optional && f.Group == "" && !strings.Contains(strings.ToLower(f.Label), "optional") {
			label += " (optional)"
		}
		pdf.Text(f.Box.X-3-pdf.GetStringWidth(label), base, label)
	}
	pdf.Line(f.Box.X, f.Box.Bottom(), f.Box.Right(), f.Box.Bottom())
	if f.Suffix != "" {
		pdf.Text(f.Box.Right()+1.5, base, tr(f.Suffix))
	}
}

func drawTable(pdf *fpdf.Fpdf, tr func(string) string, t *Table) {
	pdf.SetLineWidth(0.7)
	pdf.Rect(t.Box.X, t.Box.Y, t.Box.W, t.HeaderH+float64(t.Rows)*t.RowH, "D")
	pdf.SetFillColor(225, 225, 225)
	pdf.Rect(t.Box.X, t.Box.Y, t.Box.W, t.HeaderH, "FD")
	pdf.SetFont(labelFont, "B", 8)
	x := t.Box.X
	for i, c := range t.Columns {
		pdf.SetXY(x, t.Box.Y)
		pdf.CellFormat(c.W, t.HeaderH, tr(c.Label), "", 0, "CM", false, 0, "")
		if i > 0 {
			pdf.Line(x, t.Box.Y, x, t.Box.Y+t.HeaderH+float64(t.Rows)*t.RowH)
		}
		x += c.W
	}
	pdf.SetFont(labelFont, "", 7.5)
	for r := 1; r <= t.Rows; r++ {
		y := t.Box.Y + t.HeaderH + float64(r)*t.RowH
		pdf.Line(t.Box.X, y, t.Box.Right(), y)
		pdf.SetXY(t.Box.X-16, y-t.RowH)
		pdf.CellFormat(14, t.RowH, fmt.Sprintf("%d.", r), "", 0, "RM", false, 0, "")
	}
}
