package quality

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// DefaultSampleRate is the share of untouched accepted forms sampled for
// QA keying when none is configured.
const DefaultSampleRate = 0.02

// DefaultSeed keys the sampling hash when no seed is configured
// ($INTAKE_QA_SEED). A seed of the district's own keeps the choice
// unpredictable to whoever fills the forms.
const DefaultSeed = "misis-intake-qa"

// Sampled reports whether the form is picked for QA keying at rate (0 to
// 1). The choice is a keyed hash (HMAC-SHA-256 of the form's ID under
// seed) read as a number in [0, 1): the same form is always picked or
// never, on every worker, and over many forms the share picked is rate.
func Sampled(formID int64, seed string, rate float64) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	return unit(formID, seed) < rate
}

// unit maps a form ID to [0, 1) uniformly under seed.
func unit(formID int64, seed string) float64 {
	if seed == "" {
		seed = DefaultSeed
	}
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte(strconv.FormatInt(formID, 10)))
	sum := m.Sum(nil)
	// The top 53 bits make an exact float64 in [0, 1).
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}
