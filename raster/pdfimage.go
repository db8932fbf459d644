package raster

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfImage is the one image a page consists of.
type pdfImage struct {
	sd         *types.StreamDict
	w, h       int     // pixels, from the image dictionary
	xdpi, ydpi float64 // pixels over the drawn size in inches
	// What decoding needs, filled by inspect; reason says why the image
	// must be rendered instead, "" when it can be decoded directly.
	filter string // "" (none), CCITTFaxDecode, DCTDecode or FlateDecode
	comps  int    // colour components: 1 or 3
	bpc    int    // bits per component: 1 or 8
	invert bool   // Decode [1 0]
	source Source
	reason string
}

func (im *pdfImage) decodable() bool { return im.reason == "" }

// nativeDPI is the resolution to render a single-image page at when the
// image cannot be taken directly: the image's own resolution (its finer
// axis), so that the rendered page keeps the scan's pixel grid.
func (im *pdfImage) nativeDPI() float64 {
	return math.Min(math.Max(math.Max(im.xdpi, im.ydpi), 50), 1200)
}

// singleImage returns the page's image when the page is exactly one image
// XObject drawn over the whole visible page (a fax or a scan), nil otherwise.
func singleImage(x *model.XRefTable, page, res types.Dict, box types.Rectangle) *pdfImage {
	content, ok := pageContent(x, page)
	if !ok {
		return nil
	}
	name, ctm, ok := soleDraw(content, box)
	if !ok || res == nil {
		return nil
	}
	xobjs, ok := deref(x, res["XObject"]).(types.Dict)
	if !ok {
		return nil
	}
	sd, _, err := x.DereferenceStreamDict(xobjs[name])
	if err != nil || sd == nil || subtype(x, sd.Dict) != "Image" {
		return nil
	}
	// The unit square the image fills must be the page box, unrotated and
	// unflipped.
	a, b, c, d, e, f := ctm[0], ctm[1], ctm[2], ctm[3], ctm[4], ctm[5]
	tolX := math.Max(1.5, 0.005*box.Width())
	tolY := math.Max(1.5, 0.005*box.Height())
	if a <= 0 || d <= 0 || math.Abs(b) > 1e-3*a || math.Abs(c) > 1e-3*d ||
		math.Abs(e-box.LL.X) > tolX || math.Abs(f-box.LL.Y) > tolY ||
		math.Abs(e+a-box.UR.X) > tolX || math.Abs(f+d-box.UR.Y) > tolY {
		return nil
	}
	w, _ := intEntry(x, sd.Dict, "Width")
	h, _ := intEntry(x, sd.Dict, "Height")
	if w <= 0 || h <= 0 {
		return nil
	}
	im := &pdfImage{sd: sd, w: w, h: h, xdpi: float64(w) * 72 / a, ydpi: float64(h) * 72 / d}
	im.inspect(x)
	return im
}

// inspect decides whether the image can be decoded here, and how.
func (im *pdfImage) inspect(x *model.XRefTable) {
	d := im.sd.Dict
	switch {
	case boolEntry(x, d, "ImageMask"):
		im.reason = "image mask"
		return
	case d["SMask"] != nil || d["Mask"] != nil:
		im.reason = "masked image"
		return
	case len(im.sd.FilterPipeline) > 1:
		im.reason = "filter chain"
		return
	}
	if len(im.sd.FilterPipeline) == 1 {
		im.filter = im.sd.FilterPipeline[0].Name
	}
	im.comps, im.reason = colorComponents(x, d)
	if im.reason != "" && im.filter != filter.CCITTFax {
		return
	}
	im.bpc, _ = intEntry(x, d, "BitsPerComponent")
	switch im.filter {
	case filter.CCITTFax:
		im.comps, im.bpc, im.reason, im.source = 1, 1, "", SourcePDFImageCCITT
		parms := im.sd.FilterPipeline[0].DecodeParms
		if k, _ := intEntry(x, parms, "K"); k > 0 {
			im.reason = "mixed 1-D/2-D CCITT (K > 0)"
		}
		if cols, ok := intEntry(x, parms, "Columns"); ok && cols != im.w {
			im.reason = "CCITT Columns differ from Width"
		}
		if cs := deref(x, d["ColorSpace"]); cs != nil {
			if n, _ := cs.(types.Name); n != "DeviceGray" && n != "CalGray" {
				im.reason = "CCITT image in a colour space"
			}
		}
	case filter.DCT:
		im.source = SourcePDFImageJPEG
	case filter.Flate, "":
		im.source = SourcePDFImageFlate
		if !(im.bpc == 8 || im.bpc == 1 && im.comps == 1) {
			im.reason = fmt.Sprintf("%d bits per component", im.bpc)
		}
	default:
		im.reason = "filter " + im.filter
	}
	if im.reason != "" {
		return
	}
	if dec, ok := deref(x, d["Decode"]).(types.Array); ok {
		var v []float64
		for _, o := range dec {
			f, ok := number(deref(x, o))
			if !ok {
				im.reason = "odd Decode array"
				return
			}
			v = append(v, f)
		}
		switch {
		case im.comps == 1 && len(v) == 2 && v[0] == 1 && v[1] == 0:
			im.invert = true
		case len(v) == 2*im.comps && isIdentityDecode(v):
		default:
			im.reason = "odd Decode array"
		}
	}
}

func isIdentityDecode(v []float64) bool {
	for i := 0; i < len(v); i += 2 {
		if v[i] != 0 || v[i+1] != 1 {
			return false
		}
	}
	return true
}

