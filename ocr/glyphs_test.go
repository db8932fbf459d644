package ocr

import (
	"image"
	"strings"
	"testing"
)

func TestCountHoles(t *testing.T) {
	tests := []struct {
		name  string
		art   []string // '#' is ink
		holes int
	}{
		{"a stroke", []string{"#", "#", "#"}, 0},
		{"an open C", []string{"####", "#...", "#...", "####"}, 0},
		{"a ring", []string{"#####", "#...#", "#...#", "#####"}, 1},
		{"a six", []string{"####.", "#....", "#####", "#...#", "#####"}, 1},
		{"an eight", []string{"#####", "#...#", "#####", "#...#", "#####"}, 2},
		{"a pinhole in a blot is no hole", []string{"##########", "##########", "####.#####", "##########", "##########", "##########", "##########", "##########", "##########", "##########", "##########", "##########"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, w := len(tt.art), len(tt.art[0])
			// Draw the art at (3, 2) in a larger mask, with ink elsewhere
			// that must not count.
			mw := w + 10
			mask := make([]bool, mw*(h+6))
			for y, row := range tt.art {
				for x, c := range row {
					mask[(y+2)*mw+x+3] = c == '#'
				}
			}
			mask[(h+5)*mw+mw-1] = true
			b := image.Rect(3, 2, 3+w, 2+h)
			if got := countHoles(mask, mw, b); got != tt.holes {
				t.Errorf("%d holes in\n%s\nwant %d", got, strings.Join(tt.art, "\n"), tt.holes)
			}
		})
	}
}

func TestCharacterBoxes(t *testing.T) {
	// Rectangles in points on a 60 x 20 point field; a digit is 4 wide and
	// 7 high, a stroke 1 wide.
	digit := func(x float64) [4]float64 { return [4]float64{x, 8, 4, 7} }
	tests := []struct {
		name  string
		rects [][4]float64
		want  int // characters
	}{
		{"separate digits", [][4]float64{digit(5), digit(11), digit(17)}, 3},
		{"a digit's foot broken off is the digit", [][4]float64{{5, 8, 4, 5.5}, {5, 14, 4, 1}, digit(11)}, 2},
		{"a bar under a slanted stroke is one character", [][4]float64{{5, 8, 3, 5.5}, {4.5, 14, 4, 1}}, 1},
		{"two digits joined by a hairline are two", [][4]float64{digit(5), {9, 11, 1, 0.3}, digit(10)}, 2},
		{"two digits joined in full stay one", [][4]float64{digit(5), {9, 8, 1, 7}, digit(10)}, 1},
		{"a one beside a slash stays two", [][4]float64{{5, 8, 1, 7}, {7, 8, 1, 7}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inkRegion(tt.rects...)
			k := findInk(r, 128, 0.2)
			if got := characterBoxes(k, r.img.Rect.Dx()); len(got) != tt.want {
				t.Errorf("%d characters %v, want %d", len(got), got, tt.want)
			}
		})
	}
}
