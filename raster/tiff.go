package raster

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/tiff"
)

// TIFF tags this package reads itself.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagCompression     = 259
	tagXResolution     = 282
	tagYResolution     = 283
	tagT4Options       = 292
	tagResolutionUnit  = 296
	tagStripOffsets    = 273
	tagStripByteCounts = 279
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
)

// TIFF compression schemes that need a note.
const (
	compressionG3 = 3
)

// ifd is one image file directory: one page of a TIFF.
type ifd struct {
	offset      int64 // of the directory
	next        int64 // offset of the next directory, 0 at the end
	nextAt      int64 // where the next pointer is stored
	width       int
	height      int
	compression int
	t4Options   uint32
	xres, yres  float64 // 0 when absent
	resUnit     int     // 1 none, 2 inch (default), 3 centimetre
	// Where the image data is: strips or tiles.
	dataOffsets, dataCounts []int64
}

// dpi returns the resolution of the page on each axis; a file that states
// none, or an implausible one, is taken as DefaultImageDPI.
func (d ifd) dpi() (float64, float64) {
	x, y := d.xres, d.yres
	if x <= 0 || y <= 0 {
		return DefaultImageDPI, DefaultImageDPI
	}
	switch d.resUnit {
	case 3:
		x, y = x*2.54, y*2.54
	case 1:
		// Only the aspect ratio is known.
		return DefaultImageDPI, DefaultImageDPI * y / x
	}
	if !plausibleDPI(x) || !plausibleDPI(y) {
		return DefaultImageDPI, DefaultImageDPI
	}
	return x, y
}

// plausibleDPI bounds the resolutions a file's metadata is believed for.
func plausibleDPI(v float64) bool { return v >= 50 && v <= 2400 }

// tiffOrder reads the byte order of a TIFF header.
func tiffOrder(data []byte) (binary.ByteOrder, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: TIFF header truncated", ErrCorrupt)
	}
	switch string(data[:4]) {
	case "II*\x00":
		return binary.LittleEndian, nil
	case "MM\x00*":
		return binary.BigEndian, nil
	}
	return nil, fmt.Errorf("%w: not a TIFF header", ErrUnsupported)
}

// walkIFDs returns the directories of the chain that starts at the header,
// at most maxPages of them (ErrTooLarge beyond), rejecting loops and
// directories that point outside the file.
func walkIFDs(data []byte, maxPages int) ([]ifd, error) {
	order, err := tiffOrder(data)
	if err != nil {
		return nil, err
	}
	var ifds []ifd
	seen := map[int64]bool{}
	off := int64(order.Uint32(data[4:8]))
	for off != 0 {
		if seen[off] {
			return nil, fmt.Errorf("%w: TIFF directory chain loops back to offset %d", ErrCorrupt, off)
		}
		seen[off] = true
		if len(ifds) == maxPages {
			return nil, fmt.Errorf("%w: more than %d pages", ErrTooLarge, maxPages)
		}
		d, err := readIFD(data, order, off)
		if err != nil {
			if len(ifds) > 0 && errors.Is(err, ErrCorrupt) {
				return nil, fmt.Errorf("page %d: %w", len(ifds)+1, err)
			}
			return nil, err
		}
		ifds = append(ifds, d)
		off = d.next
	}
	return ifds, nil
}

// readIFD parses the directory at off, keeping the tags this package needs.
func readIFD(data []byte, order binary.ByteOrder, off int64) (ifd, error) {
	d := ifd{offset: off, resUnit: 2}
	var err error
	size := int64(len(data))
	if off < 8 || off+2 > size {
		return d, fmt.Errorf("%w: TIFF directory offset %d outside the file", ErrCorrupt, off)
	}
	n := int64(order.Uint16(data[off:]))
	end := off + 2 + 12*n
	if end+4 > size {
		return d, fmt.Errorf("%w: TIFF directory at %d runs past the end of the file", ErrCorrupt, off)
	}
	for i := range n {
		e := data[off+2+12*i : off+2+12*i+12]
		tag, typ, count := order.Uint16(e), order.Uint16(e[2:]), order.Uint32(e[4:])
		switch tag {
		case tagImageWidth:
			d.width = int(entryInt(order, typ, e))
		case tagImageLength:
			d.height = int(entryInt(order, typ, e))
		case tagCompression:
			d.compression = int(entryInt(order, typ, e))
		case tagT4Options:
			d.t4Options = uint32(entryInt(order, typ, e))
		case tagResolutionUnit:
			d.resUnit = int(entryInt(order, typ, e))
		case tagStripOffsets, tagTileOffsets:
			if d.dataOffsets, err = entryInts(data, order, typ, count, e); err != nil {
				return d, err
			}
		case tagStripByteCounts, tagTileByteCounts:
			if d.dataCounts, err = entryInts(data, order, typ, count, e); err != nil {
				return d, err
			}
		case tagXResolution, tagYResolution:
			if typ != 5 || count < 1 { // RATIONAL
				continue
			}
			p := int64(order.Uint32(e[8:]))
			if p < 0 || p+8 > size {
				continue
			}
			num, den := order.Uint32(data[p:]), order.Uint32(data[p+4:])
			if den == 0 {
				continue
			}
			v := float64(num) / float64(den)
			if tag == tagXResolution {
				d.xres = v
			} else {
				d.yres = v
			}
		}
	}
	d.nextAt = end
	d.next = int64(order.Uint32(data[end:]))
	// A truncated file loses its image data first: check it is all there
	// rather than let a decoder pad the page with white.
	if len(d.dataOffsets) != len(d.dataCounts) {
		return d, fmt.Errorf("%w: TIFF directory at %d has %d data offsets and %d counts", ErrCorrupt, off, len(d.dataOffsets), len(d.dataCounts))
	}
	for i, o := range d.dataOffsets {
		if o < 0 || d.dataCounts[i] < 0 || o+d.dataCounts[i] > size {
			return d, fmt.Errorf("%w: TIFF image data runs past the end of the file (truncated?)", ErrCorrupt)
		}
	}
	return d, nil
}

