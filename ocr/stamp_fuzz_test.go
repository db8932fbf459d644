package ocr

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

var stampForm = regexp.MustCompile(`^\d\d/\d\d/\d{4}$`)

// FuzzFindStamp feeds findStamp the words Tesseract might read from a
// header band: it must never panic, and a stamp it returns must be a real
// date written MM/DD/YYYY between 1990 and 2099, with a confidence no
// higher than that of the words read. Seeds: testdata/fuzz/FuzzFindStamp.
func FuzzFindStamp(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string, conf float64) {
		if math.IsNaN(conf) || conf < 0 || conf > 1 {
			conf = 0.5
		}
		var words []word
		for _, w := range strings.Fields(text) {
			words = append(words, word{Text: w, Conf: conf})
		}
		stamp, c := findStamp(words)
		if stamp == "" {
			if c != 0 {
				t.Fatalf("no stamp but confidence %v", c)
			}
			return
		}
		if !stampForm.MatchString(stamp) {
			t.Fatalf("stamp %q is not MM/DD/YYYY", stamp)
		}
		d, err := time.Parse("01/02/2006", stamp)
		if err != nil {
			t.Fatalf("stamp %q is not a date: %v", stamp, err)
		}
		if d.Year() < 1990 || d.Year() > 2099 {
			t.Fatalf("stamp %q out of range", stamp)
		}
		if c > conf {
			t.Fatalf("confidence %v above the words' %v", c, conf)
		}
	})
}
