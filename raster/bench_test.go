package raster

import (
	"context"
	"testing"
)

// benchmarkDecode decodes data b.N times and reports the time per page.
func benchmarkDecode(b *testing.B, data []byte) {
	b.Helper()
	pages := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := DecodeEach(context.Background(), data, Limits{}, func(Page) error { n++; return nil })
		if err != nil {
			b.Fatal(err)
		}
		pages += n
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(pages), "ms/page")
}

// BenchmarkDecodeFaxPDF decodes a 4-page fine-mode G4 fax PDF (tiff2pdf),
// the bulk of the intake: each page is the embedded CCITT image, stretched
// from 204x196 to square pixels.
func BenchmarkDecodeFaxPDF(b *testing.B) {
	benchmarkDecode(b, faxPDF(b, 4, "tiffg4", "204x196"))
}

// BenchmarkDecodeStandardFaxPDF is the same at 204x98 (rows doubled).
func BenchmarkDecodeStandardFaxPDF(b *testing.B) {
	benchmarkDecode(b, faxPDF(b, 4, "tiffg4", "204x98"))
}

// BenchmarkDecodeFaxTIFF decodes a 4-page G4 TIFF.
func BenchmarkDecodeFaxTIFF(b *testing.B) {
	benchmarkDecode(b, readFile(b, ghostscript(b, 4, "tiffg4", "204x196", "tif")))
}

// BenchmarkDecodeVectorPDF renders a 2-page vector PDF at 300 dpi.
func BenchmarkDecodeVectorPDF(b *testing.B) {
	benchmarkDecode(b, vectorPDF(b, 2))
}

// BenchmarkDecodeG3TIFF decodes a 4-page standard-mode G3 TIFF as gs writes
// it (fill bits before each EOL): MuPDF renders each page.
func BenchmarkDecodeG3TIFF(b *testing.B) {
	benchmarkDecode(b, readFile(b, ghostscript(b, 4, "tiffg3", "204x98", "tif")))
}
