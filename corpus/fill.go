package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// Font is a handwriting-style TrueType font the generator writes with.
type Font struct {
	Name string // e.g. "dkg"
	TTF  []byte
	// Scale corrects the font's apparent size so all fonts write letters
	// of about the same height at the same size.
	Scale float64
}

// pen is how one person writes on one form: typed in a core font, or by
// hand in a handwriting font with its own size, slant and unsteadiness.
type pen struct {
	typed  bool
	family string // fpdf font family
	name   string // for the ground truth
	scale  float64
	slant  float64 // degrees of italic lean (negative leans right)
	wobble float64 // baseline jitter in points
	caps   bool    // prints in capitals
	weight float64 // signature stroke width
	stroke float64 // extra outline on handwritten letters: the pen's width
}

func typedPen(r *rand.Rand) pen {
	fam := []string{"Helvetica", "Courier", "Times"}[r.IntN(3)]
	return pen{typed: true, family: fam, name: "typed-" + strings.ToLower(fam), scale: 1, weight: 0.6 + r.Float64()*0.8}
}

func handPen(r *rand.Rand, fonts []Font) pen {
	i := r.IntN(len(fonts))
	return pen{
		family: fmt.Sprintf("hand%d", i), name: fonts[i].Name, scale: fonts[i].Scale * (0.88 + 0.24*r.Float64()),
		slant: -14 + 22*r.Float64(), wobble: 0.3 + 1.1*r.Float64(), caps: r.IntN(3) > 0,
		weight: 0.9 + r.Float64()*1.1, stroke: 0.15 + r.Float64()*0.45,
	}
}

// text writes s in box, as the pen writes.
func (pn pen) text(pdf *fpdf.Fpdf, r *rand.Rand, b forms.Box, s string) {
	if s == "" {
		return
	}
	if pn.typed {
		size := 10.0
		pdf.SetFont(pn.family, "", size)
		for size > 6 && pdf.GetStringWidth(s) > b.W-4 {
			size -= 0.5
			pdf.SetFont(pn.family, "", size)
		}
		x := b.X + 2 + r.Float64()*math.Max(0, math.Min(8, b.W-4-pdf.GetStringWidth(s)))
		pdf.Text(x, b.Bottom()-3.2, s)
		return
	}
	if pn.caps {
		s = strings.ToUpper(s)
	}
	size := b.H * 0.9 * pn.scale
	pdf.SetFont(pn.family, "", size)
	spacing := 0.4 + r.Float64()*1.0
	width := func() float64 { return pdf.GetStringWidth(s) + spacing*float64(len(s)) }
	for size > 6 && width() > b.W-4 {
		size -= 0.5
		spacing *= 0.9
		pdf.SetFont(pn.family, "", size)
	}
	x := b.X + 1.5 + r.Float64()*math.Max(0, math.Min(10, b.W-3-width()))
	base := b.Bottom() - 2.2 - r.Float64()*1.2
	drift := (r.Float64() - 0.5) * 0.04 // the line rises or falls a little
	x0 := x
	pdf.SetTextRenderingMode(2) // fill and stroke: a pen line, not a hairline
	pdf.SetLineWidth(pn.stroke)
	defer pdf.SetTextRenderingMode(0)
	for _, c := range s {
		ch := string(c)
		y := base + (x-x0)*drift + (r.Float64()-0.5)*pn.wobble
		cs := size * (0.93 + 0.14*r.Float64())
		pdf.SetFont(pn.family, "", cs)
		pdf.TransformBegin()
		pdf.TransformSkewX(pn.slant+(r.Float64()-0.5)*4, x, y)
		pdf.Text(x, y, ch)
		pdf.TransformEnd()
		x += pdf.GetStringWidth(ch) + spacing*(0.7+0.6*r.Float64())
	}
}

// mark writes a role mark: "A" or "R" as a letter, "other" as a check,
// cross or scribble.
func (pn pen) mark(pdf *fpdf.Fpdf, r *rand.Rand, b forms.Box, m string) {
	switch m {
	case forms.MarkBlank:
		return
	case forms.MarkAdd, forms.MarkRem:
		cx, cy := b.X+b.W/2, b.Y+b.H/2
		if pn.typed {
			pdf.SetFont("Helvetica", "B", 11)
			w := pdf.GetStringWidth(m)
			pdf.Text(cx-w/2, cy+4, m)
			return
		}
		size := b.H * (1.1 + 0.3*r.Float64()) * pn.scale
		pdf.SetFont(pn.family, "", size)
		w := pdf.GetStringWidth(m)
		x := cx - w/2 + (r.Float64()-0.5)*3
		y := cy + size*0.36 + (r.Float64()-0.5)*2.5
		pdf.TransformBegin()
		pdf.TransformRotate((r.Float64()-0.5)*16, cx, cy)
		pdf.TransformSkewX(pn.slant, x, y)
		pdf.SetTextRenderingMode(2)
		pdf.SetLineWidth(pn.stroke + 0.2)
		pdf.Text(x, y, m)
		pdf.SetTextRenderingMode(0)
		pdf.TransformEnd()
	default:
		pdf.SetLineWidth(0.9 + r.Float64()*0.8)
		pdf.SetLineCapStyle("round")
		pdf.SetLineJoinStyle("round")
		j := func() float64 { return (r.Float64() - 0.5) * 2 }
		switch r.IntN(3) {
		case 0: // check mark
			pdf.MoveTo(b.X+b.W*0.15+j(), b.Y+b.H*0.55+j())
			pdf.LineTo(b.X+b.W*0.42+j(), b.Y+b.H*0.88+j())
			pdf.LineTo(b.X+b.W*0.95+j(), b.Y+b.H*0.05+j())
			pdf.DrawPath("D")
		case 1: // cross
			pdf.Line(b.X+2+j(), b.Y+2+j(), b.Right()-2+j(), b.Bottom()-2+j())
			pdf.Line(b.Right()-2+j(), b.Y+2+j(), b.X+2+j(), b.Bottom()-2+j())
		default: // a filled-in scribble
			pdf.MoveTo(b.X+3, b.Y+3)
			for k := 0; k < 6; k++ {
				pdf.LineTo(b.X+2+r.Float64()*(b.W-4), b.Y+2+r.Float64()*(b.H-4))
			}
			pdf.DrawPath("D")
		}
		pdf.SetLineCapStyle("butt")
		pdf.SetLineJoinStyle("miter")
	}
}

