package raster

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gen2brain/go-fitz"
)

// wantPage is what a decoded page must look like.
type wantPage struct {
	w, h   int
	dpi    float64
	source Source
}

func checkPages(t *testing.T, pages []Page, want []wantPage) {
	t.Helper()
	if len(pages) != len(want) {
		t.Fatalf("got %d pages, want %d", len(pages), len(want))
	}
	for i, p := range pages {
		w := want[i]
		b := p.Image.Bounds()
		if p.Index != i+1 {
			t.Errorf("page %d: Index %d", i+1, p.Index)
		}
		if b.Min != (image.Point{}) || b.Dx() != w.w || b.Dy() != w.h {
			t.Errorf("page %d: image %v, want %dx%d", i+1, b, w.w, w.h)
		}
		if math.Abs(p.DPI-w.dpi) > 0.01 {
			t.Errorf("page %d: DPI %.3f, want %.3f", i+1, p.DPI, w.dpi)
		}
		if p.Source != w.source {
			t.Errorf("page %d: source %q, want %q", i+1, p.Source, w.source)
		}
		checkRect(t, p.Image, p.DPI, i+1)
	}
}

func decode(t *testing.T, data []byte, lim Limits) []Page {
	t.Helper()
	pages, err := Decode(context.Background(), data, lim)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return pages
}

// A fax page is 1728 pixels across 8.47 inches (204 dpi). Fine mode is 2156
// rows at 196 dpi, standard mode 1078 rows at 98 dpi: both come out 2244 rows
// at 204 dpi once the pixels are square.
func TestFaxPDF(t *testing.T) {
	g3tif := ghostscript(t, 1, "tiffg3", "204x98", "tif")
	g3strip, w, h := tiffStrip(t, readFile(t, g3tif))
	run(t, "tiffcp", "-c", "g3:1d", g3tif, g3tif+".nofill.tif")
	g3NoFill, _, _ := tiffStrip(t, readFile(t, g3tif+".nofill.tif"))
	g4strip, _, _ := tiffStrip(t, readFile(t, ghostscript(t, 1, "tiffg4", "204x196", "tif")))
	pageW := float64(w) / 204 * 72
	tests := []struct {
		name string
		pdf  []byte
		want []wantPage
	}{
		{"tiffg4 204x196 via tiff2pdf", faxPDF(t, 1, "tiffg4", "204x196"),
			[]wantPage{{1728, 2244, 204, SourcePDFImageCCITT}}},
		{"tiffg3 204x98 via tiff2pdf", faxPDF(t, 1, "tiffg3", "204x98"),
			[]wantPage{{1728, 2244, 204, SourcePDFImageCCITT}}},
		// Some mailers leave a header line before %PDF-; readers allow
		// junk within the first KiB.
		{"junk before the header", append([]byte("Content-Type: application/pdf\r\n\r\n"), faxPDF(t, 1, "tiffg4", "204x196")...),
			[]wantPage{{1728, 2244, 204, SourcePDFImageCCITT}}},
		{"three fine pages", faxPDF(t, 3, "tiffg4", "204x196"),
			[]wantPage{{1728, 2244, 204, SourcePDFImageCCITT}, {1728, 2244, 204, SourcePDFImageCCITT}, {1728, 2244, 204, SourcePDFImageCCITT}}},
		// A gateway that embeds gs's G3 data as is (K 0, EOLs with fill
		// bits, which x/image/ccitt cannot read): MuPDF renders the page at
		// the image's own resolution, so the result is the same page.
		{"G3 1-D stream with fill bits, K 0", imagePDF(pageW, 792,
			"/Width 1728 /Height 1078 /BitsPerComponent 1 /ColorSpace /DeviceGray /Filter /CCITTFaxDecode /DecodeParms << /K 0 /Columns 1728 /Rows 1078 /EndOfLine true >>", g3strip),
			[]wantPage{{1728, 2244, 204, SourcePDFRender}}},
		{"G3 1-D stream without fill bits, K 0", imagePDF(pageW, 792,
			"/Width 1728 /Height 1078 /BitsPerComponent 1 /ColorSpace /DeviceGray /Filter /CCITTFaxDecode /DecodeParms << /K 0 /Columns 1728 /Rows 1078 /EndOfLine true >>", g3NoFill),
			[]wantPage{{1728, 2244, 204, SourcePDFImageCCITT}}},
		// BlackIs1 with a Decode array that undoes it: the same page.
		{"G4 BlackIs1 with Decode [1 0]", imagePDF(pageW, 792,
			"/Width 1728 /Height 2156 /BitsPerComponent 1 /ColorSpace /DeviceGray /Decode [1 0] /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 1728 /BlackIs1 true >>", g4strip),
			[]wantPage{{1728, 2244, 204, SourcePDFImageCCITT}}},
	}
	if h != 1078 {
		t.Fatalf("gs tiffg3 at 204x98 made %d rows, want 1078", h)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPages(t, decode(t, tc.pdf, Limits{}), tc.want)
		})
	}
}

