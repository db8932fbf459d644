package quality

import "math"

// Z95 is the normal quantile of a two-sided 95% interval.
const Z95 = 1.959963984540054

// Interval is an estimated rate with its confidence interval.
type Interval struct {
	// K of N were errors; Rate is K/N (0 when N is 0).
	K, N   int
	Rate   float64
	Lo, Hi float64
}

// Wilson returns the Wilson score interval of k errors in n trials at
// normal quantile z (Z95 for 95%). Unlike the normal approximation it stays
// within [0, 1] and is honest when k is 0 or n is small: no errors in 300
// values still leaves an upper bound near 1.3%. With n = 0 the interval is
// [0, 1]: nothing is known.
func Wilson(k, n int, z float64) Interval {
	iv := Interval{K: k, N: n, Hi: 1}
	if n <= 0 {
		return iv
	}
	nf := float64(n)
	p := float64(k) / nf
	iv.Rate = p
	z2 := z * z
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	iv.Lo = math.Max(0, centre-half)
	iv.Hi = math.Min(1, centre+half)
	if k == 0 {
		iv.Lo = 0
	}
	if k == n {
		iv.Hi = 1
	}
	return iv
}
