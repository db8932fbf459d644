package validate

import (
	"strings"
	"unicode"
)

// NamesMatch reports whether two spellings of a name are the same name up
// to the noise of handwriting and OCR: case, spaces, punctuation and
// accents are ignored, and a few letters may differ (none for names of one
// or two letters, one for up to five letters, two for longer names).
func NamesMatch(a, b string) bool {
	na, nb := FoldName(a), FoldName(b)
	if na == "" || nb == "" {
		return na == nb
	}
	return editDistance(na, nb) <= nameTolerance(max(len([]rune(na)), len([]rune(nb))))
}

func nameTolerance(n int) int {
	switch {
	case n <= 2:
		return 0
	case n <= 5:
		return 1
	}
	return 2
}

// accents folds the accented letters of names common in the district to
// their plain letters, as HR exports and handwriting often drop them.
var accents = map[rune]rune{
	'á': 'a', 'à': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'í': 'i', 'ì': 'i', 'î': 'i', 'ï': 'i',
	'ó': 'o', 'ò': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o',
	'ú': 'u', 'ù': 'u', 'û': 'u', 'ü': 'u',
	'ñ': 'n', 'ç': 'c', 'ý': 'y', 'ÿ': 'y',
}

// FoldName lower-cases s, folds accents and keeps only letters.
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := accents[r]; ok {
			r = f
		}
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldWords lower-cases s, folds accents and keeps letters, with single
// spaces between words.
func foldWords(s string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && accents[r] == 0
	}) {
		words = append(words, FoldName(w))
	}
	return strings.Join(words, " ")
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbouring letters
// each count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows suffice: the swap looks two rows back.
	prev2 := make([]int, len(rb)+1)
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
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// titleWords expands the abbreviations administrators write for their
// job titles.
var titleWords = map[string]string{
	"asst": "assistant", "ast": "assistant", "assist": "assistant",
	"prin": "principal", "princ": "principal", "pr": "principal",
}

// TitleAllowed reports whether a job title as written is one of the
// allowed titles, tolerating case, punctuation, common abbreviations
// ("Asst. Principal", "AP"), a leading "Interim" or "Acting", a word split
// in two, and a letter or two of OCR noise.
func TitleAllowed(title string, allowed []string) bool {
	words := strings.Fields(foldWords(title))
	for len(words) > 1 && (words[0] == "interim" || words[0] == "acting") {
		words = words[1:]
	}
	// The words as written, run together (a fax or the reader may split a
	// word: "Pr inc ipal"), and with abbreviations written out.
	asWritten := strings.Join(words, "")
	for i, w := range words {
		if full, ok := titleWords[w]; ok {
			words[i] = full
		}
	}
	t := strings.Join(words, "")
	if t == "ap" {
		t = "assistantprincipal"
	}
	if t == "" {
		return false
	}
	for _, a := range allowed {
		fa := FoldName(a)
		if editDistance(t, fa) <= nameTolerance(len(fa)) || editDistance(asWritten, fa) <= nameTolerance(len(fa)) {
			return true
		}
	}
	return false
}

// Removal reasons of the batch removal form, as printed.
const (
	ReasonRetired           = "Retired"
	ReasonTransferred       = "Transferred"
	ReasonLeftDistrict      = "Left the district"
	ReasonChangedAssignment = "Changed assignment"
)

// RemovalReasons lists the reasons a batch removal row may give.
var RemovalReasons = []string{ReasonRetired, ReasonTransferred, ReasonLeftDistrict, ReasonChangedAssignment}

// reasonSpellings are other ways administrators write the reasons.
var reasonSpellings = map[string]string{
	"retirement":         ReasonRetired,
	"transfer":           ReasonTransferred,
	"leftdistrict":       ReasonLeftDistrict,
	"left":               ReasonLeftDistrict,
	"changeassignment":   ReasonChangedAssignment,
	"changeofassignment": ReasonChangedAssignment,
	"assignmentchange":   ReasonChangedAssignment,
}

// MatchRemovalReason returns the printed removal reason that s names,
// ignoring case and spacing and tolerating OCR noise, and false when s is
// none of them.
func MatchRemovalReason(s string) (string, bool) {
	f := FoldName(s)
	if f == "" {
		return "", false
	}
	if r, ok := reasonSpellings[f]; ok {
		return r, true
	}
	for _, r := range RemovalReasons {
		fr := FoldName(r)
		if editDistance(f, fr) <= nameTolerance(len(fr)) {
			return r, true
		}
	}
	return "", false
}
