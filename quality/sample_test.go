package quality

import (
	"math"
	"testing"
)

// TestSampledRate: over 2,000 simulated forms (consecutive IDs, as the
// database hands them out) the share sampled stays within the binomial
// 99.9% bounds of the rate, for several rates and seeds; and the choice
// depends on the seed and is the same every time.
func TestSampledRate(t *testing.T) {
	const forms = 2000
	for _, tc := range []struct {
		name string
		rate float64
		seed string
	}{
		{"default rate, default seed", DefaultSampleRate, ""},
		{"default rate, district seed", DefaultSampleRate, "district-secret-1"},
		{"10%", 0.10, "district-secret-2"},
		{"half", 0.5, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for id := int64(1); id <= forms; id++ {
				if Sampled(id, tc.seed, tc.rate) {
					n++
				}
				if Sampled(id, tc.seed, tc.rate) != Sampled(id, tc.seed, tc.rate) {
					t.Fatalf("form %d: the choice changed between calls", id)
				}
			}
			// 3.29 standard deviations: a fair sampler fails 1 run in 1,000.
			mean := tc.rate * forms
			sd := math.Sqrt(forms * tc.rate * (1 - tc.rate))
			if lo, hi := mean-3.29*sd, mean+3.29*sd; float64(n) < lo || float64(n) > hi {
				t.Errorf("%d of %d sampled at rate %v; want within [%.1f, %.1f]", n, forms, tc.rate, lo, hi)
			}
			t.Logf("%d of %d sampled at rate %v", n, forms, tc.rate)
		})
	}
	differ := 0
	for id := int64(1); id <= forms; id++ {
		if Sampled(id, "a", 0.5) != Sampled(id, "b", 0.5) {
			differ++
		}
	}
	if differ < forms/3 {
		t.Errorf("seeds a and b pick alike for %d of %d forms; the seed must change the choice", forms-differ, forms)
	}
	if Sampled(7, "", 0) || !Sampled(7, "", 1) {
		t.Error("rate 0 must sample nothing and rate 1 everything")
	}
}

// TestWilson against values worked out separately from the score
// interval's formula (without continuity correction).
func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 0, 0, 1},
		{0, 300, 0, 0.012643},
		{1, 100, 0.001767, 0.054486},
		{5, 1000, 0.002138, 0.011651},
		{10, 10, 0.722467, 1},
		{50, 100, 0.403832, 0.596168},
	} {
		iv := Wilson(tc.k, tc.n, Z95)
		if math.Abs(iv.Lo-tc.lo) > 5e-6 || math.Abs(iv.Hi-tc.hi) > 5e-6 {
			t.Errorf("Wilson(%d, %d) = [%.6f, %.6f], want [%.6f, %.6f]", tc.k, tc.n, iv.Lo, iv.Hi, tc.lo, tc.hi)
		}
	}
}
