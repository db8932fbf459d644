package pipeline

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/raster"
)

func TestReadAttachment(t *testing.T) {
	reg := forms.MustLoad()
	eng, err := ocr.New(ocr.Config{Registry: reg, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	ctx := context.Background()

	rev := reg.Revision("district-staff", "03/15/2021") // a retired revision
	var pdf bytes.Buffer
	if err := forms.Render(&pdf, rev); err != nil {
		t.Fatal(err)
	}
	doc, err := ReadAttachment(ctx, eng, pdf.Bytes(), raster.Limits{})
	if err != nil {
		t.Fatalf("ReadAttachment: %v", err)
	}
	if len(doc.Pages) != 1 || len(doc.Forms) != 1 || len(doc.Sources) != 1 {
		t.Fatalf("got %d pages, %d forms, %d sources; want 1 each", len(doc.Pages), len(doc.Forms), len(doc.Sources))
	}
	if f := doc.Forms[0]; f.Family != rev.Family || f.Revision != rev.Stamp || !f.Known {
		t.Errorf("identified %s %s (known %v), want %s", f.Family, f.Revision, f.Known, rev.Key())
	}

	_, err = ReadAttachment(ctx, eng, []byte("%PDF-1.4\n1 0 obj <<"), raster.Limits{})
	if !errors.Is(err, raster.ErrCorrupt) {
		t.Errorf("truncated PDF: error %v, want raster.ErrCorrupt", err)
	}
}
