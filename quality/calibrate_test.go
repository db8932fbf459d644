package quality

import (
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// seeded returns n samples of a kind spread evenly over [lo, hi), wrong
// wherever wrong says.
func seeded(kind forms.Kind, n int, lo, hi float64, wrong func(i int, conf float64) bool) []Sample {
	out := make([]Sample, n)
	for i := range out {
		c := lo + (hi-lo)*float64(i)/float64(n)
		out[i] = Sample{Kind: kind, Confidence: c, Right: !wrong(i, c)}
	}
	return out
}

// TestCalibrateDirection: digits wrong now and then up to 0.978 move the
// digits threshold up past them; text right all the way down to 0.90 moves
// the text threshold down to just above its last wrong value (0.899); a kind with few outcomes keeps its threshold.
func TestCalibrateDirection(t *testing.T) {
	current := Thresholds{forms.KindText: 0.97, forms.KindDigits: 0.96, forms.KindDate: 0.92}
	var ss []Sample
	ss = append(ss, seeded(forms.KindDigits, 1000, 0.90, 1.0, func(i int, c float64) bool { return c < 0.98 && i%20 == 0 })...)
	ss = append(ss, seeded(forms.KindText, 400, 0.80, 1.0, func(i int, c float64) bool { return c < 0.90 && i%3 == 0 })...)
	ss = append(ss, seeded(forms.KindDate, 20, 0.5, 1.0, func(int, float64) bool { return false })...)
	got := map[forms.Kind]Proposal{}
	for _, p := range Calibrate(ss, current, CalibrateOptions{}) {
		got[p.Kind] = p
	}
	if p := got[forms.KindDigits]; !(p.Proposed.Threshold > 0.978 && p.Proposed.Threshold <= 0.98) || p.Proposed.Errors != 0 || p.Current.Errors == 0 {
		t.Errorf("digits: %+v; want the threshold moved up just past the last wrong value (0.978)", p)
	}
	if p := got[forms.KindText]; !(p.Proposed.Threshold >= 0.899 && p.Proposed.Threshold <= 0.90) || p.Proposed.STP <= p.Current.STP {
		t.Errorf("text: %+v; want the threshold moved down to 0.90, accepting more", p)
	}
	if p := got[forms.KindDate]; p.Kept != KeptFewSamples || p.Proposed.Threshold != 0.92 {
		t.Errorf("date: %+v; want 0.92 kept for too few outcomes", p)
	}
}

// TestFromCurve: a curve's points become samples whose effect at each
// point's threshold is the point again.
func TestFromCurve(t *testing.T) {
	points := []CurvePoint{
		{Threshold: 0.5, Count: 90, Right: 80.0 / 90, AutoRate: 0.9},
		{Threshold: 0.9, Count: 60, Right: 59.0 / 60, AutoRate: 0.6},
		{Threshold: 0.97, Count: 40, Right: 1, AutoRate: 0.4},
	}
	ss := FromCurve(forms.KindDigits, points)
	if len(ss) != 100 {
		t.Fatalf("%d samples, want 100", len(ss))
	}
	for _, p := range points {
		e := effect(ss, p.Threshold)
		right := e.Accepted - e.Errors
		if e.Accepted != p.Count || float64(right) != float64(int(p.Right*float64(p.Count)+0.5)) {
			t.Errorf("at %v: %d accepted, %d right; the curve says %d and %.0f", p.Threshold, e.Accepted, right, p.Count, p.Right*float64(p.Count))
		}
	}
}
