package config_test

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lausd/misis-intake/config"
	"github.com/lausd/misis-intake/validate"
)

// ruleConfig parses args as a command that decides forms would (with
// --batch-wait when batch) and returns the rules' configuration.
func ruleConfig(t *testing.T, batch bool, args []string, asOf string) (validate.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rf := config.AddRuleFlags(fs)
	if batch {
		rf.AddBatchWait(fs)
	}
	if err := fs.Parse(args); err != nil {
		return validate.Config{}, err
	}
	return rf.Rules(asOf)
}

// TestRuleFlags: each setting's flag, on both sides of each bound, and
// the validate.Config it gives. --batch-wait is a flag only of the
// commands that hold batches waiting for pages (AddBatchWait).
func TestRuleFlags(t *testing.T) {
	defaults := validate.Config{
		YearEndMonth: time.June, YearEndDay: 30, MaxRequestAgeDays: 90,
		MinIdentifyConfidence: 0.8, BatchWait: 48 * time.Hour,
	}
	with := func(f func(*validate.Config)) validate.Config {
		c := defaults
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		args    []string
		noBatch bool // without AddBatchWait
		want    validate.Config
		wantErr string // substring of the error; "" for none
	}{
		{name: "defaults", want: defaults},

		{name: "year end 06-30", args: []string{"--academic-year-end=06-30"}, want: defaults},
		{name: "year end 07-31", args: []string{"--academic-year-end", "07-31"}, want: with(func(c *validate.Config) { c.YearEndMonth, c.YearEndDay = time.July, 31 })},
		{name: "year end 06-31", args: []string{"--academic-year-end=06-31"}, wantErr: "06-31 is not a day of the year"},
		{name: "year end 01-01", args: []string{"--academic-year-end=01-01"}, want: with(func(c *validate.Config) { c.YearEndMonth, c.YearEndDay = time.January, 1 })},
		{name: "year end 01-00", args: []string{"--academic-year-end=01-00"}, wantErr: "01-00 is not a day of the year"},
		{name: "year end 00-15", args: []string{"--academic-year-end=00-15"}, wantErr: "00-15 is not a day of the year"},
		{name: "year end 12-31", args: []string{"--academic-year-end=12-31"}, want: with(func(c *validate.Config) { c.YearEndMonth, c.YearEndDay = time.December, 31 })},
		{name: "year end 12-32", args: []string{"--academic-year-end=12-32"}, wantErr: "12-32 is not a day of the year"},
		{name: "year end 13-01", args: []string{"--academic-year-end=13-01"}, wantErr: "13-01 is not a day of the year"},
		{name: "year end 02-28", args: []string{"--academic-year-end=02-28"}, want: with(func(c *validate.Config) { c.YearEndMonth, c.YearEndDay = time.February, 28 })},
		{name: "year end 02-29", args: []string{"--academic-year-end=02-29"}, wantErr: "02-29 is not a day of every year"},
		{name: "year end 02-30", args: []string{"--academic-year-end=02-30"}, wantErr: "02-30 is not a day of the year"},
		{name: "year end without zeros", args: []string{"--academic-year-end=6-30"}, wantErr: `"6-30": want MM-DD, e.g. 06-30`},
		{name: "year end in words", args: []string{"--academic-year-end=June 30"}, wantErr: "want MM-DD"},

		{name: "request age 1", args: []string{"--max-request-age=1"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = 1 })},
		{name: "request age 0", args: []string{"--max-request-age=0"}, wantErr: "0: want 1 or more days, or off"},
		{name: "request age 365", args: []string{"--max-request-age", "365"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = 365 })},
		{name: "request age off", args: []string{"--max-request-age=off"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = -1 })},
		{name: "request age OFF", args: []string{"--max-request-age=OFF"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = -1 })},
		{name: "request age -1", args: []string{"--max-request-age=-1"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = -1 })},
		{name: "request age -30", args: []string{"--max-request-age=-30"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = -1 })},
		{name: "request age in part days", args: []string{"--max-request-age=1.5"}, wantErr: `"1.5": want a whole number of days`},
		{name: "request age in words", args: []string{"--max-request-age=ninety"}, wantErr: "want a whole number of days, e.g. 90, or off"},

		{name: "confidence 1", args: []string{"--min-identify-confidence=1"}, want: with(func(c *validate.Config) { c.MinIdentifyConfidence = 1 })},
		{name: "confidence above 1", args: []string{"--min-identify-confidence=1.01"}, wantErr: "1.01: want a confidence above 0 and at most 1"},
		{name: "confidence 0.01", args: []string{"--min-identify-confidence=0.01"}, want: with(func(c *validate.Config) { c.MinIdentifyConfidence = 0.01 })},
		{name: "confidence 0", args: []string{"--min-identify-confidence=0"}, wantErr: "0: want a confidence above 0 and at most 1"},
		{name: "confidence negative", args: []string{"--min-identify-confidence=-0.5"}, wantErr: "-0.5: want a confidence above 0"},
		{name: "confidence NaN", args: []string{"--min-identify-confidence=NaN"}, wantErr: "NaN: want a confidence above 0"},
		{name: "confidence in words", args: []string{"--min-identify-confidence=high"}, wantErr: `"high": want a confidence`},

		{name: "batch wait 72h", args: []string{"--batch-wait=72h"}, want: with(func(c *validate.Config) { c.BatchWait = 72 * time.Hour })},
		{name: "batch wait 1s", args: []string{"--batch-wait=1s"}, want: with(func(c *validate.Config) { c.BatchWait = time.Second })},
		{name: "batch wait 0s", args: []string{"--batch-wait=0s"}, wantErr: "0s: want a positive duration, e.g. 48h"},
		{name: "batch wait negative", args: []string{"--batch-wait=-1h"}, wantErr: "-1h0m0s: want a positive duration"},
		{name: "batch wait in words", args: []string{"--batch-wait=2 days"}, wantErr: `"2 days" is not a duration`},
		{name: "batch wait not a flag of the command", noBatch: true, args: []string{"--batch-wait=72h"}, wantErr: "flag provided but not defined: -batch-wait"},
		{name: "batch wait default without the flag", noBatch: true, want: defaults},

		{name: "the last flag wins", args: []string{"--max-request-age=30", "--max-request-age=off"}, want: with(func(c *validate.Config) { c.MaxRequestAgeDays = -1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ruleConfig(t, !tt.noBatch, tt.args, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Now != nil {
				t.Error("Now is set without an as-of day")
			}
			if !sameRules(got, tt.want) {
				t.Errorf("Rules = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestRulesAsOf: an as-of day stops the rules' clock at midday of that
// day in Los Angeles, so that the day before and after are not taken.
func TestRulesAsOf(t *testing.T) {
	c, err := ruleConfig(t, false, nil, "2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	if c.Now == nil {
		t.Fatal("Now is nil with an as-of day")
	}
	if got := c.Now().In(la); got.Format("2006-01-02") != "2026-11-20" || got.Hour() != 12 {
		t.Errorf("Now() = %s in Los Angeles, want midday of 2026-11-20", got)
	}
	for _, bad := range []string{"2026-11-31", "11/20/2026", "today"} {
		if _, err := ruleConfig(t, false, nil, bad); err == nil || !strings.Contains(err.Error(), "want a day YYYY-MM-DD") {
			t.Errorf("as-of %q: %v, want an error", bad, err)
		}
	}
}

// TestRulesReachValidate: the year end set by the flag is the one the
// rules end mirror access on, on both sides of it.
func TestRulesReachValidate(t *testing.T) {
	c, err := ruleConfig(t, false, []string{"--academic-year-end=07-31"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ day, end validate.Date }{
		{validate.Date{Year: 2026, Month: time.July, Day: 31}, validate.Date{Year: 2026, Month: time.July, Day: 31}},
		{validate.Date{Year: 2026, Month: time.August, Day: 1}, validate.Date{Year: 2027, Month: time.July, Day: 31}},
	} {
		got, err := c.YearEnd(tt.day)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.end {
			t.Errorf("YearEnd(%v) = %v, want %v", tt.day, got, tt.end)
		}
	}
}

// TestRulesFile: the [rules] section is checked as the flags are, and
// its settings become flags of every command that decides forms, before
// the command line's own so that those win.
func TestRulesFile(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		flags    []string // Flags of work, serve, eval and demo each, after their own section's
		problems []string // substrings, one per problem, in sorted order
	}{
		{name: "none"},
		{
			name:  "every setting",
			text:  "[rules]\nacademic-year-end = \"07-31\"\nmax-request-age = 30\nmin-identify-confidence = 0.9\n",
			flags: []string{"--academic-year-end=07-31", "--max-request-age=30", "--min-identify-confidence=0.9"},
		},
		{name: "request age off", text: "[rules]\nmax-request-age = \"off\"\n", flags: []string{"--max-request-age=off"}},
		{name: "request age negative", text: "[rules]\nmax-request-age = -1\n", flags: []string{"--max-request-age=off"}},
		{name: "request age 1", text: "[rules]\nmax-request-age = 1\n", flags: []string{"--max-request-age=1"}},
		{name: "request age 0", text: "[rules]\nmax-request-age = 0\n", problems: []string{"rules.max-request-age: 0: want 1 or more days, or off"}},
		{name: "request age in part days", text: "[rules]\nmax-request-age = 1.5\n", problems: []string{"rules.max-request-age: 1.5: want a whole number of days"}},
		{name: "request age in words", text: "[rules]\nmax-request-age = \"never\"\n", problems: []string{`rules.max-request-age: "never": want a whole number of days`}},
		{name: "confidence 1", text: "[rules]\nmin-identify-confidence = 1\n", flags: []string{"--min-identify-confidence=1"}},
		{name: "confidence above 1", text: "[rules]\nmin-identify-confidence = 1.5\n", problems: []string{"rules.min-identify-confidence: 1.5: want a confidence above 0 and at most 1"}},
		{name: "confidence 0", text: "[rules]\nmin-identify-confidence = 0.0\n", problems: []string{"rules.min-identify-confidence: 0: want a confidence above 0"}},
		{name: "year end 12-31", text: "[rules]\nacademic-year-end = \"12-31\"\n", flags: []string{"--academic-year-end=12-31"}},
		{name: "year end 02-30", text: "[rules]\nacademic-year-end = \"02-30\"\n", problems: []string{"rules.academic-year-end: 02-30 is not a day of the year"}},
		{name: "year end 02-29", text: "[rules]\nacademic-year-end = \"02-29\"\n", problems: []string{"rules.academic-year-end: 02-29 is not a day of every year"}},
		{name: "year end as a date", text: "[rules]\nacademic-year-end = 2026-06-30\n", problems: []string{`"rules.academic-year-end"): incompatible types`}},
		{name: "unknown rule", text: "[rules]\nyear-end = \"06-30\"\n", problems: []string{"rules.year-end: unknown setting"}},
		{
			name:     "every problem at once",
			text:     "[rules]\nacademic-year-end = \"13-01\"\nmax-request-age = 0\nmin-identify-confidence = 2\n",
			problems: []string{"rules.academic-year-end: 13-01", "rules.max-request-age: 0", "rules.min-identify-confidence: 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse("test.toml", tt.text)
			if len(tt.problems) > 0 {
				var problems []string
				if ce, ok := err.(*config.Error); ok {
					problems = ce.Problems
				}
				if len(problems) != len(tt.problems) {
					t.Fatalf("Parse: %v, want %d problems like %q", err, len(tt.problems), tt.problems)
				}
				for i, want := range tt.problems {
					if !strings.Contains(problems[i], want) {
						t.Errorf("problem %d: %q, want it to contain %q", i, problems[i], want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for _, cmd := range []string{"work", "serve", "eval", "demo"} {
				if got := c.Flags(cmd); !slices.Equal(got, tt.flags) {
					t.Errorf("Flags(%s) = %q, want %q", cmd, got, tt.flags)
				}
			}
			for _, cmd := range []string{"process", "ingest", "calibrate"} {
				if got := c.Flags(cmd); len(got) != 0 {
					t.Errorf("Flags(%s) = %q, want none: it decides no form", cmd, got)
				}
			}
			// What the file sets parses as a command's flags.
			if _, err := ruleConfig(t, false, c.Flags("eval"), ""); err != nil {
				t.Errorf("the file's flags do not parse: %v", err)
			}
		})
	}
}

// TestRulesFileThenCommandLine: the file's settings reach the rules, and
// the command line's win over them.
func TestRulesFileThenCommandLine(t *testing.T) {
	c, err := config.Parse("test.toml", "[work]\nbatch-wait = \"72h\"\n[rules]\nacademic-year-end = \"07-31\"\nmax-request-age = 30\n")
	if err != nil {
		t.Fatal(err)
	}
	args := append(c.Flags("work"), "--max-request-age=off")
	fs := flag.NewFlagSet("work", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Int("workers", 1, "")
	rf := config.AddRuleFlags(fs)
	rf.AddBatchWait(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	got, err := rf.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	want := validate.Config{YearEndMonth: time.July, YearEndDay: 31, MaxRequestAgeDays: -1, MinIdentifyConfidence: 0.8, BatchWait: 72 * time.Hour}
	if !sameRules(got, want) {
		t.Errorf("Rules = %+v, want %+v", got, want)
	}
}

// sameRules compares the settings of two rules' configurations (a
// Config holds a func, so == does not compile).
func sameRules(a, b validate.Config) bool {
	return a.YearEndMonth == b.YearEndMonth && a.YearEndDay == b.YearEndDay &&
		a.MaxRequestAgeDays == b.MaxRequestAgeDays && a.MinIdentifyConfidence == b.MinIdentifyConfidence &&
		a.BatchWait == b.BatchWait && a.Zone == b.Zone
}
