package raster

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzSniff checks that sniffing an attachment depends only on its first
// KiB, agrees with the signatures it names, and that Decode refuses what
// Sniff does not recognise as ErrUnsupported with a description. Seeds:
// testdata/fuzz/FuzzSniff.
func FuzzSniff(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		typ := Sniff(data)
		head := data[:min(len(data), pdfHeaderWindow)]
		if got := Sniff(head); got != typ {
			t.Fatalf("Sniff of the first KiB = %v, of the whole = %v", got, typ)
		}
		switch typ {
		case TypePDF:
			if !bytes.Contains(head, pdfMagic) {
				t.Fatalf("PDF without %%PDF- in its first KiB")
			}
		case TypeTIFF:
			if !bytes.HasPrefix(data, []byte("II*\x00")) && !bytes.HasPrefix(data, []byte("MM\x00*")) {
				t.Fatalf("TIFF without its signature")
			}
		case TypeJPEG:
			if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
				t.Fatalf("JPEG without its signature")
			}
		case TypePNG:
			if !bytes.HasPrefix(data, pngSignature) {
				t.Fatalf("PNG without its signature")
			}
		case TypeUnknown:
			if describe(data) == "" {
				t.Fatal("no description of an unknown file")
			}
			_, err := Decode(context.Background(), data, Limits{})
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Decode of an unknown file: %v, want ErrUnsupported", err)
			}
		default:
			t.Fatalf("unknown type %d", typ)
		}
	})
}
