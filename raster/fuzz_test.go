package raster

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz/FuzzDecode")

// fuzzLimits keep each fuzz input cheap.
var fuzzLimits = Limits{MaxPages: 4, MaxPixelsPerPage: 4 << 20, MaxTotalPixels: 8 << 20, RenderDPI: 72}

// FuzzDecode feeds arbitrary bytes to Decode: it must neither crash nor
// hang, every failure must be exactly one of the sentinel errors, and every
// page it returns must be well formed and within the limits.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := Decode(context.Background(), data, fuzzLimits)
		if err != nil {
			matched := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					matched++
				}
			}
			if matched != 1 {
				t.Fatalf("error %v matches %d sentinel errors, want 1", err, matched)
			}
			return
		}
		if len(pages) == 0 || len(pages) > fuzzLimits.MaxPages {
			t.Fatalf("%d pages without an error", len(pages))
		}
		var total int64
		for i, p := range pages {
			if p.Index != i+1 || p.Image == nil || p.Source == "" {
				t.Fatalf("page %d: %+v", i+1, p)
			}
			b := p.Image.Bounds()
			px := int64(b.Dx()) * int64(b.Dy())
			if b.Min.X != 0 || b.Min.Y != 0 || px <= 0 || px > fuzzLimits.MaxPixelsPerPage || len(p.Image.Pix) < int(px) {
				t.Fatalf("page %d: bad image %v (%d bytes)", i+1, b, len(p.Image.Pix))
			}
			if !(p.DPI > 0) || math.IsInf(p.DPI, 0) {
				t.Fatalf("page %d: DPI %v", i+1, p.DPI)
			}
			total += px
		}
		// The output of a page may differ from its plan by a pixel or two
		// of rounding; anything more means a limit was not enforced.
		if total > fuzzLimits.MaxTotalPixels+int64(len(pages))*8192 {
			t.Fatalf("%d pixels in total", total)
		}
	})
}

// seedDocuments are small documents of every kind, the fuzz seed corpus.
func seedDocuments(t *testing.T) map[string][]byte {
	tif := readFile(t, ghostscript(t, 2, "tiffg4", "50", "tif"))
	return map[string][]byte{
		"fax-g4.pdf":       faxPDF(t, 1, "tiffg4", "51x49"),
		"fax-g3.pdf":       faxPDF(t, 1, "tiffg3", "51x25"),
		"vector.pdf":       vectorPagePDF(200, 300),
		"jpeg-in.pdf":      imagePDF(200, 300, "/Width 28 /Height 42 /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /DCTDecode", readFile(t, ghostscript(t, 1, "jpeggray", "5", "jpg"))),
		"two-pages.tif":    tif,
		"g3.tif":           readFile(t, ghostscript(t, 1, "tiffg3", "51x25", "tif")),
		"loop.tif":         tiffLoop(t, tif, false),
		"page.png":         readFile(t, ghostscript(t, 1, "pnggray", "10", "png")),
		"page.jpg":         readFile(t, ghostscript(t, 1, "jpeggray", "10", "jpg")),
		"zero-pages.pdf":   pagesPDF(0),
		"huge-image.pdf":   hugeImagePDF(t, 100000, 100000),
		"encrypted.pdf":    encryptPDF(t, vectorPagePDF(200, 300), "user", "owner"),
		"owner-only.pdf":   encryptPDF(t, faxPDF(t, 1, "tiffg4", "51x49"), "", "owner"),
		"form-in-form.pdf": hugeFormImagePDF(),
	}
}

// TestFuzzSeeds checks the committed seed corpus is there and still holds
// what seedDocuments makes; -update rewrites it.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	seeds := seedDocuments(t)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name := range seeds {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("seed %s: %v (run go test -run TestFuzzSeeds -update)", name, err)
			continue
		}
		if !strings.HasPrefix(string(body), "go test fuzz v1\n[]byte(") {
			t.Errorf("seed %s is not in the fuzz corpus format", name)
		}
	}
}
