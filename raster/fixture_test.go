package raster

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test page: US Letter with a black rectangle 1 to 3 inches from the
// left edge and 1 to 2 inches from the top, so at D dpi it covers pixels
// x in [D, 3D) and y in [D, 2D). Later pages of a multi-page document move
// the rectangle down by one inch per page.
const (
	rectLeft, rectRight = 1.0, 3.0 // inches from the left edge
	rectTop, rectBottom = 1.0, 2.0 // inches from the top edge, page 1
)

// pagePS returns a PostScript document of n pages, each with its rectangle
// (moved down one inch per page) and a line of text.
func pagePS(n int) string {
	var b strings.Builder
	b.WriteString("%!PS\n<< /PageSize [612 792] >> setpagedevice\n")
	for i := range n {
		top := 792 - 72*(rectTop+float64(i))
		fmt.Fprintf(&b, "0 setgray %g %g %g %g rectfill\n", 72*rectLeft, top-72*(rectBottom-rectTop), 72*(rectRight-rectLeft), 72*(rectBottom-rectTop))
		fmt.Fprintf(&b, "/Helvetica findfont 24 scalefont setfont 100 400 moveto (MiSiS raster test page %d) show\nshowpage\n", i+1)
	}
	return b.String()
}

// run runs a command, failing the test with its output when it fails.
func run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// ghostscript renders an n-page test document with a gs device at res
// ("204x196") and returns the output file's path.
func ghostscript(t testing.TB, n int, device, res, ext string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	ps := filepath.Join(dir, "page.ps")
	if err := os.WriteFile(ps, []byte(pagePS(n)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out."+ext)
	args := append([]string{"-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=" + device, "-r" + res, "-sOutputFile=" + out}, extra...)
	run(t, "gs", append(args, ps)...)
	return out
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// faxPDF makes a fax gateway PDF: gs renders a CCITT TIFF, tiff2pdf wraps it.
func faxPDF(t testing.TB, n int, device, res string) []byte {
	t.Helper()
	tif := ghostscript(t, n, device, res, "tif")
	pdf := tif + ".pdf"
	run(t, "tiff2pdf", "-o", pdf, tif)
	return readFile(t, pdf)
}

// vectorPDF makes a plain vector PDF with gs's pdfwrite.
func vectorPDF(t testing.TB, n int) []byte {
	t.Helper()
	return readFile(t, ghostscript(t, n, "pdfwrite", "720", "pdf"))
}

// pdfObject is one object of a hand-written PDF: a dictionary and an
// optional stream.
type pdfObject struct {
	dict   string
	stream []byte
}

// buildPDF writes a PDF whose objects are numbered from 1 in order, with a
// correct cross-reference table. The catalog must be object 1.
func buildPDF(objs []pdfObject) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.stream != nil {
			fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", o.dict, len(o.stream))
			b.Write(o.stream)
			b.WriteString("\nendstream")
		} else {
			b.WriteString(o.dict)
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// imagePDF writes a one-page PDF of w x h points whose page is one image,
// given by its dictionary entries (without /Length) and stream.
func imagePDF(pageW, pageH float64, imageDict string, data []byte) []byte {
	return imagePDFWithContent(pageW, pageH, fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im1 Do Q", pageW, pageH), imageDict, data)
}

// imagePDFWithContent is imagePDF with the page's content stream given.
func imagePDFWithContent(pageW, pageH float64, content, imageDict string, data []byte) []byte {
	return buildPDF([]pdfObject{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> >>", pageW, pageH)},
		{dict: "", stream: []byte(content)},
		{dict: "/Type /XObject /Subtype /Image " + imageDict, stream: data},
		{dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
	})
}

// pagesPDF writes a PDF of n empty Letter pages (n may be 0).
func pagesPDF(n int) []byte {
	objs := []pdfObject{{dict: "<< /Type /Catalog /Pages 2 0 R >>"}, {}}
	var kids []string
	for i := range n {
		kids = append(kids, fmt.Sprintf("%d 0 R", 3+2*i))
		objs = append(objs,
			pdfObject{dict: fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>", 4+2*i)},
			pdfObject{stream: []byte("0 0 1 rg 72 72 144 144 re f")})
	}
	objs[1] = pdfObject{dict: fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)}
	return buildPDF(objs)
}

// tiffStrip returns the first strip of a single-strip TIFF (the CCITT data
// gs writes), with the image size.
func tiffStrip(t testing.TB, data []byte) ([]byte, int, int) {
	t.Helper()
	order, err := tiffOrder(data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := readIFD(data, order, int64(order.Uint32(data[4:])))
	if err != nil {
		t.Fatal(err)
	}
	n := int(order.Uint16(data[d.offset:]))
	var off, count int64 = -1, -1
	for i := range n {
		e := data[d.offset+2+12*int64(i):]
		switch order.Uint16(e) {
		case 273:
			off = entryInt(order, order.Uint16(e[2:]), e)
		case 279:
			count = entryInt(order, order.Uint16(e[2:]), e)
		}
	}
	if off < 0 || count < 0 {
		t.Fatal("TIFF without a single strip")
	}
	return data[off : off+count], d.width, d.height
}

// darkness returns the share of pixels darker than mid-gray in the rectangle
// r of img.
func darkness(img *image.Gray, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	dark := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.GrayAt(x, y).Y < 128 {
				dark++
			}
		}
	}
	return float64(dark) / float64(r.Dx()*r.Dy())
}

// checkRect checks that the test rectangle of page (from 1) is black where
// it should be at dpi, and that its surroundings are white.
func checkRect(t testing.TB, img *image.Gray, dpi float64, page int) {
	t.Helper()
	px := func(in float64) int { return int(in * dpi) }
	top := rectTop + float64(page-1)
	bottom := rectBottom + float64(page-1)
	m := px(0.05) // stay clear of the edges' rounding
	inside := image.Rect(px(rectLeft)+m, px(top)+m, px(rectRight)-m, px(bottom)-m)
	if d := darkness(img, inside); d < 0.99 {
		t.Errorf("page %d: rectangle interior %v is %.1f%% dark, want it black", page, inside, 100*d)
	}
	bands := map[string]image.Rectangle{
		"above": image.Rect(px(rectLeft), px(top)-4*m, px(rectRight), px(top)-m),
		"below": image.Rect(px(rectLeft), px(bottom)+m, px(rectRight), px(bottom)+4*m),
		"left":  image.Rect(px(rectLeft)-4*m, px(top), px(rectLeft)-m, px(bottom)),
		"right": image.Rect(px(rectRight)+m, px(top), px(rectRight)+4*m, px(bottom)),
	}
	for name, r := range bands {
		if d := darkness(img, r); d > 0.01 {
			t.Errorf("page %d: band %s of the rectangle %v is %.1f%% dark, want it white", page, name, r, 100*d)
		}
	}
}

// jbig2MMR wraps CCITT G4 data of a w x h page in a JBIG2 embedded stream
// (as PDF's JBIG2Decode expects: no file header): a page information
// segment, one immediate lossless generic region coded with MMR (which is
// G4), and an end of page.
func jbig2MMR(g4 []byte, w, h int) []byte {
	var b bytes.Buffer
	segment := func(number uint32, typ byte, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, number)
		b.WriteByte(typ) // flags: type, one-byte page association
		b.WriteByte(0)   // no referred-to segments
		b.WriteByte(1)   // page 1
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.Write(data)
	}
	var page bytes.Buffer
	for _, v := range []uint32{uint32(w), uint32(h), 0, 0} {
		_ = binary.Write(&page, binary.BigEndian, v)
	}
	page.Write([]byte{0, 0, 0}) // flags, no striping
	segment(0, 48, page.Bytes())

	var region bytes.Buffer
	for _, v := range []uint32{uint32(w), uint32(h), 0, 0} {
		_ = binary.Write(&region, binary.BigEndian, v)
	}
	region.WriteByte(0) // combination operator OR
	region.WriteByte(1) // generic region flags: MMR
	region.Write(g4)
	segment(1, 39, region.Bytes())
	segment(2, 49, nil)
	return b.Bytes()
}