// sign draws a signature as pen strokes in b: a full signature of loops
// and waves, or now and then initials only.
func (pn pen) sign(pdf *fpdf.Fpdf, r *rand.Rand, b forms.Box) {
	pdf.SetLineWidth(pn.weight * (0.8 + 0.4*r.Float64()))
	pdf.SetLineCapStyle("round")
	pdf.SetLineJoinStyle("round")
	defer func() { pdf.SetLineCapStyle("butt"); pdf.SetLineJoinStyle("miter") }()
	length := b.W * (0.35 + 0.5*r.Float64())
	strokes := 1 + r.IntN(3)
	if r.IntN(6) == 0 { // initials only
		length = math.Max(16, b.W*(0.08+0.1*r.Float64()))
		strokes = 2
	}
	x := b.X + 4 + r.Float64()*math.Max(0, b.W-length-8)*0.5
	base := b.Bottom() - 3 - r.Float64()*3
	amp := b.H * (0.3 + 0.25*r.Float64())
	seg := length / float64(strokes)
	for s := 0; s < strokes; s++ {
		x0 := x + float64(s)*seg
		n := 3 + r.IntN(5)
		step := seg * 0.9 / float64(n)
		pdf.MoveTo(x0, base-r.Float64()*amp*0.5)
		px := x0
		for k := 0; k < n; k++ {
			nx := px + step
			up := base - amp*(0.5+0.5*r.Float64())
			down := base + amp*0.15*r.Float64()
			if r.IntN(3) == 0 { // a loop: the pen goes back before going on
				pdf.CurveBezierCubicTo(px+step*1.2, up, px-step*0.4, up, nx, down)
			} else {
				pdf.CurveBezierCubicTo(px+step*0.3, up, nx-step*0.3, up, nx, down)
			}
			px = nx
		}
		pdf.DrawPath("D")
	}
	if r.IntN(2) == 0 { // an underline flourish
		pdf.MoveTo(x, base+1.5)
		pdf.CurveBezierCubicTo(x+length*0.3, base+3, x+length*0.7, base, x+length, base+1)
		pdf.DrawPath("D")
	}
}

// fill writes every value of a page onto the blank form already drawn.
// Table rows on page k of a batch form take the values of rows numbered on.
func fill(pdf *fpdf.Fpdf, r *rand.Rand, f *plannedForm, page, pageCount int, user, admin pen) {
	perPage := f.rev.TableRows()
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
	for _, fld := range f.rev.Fields() {
		name := fld.Name
		if fld.Row > 0 {
			name = forms.RowField((page-1)*perPage+fld.Row, fld.Column)
		}
		v := f.values[name]
		switch name {
		case "page_number":
			v = fmt.Sprint(page)
		case "page_count":
			v = fmt.Sprint(pageCount)
		}
		pn := user
		if strings.HasPrefix(name, "admin_") || fld.Group == "itd" || f.rev.Family == "batch-removal" {
			pn = admin
		}
		switch fld.Kind {
		case forms.KindMark:
			pn.mark(pdf, r, fld.Box, v)
		case forms.KindSignature:
			if v == forms.Signed {
				hand := pn
				if hand.typed { // printed forms are still signed by hand
					hand.weight = 0.9 + r.Float64()*1.1
				}
				hand.sign(pdf, r, fld.Box)
			}
		default:
			pn.text(pdf, r, fld.Box, v)
		}
	}
}

// coverSheet draws a fax cover sheet: a page that is not a form.
func coverSheet(pdf *fpdf.Fpdf, r *rand.Rand, from validate.Location, pages int, when string) {
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetFont("Helvetica", "B", 40)
	pdf.Text(60, 110, "FAX")
	pdf.SetLineWidth(2)
	pdf.Line(60, 125, 552, 125)
	pdf.SetFont("Helvetica", "", 13)
	lines := [][2]string{
		{"To:", "ITD Help Desk - MiSiS Access"},
		{"Fax:", "(213) 241-8400"},
		{"From:", from.Name},
		{"Date:", when},
		{"Pages:", fmt.Sprintf("%d (including cover)", pages)},
		{"Re:", []string{"Access request", "Staff access forms", "Please process", "Removal of access"}[r.IntN(4)]},
	}
	y := 170.0
	for _, l := range lines {
		pdf.SetFont("Helvetica", "B", 13)
		pdf.Text(60, y, l[0])
		pdf.SetFont("Helvetica", "", 13)
		pdf.Text(140, y, tr(l[1]))
		y += 28
	}
	pdf.SetFont("Helvetica", "", 11)
	pdf.SetXY(60, y+20)
	pdf.MultiCell(490, 15, tr("Please find the attached form(s). Call our office with any questions. "+
		"CONFIDENTIALITY NOTICE: This facsimile contains confidential information intended only for the "+
		"recipient named above. If you received it in error, please notify the sender and destroy it."), "", "L", false)
}
