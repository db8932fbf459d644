package quality

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lausd/misis-intake/forms"
)

// Kinds are the field kinds that have a threshold, in the order reports
// list them.
var Kinds = []forms.Kind{forms.KindText, forms.KindDigits, forms.KindDate, forms.KindEmail, forms.KindMark, forms.KindSignature}

// Thresholds are the least confidence at which an engine value of each
// kind is Sure (accepted without a person), by kind.
type Thresholds map[forms.Kind]float64

// For returns the threshold of a kind; a kind without one is never sure.
func (t Thresholds) For(k forms.Kind) float64 {
	if v, ok := t[k]; ok && v > 0 {
		return v
	}
	return 1.01
}

// String lists the thresholds as "text=0.97 digits=0.96 ...".
func (t Thresholds) String() string {
	var parts []string
	for _, k := range Kinds {
		if v, ok := t[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.4g", k, v))
		}
	}
	var rest []string
	for k, v := range t {
		if !known(k) {
			rest = append(rest, fmt.Sprintf("%s=%.4g", k, v))
		}
	}
	sort.Strings(rest)
	return strings.Join(append(parts, rest...), " ")
}

func known(k forms.Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Apply re-derives Sure for every engine value of the reading under t (a
// value is Sure when its confidence reaches its kind's threshold), so that
// the set in force decides whatever thresholds the process that read the
// page used. Values set by a person and fields the revision does not define
// are left as they are. It returns how many values changed.
func Apply(t Thresholds, reg *forms.Registry, rd *forms.Reading) int {
	if len(t) == 0 {
		return 0
	}
	rev := reg.Revision(rd.Family, rd.Revision)
	changed := 0
	for name, v := range rd.Values {
		if v.Source != "" && v.Source != forms.FromEngine {
			continue
		}
		kind, ok := KindOf(rev, name)
		if !ok {
			continue
		}
		if _, has := t[kind]; !has {
			continue
		}
		sure := v.Confidence >= t.For(kind)
		if sure != v.Sure {
			v.Sure = sure
			rd.Values[name] = v
			changed++
		}
	}
	return changed
}