// The image taken from the stream must be the page MuPDF draws: same size
// at the same resolution, and nearly every pixel the same.
func TestFaxImageMatchesRender(t *testing.T) {
	for _, res := range []string{"204x196", "204x98"} {
		t.Run(res, func(t *testing.T) {
			pdf := faxPDF(t, 1, "tiffg4", res)
			pages := decode(t, pdf, Limits{})
			compareWithMuPDF(t, pdf, pages[0])
		})
	}
}

// Images this package does not decode itself (JBIG2, which MuPDF reads;
// a filter chain) are rendered at the image's own resolution, so the page
// keeps the scan's pixel grid.
func TestImageRenderedAtNativeResolution(t *testing.T) {
	strip, w, h := tiffStrip(t, readFile(t, ghostscript(t, 1, "tiffg4", "204x196", "tif")))
	pageW := float64(w) / 204 * 72
	hex := []byte(fmt.Sprintf("%x>", strip))
	tests := []struct {
		name string
		pdf  []byte
	}{
		{"JBIG2 (generic region, MMR)", imagePDF(pageW, 792, fmt.Sprintf("/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray /Filter /JBIG2Decode", w, h), jbig2MMR(strip, w, h))},
		{"filter chain", imagePDF(pageW, 792, fmt.Sprintf("/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray /Filter [/ASCIIHexDecode /CCITTFaxDecode] /DecodeParms [null << /K -1 /Columns %d >>]", w, h, w), hex)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// MuPDF squares the pixels by rendering at 204 dpi: 2156 rows at
			// 196 dpi fill 11 inches, 2244 rows at 204 dpi.
			checkPages(t, decode(t, tc.pdf, Limits{}), []wantPage{{1728, 2244, 204, SourcePDFRender}})
		})
	}
}

