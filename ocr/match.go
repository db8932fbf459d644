package ocr

import (
	"strings"
	"unicode"
)

// norm lower-cases s and keeps letters and digits, with single spaces
// between words, so OCR punctuation noise does not count against a match.
func norm(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// findApprox returns how well pattern occurs anywhere in text: 1 minus the
// edit distance of the best-matching substring over the pattern's length,
// never below 0, and where that substring ends.
func findApprox(pattern, text string) (score float64, end int) {
	p, t := []rune(pattern), []rune(text)
	if len(p) == 0 {
		return 0, 0
	}
	prev := make([]int, len(p)+1)
	cur := make([]int, len(p)+1)
	for i := range prev {
		prev[i] = i
	}
	best, bestEnd := prev[len(p)], 0
	for j := 1; j <= len(t); j++ {
		cur[0] = 0 // the match may start anywhere in text
		for i := 1; i <= len(p); i++ {
			cost := 1
			if p[i-1] == t[j-1] {
				cost = 0
			}
			cur[i] = min(prev[i-1]+cost, prev[i]+1, cur[i-1]+1)
		}
		if cur[len(p)] < best {
			best, bestEnd = cur[len(p)], j
		}
		prev, cur = cur, prev
	}
	s := 1 - float64(best)/float64(len(p))
	if s < 0 {
		s = 0
	}
	return s, bestEnd
}

// closeness is 1 minus the edit distance of a and b over the longer length.
func closeness(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	n := max(len(ra), len(rb))
	if n == 0 {
		return 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(rb)])/float64(n)
}
