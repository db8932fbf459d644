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