func TestJPEGInPDF(t *testing.T) {
	jpg200 := readFile(t, ghostscript(t, 1, "jpeggray", "200", "jpg"))
	gray300 := ghostscript(t, 1, "tiffgray", "300", "tif")
	run(t, "tiff2pdf", "-j", "-q", "90", "-o", gray300+".pdf", gray300)
	jpgColour := readFile(t, ghostscript(t, 1, "jpeg", "150", "jpg"))
	gsWrapped := gsWrapJPEG(t, ghostscript(t, 1, "jpeggray", "200", "jpg"))

	tests := []struct {
		name string
		pdf  []byte
		want []wantPage
	}{
		{"200 dpi, hand-made PDF", imagePDF(612, 792, "/Width 1700 /Height 2200 /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /DCTDecode", jpg200),
			[]wantPage{{1700, 2200, 200, SourcePDFImageJPEG}}},
		{"200 dpi with an invisible OCR text layer", imagePDFWithContent(612, 792,
			"q 612 0 0 792 0 0 cm /Im1 Do Q BT 3 Tr /F1 12 Tf 72 700 Td (MiSiS raster test) Tj ET",
			"/Width 1700 /Height 2200 /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /DCTDecode", jpg200),
			[]wantPage{{1700, 2200, 200, SourcePDFImageJPEG}}},
		{"200 dpi wrapped by gs pdfwrite (nested cm)", gsWrapped,
			[]wantPage{{1700, 2200, 200, SourcePDFImageJPEG}}},
		{"colour 150 dpi", imagePDF(612, 792, "/Width 1275 /Height 1650 /BitsPerComponent 8 /ColorSpace /DeviceRGB /Filter /DCTDecode", jpgColour),
			[]wantPage{{1275, 1650, 150, SourcePDFImageJPEG}}},
		{"300 dpi, tiff2pdf -j", readFile(t, gray300+".pdf"),
			[]wantPage{{2550, 3300, 300, SourcePDFImageJPEG}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPages(t, decode(t, tc.pdf, Limits{}), tc.want)
		})
	}
}

// Flate and uncompressed images of each sample layout, drawn over a Letter
// page at 100 dpi with the test rectangle.
// gsWrapJPEG turns a Letter-size JPEG into a one-page Letter PDF with gs's
// viewjpeg.ps, which keeps the JPEG data and draws it under two nested
// transformations.
func gsWrapJPEG(t *testing.T, jpg string) []byte {
	t.Helper()
	lib, err := filepath.Glob("/usr/share/ghostscript/*/lib/viewjpeg.ps")
	if err != nil || len(lib) == 0 {
		t.Fatalf("viewjpeg.ps not found (ghostscript installed?): %v", err)
	}
	out := jpg + ".pdf"
	run(t, "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dNOSAFER", "-sDEVICE=pdfwrite", "-sOutputFile="+out,
		"-dDEVICEWIDTHPOINTS=612", "-dDEVICEHEIGHTPOINTS=792", "-dFIXEDMEDIA", "-dPDFFitPage", lib[0],
		"-c", "("+jpg+") << /PageSize 2 index viewJPEGgetsize 2 array astore >> setpagedevice viewJPEG")
	return readFile(t, out)
}

func TestFlateImagePDF(t *testing.T) {
	const w, h = 850, 1100
	black := func(x, y int) bool { return x >= 100 && x < 300 && y >= 100 && y < 200 }
	gray8 := make([]byte, 0, w*h)
	rgb8 := make([]byte, 0, 3*w*h)
	row1 := (w + 7) / 8
	gray1 := make([]byte, row1*h) // 1 = black, drawn with Decode [1 0]
	for y := range h {
		for x := range w {
			v := byte(255)
			if black(x, y) {
				v = 0
				gray1[y*row1+x/8] |= 0x80 >> (x % 8)
			}
			gray8 = append(gray8, v)
			if v == 0 {
				rgb8 = append(rgb8, 0, 0, 80) // navy ink: dark once gray
			} else {
				rgb8 = append(rgb8, 255, 255, 255)
			}
		}
	}
	deflate := func(b []byte) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		if _, err := zw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return z.Bytes()
	}
	tests := []struct {
		name string
		dict string
		data []byte
	}{
		{"8-bit gray", "/BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /FlateDecode", deflate(gray8)},
		{"8-bit RGB", "/BitsPerComponent 8 /ColorSpace /DeviceRGB /Filter /FlateDecode", deflate(rgb8)},
		{"1-bit inverted", "/BitsPerComponent 1 /ColorSpace /DeviceGray /Decode [1 0] /Filter /FlateDecode", deflate(gray1)},
		{"8-bit gray uncompressed", "/BitsPerComponent 8 /ColorSpace /DeviceGray", gray8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pdf := imagePDF(612, 792, fmt.Sprintf("/Width %d /Height %d %s", w, h, tc.dict), tc.data)
			pages := decode(t, pdf, Limits{})
			checkPages(t, pages, []wantPage{{w, h, 100, SourcePDFImageFlate}})
			compareWithMuPDF(t, pdf, pages[0])
		})
	}
}

