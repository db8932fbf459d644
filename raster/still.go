package raster

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
)

// decodeJPEG decodes a JPEG file as one page.
func decodeJPEG(ctx context.Context, data []byte, lim Limits, fn func(Page) error) error {
	xdpi, ydpi := jpegDPI(data)
	return decodeStill(ctx, data, lim, fn, SourceJPEG, xdpi, ydpi, jpeg.DecodeConfig, jpeg.Decode)
}

// decodePNG decodes a PNG file as one page.
func decodePNG(ctx context.Context, data []byte, lim Limits, fn func(Page) error) error {
	xdpi, ydpi := pngDPI(data)
	return decodeStill(ctx, data, lim, fn, SourcePNG, xdpi, ydpi, png.DecodeConfig, png.Decode)
}

// decodeStill decodes a single-image file after checking its declared size.
func decodeStill(ctx context.Context, data []byte, lim Limits, fn func(Page) error, source Source,
	xdpi, ydpi float64,
	config func(io.Reader) (image.Config, error), decode func(io.Reader) (image.Image, error)) error {
	var cfg image.Config
	err := protect(string(source), func() (err error) {
		cfg, err = config(bytes.NewReader(data))
		return err
	})
	if err != nil {
		return stillError(source, err)
	}
	if _, err := checkPixels(cfg.Width, cfg.Height, lim); err != nil {
		return fmt.Errorf("page 1: %w", err)
	}
	w, h, dpi := squareSize(cfg.Width, cfg.Height, xdpi, ydpi)
	if err := checkPlan([]plannedPage{{w, h}}, lim); err != nil {
		return err
	}
	var img image.Image
	err = protect(string(source), func() (err error) {
		img, err = decode(bytes.NewReader(data))
		return err
	})
	if err != nil {
		return stillError(source, err)
	}
	return emit(ctx, fn, Page{Index: 1, Image: resize(toGray(img), w, h), DPI: dpi, Source: source})
}

// stillError classifies a JPEG or PNG decoder error.
func stillError(source Source, err error) error {
	var (
		jpegUnsupported jpeg.UnsupportedError
		pngUnsupported  png.UnsupportedError
	)
	switch {
	case errors.Is(err, ErrCorrupt):
		return err
	case errors.As(err, &jpegUnsupported), errors.As(err, &pngUnsupported):
		return fmt.Errorf("%w: %s: %v", ErrUnsupported, source, err)
	}
	return fmt.Errorf("page 1: %w: %s: %v", ErrCorrupt, source, err)
}

// jpegDPI reads the resolution from the JFIF (APP0) or Exif (APP1) header.
func jpegDPI(data []byte) (float64, float64) {
	var exif []byte
	for p := 2; p+4 <= len(data); {
		if data[p] != 0xFF {
			break
		}
		marker := data[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			p += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			break
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			break
		}
		seg := data[p+4 : p+2+n]
		switch {
		case marker == 0xE0 && len(seg) >= 12 && string(seg[:5]) == "JFIF\x00":
			unit := seg[7]
			x, y := float64(binary.BigEndian.Uint16(seg[8:])), float64(binary.BigEndian.Uint16(seg[10:]))
			if unit == 2 { // dots per centimetre
				x, y = roundDPI(x*2.54, 1.3), roundDPI(y*2.54, 1.3)
			}
			if (unit == 1 || unit == 2) && plausibleDPI(x) && plausibleDPI(y) {
				return x, y
			}
		case marker == 0xE1 && len(seg) >= 14 && string(seg[:6]) == "Exif\x00\x00" && exif == nil:
			exif = seg[6:]
		}
		p += 2 + n
	}
	if exif != nil {
		if order, err := tiffOrder(exif); err == nil {
			if d, err := readIFD(exif, order, int64(order.Uint32(exif[4:]))); err == nil {
				return d.dpi()
			}
		}
	}
	return DefaultImageDPI, DefaultImageDPI
}

// pngDPI reads the resolution from the pHYs chunk.
func pngDPI(data []byte) (float64, float64) {
	for p := len(pngSignature); p+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || n > len(data)-p-12 {
			break
		}
		if typ == "IDAT" || typ == "IEND" {
			break
		}
		if typ == "pHYs" && n == 9 {
			c := data[p+8:]
			x, y := float64(binary.BigEndian.Uint32(c)), float64(binary.BigEndian.Uint32(c[4:]))
			if c[8] == 1 { // pixels per metre
				x, y = roundDPI(x*0.0254, 0.013), roundDPI(y*0.0254, 0.013)
				if plausibleDPI(x) && plausibleDPI(y) {
					return x, y
				}
			}
			break
		}
		p += 12 + n
	}
	return DefaultImageDPI, DefaultImageDPI
}

// roundDPI rounds a resolution converted from a metric unit to the whole
// number it was most likely meant to be, when it is within tol of it (the
// precision the integer metric value allows).
func roundDPI(v, tol float64) float64 {
	if r := math.Round(v); math.Abs(v-r) <= tol {
		return r
	}
	return v
}