// maxDataBlocks bounds the strips or tiles of one page.
const maxDataBlocks = 1 << 20

// entryInts returns the SHORT or LONG values of an entry, held in the entry
// itself or elsewhere in the file.
func entryInts(data []byte, order binary.ByteOrder, typ uint16, count uint32, e []byte) ([]int64, error) {
	size := 0
	switch typ {
	case 3:
		size = 2
	case 4:
		size = 4
	default:
		return nil, fmt.Errorf("%w: TIFF data offsets of type %d", ErrCorrupt, typ)
	}
	if count > maxDataBlocks {
		return nil, fmt.Errorf("%w: %d TIFF data blocks", ErrCorrupt, count)
	}
	n := int64(count) * int64(size)
	src := e[8:12]
	if n > 4 {
		p := int64(order.Uint32(e[8:]))
		if p+n > int64(len(data)) {
			return nil, fmt.Errorf("%w: TIFF entry values run past the end of the file", ErrCorrupt)
		}
		src = data[p : p+n]
	}
	v := make([]int64, count)
	for i := range v {
		if size == 2 {
			v[i] = int64(order.Uint16(src[2*i:]))
		} else {
			v[i] = int64(order.Uint32(src[4*i:]))
		}
	}
	return v, nil
}

// entryInt returns the first value of a SHORT or LONG entry held in the
// entry itself, 0 for other types.
func entryInt(order binary.ByteOrder, typ uint16, e []byte) int64 {
	switch typ {
	case 3: // SHORT
		return int64(order.Uint16(e[8:]))
	case 4: // LONG
		return int64(order.Uint32(e[8:]))
	}
	return 0
}

// ifdReader shows data to x/image/tiff with the header pointing at one
// directory, since that decoder only reads the first one.
type ifdReader struct {
	data []byte
	head [8]byte
	pos  int64
}

func newIFDReader(data []byte, order binary.ByteOrder, off int64) *ifdReader {
	r := &ifdReader{data: data}
	copy(r.head[:4], data[:4])
	order.PutUint32(r.head[4:], uint32(off))
	return r
}

func (r *ifdReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:])
	for i := off; i < 8 && i < off+int64(n); i++ {
		p[i-off] = r.head[i]
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *ifdReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	return n, err
}

// singlePageTIFF returns a copy of data whose only directory is d, for
// MuPDF, which would otherwise walk the whole chain on its own.
func singlePageTIFF(data []byte, order binary.ByteOrder, d ifd) []byte {
	out := make([]byte, len(data))
	copy(out, data)
	order.PutUint32(out[4:], uint32(d.offset))
	order.PutUint32(out[d.nextAt:], 0)
	return out
}

func decodeTIFF(ctx context.Context, data []byte, lim Limits, fn func(Page) error) error {
	order, err := tiffOrder(data)
	if err != nil {
		return err
	}
	ifds, err := walkIFDs(data, lim.MaxPages)
	if err != nil {
		return err
	}
	plan := make([]plannedPage, len(ifds))
	for i, d := range ifds {
		if _, err := checkPixels(d.width, d.height, lim); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		xdpi, ydpi := d.dpi()
		w, h, _ := squareSize(d.width, d.height, xdpi, ydpi)
		plan[i] = plannedPage{w, h}
	}
	if err := checkPlan(plan, lim); err != nil {
		return err
	}
	for i, d := range ifds {
		if err := ctx.Err(); err != nil {
			return err
		}
		xdpi, ydpi := d.dpi()
		w, h, dpi := squareSize(d.width, d.height, xdpi, ydpi)
		img, source, err := decodeIFD(data, order, d, w, lim)
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		page := Page{Index: i + 1, Image: resize(img, w, h), DPI: dpi, Source: source}
		if err := emit(ctx, fn, page); err != nil {
			return err
		}
	}
	return nil
}

// decodeIFD decodes one TIFF page at its stored size with x/image/tiff,
// or, for what that decoder cannot read, renders it with MuPDF about w
// pixels wide (MuPDF squares the pixels itself from the resolution tags).
func decodeIFD(data []byte, order binary.ByteOrder, d ifd, w int, lim Limits) (*image.Gray, Source, error) {
	var (
		img image.Image
		err error
	)
	if d.compression == compressionG3 && d.t4Options&1 != 0 {
		err = tiff.UnsupportedError("2-D Group 3")
	} else {
		err = protect("tiff", func() (err error) {
			img, err = tiff.Decode(newIFDReader(data, order, d.offset))
			return err
		})
	}
	if err == nil {
		g := toGray(img)
		if b := g.Bounds(); b.Dx() != d.width || b.Dy() != d.height {
			return nil, "", fmt.Errorf("%w: decoded %dx%d, directory says %dx%d", ErrCorrupt, b.Dx(), b.Dy(), d.width, d.height)
		}
		return g, SourceTIFF, nil
	}
	derr := err
	doc, err := openFitz(singlePageTIFF(data, order, d))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrCorrupt, derr)
	}
	defer doc.Close()
	// MuPDF may read the resolution differently: aim at the planned width.
	pw, _, err := fitzPageSize(doc, 0, 72)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v; mupdf: %v", ErrCorrupt, derr, err)
	}
	g, err := renderFitzPage(doc, 0, float64(w)*72/float64(pw), lim)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("%w: %v; mupdf: %v", ErrCorrupt, derr, err)
	}
	return g, SourceTIFFRender, nil
}