func TestSquareSize(t *testing.T) {
	tests := []struct {
		w, h       int
		xdpi, ydpi float64
		ww, wh     int
		dpi        float64
	}{
		{1728, 1078, 204, 98, 1728, 2244, 204},
		{1728, 2156, 204, 196, 1728, 2244, 204},
		{1700, 2200, 200, 200, 1700, 2200, 200},
		{1700, 2200, 200, 200.5, 1700, 2200, 200}, // within 0.5%: square
		{850, 2200, 100, 200, 1700, 2200, 200},    // coarser horizontally
	}
	for _, tc := range tests {
		w, h, dpi := squareSize(tc.w, tc.h, tc.xdpi, tc.ydpi)
		if w != tc.ww || h != tc.wh || dpi != tc.dpi {
			t.Errorf("squareSize(%d, %d, %g, %g) = %d, %d, %g; want %d, %d, %g", tc.w, tc.h, tc.xdpi, tc.ydpi, w, h, dpi, tc.ww, tc.wh, tc.dpi)
		}
	}
}

func TestRotate(t *testing.T) {
	// 3x2 image with distinct pixels:  1 2 3
	//                                  4 5 6
	src := &image.Gray{Pix: []uint8{1, 2, 3, 4, 5, 6}, Stride: 3, Rect: image.Rect(0, 0, 3, 2)}
	tests := []struct {
		deg  int
		w, h int
		pix  []uint8
	}{
		{0, 3, 2, []uint8{1, 2, 3, 4, 5, 6}},
		{90, 2, 3, []uint8{4, 1, 5, 2, 6, 3}},
		{180, 3, 2, []uint8{6, 5, 4, 3, 2, 1}},
		{270, 2, 3, []uint8{3, 6, 2, 5, 1, 4}},
		{-90, 2, 3, []uint8{3, 6, 2, 5, 1, 4}},
	}
	for _, tc := range tests {
		got := rotate(src, tc.deg)
		if got.Bounds().Dx() != tc.w || got.Bounds().Dy() != tc.h || !bytes.Equal(got.Pix, tc.pix) {
			t.Errorf("rotate %d: %v %v, want %dx%d %v", tc.deg, got.Bounds(), got.Pix, tc.w, tc.h, tc.pix)
		}
	}
}

func TestVectorPDF(t *testing.T) {
	checkPages(t, decode(t, vectorPDF(t, 2), Limits{}), []wantPage{
		{2550, 3300, 300, SourcePDFRender},
		{2550, 3300, 300, SourcePDFRender},
	})
	checkPages(t, decode(t, vectorPDF(t, 1), Limits{RenderDPI: 150}), []wantPage{{1275, 1650, 150, SourcePDFRender}})
}

func TestTIFF(t *testing.T) {
	g3 := ghostscript(t, 2, "tiffg3", "204x98", "tif")
	run(t, "tiffcp", "-c", "g3:1d", g3, g3+".nofill.tif")
	g3NoFill := readFile(t, g3+".nofill.tif")
	tests := []struct {
		name string
		tif  []byte
		want []wantPage
	}{
		{"G4 fine, 3 pages", readFile(t, ghostscript(t, 3, "tiffg4", "204x196", "tif")),
			[]wantPage{{1728, 2244, 204, SourceTIFF}, {1728, 2244, 204, SourceTIFF}, {1728, 2244, 204, SourceTIFF}}},
		// gs writes G3 with fill bits before each EOL, which x/image/tiff
		// cannot read: MuPDF renders those pages.
		{"G3 1-D standard, 2 pages", readFile(t, ghostscript(t, 2, "tiffg3", "204x98", "tif")),
			[]wantPage{{1728, 2244, 204, SourceTIFFRender}, {1728, 2244, 204, SourceTIFFRender}}},
		{"G3 1-D standard without fill bits (tiffcp -c g3:1d)", g3NoFill,
			[]wantPage{{1728, 2244, 204, SourceTIFF}, {1728, 2244, 204, SourceTIFF}}},
		{"G3 2-D standard, rendered by MuPDF", readFile(t, ghostscript(t, 2, "tiffg32d", "204x98", "tif")),
			[]wantPage{{1728, 2244, 204, SourceTIFFRender}, {1728, 2244, 204, SourceTIFFRender}}},
		{"8-bit gray LZW 150 dpi", readFile(t, ghostscript(t, 1, "tiffgray", "150", "tif", "-sCompression=lzw")),
			[]wantPage{{1275, 1650, 150, SourceTIFF}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPages(t, decode(t, tc.tif, Limits{}), tc.want)
		})
	}
}

