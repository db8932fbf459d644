package corpus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Transport is how a submission travels from paper to the mailbox.
type Transport struct {
	Name string
	// XDPI and YDPI are the resolution of the page images.
	XDPI, YDPI int
	// Fax transports are bilevel with CCITT compression ("g3" or "g4");
	// scans are grayscale JPEG.
	Fax         bool
	Compression string
	// TIFF sends the multi-page TIFF itself rather than a PDF around it.
	TIFF bool
}

// transports, with how often each is drawn (out of 100).
var transports = []struct {
	t      Transport
	weight int
}{
	{Transport{Name: "fax-g4-fine-pdf", XDPI: 204, YDPI: 196, Fax: true, Compression: "g4"}, 28},
	{Transport{Name: "fax-g3-fine-pdf", XDPI: 204, YDPI: 196, Fax: true, Compression: "g3"}, 10},
	{Transport{Name: "fax-g4-normal-pdf", XDPI: 204, YDPI: 98, Fax: true, Compression: "g4"}, 10},
	{Transport{Name: "fax-g3-normal-pdf", XDPI: 204, YDPI: 98, Fax: true, Compression: "g3"}, 8},
	{Transport{Name: "fax-g4-fine-tiff", XDPI: 204, YDPI: 196, Fax: true, Compression: "g4", TIFF: true}, 10},
	{Transport{Name: "scan-gray-200", XDPI: 200, YDPI: 200}, 17},
	{Transport{Name: "scan-gray-300", XDPI: 300, YDPI: 300}, 17},
}

// TransportNames lists the transports the generator knows.
func TransportNames() []string {
	var out []string
	for _, t := range transports {
		out = append(out, t.t.Name)
	}
	return out
}

// pickTransport draws a transport among the allowed ones (all when allowed
// is empty), by their weights.
func pickTransport(r *rand.Rand, allowed map[string]bool) Transport {
	total := 0
	for _, t := range transports {
		if len(allowed) == 0 || allowed[t.t.Name] {
			total += t.weight
		}
	}
	n := r.IntN(total)
	for _, t := range transports {
		if len(allowed) > 0 && !allowed[t.t.Name] {
			continue
		}
		if n < t.weight {
			return t.t
		}
		n -= t.weight
	}
	panic("unreachable")
}

// degradation is what the paper, the toner and the scanner did to a page.
type degradation struct {
	toner    string // "normal", "faint" or "heavy"
	speckles int
	paper    uint8 // background gray of a scan
}

func pickDegradation(r *rand.Rand, t Transport) degradation {
	d := degradation{toner: "normal", speckles: r.IntN(30), paper: uint8(238 + r.IntN(17))}
	switch n := r.IntN(10); {
	case n == 0:
		d.toner = "faint"
	case n == 1:
		d.toner = "heavy"
	}
	if t.Fax {
		d.speckles += r.IntN(120)
		if r.IntN(3) == 0 {
			d.speckles += 150 + r.IntN(350)
		}
	}
	return d
}

// rasterise renders every page of a vector PDF to grayscale at the
// transport's resolution with Ghostscript.
func rasterise(ctx context.Context, dir string, pdf []byte, t Transport) ([]*image.Gray, error) {
	in := filepath.Join(dir, "vector.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "page-%03d.pgm")
	// A fax machine thresholds what its sensor sees, so fax pages are
	// rendered without anti-aliasing; scans keep gray edges.
	aa := "4"
	if t.Fax {
		aa = "1"
	}
	cmd := exec.CommandContext(ctx, "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pgmraw",
		fmt.Sprintf("-r%dx%d", t.XDPI, t.YDPI), "-dTextAlphaBits="+aa, "-dGraphicsAlphaBits="+aa,
		"-sOutputFile="+out, in)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gs: %v: %s", err, msg)
	}
	var pages []*image.Gray
	for i := 1; ; i++ {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("page-%03d.pgm", i)))
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			return nil, err
		}
		img, err := readPGM(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i, err)
		}
		pages = append(pages, img)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("gs rendered no pages")
	}
	return pages, nil
}

