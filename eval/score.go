package eval

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/lausd/misis-intake/forms"
)

// Score counts reads of one kind of value.
type Score struct {
	Count int `json:"count"`
	// Right is how many were read right; Auto how many were Sure
	// (accepted with no person checking); AutoWrong how many of those were
	// wrong.
	Right     int `json:"right"`
	Auto      int `json:"auto"`
	AutoWrong int `json:"auto_wrong"`
	// Accuracy, AutoRate and AutoErrorRate are the fractions of the counts above.
	Accuracy      float64 `json:"accuracy"`
	AutoRate      float64 `json:"auto_rate"`
	AutoErrorRate float64 `json:"auto_error_rate"`
}

func (s *Score) add(right, sure bool) {
	s.Count++
	if right {
		s.Right++
	}
	if sure {
		s.Auto++
		if !right {
			s.AutoWrong++
		}
	}
}

func (s *Score) finish() {
	s.Accuracy = ratio(s.Right, s.Count)
	s.AutoRate = ratio(s.Auto, s.Count)
	s.AutoErrorRate = ratio(s.AutoWrong, s.Auto)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*1e5) / 1e5
}

// sample is one value read, kept for the calibration curve.
type sample struct {
	kind  string
	conf  float64
	right bool
}

// CalibrationPoint says, of the values read at confidence >= Threshold,
// what share was right and what share of all values that is.
type CalibrationPoint struct {
	Threshold float64 `json:"threshold"`
	Right     float64 `json:"share_right"`
	AutoRate  float64 `json:"auto_rate"`
	Count     int     `json:"count"`
}

// calibrate builds each kind's curve and the least threshold at which the
// error rate among the values at or above it stays within maxError.
func calibrate(samples []sample, maxError float64) (map[string][]CalibrationPoint, map[string]float64) {
	byKind := map[string][]sample{}
	for _, s := range samples {
		byKind[s.kind] = append(byKind[s.kind], s)
	}
	curves := map[string][]CalibrationPoint{}
	best := map[string]float64{}
	for kind, ss := range byKind {
		sort.Slice(ss, func(i, j int) bool { return ss[i].conf > ss[j].conf })
		best[kind] = 1.01 // nothing is safe to accept until shown so
		right := 0
		for i, s := range ss {
			if s.right {
				right++
			}
			n := i + 1
			last := n == len(ss) || ss[n].conf != s.conf
			if !last {
				continue
			}
			errRate := 1 - float64(right)/float64(n)
			if errRate <= maxError {
				best[kind] = s.conf
			}
		}
		for _, c := range []float64{0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99} {
			p := CalibrationPoint{Threshold: c}
			r := 0
			for _, s := range ss {
				if s.conf >= c {
					p.Count++
					if s.right {
						r++
					}
				}
			}
			p.Right, p.AutoRate = ratio(r, p.Count), ratio(p.Count, len(ss))
			curves[kind] = append(curves[kind], p)
		}
	}
	return curves, best
}

// same reports whether a value read equals the truth for its kind, after
// the normalisation a person reading both would apply.
func same(kind forms.Kind, got, want string) bool {
	switch kind {
	case forms.KindMark, forms.KindSignature:
		return got == want
	case forms.KindDigits:
		return onlyDigits(got) == onlyDigits(want)
	case forms.KindDate:
		return normalDate(got) == normalDate(want)
	default:
		return letters(got) == letters(want)
	}
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// letters keeps letters, digits and the '@', '.', '-' and '\” a value may
// need, upper-cased, with runs of spaces made one.
func letters(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToUpper(r)
		case r == '@' || r == '.' || r == '-' || r == '\'' || r == ' ':
			return r
		}
		return -1
	}, s)
}

// normalDate writes M/D/YYYY dates as MM/DD/YYYY so "1/5/2026" equals
// "01/05/2026".
func normalDate(s string) string {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) != 3 {
		return strings.TrimSpace(s)
	}
	for i := 0; i < 2; i++ {
		if len(parts[i]) == 1 {
			parts[i] = "0" + parts[i]
		}
	}
	return strings.Join(parts, "/")
}
