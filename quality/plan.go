package quality

import (
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// Policy is how the quality checks run on the decisions of the engine.
// Its zero value double-keys nothing and samples nothing; see Defaults.
type Policy struct {
	// Version is the threshold set in force and Thresholds its values;
	// version 0 (no set) leaves the engine's own Sure as it is.
	Version    int
	Thresholds Thresholds
	// HighRisk are the fields keyed twice when a form is sent to review on
	// them.
	HighRisk []Rule
	// SampleRate is the share of forms accepted with no person sampled for
	// QA keying; Seed keys the choice (see Sampled).
	SampleRate float64
	Seed       string
}

// Key is one field to key blind, with what the engine read (kept from
// the keyer; compared afterwards).
type Key struct {
	Field      string
	Kind       forms.Kind
	Engine     string
	Confidence float64
	Sure       bool
}

// Plan is what a decision asks of people besides its review: fields to
// key twice, and a QA sample.
type Plan struct {
	Version int
	// Double are the high-risk fields the form is sent to review on.
	Double []Key
	// QA are the auto-accepted fields of a sampled form; Weight is how
	// many forms the sample stands for (1/SampleRate).
	QA     []Key
	Weight float64
	// Sure is, when a threshold set is in force, whether each engine value
	// is Sure under it (see Apply), to be stored with the fields so that
	// the review and later rounds judge by the same set.
	Sure map[string]bool
}

// Plan says what people must key for the engine's decision d on the form
// read as rd.
func (p Policy) Plan(reg *forms.Registry, formID int64, rd *forms.Reading, d validate.Decision) Plan {
	out := Plan{Version: p.Version}
	if len(p.Thresholds) > 0 {
		out.Sure = map[string]bool{}
		for name, v := range rd.Values {
			if v.Source == "" || v.Source == forms.FromEngine {
				out.Sure[name] = v.Sure
			}
		}
	}
	rev := reg.Revision(rd.Family, rd.Revision)
	if rev == nil {
		return out // unidentified: a reviewer identifies it first
	}
	if d.Outcome == validate.Review || len(d.Review) > 0 {
		var names []string
		for _, it := range d.Review {
			names = append(names, it.Field)
		}
		for _, row := range d.Rows {
			for _, it := range row.Review {
				names = append(names, it.Field)
			}
		}
		out.Double = keys(rev, rd, HighRisk(p.HighRisk, reg, rd, names))
	}
	if d.Outcome == validate.Accept && len(d.Review) == 0 && Sampled(formID, p.Seed, p.SampleRate) {
		out.QA = keys(rev, rd, QAFields(rev, rd))
		out.Weight = 1 / p.SampleRate
	}
	return out
}

func keys(rev *forms.Revision, rd *forms.Reading, names []string) []Key {
	var out []Key
	for _, n := range names {
		kind, ok := KindOf(rev, n)
		if !ok {
			continue
		}
		v := rd.Values[n]
		out = append(out, Key{Field: n, Kind: kind, Engine: v.Text, Confidence: v.Confidence, Sure: v.Sure})
	}
	return out
}