// readPGM reads a binary (P5) 8-bit PGM image.
func readPGM(r io.Reader) (*image.Gray, error) {
	br := bufio.NewReader(r)
	var fields []int
	magic := ""
	for len(fields) < 3 {
		tok, err := pgmToken(br)
		if err != nil {
			return nil, fmt.Errorf("pgm header: %w", err)
		}
		if magic == "" {
			magic = tok
			if magic != "P5" {
				return nil, fmt.Errorf("pgm: magic %q is not P5", magic)
			}
			continue
		}
		n, err := strconv.Atoi(tok)
		if err != nil {
			return nil, fmt.Errorf("pgm header: %w", err)
		}
		fields = append(fields, n)
	}
	if fields[2] != 255 {
		return nil, fmt.Errorf("pgm: maxval %d is not 255", fields[2])
	}
	img := image.NewGray(image.Rect(0, 0, fields[0], fields[1]))
	if _, err := io.ReadFull(br, img.Pix); err != nil {
		return nil, fmt.Errorf("pgm pixels: %w", err)
	}
	return img, nil
}

// pgmToken reads one whitespace-separated header token, skipping comments,
// and the single whitespace byte after it.
func pgmToken(br *bufio.Reader) (string, error) {
	var tok []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return "", err
		}
		switch {
		case c == '#' && len(tok) == 0:
			if _, err := br.ReadString('\n'); err != nil {
				return "", err
			}
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			tok = append(tok, c)
		}
	}
}

// degrade applies toner, paper and speckle to a page in place.
func degrade(img *image.Gray, r *rand.Rand, d degradation, t Transport) {
	pix := img.Pix
	switch d.toner {
	case "faint":
		if t.Fax {
			// A fax is black or white: faint toner shows as strokes worn
			// thin and broken, not as gray the threshold would wipe out.
			wear(img, r, 0.1+0.2*r.Float64())
			break
		}
		k := 0.45 + 0.2*r.Float64()
		for i, g := range pix {
			pix[i] = 255 - uint8(float64(255-g)*k)
		}
	case "heavy":
		dilate(img)
	}
	if !t.Fax { // paper is not white to a scanner
		span := float64(d.paper) / 255
		for i, g := range pix {
			pix[i] = uint8(float64(g) * span)
		}
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for s := 0; s < d.speckles; s++ {
		x, y := r.IntN(w), r.IntN(h)
		rad := r.IntN(2)
		for dy := -rad; dy <= rad; dy++ {
			for dx := -rad; dx <= rad; dx++ {
				if x+dx >= 0 && x+dx < w && y+dy >= 0 && y+dy < h {
					pix[(y+dy)*img.Stride+x+dx] = uint8(r.IntN(60))
				}
			}
		}
	}
}

// wear whitens each dark pixel on the edge of a stroke with probability p:
// strokes come out thinner and broken in places, as with faint toner, yet
// a stroke's core stays.
func wear(img *image.Gray, r *rand.Rand, p float64) {
	src := append([]uint8(nil), img.Pix...)
	w, h, s := img.Rect.Dx(), img.Rect.Dy(), img.Stride
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*s + x
			if src[i] >= 128 {
				continue
			}
			edge := src[i-1] >= 128 || src[i+1] >= 128 || src[i-s] >= 128 || src[i+s] >= 128
			if edge && r.Float64() < p {
				img.Pix[i] = 255
			}
		}
	}
}

// dilate thickens dark strokes by one pixel, as heavy toner does.
func dilate(img *image.Gray) {
	src := append([]uint8(nil), img.Pix...)
	w, h, s := img.Rect.Dx(), img.Rect.Dy(), img.Stride
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*s + x
			m := min(src[i], src[i-1], src[i+1], src[i-s], src[i+s])
			img.Pix[i] = m
		}
	}
}

// faxWidth is the width in pixels of every fax page at 204 dpi.
const faxWidth = 1728

// encodeFax thresholds the pages, writes them as one multi-page CCITT
// TIFF with libtiff's tiffcp, and, unless the transport sends TIFF, wraps
// it into PDF with tiff2pdf, as fax-to-email gateways do.
func encodeFax(ctx context.Context, dir string, pages []*image.Gray, t Transport, when time.Time) ([]byte, error) {
	var raw []string
	for i, p := range pages {
		name := filepath.Join(dir, fmt.Sprintf("raw-%03d.tif", i+1))
		if err := os.WriteFile(name, bilevelTIFF(p, faxWidth, t.XDPI, t.YDPI, when), 0o644); err != nil {
			return nil, err
		}
		raw = append(raw, name)
	}
	comp := "g4"
	if t.Compression == "g3" {
		comp = "g3:2d"
	}
	tif := filepath.Join(dir, "fax.tif")
	args := append([]string{"-c", comp}, raw...)
	if msg, err := exec.CommandContext(ctx, "tiffcp", append(args, tif)...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tiffcp: %v: %s", err, msg)
	}
	if t.TIFF {
		return os.ReadFile(tif)
	}
	pdf := filepath.Join(dir, "fax.pdf")
	if msg, err := exec.CommandContext(ctx, "tiff2pdf", "-o", pdf, tif).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tiff2pdf: %v: %s", err, msg)
	}
	return os.ReadFile(pdf)
}

