package quality

import (
	"math"
	"sort"

	"github.com/lausd/misis-intake/forms"
)

// Sample is one value whose truth is known: read by the engine at
// Confidence, and Right or not. Weight is how many values it stands for
// (a QA sample stands for 1/rate auto-accepted values; zero counts as 1).
type Sample struct {
	Kind       forms.Kind
	Confidence float64
	Right      bool
	Weight     float64
}

func (s Sample) weight() float64 {
	if s.Weight > 0 {
		return s.Weight
	}
	return 1
}

// CalibrateOptions bound the thresholds Calibrate proposes.
type CalibrateOptions struct {
	// MaxError is the most errors among accepted values a proposed
	// threshold may allow (default 0.002, as the engine's defaults were
	// calibrated).
	MaxError float64
	// MinAccepted is the least number of samples a proposed threshold must
	// accept; a kind with fewer samples keeps its threshold (default 100).
	MinAccepted int
}

// Defaults of CalibrateOptions.
const (
	DefaultMaxError    = 0.002
	DefaultMinAccepted = 100
)

// Effect is what a threshold does to a kind's samples.
type Effect struct {
	Threshold float64
	// Accepted and Errors count the samples at or above the threshold and
	// the wrong ones among them.
	Accepted, Errors int
	// STP is the (weighted) share of values accepted with no person;
	// ErrorRate the (weighted) share wrong among those accepted, and
	// ErrorHi the upper bound of its 95% Wilson interval (unweighted).
	STP, ErrorRate, ErrorHi float64
}

// Proposal is Calibrate's answer for one kind.
type Proposal struct {
	Kind     forms.Kind
	Samples  int
	Current  Effect
	Proposed Effect
	// Kept says why the current threshold is kept ("" when a new one is
	// proposed, even if equal).
	Kept string
}

// Changed reports whether the proposal moves the threshold.
func (p Proposal) Changed() bool { return p.Kept == "" && p.Proposed.Threshold != p.Current.Threshold }

// Reasons a threshold is kept.
const (
	KeptFewSamples = "too few outcomes"
	KeptNoneSafe   = "no threshold keeps errors within the limit"
)

// Calibrate proposes, for every kind in current or in the samples, the
// least threshold at which the share of wrong values among those at or
// above it is at most MaxError, accepting at least MinAccepted samples; a
// threshold below the current one must also keep errors within MaxError
// among the values it newly accepts (between it and the current one), so
// that many good values above do not hide a bad band below. It
// says, for the current and the proposed threshold, the straight-through
// share and the error rate among accepted values. Kinds are in Kinds
// order.
func Calibrate(samples []Sample, current Thresholds, opt CalibrateOptions) []Proposal {
	if opt.MaxError <= 0 {
		opt.MaxError = DefaultMaxError
	}
	if opt.MinAccepted <= 0 {
		opt.MinAccepted = DefaultMinAccepted
	}
	byKind := map[forms.Kind][]Sample{}
	for _, s := range samples {
		byKind[s.Kind] = append(byKind[s.Kind], s)
	}
	var kinds []forms.Kind
	for _, k := range Kinds {
		if _, ok := current[k]; ok || len(byKind[k]) > 0 {
			kinds = append(kinds, k)
		}
	}
	var out []Proposal
	for _, k := range kinds {
		ss := byKind[k]
		sort.Slice(ss, func(i, j int) bool { return ss[i].Confidence > ss[j].Confidence })
		p := Proposal{Kind: k, Samples: len(ss), Current: effect(ss, current.For(k))}
		p.Proposed, p.Kept = p.Current, KeptFewSamples
		if len(ss) >= opt.MinAccepted {
			p.Kept = KeptNoneSafe
			cur := current.For(k)
			var acc, wrong, accCur, wrongCur float64 // weighted, at or above the candidate and the current threshold
			for _, s := range ss {
				if s.Confidence >= cur {
					accCur += s.weight()
					if !s.Right {
						wrongCur += s.weight()
					}
				}
			}
			n := 0
			for i, s := range ss {
				n++
				acc += s.weight()
				if !s.Right {
					wrong += s.weight()
				}
				if i+1 < len(ss) && ss[i+1].Confidence == s.Confidence {
					continue // a threshold takes every value of its confidence
				}
				// Lowering the threshold must not take in a band of values
				// worse than the limit, however good those above it are.
				bandOK := s.Confidence >= cur || (wrong-wrongCur) <= opt.MaxError*(acc-accCur)
				if n >= opt.MinAccepted && wrong/acc <= opt.MaxError && bandOK {
					p.Proposed, p.Kept = effect(ss, s.Confidence), ""
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// effect measures threshold t on samples sorted by falling confidence.
func effect(ss []Sample, t float64) Effect {
	e := Effect{Threshold: t}
	var total, acc, wrong float64
	for _, s := range ss {
		total += s.weight()
		if s.Confidence < t {
			continue
		}
		e.Accepted++
		acc += s.weight()
		if !s.Right {
			e.Errors++
			wrong += s.weight()
		}
	}
	if total > 0 {
		e.STP = acc / total
	}
	if acc > 0 {
		e.ErrorRate = wrong / acc
	}
	e.ErrorHi = Wilson(e.Errors, e.Accepted, Z95).Hi
	return e
}

// CurvePoint is one point of a corpus evaluation's calibration curve (see
// eval.CalibrationPoint): of the values read at confidence >= Threshold,
// Count, the share Right, and the share of all values they are (AutoRate).
type CurvePoint struct {
	Threshold float64
	Right     float64
	AutoRate  float64
	Count     int
}

// FromCurve turns a kind's calibration curve into samples: the values
// between two thresholds of the curve are placed at the lower one, and
// those below the lowest at confidence 0. Placing each at the lowest
// confidence it may have had errs towards higher thresholds.
func FromCurve(kind forms.Kind, points []CurvePoint) []Sample {
	ps := append([]CurvePoint(nil), points...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Threshold < ps[j].Threshold })
	var out []Sample
	add := func(conf float64, n, right int) {
		for i := 0; i < n; i++ {
			out = append(out, Sample{Kind: kind, Confidence: conf, Right: i < right})
		}
	}
	rightAt := func(p CurvePoint) int { return int(math.Round(p.Right * float64(p.Count))) }
	for i, p := range ps {
		n, r := p.Count, rightAt(p)
		if i+1 < len(ps) {
			n -= ps[i+1].Count
			r -= rightAt(ps[i+1])
		}
		add(p.Threshold, n, max(0, min(r, n)))
	}
	if len(ps) > 0 && ps[0].AutoRate > 0 {
		// The values below the lowest threshold: their truth is not in the
		// curve, so they are counted as wrong (they never count as accepted
		// at any threshold the curve can support).
		total := int(math.Round(float64(ps[0].Count) / ps[0].AutoRate))
		add(0, total-ps[0].Count, 0)
	}
	return out
}
