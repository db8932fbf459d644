package raster

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

var sentinels = []error{ErrEncrypted, ErrCorrupt, ErrNoPages, ErrUnsupported, ErrTooLarge}

// encryptPDF encrypts pdf with pdfcpu (AES-256) with the given passwords.
func encryptPDF(t *testing.T, pdf []byte, userPW, ownerPW string) []byte {
	t.Helper()
	conf := pdfConfig()
	conf.UserPW, conf.OwnerPW = userPW, ownerPW
	conf.EncryptUsingAES, conf.EncryptKeyLength = true, 256
	conf.Permissions = model.PermissionsNone
	conf.WriteObjectStream, conf.WriteXRefStream = true, true
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, conf); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

func zipBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("fax.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("%PDF-1.4 not really")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugeImagePDF declares a width x height 8-bit image whose stream is a few
// bytes of zlib.
func hugeImagePDF(t *testing.T, width, height int) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(make([]byte, 1<<16)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return imagePDF(612, 792, fmt.Sprintf("/Width %d /Height %d /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /FlateDecode", width, height), z.Bytes())
}

// hugeFormImagePDF hides a huge image inside a form XObject of a vector page.
func hugeFormImagePDF() []byte {
	return buildPDF([]pdfObject{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Fm1 5 0 R >> >> >>"},
		{stream: []byte("0 0 1 rg 10 10 50 50 re f q 100 0 0 100 72 72 cm /Fm1 Do Q")},
		{dict: "/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /Im1 6 0 R >> >>", stream: []byte("/Im1 Do")},
		{dict: "/Type /XObject /Subtype /Image /Width 200000 /Height 200000 /BitsPerComponent 1 /ColorSpace /DeviceGray", stream: []byte{0}},
	})
}

// vectorPagePDF is a one-page vector PDF with the given MediaBox size.
func vectorPagePDF(w, h float64) []byte {
	return buildPDF([]pdfObject{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R >>", w, h)},
		{stream: []byte("0 g 72 72 144 144 re f")},
	})
}

// tiffLoop links the last directory of a multi-page TIFF back to the first.
func tiffLoop(t *testing.T, tif []byte, selfLoop bool) []byte {
	t.Helper()
	out := bytes.Clone(tif)
	ifds, err := walkIFDs(out, 100)
	if err != nil {
		t.Fatal(err)
	}
	order, _ := tiffOrder(out)
	last := ifds[len(ifds)-1]
	target := ifds[0].offset
	if selfLoop {
		target = last.offset
	}
	order.PutUint32(out[last.nextAt:], uint32(target))
	return out
}

// tiffSize rewrites the width and height of the first directory.
func tiffSize(t *testing.T, tif []byte, w, h uint32) []byte {
	t.Helper()
	out := bytes.Clone(tif)
	order, _ := tiffOrder(out)
	off := int64(order.Uint32(out[4:]))
	n := int64(order.Uint16(out[off:]))
	for i := range n {
		e := out[off+2+12*i:]
		switch order.Uint16(e) {
		case tagImageWidth:
			order.PutUint16(e[2:], 4)
			order.PutUint32(e[8:], w)
		case tagImageLength:
			order.PutUint16(e[2:], 4)
			order.PutUint32(e[8:], h)
		}
	}
	return out
}

// jpegSize rewrites the frame size in a JPEG's SOF0 header.
func jpegSize(t *testing.T, jpg []byte, w, h uint16) []byte {
	t.Helper()
	out := bytes.Clone(jpg)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(out[i+5:], h)
	binary.BigEndian.PutUint16(out[i+7:], w)
	return out
}

func TestErrors(t *testing.T) {
	vector := vectorPDF(t, 2)
	fax := faxPDF(t, 3, "tiffg4", "204x196")
	tif := readFile(t, ghostscript(t, 3, "tiffg4", "204x196", "tif"))
	jpg := readFile(t, ghostscript(t, 1, "jpeggray", "100", "jpg"))
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	garbage[0] = 'x'

	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, Limits{}, ErrUnsupported},
		{"garbage", garbage, Limits{}, ErrUnsupported},
		{"ZIP renamed .pdf", zipBytes(t), Limits{}, ErrUnsupported},
		{"HTML", []byte("<!DOCTYPE html><html><body>Your fax</body></html>"), Limits{}, ErrUnsupported},
		{"Windows executable", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), garbage...), Limits{}, ErrUnsupported},
		{"BigTIFF", []byte("II+\x00\x08\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00"), Limits{}, ErrUnsupported},
		{"truncated vector PDF", vector[:len(vector)/2], Limits{}, ErrCorrupt},
		{"truncated fax PDF", fax[:len(fax)-200], Limits{}, ErrCorrupt},
		{"PDF header then garbage", append(append([]byte("%PDF-1.4\n"), garbage...), "\n%%EOF\n"...), Limits{}, ErrCorrupt},
		{"encrypted, user password", encryptPDF(t, fax, "user", "owner"), Limits{}, ErrEncrypted},
		{"encrypted vector, user password", encryptPDF(t, vector, "user", "owner"), Limits{}, ErrEncrypted},
		{"zero pages", pagesPDF(0), Limits{}, ErrNoPages},
		{"too many pages", pagesPDF(5), Limits{MaxPages: 4}, ErrTooLarge},
		{"a thousand pages", pagesPDF(1000), Limits{}, ErrTooLarge},
		{"huge embedded image", hugeImagePDF(t, 100000, 100000), Limits{}, ErrTooLarge},
		{"huge image in a form XObject", hugeFormImagePDF(), Limits{}, ErrTooLarge},
		// pdfcpu cannot read a damaged cross-reference table; the raw bytes
		// still show the image size, so MuPDF is not let loose on it.
		{"damaged PDF declaring a huge image", garbledXref(hugeImagePDF(t, 100000, 100000)), Limits{}, ErrCorrupt},
		{"huge MediaBox", vectorPagePDF(200000, 200000), Limits{}, ErrTooLarge},
		{"too many pixels per page", fax, Limits{MaxPixelsPerPage: 1728 * 2000}, ErrTooLarge},
		{"too many pixels in total", fax, Limits{MaxTotalPixels: 2 * 1728 * 2244}, ErrTooLarge},
		{"TIFF directory loop", tiffLoop(t, tif, false), Limits{}, ErrCorrupt},
		{"TIFF directory pointing at itself", tiffLoop(t, tif, true), Limits{}, ErrCorrupt},
		{"TIFF too many pages", tif, Limits{MaxPages: 2}, ErrTooLarge},
		{"TIFF huge page", tiffSize(t, tif, 100000, 100000), Limits{}, ErrTooLarge},
		{"TIFF zero-size page", tiffSize(t, tif, 0, 0), Limits{}, ErrCorrupt},
		{"truncated TIFF", tif[:len(tif)/2], Limits{}, ErrCorrupt},
		{"TIFF header only", tif[:8], Limits{}, ErrCorrupt},
		{"JPEG huge frame", jpegSize(t, jpg, 65000, 65000), Limits{}, ErrTooLarge},
		{"truncated JPEG", jpg[:len(jpg)/2], Limits{}, ErrCorrupt},
		{"truncated PNG", pngSignature, Limits{}, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := DecodeEach(context.Background(), tc.data, tc.lim, func(Page) error { calls++; return nil })
			if !errors.Is(err, tc.want) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "raster: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			for _, s := range sentinels {
				if s != tc.want && errors.Is(err, s) {
					t.Errorf("error %v also matches %v", err, s)
				}
			}
			if errors.Is(err, ErrTooLarge) && calls != 0 {
				t.Errorf("%d pages decoded before the limit was noticed, want 0", calls)
			}
		})
	}
}

