package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// TestRuleSettingsReachEval: the rules settings, from the file's [rules]
// section and from the command line (which wins), change what intake eval
// decides. The submission is a typed district-staff form the machine
// accepts on its own, with its request date 22 days before its as-of day.
func TestRuleSettingsReachEval(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".eml", ".json"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/sample", "sub-0002"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sub-0002"+ext), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "rules.toml")
	if err := os.WriteFile(file, []byte("[rules]\nmax-request-age = 21\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // the outcome, truth->machine
	}{
		{"defaults", nil, "accept->accept"},
		{"request 22 days old, 22 allowed", []string{"--max-request-age=22"}, "accept->accept"},
		{"request 22 days old, 21 allowed", []string{"--max-request-age=21"}, "accept->reject"},
		{"21 allowed by the file", []string{"--config", file}, "accept->reject"},
		{"the command line wins over the file", []string{"--config", file, "--max-request-age=off"}, "accept->accept"},
		{"identification never sure enough", []string{"--min-identify-confidence=1"}, "accept->review"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"eval", dir, "--json", "--workers", "1",
				"--roster", "../../testdata/roster.csv", "--locations", "../../testdata/locations.csv"}, tt.args...)
			out := mustIntake(t, args...)
			var rep struct {
				Decisions struct {
					Outcomes map[string]int `json:"outcomes"`
				} `json:"decisions"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if want := map[string]int{tt.want: 1}; !maps.Equal(rep.Decisions.Outcomes, want) {
				t.Errorf("outcomes %v, want %v", rep.Decisions.Outcomes, want)
			}
		})
	}
}
