package ocr

import (
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// TestClassifyMark covers how the prototypes' vote, the letter's shape and
// Tesseract's free reading combine into a mark and its confidence.
func TestClassifyMark(t *testing.T) {
	// shape returns a letter shape whose R score is r (positive: R).
	shape := func(r float64) letterShape { return letterShape{growth: (7.9 - r) / 9.3, across: 1.5} }
	tessSays := func(text string, conf float64) []word { return []word{{Text: text, Conf: conf}} }
	typedA := shapeVote{class: classA, share: 1, near: 0.015}
	typedR := shapeVote{class: classR, share: 1, near: 0.024}
	cases := []struct {
		name    string
		vote    shapeVote
		shape   letterShape
		free    []word
		typed   typedRead
		want    string
		sure    bool // confidence at least the marks' default threshold
		maxConf float64
	}{
		{"clear typed A, Tesseract agrees", typedA, shape(-3), tessSays("A", 0.97), typedRead{}, forms.MarkAdd, true, 1},
		{"typed A the fax thinned, Tesseract agrees", typedA, shape(-1.35), tessSays("A", 0.97), typedRead{}, forms.MarkAdd, true, 1},
		{"typed R the fax thinned, Tesseract reads nothing", typedR, shape(1.99), nil, typedRead{}, forms.MarkRem, true, 1},
		{"thinned A, prototypes not close", shapeVote{class: classA, share: 1, near: 0.05}, shape(-1.35), tessSays("A", 0.97), typedRead{}, forms.MarkAdd, false, 0.85},
		{"thinned A, prototypes split", shapeVote{class: classA, share: 0.8, near: 0.015}, shape(-1.35), tessSays("A", 0.97), typedRead{}, forms.MarkAdd, false, 0.85},
		{"shape barely an A", typedA, shape(-0.5), tessSays("A", 0.97), typedRead{}, forms.MarkAdd, false, 0.85},
		{"Tesseract reads the other letter", typedA, shape(-1.35), tessSays("R", 0.9), typedRead{}, forms.MarkAdd, false, 0.35},
		{"Tesseract reads something else", typedA, shape(-1.35), tessSays("4", 0.9), typedRead{}, forms.MarkAdd, false, 0.85},
		// A typed A with a tick the fax left beside it: its shape measures
		// as an R, Tesseract reads an A, and the typed reader an A.
		{"typed A, shape thrown by a speck", typedA, shape(1.2), tessSays("A", 0.95), typedRead{"A", "Helvetica", 0.92}, forms.MarkAdd, true, 1},
		{"typed R, shape unsure", typedR, shape(0.6), nil, typedRead{"R", "Times", 0.9}, forms.MarkRem, true, 1},
		{"typed A, Tesseract reads an R", typedA, shape(-1.35), tessSays("R", 0.9), typedRead{"A", "Helvetica", 0.92}, forms.MarkAdd, false, 0.35},
		{"typed reader reads the other letter", typedA, shape(-0.5), tessSays("A", 0.97), typedRead{"R", "Helvetica", 0.9}, forms.MarkAdd, false, 0.85},
		{"typed reader fits poorly (hand)", typedA, shape(-0.5), tessSays("A", 0.97), typedRead{"A", "Courier", 0.6}, forms.MarkAdd, false, 0.85},
	}
	thr := DefaultThresholds.For(forms.KindMark)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := classifyMark(tc.vote, tc.shape, tc.free, tc.typed)
			if got.text != tc.want || (got.conf >= thr) != tc.sure || got.conf > tc.maxConf {
				t.Errorf("classifyMark = %q at %.2f; want %q, sure %v, at most %.2f", got.text, got.conf, tc.want, tc.sure, tc.maxConf)
			}
		})
	}
}