// bilevelTIFF encodes a page as an uncompressed 1-bit TIFF (min-is-white)
// width pixels wide, centred, at the given resolution; tiffcp then
// compresses it. Pixels darker than mid-gray are black. The DateTime tag
// makes tiff2pdf date its PDF from the fax, not from the clock, so the
// same seed gives the same bytes.
func bilevelTIFF(img *image.Gray, width, xdpi, ydpi int, when time.Time) []byte {
	h := img.Rect.Dy()
	rowBytes := (width + 7) / 8
	data := make([]byte, rowBytes*h)
	off := (img.Rect.Dx() - width) / 2
	for y := 0; y < h; y++ {
		for x := 0; x < width; x++ {
			sx := x + off
			if sx < 0 || sx >= img.Rect.Dx() {
				continue
			}
			if img.Pix[y*img.Stride+sx] < 128 {
				data[y*rowBytes+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	const nTags = 12
	ifdOff := 8
	extra := ifdOff + 2 + nTags*12 + 4 // resolutions and date follow the IFD
	dateOff := extra + 16
	stamp := append([]byte(when.Format("2006:01:02 15:04:05")), 0)
	pixOff := dateOff + len(stamp)
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II")
	binary.Write(&b, le, uint16(42))
	binary.Write(&b, le, uint32(ifdOff))
	binary.Write(&b, le, uint16(nTags))
	tag := func(id, typ uint16, count, val uint32) {
		binary.Write(&b, le, id)
		binary.Write(&b, le, typ)
		binary.Write(&b, le, count)
		binary.Write(&b, le, val)
	}
	const ascii, short, long, rational = 2, 3, 4, 5
	tag(256, long, 1, uint32(width))                     // ImageWidth
	tag(257, long, 1, uint32(h))                         // ImageLength
	tag(258, short, 1, 1)                                // BitsPerSample
	tag(259, short, 1, 1)                                // Compression: none
	tag(262, short, 1, 0)                                // Photometric: min-is-white
	tag(273, long, 1, uint32(pixOff))                    // StripOffsets
	tag(277, short, 1, 1)                                // SamplesPerPixel
	tag(278, long, 1, uint32(h))                         // RowsPerStrip
	tag(279, long, 1, uint32(len(data)))                 // StripByteCounts
	tag(282, rational, 1, uint32(extra))                 // XResolution
	tag(283, rational, 1, uint32(extra+8))               // YResolution
	tag(306, ascii, uint32(len(stamp)), uint32(dateOff)) // DateTime
	binary.Write(&b, le, uint32(0))                      // no next IFD
	binary.Write(&b, le, [2]uint32{uint32(xdpi), 1})
	binary.Write(&b, le, [2]uint32{uint32(ydpi), 1})
	b.Write(stamp)
	b.Write(data)
	return b.Bytes()
}

// encodeScan wraps each grayscale page as a JPEG (DCTDecode) into a PDF
// whose page size matches the scan, as office scanners do. The PDF is
// written directly: a scanner's PDF is that simple, and writing it here
// keeps the bytes the same for the same seed.
func encodeScan(pages []*image.Gray, t Transport, quality int, when time.Time) ([]byte, error) {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			out.WriteString("\nstream\n")
			out.Write(stream)
			out.WriteString("\nendstream")
		}
		out.WriteString("\nendobj\n")
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(pages)
	kids := ""
	for i := 0; i < n; i++ {
		kids += fmt.Sprintf("%d 0 R ", 4+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, n), nil)
	obj(fmt.Sprintf("<< /Producer (Office Scanner) /CreationDate (D:%s) >>", when.Format("20060102150405")), nil)
	for i, p := range pages {
		var jpg bytes.Buffer
		if err := jpeg.Encode(&jpg, p, &jpeg.Options{Quality: quality}); err != nil {
			return nil, fmt.Errorf("jpeg page %d: %w", i+1, err)
		}
		w := float64(p.Rect.Dx()) * 72 / float64(t.XDPI)
		h := float64(p.Rect.Dy()) * 72 / float64(t.YDPI)
		content, img := 5+3*i, 6+3*i // the page itself is object 4+3*i
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>",
			w, h, img, content), nil)
		draw := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", w, h)
		obj(fmt.Sprintf("<< /Length %d >>", len(draw)), []byte(draw))
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>",
			p.Rect.Dx(), p.Rect.Dy(), jpg.Len()), jpg.Bytes())
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes(), nil
}
