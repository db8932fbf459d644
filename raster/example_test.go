package raster_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"

	"github.com/lausd/misis-intake/raster"
)

func Example() {
	// A scan as a PNG without resolution metadata: 200 dpi is assumed.
	var scan bytes.Buffer
	if err := png.Encode(&scan, image.NewGray(image.Rect(0, 0, 1700, 2200))); err != nil {
		panic(err)
	}
	attachments := [][]byte{scan.Bytes(), []byte("PK\x03\x04 a zip renamed fax.pdf")}
	for _, data := range attachments {
		err := raster.DecodeEach(context.Background(), data, raster.Limits{}, func(p raster.Page) error {
			b := p.Image.Bounds()
			fmt.Printf("page %d: %dx%d at %g dpi from %s\n", p.Index, b.Dx(), b.Dy(), p.DPI, p.Source)
			return nil
		})
		switch {
		case errors.Is(err, raster.ErrUnsupported):
			fmt.Println("quarantine:", err)
		case err != nil:
			fmt.Println("error:", err)
		}
	}
	// Output:
	// page 1: 1700x2200 at 200 dpi from png
	// quarantine: raster: unsupported document type: ZIP archive (or an office document)
}
