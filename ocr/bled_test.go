package ocr

import "testing"

// TestBledFives reads digits drawn as a fax whose toner bled leaves
// them: solid blobs. An 8 whose left edge steps in below the middle is a
// 5; a solid 8, or one whose loops are open, stays an 8.
func TestBledFives(t *testing.T) {
	one := [4]float64{4, 6, 1, 8}
	solid := [4]float64{10, 6, 5, 8}
	notched := [][4]float64{{10, 6, 5, 4.8}, {11.2, 10.8, 3.8, 0.8}, {10, 11.6, 5, 2.4}}
	ring := [][4]float64{{10, 6, 5, 1.2}, {10, 12.8, 5, 1.2}, {10, 6, 1.2, 8}, {13.8, 6, 1.2, 8}}
	tests := []struct {
		name  string
		rects [][4]float64
		text  string
		want  string
	}{
		{"a bled 5 read as an 8", append([][4]float64{one}, notched...), "18", "15"},
		{"a solid 8", [][4]float64{one, solid}, "18", "18"},
		{"an 8 whose loops show", append([][4]float64{one}, ring...), "18", "18"},
		{"a 5 read as a 5", append([][4]float64{one}, notched...), "15", "15"},
		{"pieces not one to a character", [][4]float64{solid}, "18", "18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inkRegion(tt.rects...)
			k := findInk(r, 128, minBlob)
			got, changed := bledFives(k, r, tt.text)
			if got != tt.want || changed != (tt.want != tt.text) {
				t.Errorf("bledFives(%q) = %q, %v; want %q", tt.text, got, changed, tt.want)
			}
		})
	}
}