func TestStillImages(t *testing.T) {
	// Without resolution metadata: 200 dpi is assumed.
	var plainPNG, plainJPEG bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 1700, 2200))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 200; y < 400; y++ {
		for x := 200; x < 600; x++ {
			img.Pix[y*img.Stride+x] = 0
		}
	}
	if err := png.Encode(&plainPNG, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&plainJPEG, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want []wantPage
	}{
		{"PNG with pHYs 150 dpi", readFile(t, ghostscript(t, 1, "pnggray", "150", "png")),
			[]wantPage{{1275, 1650, 150, SourcePNG}}},
		{"colour PNG with pHYs 100 dpi", readFile(t, ghostscript(t, 1, "png16m", "100", "png")),
			[]wantPage{{850, 1100, 100, SourcePNG}}},
		{"JPEG with JFIF 200 dpi", readFile(t, ghostscript(t, 1, "jpeggray", "200", "jpg")),
			[]wantPage{{1700, 2200, 200, SourceJPEG}}},
		{"colour JPEG with JFIF 120 dpi", readFile(t, ghostscript(t, 1, "jpeg", "120", "jpg")),
			[]wantPage{{1020, 1320, 120, SourceJPEG}}},
		{"PNG without resolution", plainPNG.Bytes(), []wantPage{{1700, 2200, 200, SourcePNG}}},
		{"JPEG without resolution", plainJPEG.Bytes(), []wantPage{{1700, 2200, 200, SourceJPEG}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPages(t, decode(t, tc.data, Limits{}), tc.want)
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		data string
		want Type
	}{
		{"%PDF-1.7\n", TypePDF},
		{"\r\n junk %PDF-1.4\n", TypePDF},
		{"II*\x00\x08\x00\x00\x00", TypeTIFF},
		{"MM\x00*\x00\x00\x00\x08", TypeTIFF},
		{"\xff\xd8\xff\xe0", TypeJPEG},
		{"\x89PNG\r\n\x1a\n", TypePNG},
		{"PK\x03\x04", TypeUnknown},
		{"MZ\x90\x00", TypeUnknown},
		{"<html><body>%PDF-", TypePDF}, // a header within the first KiB counts
		{"<!DOCTYPE html>", TypeUnknown},
		{"II+\x00", TypeUnknown},
		{"", TypeUnknown},
	}
	for _, tc := range tests {
		if got := Sniff([]byte(tc.data)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}

func TestConcurrentDecode(t *testing.T) {
	inputs := [][]byte{faxPDF(t, 2, "tiffg4", "204x196"), vectorPDF(t, 1), readFile(t, ghostscript(t, 2, "tiffg4", "204x98", "tif"))}
	want := make([][]Page, len(inputs))
	for i, in := range inputs {
		want[i] = decode(t, in, Limits{})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(inputs))
	for range 4 {
		for i, in := range inputs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := Decode(context.Background(), in, Limits{})
				if err != nil {
					errs <- err
					return
				}
				for j := range got {
					if !bytes.Equal(got[j].Image.Pix, want[i][j].Image.Pix) {
						errs <- errors.New("concurrent decode differs from sequential decode")
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestContext(t *testing.T) {
	tif := readFile(t, ghostscript(t, 3, "tiffg4", "204x196", "tif"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Decode(ctx, tif, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	err := DecodeEach(ctx, tif, Limits{}, func(Page) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancel during decode: %d calls, error %v; want 1 call, context.Canceled", calls, err)
	}

	stop := errors.New("stop")
	calls = 0
	err = DecodeEach(context.Background(), tif, Limits{}, func(Page) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("callback error: %d calls, error %v; want 1 call, the callback's error", calls, err)
	}
}

// A page turned by /Rotate comes out turned, as MuPDF draws it.
func TestRotatedImagePage(t *testing.T) {
	strip, w, h := tiffStrip(t, readFile(t, ghostscript(t, 1, "tiffg4", "204x196", "tif")))
	for _, rot := range []int{90, 180, 270} {
		t.Run(fmt.Sprint(rot), func(t *testing.T) {
			pageW := float64(w) / 204 * 72
			pdf := imagePDF(pageW, 792, fmt.Sprintf("/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d >>", w, h, w), strip)
			pdf = bytes.Replace(pdf, []byte("/Type /Page "), []byte(fmt.Sprintf("/Type /Page /Rotate %d ", rot)), 1)
			pdf = fixXref(t, pdf)
			pages := decode(t, pdf, Limits{})
			got := pages[0]
			if got.Source != SourcePDFImageCCITT {
				t.Fatalf("source %q", got.Source)
			}
			wantW, wantH := 1728, 2244
			if rot != 180 {
				wantW, wantH = wantH, wantW
			}
			if b := got.Image.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
				t.Fatalf("image %v, want %dx%d", b, wantW, wantH)
			}
			compareWithMuPDF(t, pdf, got)
		})
	}
}

// fixXref rewrites the cross-reference table of a hand-made PDF after an
// edit moved its objects.
func fixXref(t *testing.T, pdf []byte) []byte {
	t.Helper()
	var objs []pdfObject
	rest := pdf
	for {
		i := bytes.Index(rest, []byte(" 0 obj\n"))
		if i < 0 {
			break
		}
		body := rest[i+len(" 0 obj\n"):]
		end := bytes.Index(body, []byte("\nendobj\n"))
		o := body[:end]
		if s := bytes.Index(o, []byte(">>\nstream\n")); s >= 0 {
			dict := string(o[:s])
			dict = dict[len("<< "):strings.LastIndex(dict, " /Length")]
			objs = append(objs, pdfObject{dict: dict, stream: o[s+len(">>\nstream\n") : len(o)-len("\nendstream")]})
		} else {
			objs = append(objs, pdfObject{dict: string(o)})
		}
		rest = body[end:]
	}
	return buildPDF(objs)
}

// compareWithMuPDF checks that a page taken from its embedded image is what
// MuPDF draws at the same resolution.
func compareWithMuPDF(t *testing.T, pdf []byte, page Page) {
	t.Helper()
	doc, err := fitz.NewFromMemory(pdf)
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	rgba, err := doc.ImageDPI(page.Index-1, page.DPI)
	if err != nil {
		t.Fatal(err)
	}
	rendered := toGray(rgba)
	got := page.Image
	if rendered.Bounds() != got.Bounds() {
		t.Fatalf("decoded %v, MuPDF rendered %v", got.Bounds(), rendered.Bounds())
	}
	differ := 0
	for i := range got.Pix {
		if (got.Pix[i] < 128) != (rendered.Pix[i] < 128) {
			differ++
		}
	}
	if share := float64(differ) / float64(len(got.Pix)); share > 0.005 {
		t.Errorf("%.2f%% of the pixels differ from MuPDF's rendering", 100*share)
	}
}
