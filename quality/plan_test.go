package quality

import (
	"math"
	"reflect"
	"testing"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

var registry = forms.MustLoad()

// reading returns an access form read surely, with the role marks given.
func reading(marks map[string]string) *forms.Reading {
	rd := &forms.Reading{Family: "district-staff", Revision: "07/01/2023", Known: true, Values: map[string]forms.Value{}}
	rev := registry.Revision(rd.Family, rd.Revision)
	for _, f := range rev.Fields() {
		rd.Values[f.Name] = forms.Value{Text: "x", Confidence: 0.99, Sure: true, Source: forms.FromEngine}
		if f.Kind == forms.KindMark {
			rd.Values[f.Name] = forms.Value{Text: marks[f.Name], Confidence: 0.99, Sure: true, Source: forms.FromEngine}
		}
	}
	return rd
}

// TestPlanSampling: of 2,000 simulated forms accepted with no person, the
// share planned for QA keying stays within the binomial 99.9% bounds of
// 2%, each with every auto-accepted field and a weight of 50; no form
// sent to review or rejected is sampled.
func TestPlanSampling(t *testing.T) {
	p := Policy{HighRisk: DefaultHighRisk, SampleRate: DefaultSampleRate, Seed: "test-seed"}
	rd := reading(map[string]string{"role.help_desk_support": "A"})
	fields := len(QAFields(registry.Revision(rd.Family, rd.Revision), rd))
	accept := validate.Decision{Outcome: validate.Accept}
	const n = 2000
	sampled := 0
	for id := int64(1); id <= n; id++ {
		plan := p.Plan(registry, id, rd, accept)
		if len(plan.QA) > 0 {
			sampled++
			if len(plan.QA) != fields || plan.Weight != 50 {
				t.Fatalf("form %d: %d QA fields of %d, weight %v", id, len(plan.QA), fields, plan.Weight)
			}
		}
		for _, d := range []validate.Decision{{Outcome: validate.Review}, {Outcome: validate.Reject}} {
			if plan := p.Plan(registry, id, rd, d); len(plan.QA) > 0 {
				t.Fatalf("form %d sampled on a %s decision", id, d.Outcome)
			}
		}
	}
	mean, sd := n*DefaultSampleRate, math.Sqrt(n*DefaultSampleRate*(1-DefaultSampleRate))
	if lo, hi := mean-3.29*sd, mean+3.29*sd; float64(sampled) < lo || float64(sampled) > hi {
		t.Errorf("%d of %d accepted forms sampled; want within [%.1f, %.1f] of 2%%", sampled, n, lo, hi)
	}
	t.Logf("%d of %d accepted forms sampled", sampled, n)
}

// TestPlanDoubleKeying: which fields of a form in review are keyed twice.
func TestPlanDoubleKeying(t *testing.T) {
	review := func(fields ...string) validate.Decision {
		d := validate.Decision{Outcome: validate.Review}
		for _, f := range fields {
			d.Review = append(d.Review, validate.ReviewItem{Field: f, Why: validate.WhyLowConfidence})
		}
		return d
	}
	batch := &forms.Reading{Family: "batch-removal", Revision: "05/01/2023", Values: map[string]forms.Value{
		"row02.employee_number": {Text: "1", Confidence: 0.3}, "row02.last_name": {Text: "Li", Confidence: 0.3},
	}}
	for _, tc := range []struct {
		name  string
		rules string
		rd    *forms.Reading
		d     validate.Decision
		want  []string
	}{
		{"adds only", "", reading(map[string]string{"role.help_desk_support": "A"}), review("employee_number", "phone"), nil},
		{"removal", "", reading(map[string]string{"role.help_desk_support": "R"}), review("employee_number", "phone"), []string{"employee_number"}},
		{"removal, number sure", "", reading(map[string]string{"role.help_desk_support": "R"}), review("phone"), nil},
		{"batch row", "", batch, review("row02.employee_number", "row02.last_name"), []string{"row02.employee_number"}},
		{"batch row in a row decision", "", batch, validate.Decision{Outcome: validate.Review, Rows: []validate.RowDecision{{Row: 2, Review: review("row02.employee_number").Review}}}, []string{"row02.employee_number"}},
		{"configured: phone always", "phone", reading(nil), review("employee_number", "phone"), []string{"phone"}},
		{"configured: none", "none", batch, review("row02.employee_number"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := ParseRules(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			plan := Policy{HighRisk: rules}.Plan(registry, 1, tc.rd, tc.d)
			var got []string
			for _, k := range plan.Double {
				got = append(got, k.Field)
				if k.Kind != forms.KindDigits {
					t.Errorf("%s: kind %s", k.Field, k.Kind)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("double keyed %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"employee_number@adding", "@removal", "row[.employee_number"} {
		if _, err := ParseRules(bad); err == nil {
			t.Errorf("ParseRules(%q) accepted", bad)
		}
	}
}

// TestApply: the set in force decides Sure for the engine's values of the
// kinds it names, and leaves reviewers' values and other kinds alone.
func TestApply(t *testing.T) {
	rd := &forms.Reading{Family: "district-staff", Revision: "07/01/2023", Values: map[string]forms.Value{
		"employee_number": {Text: "1", Confidence: 0.97, Sure: false, Source: forms.FromEngine},
		"phone":           {Text: "2", Confidence: 0.95, Sure: true, Source: forms.FromEngine},
		"location_code":   {Text: "3", Confidence: 0.10, Sure: true, Source: forms.FromReviewer},
		"first_name":      {Text: "Ann", Confidence: 0.50, Sure: false, Source: forms.FromEngine},
	}}
	n := Apply(Thresholds{forms.KindDigits: 0.96}, registry, rd)
	want := map[string]bool{"employee_number": true, "phone": false, "location_code": true, "first_name": false}
	for name, sure := range want {
		if rd.Values[name].Sure != sure {
			t.Errorf("%s: Sure %v, want %v", name, rd.Values[name].Sure, sure)
		}
	}
	if n != 2 {
		t.Errorf("%d values changed, want 2", n)
	}
	if Apply(nil, registry, rd) != 0 {
		t.Error("no set must change nothing")
	}
}

// TestAgree: two keys of the same writing agree whatever the spacing,
// case and date padding; different values do not.
func TestAgree(t *testing.T) {
	for _, tc := range []struct {
		kind forms.Kind
		a, b string
		want bool
	}{
		{forms.KindDigits, "7535 8447", "75358447", true},
		{forms.KindDigits, "213-555-0147", "2135550147", true},
		{forms.KindDigits, "75358447", "75358441", false},
		{forms.KindText, "  mary  ann ", "MARY ANN", true},
		{forms.KindText, "Mary", "Marv", false},
		{forms.KindDate, "1/5/2026", "01/05/2026", true},
		{forms.KindDate, "01/05/2026", "01/06/2026", false},
		{forms.KindMark, "r", "R", true},
		{forms.KindMark, "A", "R", false},
		{forms.KindSignature, "present", "absent", false},
	} {
		if got := Agree(tc.kind, tc.a, tc.b); got != tc.want {
			t.Errorf("Agree(%s, %q, %q) = %v, want %v", tc.kind, tc.a, tc.b, got, tc.want)
		}
	}
}
