package mail

import (
	"testing"

	"github.com/lausd/misis-intake/raster"
)

// FuzzSniff checks that what Parse takes for a document is what raster
// will decode as the same type: an attachment mail hands on as a PDF must
// not be refused by raster as unknown, nor read as a TIFF. Seeds:
// testdata/fuzz/FuzzSniff.
func FuzzSniff(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		head := data[:min(len(data), sniffBytes)]
		for _, loose := range []bool{false, true} {
			typ := sniff(head, loose)
			if typ == "" {
				continue
			}
			if got := raster.Sniff(data).String(); got != typ {
				t.Fatalf("mail sniffs %s (loose %v), raster %s", typ, loose, got)
			}
		}
		if sniff(head, false) != "" && sniff(head, true) != sniff(head, false) {
			t.Fatalf("strict %q and loose %q disagree", sniff(head, false), sniff(head, true))
		}
	})
}
