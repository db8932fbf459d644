package raster

import (
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

func TestSoleDraw(t *testing.T) {
	letter := types.Rectangle{UR: types.Point{X: 612, Y: 792}}
	const ocr = "BT 3 Tr /F1 12 Tf 1 0 0 1 72 700 Tm (Employee \\(No.\\)) Tj [(W) 120 (orld)] TJ T* (x) ' 1 2 (y) \" ET"
	tests := []struct {
		name    string
		content string
		ok      bool
	}{
		{"tiff2pdf", "q  609.8823 0.0000 0.0000 792.0000 0.0000 0.0000 cm /Im1 Do Q", true},
		{"nested cm", "q 2 0 0 2 0 0 cm q 306 0 0 396 0 0 cm /Im0 Do Q Q", true},
		{"invisible OCR text after the image", "q 612 0 0 792 0 0 cm /Im0 Do Q " + ocr, true},
		{"invisible OCR text before the image", ocr + " q 612 0 0 792 0 0 cm /Im0 Do Q", true},
		{"clip to the page", "q 0 0 612 792 re W n 612 0 0 792 0 0 cm /Im0 Do Q", true},
		{"marked content and state", "/Artifact <</Type /Pagination /Attached [/Top]>> BDC /GS0 gs 0 g 1 w [] 0 d q 612 0 0 792 0 0 cm /Im0 Do Q EMC", true},
		{"comments", "% scanner\nq 612 0 0 792 0 0 cm /Im0 Do Q % end", true},
		{"visible text", "q 612 0 0 792 0 0 cm /Im0 Do Q BT /F1 12 Tf 72 700 Td (Hello) Tj ET", false},
		{"text mode restored by Q", "q 3 Tr Q q 612 0 0 792 0 0 cm /Im0 Do Q BT (x) Tj ET", false},
		{"clip inside the page", "q 72 72 100 100 re W n 612 0 0 792 0 0 cm /Im0 Do Q", false},
		{"filled rectangle", "q 612 0 0 792 0 0 cm /Im0 Do Q 0 0 1 rg 72 72 144 144 re f", false},
		{"two images", "q 612 0 0 792 0 0 cm /Im0 Do Q q 100 0 0 100 0 0 cm /Im1 Do Q", false},
		{"no image", "q Q", false},
		{"inline image", "q 612 0 0 792 0 0 cm BI /W 1 /H 1 /BPC 8 /CS /G ID x EI Q", false},
		{"unbalanced string", "q 612 0 0 792 0 0 cm /Im0 Do Q BT 3 Tr (abc Tj ET", false},
		{"Q without q", "Q q 612 0 0 792 0 0 cm /Im0 Do Q", false},
		{"cm with a name", "q /x 0 0 792 0 0 cm /Im0 Do Q", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, ctm, ok := soleDraw([]byte(tc.content), letter)
			if ok != tc.ok {
				t.Fatalf("soleDraw = %q %v %v, want ok %v", name, ctm, ok, tc.ok)
			}
			if ok && (name == "" || ctm[0] < 600 || ctm[3] != 792) {
				t.Errorf("soleDraw = %q %v", name, ctm)
			}
		})
	}
}