// Oversized documents fail before anything of their size is allocated.
func TestTooLargeFailsFast(t *testing.T) {
	tif := readFile(t, ghostscript(t, 1, "tiffg4", "204x196", "tif"))
	tests := []struct {
		name string
		data []byte
	}{
		{"PDF declaring a 100000x100000 image", hugeImagePDF(t, 100000, 100000)},
		{"PDF with a 200000pt square page", vectorPagePDF(200000, 200000)},
		{"PDF of a thousand pages", pagesPDF(1000)},
		{"TIFF declaring 100000x100000", tiffSize(t, tif, 100000, 100000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Decode(context.Background(), tc.data, Limits{})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB before failing", alloc>>20)
			}
		})
	}
}

// A PDF protected by an owner password only opens without a password in
// every viewer: it is read, and its fax image is still taken directly.
func TestOwnerPasswordOnly(t *testing.T) {
	pdf := encryptPDF(t, faxPDF(t, 1, "tiffg4", "204x196"), "", "owner")
	if !bytes.Contains(pdf, []byte("/Encrypt")) {
		t.Fatal("the test PDF is not encrypted")
	}
	checkPages(t, decode(t, pdf, Limits{}), []wantPage{{1728, 2244, 204, SourcePDFImageCCITT}})

	vector := encryptPDF(t, vectorPDF(t, 1), "", "owner")
	checkPages(t, decode(t, vector, Limits{}), []wantPage{{2550, 3300, 300, SourcePDFRender}})
}

func TestProtect(t *testing.T) {
	err := protect("test decoder", func() error {
		var m map[string]int
		m["x"] = 1 // panics: assignment to entry in nil map
		return nil
	})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("got %v, want ErrCorrupt", err)
	}
}

// garbledXref claims more entries in the cross-reference table than it has:
// pdfcpu gives up, MuPDF repairs the table by scanning the objects.
func garbledXref(pdf []byte) []byte {
	return regexp.MustCompile(`xref\n0 \d+\n`).ReplaceAll(pdf, []byte("xref\n0 99\n"))
}

// A PDF pdfcpu cannot read but MuPDF can repair is rendered.
func TestDamagedPDFRendered(t *testing.T) {
	pdf := garbledXref(vectorPDFWithRect())
	if _, err := pdfcpuRead(pdf); err == nil {
		t.Fatal("pdfcpu reads the damaged PDF; the test needs one it cannot read")
	}
	checkPages(t, decode(t, pdf, Limits{RenderDPI: 100}), []wantPage{{850, 1100, 100, SourcePDFRender}})
}

// vectorPDFWithRect is the test page as a hand-made vector PDF.
func vectorPDFWithRect() []byte {
	return buildPDF([]pdfObject{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"},
		{stream: []byte("0 g 72 648 144 72 re f")},
	})
}

func pdfcpuRead(pdf []byte) (*model.Context, error) {
	ctx, err := pdfcpu.Read(bytes.NewReader(pdf), pdfConfig())
	if err == nil {
		err = ctx.EnsurePageCount()
	}
	return ctx, err
}