// colorComponents returns 1 or 3 for gray and RGB colour spaces (device,
// calibrated or ICC-based), or a reason the image must be rendered.
func colorComponents(x *model.XRefTable, d types.Dict) (int, string) {
	switch cs := deref(x, d["ColorSpace"]).(type) {
	case types.Name:
		switch cs {
		case "DeviceGray", "CalGray", "G":
			return 1, ""
		case "DeviceRGB", "CalRGB", "RGB":
			return 3, ""
		}
		return 0, "colour space " + cs.Value()
	case types.Array:
		if len(cs) == 0 {
			return 0, "empty colour space"
		}
		family, _ := deref(x, cs[0]).(types.Name)
		switch family {
		case "CalGray":
			return 1, ""
		case "CalRGB":
			return 3, ""
		case "ICCBased":
			if len(cs) > 1 {
				if sd, _, err := x.DereferenceStreamDict(cs[1]); err == nil && sd != nil {
					switch n, _ := intEntry(x, sd.Dict, "N"); n {
					case 1:
						return 1, ""
					case 3:
						return 3, ""
					}
				}
			}
		}
		return 0, "colour space " + family.Value()
	case nil:
		return 0, "no colour space"
	}
	return 0, "odd colour space"
}

// decode decodes the image at its native size, with square pixels, and
// returns it with its resolution. ErrTooLarge is returned as is; any other
// error means the image data is not what its dictionary says.
func (im *pdfImage) decode(lim Limits) (*image.Gray, float64, error) {
	var g *image.Gray
	xdpi, ydpi := im.xdpi, im.ydpi
	err := protect("pdf image", func() (err error) {
		switch im.filter {
		case filter.DCT:
			g, xdpi, ydpi, err = im.decodeJPEG(lim)
		default:
			g, err = im.decodeSamples()
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if im.invert {
		for i, v := range g.Pix {
			g.Pix[i] = 255 - v
		}
	}
	w, h, dpi := squareSize(g.Bounds().Dx(), g.Bounds().Dy(), xdpi, ydpi)
	if _, err := checkPixels(w, h, lim); err != nil {
		return nil, 0, err
	}
	return resize(g, w, h), dpi, nil
}

// decodeJPEG decodes a DCT image. The JPEG's own size wins over the
// dictionary's when they differ, as in MuPDF; the resolution follows it.
func (im *pdfImage) decodeJPEG(lim Limits) (*image.Gray, float64, float64, error) {
	raw := im.sd.Raw
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("jpeg header: %w", err)
	}
	if _, err := checkPixels(cfg.Width, cfg.Height, lim); err != nil {
		return nil, 0, 0, err
	}
	img, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("jpeg: %w", err)
	}
	if _, ok := img.(*image.CMYK); ok {
		// Adobe CMYK JPEGs are often stored inverted; leave them to MuPDF.
		return nil, 0, 0, fmt.Errorf("CMYK JPEG")
	}
	xdpi := im.xdpi * float64(cfg.Width) / float64(im.w)
	ydpi := im.ydpi * float64(cfg.Height) / float64(im.h)
	return toGray(img), xdpi, ydpi, nil
}

// decodeSamples runs pdfcpu's filter (CCITT, Flate or none) to exactly the
// number of sample bytes the image needs, and converts the samples to gray.
func (im *pdfImage) decodeSamples() (*image.Gray, error) {
	rowBytes := (im.w*im.comps*im.bpc + 7) / 8
	need := int64(rowBytes) * int64(im.h)
	var samples []byte
	if im.filter == "" {
		samples = im.sd.Raw
		if int64(len(samples)) < need {
			return nil, fmt.Errorf("image data: %d bytes, want %d", len(samples), need)
		}
	} else {
		// A copy: decoding caches the result in the stream dict.
		sd := *im.sd
		sd.Content = nil
		var err error
		if samples, err = sd.DecodeLengthWithLimit(need, need); err != nil {
			return nil, fmt.Errorf("image data: %w", err)
		}
	}
	g := image.NewGray(image.Rect(0, 0, im.w, im.h))
	for y := range im.h {
		src := samples[y*rowBytes : (y+1)*rowBytes]
		dst := g.Pix[y*g.Stride : y*g.Stride+im.w]
		switch {
		case im.bpc == 1:
			full := im.w / 8
			for i, v := range src[:full] {
				copy(dst[8*i:8*i+8], bitsToGray[v][:])
			}
			for x := 8 * full; x < im.w; x++ {
				dst[x] = 255 * (src[x>>3] >> (7 - uint(x&7)) & 1)
			}
		case im.comps == 1:
			copy(dst, src)
		default:
			for x := range dst {
				dst[x] = luma(src[3*x], src[3*x+1], src[3*x+2])
			}
		}
	}
	return g, nil
}

// pageContent returns the page's content streams, decoded, when they are
// small enough to be a single-image page.
func pageContent(x *model.XRefTable, page types.Dict) ([]byte, bool) {
	var streams []types.Object
	switch c := deref(x, page["Contents"]).(type) {
	case types.StreamDict:
		streams = []types.Object{c}
	case types.Array:
		streams = c
	default:
		return nil, false
	}
	var out []byte
	for _, o := range streams {
		sd, _, err := x.DereferenceStreamDict(o)
		if err != nil || sd == nil {
			return nil, false
		}
		if len(sd.Raw) > maxContentBytes {
			return nil, false
		}
		cp := *sd
		cp.Content = nil
		b, err := cp.DecodeLengthWithLimit(-1, maxContentBytes)
		if err != nil {
			return nil, false
		}
		out = append(out, b...)
		out = append(out, '\n')
		if len(out) > maxContentBytes {
			return nil, false
		}
	}
	return out, true
}

// bitsToGray maps a byte of 1-bit samples (most significant first) to its
// eight gray pixels.
var bitsToGray = func() (t [256][8]uint8) {
	for v := range 256 {
		for i := range 8 {
			t[v][i] = 255 * uint8(v>>(7-i)&1)
		}
	}
	return t
}()
