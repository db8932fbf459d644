package raster

import (
	"bytes"
	"image"
	"image/color"
)

// toGray converts any decoded image to an *image.Gray whose bounds start at
// (0, 0), taking the fast path for the types decoders return most.
func toGray(src image.Image) *image.Gray {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	switch s := src.(type) {
	case *image.Gray:
		if b.Min == (image.Point{}) {
			return s
		}
		dst := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return dst
	case *image.YCbCr:
		// The luma plane is the gray image.
		dst := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			off := s.YOffset(b.Min.X, b.Min.Y+y)
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], s.Y[off:off+w])
		}
		return dst
	case *image.RGBA:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
			for x := range out {
				out[x] = luma(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
		return dst
	case *image.NRGBA:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
			for x := range out {
				out[x] = flattenOnWhite(luma(row[4*x], row[4*x+1], row[4*x+2]), row[4*x+3])
			}
		}
		return dst
	case *image.Paletted:
		// Map the palette once: bilevel fax TIFFs decode to two entries.
		lut := make([]uint8, 256)
		for i, c := range s.Palette {
			lut[i] = grayOnWhite(c)
		}
		dst := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
			for x := range out {
				out[x] = lut[row[x]]
			}
		}
		return dst
	}
	dst := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := range out {
			out[x] = grayOnWhite(src.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}

// luma is the ITU-R 601 luma of an 8-bit RGB colour, as color.GrayModel
// computes it.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// flattenOnWhite composites a non-premultiplied gray value with alpha a over
// white paper.
func flattenOnWhite(v, a uint8) uint8 {
	return uint8((uint32(v)*uint32(a) + 255*(255-uint32(a)) + 127) / 255)
}

// grayOnWhite converts a colour to gray, composited over white.
func grayOnWhite(c color.Color) uint8 {
	r, g, b, a := c.RGBA() // premultiplied, 16 bit
	y := (19595*r + 38470*g + 7471*b + 1<<15) >> 16
	return uint8((y + 0xffff - a) >> 8)
}

// resize returns src scaled to w x h by separable linear interpolation. It is
// used to make pixels square (a small stretch of one axis), never to shrink
// a page much, so a two-tap filter is enough.
func resize(src *image.Gray, w, h int) *image.Gray {
	b := src.Bounds()
	if b.Dx() == w && b.Dy() == h {
		return src
	}
	if b.Dx() != w {
		src = scaleCols(src, w)
	}
	if b.Dy() != h {
		src = scaleRows(src, h)
	}
	return src
}

// taps returns, for each of n output positions over m input positions, the
// two input indexes and the weight (of 256) of the second.
func taps(n, m int) (i0, i1 []int, wt []uint32) {
	i0, i1, wt = make([]int, n), make([]int, n), make([]uint32, n)
	scale := float64(m) / float64(n)
	for i := range n {
		pos := (float64(i)+0.5)*scale - 0.5
		if pos < 0 {
			pos = 0
		}
		lo := int(pos)
		if lo > m-1 {
			lo = m - 1
		}
		hi := min(lo+1, m-1)
		i0[i], i1[i], wt[i] = lo, hi, uint32((pos-float64(lo))*256+0.5)
	}
	return i0, i1, wt
}

func scaleRows(src *image.Gray, h int) *image.Gray {
	w := src.Bounds().Dx()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	i0, i1, wt := taps(h, src.Bounds().Dy())
	for y := range h {
		a := src.Pix[i0[y]*src.Stride : i0[y]*src.Stride+w]
		c := src.Pix[i1[y]*src.Stride : i1[y]*src.Stride+w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		k := wt[y]
		if k == 0 || bytes.Equal(a, c) { // bilevel pages repeat rows often
			copy(out, a)
			continue
		}
		for x := range out {
			out[x] = uint8((uint32(a[x])*(256-k) + uint32(c[x])*k + 128) >> 8)
		}
	}
	return dst
}

func scaleCols(src *image.Gray, w int) *image.Gray {
	h := src.Bounds().Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	i0, i1, wt := taps(w, src.Bounds().Dx())
	for y := range h {
		row := src.Pix[y*src.Stride:]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := range out {
			k := wt[x]
			out[x] = uint8((uint32(row[i0[x]])*(256-k) + uint32(row[i1[x]])*k + 128) >> 8)
		}
	}
	return dst
}

// rotate turns src clockwise by deg, a multiple of 90 (a PDF page's /Rotate).
func rotate(src *image.Gray, deg int) *image.Gray {
	deg = ((deg % 360) + 360) % 360
	if deg%90 != 0 || deg == 0 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	var dst *image.Gray
	if deg == 180 {
		dst = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		dst = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := range h {
		row := src.Pix[y*src.Stride : y*src.Stride+w]
		for x, v := range row {
			switch deg {
			case 90:
				dst.Pix[x*dst.Stride+(h-1-y)] = v
			case 180:
				dst.Pix[(h-1-y)*dst.Stride+(w-1-x)] = v
			case 270:
				dst.Pix[(w-1-x)*dst.Stride+y] = v
			}
		}
	}
	return dst
}
