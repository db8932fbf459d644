package quality

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"

	"github.com/lausd/misis-intake/forms"
)

// Rule names a field that is keyed twice when a form is sent to review on
// it. Field is a field name or a pattern of path.Match ("row*.employee_number");
// OnRemoval limits the rule to forms that request a removal: an R in a role
// box, or any batch-removal form.
type Rule struct {
	Field     string
	OnRemoval bool
}

// String writes the rule as ParseRules reads it.
func (r Rule) String() string {
	if r.OnRemoval {
		return r.Field + "@removal"
	}
	return r.Field
}

// DefaultHighRisk are the double-keyed fields when none are configured:
// the employee number on any form that requests a removal, and every batch
// row's employee number.
var DefaultHighRisk = []Rule{{Field: "employee_number", OnRemoval: true}, {Field: "row*.employee_number"}}

// ParseRules reads a comma-separated list of rules, each FIELD or
// FIELD@removal, where FIELD may hold the wildcards of path.Match. An
// empty list is the defaults; "none" keys nothing twice.
func ParseRules(s string) ([]Rule, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return DefaultHighRisk, nil
	case "none":
		return []Rule{}, nil
	}
	var out []Rule
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		field, cond, has := strings.Cut(part, "@")
		if field == "" || (has && cond != "removal") {
			return nil, fmt.Errorf("quality: high-risk field %q: want FIELD or FIELD@removal", part)
		}
		if _, err := path.Match(field, ""); err != nil {
			return nil, fmt.Errorf("quality: high-risk field %q: %w", part, err)
		}
		out = append(out, Rule{Field: field, OnRemoval: has})
	}
	return out, nil
}

// Removal reports whether a reading requests a removal: an R in a role
// box, or any batch-removal form.
func Removal(reg *forms.Registry, rd *forms.Reading) bool {
	if f := reg.Family(rd.Family); f != nil && f.Kind == "batch" {
		return true
	}
	for name, v := range rd.Values {
		if strings.HasPrefix(name, "role.") && strings.EqualFold(strings.TrimSpace(v.Text), forms.MarkRem) {
			return true
		}
	}
	return false
}

// HighRisk returns, in order, the fields among names that rules double-key
// on this reading.
func HighRisk(rules []Rule, reg *forms.Registry, rd *forms.Reading, names []string) []string {
	removal := Removal(reg, rd)
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		for _, r := range rules {
			if r.OnRemoval && !removal {
				continue
			}
			if ok, _ := path.Match(r.Field, n); ok {
				out = append(out, n)
				seen[n] = true
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// KindOf returns the kind of a field of the revision (a table cell by its
// column), and false when the revision has no such field.
func KindOf(rev *forms.Revision, name string) (forms.Kind, bool) {
	if rev == nil {
		return "", false
	}
	if f := rev.Field(name); f != nil {
		return f.Kind, true
	}
	if _, col, ok := forms.SplitRowField(name); ok {
		for _, p := range rev.Pages {
			if p.Table == nil {
				continue
			}
			for _, c := range p.Table.Columns {
				if c.Name == col {
					return c.Kind, true
				}
			}
		}
	}
	return "", false
}

// Normal writes a value as two people keying the same writing would agree
// on it: spaces collapsed and case folded; digits only for a digits field;
// a date with two-digit month and day.
func Normal(kind forms.Kind, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	switch kind {
	case forms.KindDigits:
		return strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return r
			}
			return -1
		}, s)
	case forms.KindDate:
		parts := strings.Split(strings.ReplaceAll(s, " ", ""), "/")
		if len(parts) == 3 {
			for i := 0; i < 2; i++ {
				if len(parts[i]) == 1 {
					parts[i] = "0" + parts[i]
				}
			}
			return strings.Join(parts, "/")
		}
		return s
	case forms.KindMark, forms.KindSignature:
		return strings.ToLower(s) // marks compare as A/R in any case
	}
	return strings.ToUpper(s)
}

// Agree reports whether two values of a kind are the same value.
func Agree(kind forms.Kind, a, b string) bool { return Normal(kind, a) == Normal(kind, b) }

// QAFields returns the fields of a reading a QA sample keys: every value
// the engine accepted unchecked (Sure, from the engine) that the revision
// defines, in name order. Blank values are included: writing missed is an
// error too.
func QAFields(rev *forms.Revision, rd *forms.Reading) []string {
	var out []string
	for name, v := range rd.Values {
		if !v.Sure || (v.Source != "" && v.Source != forms.FromEngine) {
			continue
		}
		if _, ok := KindOf(rev, name); !ok {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
