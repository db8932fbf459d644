package config_test

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/config"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		problems []string // substrings, one per problem, in sorted order
		work     []string // Flags("work") when valid
		serve    []string // Flags("serve") when valid
	}{
		{name: "empty"},
		{
			name:  "work and serve",
			text:  "[work]\nworkers = 4\nstop-timeout = \"1m30s\"\nmetrics-addr = \"127.0.0.1:9464\"\n[serve]\naddr = \"0.0.0.0:8443\"\nsecure-cookies = true\n",
			work:  []string{"--workers=4", "--stop-timeout=1m30s", "--metrics-addr=127.0.0.1:9464"},
			serve: []string{"--addr=0.0.0.0:8443", "--secure-cookies=true"},
		},
		{
			name: "notices",
			text: "[work]\nsmtp-from = \"Intake <intake@lausd.net>\"\nfax-gateways = \"fax@lausd.net, *@efax.com\"\nforms-url = \"https://misis.lausd.net/forms\"\n",
			work: []string{"--smtp-from=Intake <intake@lausd.net>", "--fax-gateways=fax@lausd.net, *@efax.com", "--forms-url=https://misis.lausd.net/forms"},
		},
		{name: "batch wait", text: "[work]\nbatch-wait = \"72h\"\n", work: []string{"--batch-wait=72h0m0s"}},
		{name: "log", text: "[log]\nformat = \"json\"\nlevel = \"debug\"\n"},
		{name: "unknown key", text: "[work]\nworker = 4\n", problems: []string{"work.worker: unknown setting"}},
		{name: "unknown section", text: "[worker]\nworkers = 4\n", problems: []string{"worker.workers: unknown setting"}},
		{name: "database url is a secret", text: "[database]\nurl = \"postgres://u:p@h/db\"\n", problems: []string{"database.url: secrets do not belong in the file"}},
		{name: "imap url is a secret", text: "[work]\nimap-url = \"imaps://u:p@h/INBOX\"\n", problems: []string{"work.imap-url: secrets do not belong in the file; set INTAKE_IMAP_URL"}},
		{name: "qa seed is a secret", text: "[work]\nqa-seed = \"district-seed\"\n", problems: []string{"work.qa-seed: secrets do not belong in the file; set INTAKE_QA_SEED"}},
		{name: "bad duration", text: "[serve]\nclaim = \"15 minutes\"\n", problems: []string{`"15 minutes" is not a duration`}},
		{name: "zero duration", text: "[work]\nstop-timeout = \"0s\"\n", problems: []string{"work.stop-timeout: 0s: want a positive duration"}},
		{name: "no batch wait", text: "[work]\nbatch-wait = \"0s\"\n", problems: []string{"work.batch-wait: 0s: want a positive duration"}},
		{name: "bad batch wait", text: "[work]\nbatch-wait = \"2 days\"\n", problems: []string{`"2 days" is not a duration`}},
		{name: "wrong type", text: "[work]\nworkers = \"four\"\n", problems: []string{"workers"}},
		{name: "not toml", text: "[work\nworkers = 4\n", problems: []string{"line 2: expected '.' or ']' to end table name"}},
		{name: "negative workers", text: "[work]\nworkers = -1\n", problems: []string{"work.workers: -1"}},
		{name: "no attempts", text: "[work]\nmax-attempts = 0\n", problems: []string{"work.max-attempts: 0: want 1 or more"}},
		{name: "bad log format", text: "[log]\nformat = \"xml\"\n", problems: []string{`log.format: "xml": want text or json`}},
		{name: "bad log level", text: "[log]\nlevel = \"loud\"\n", problems: []string{`log.level: "loud": want debug, info, warn or error`}},
		{name: "address without port", text: "[serve]\naddr = \"localhost\"\n", problems: []string{`serve.addr: "localhost": want HOST:PORT`}},
		{name: "api off loopback", text: "[serve]\napi-addr = \"0.0.0.0:8081\"\n", problems: []string{"serve.api-addr: \"0.0.0.0:8081\": this address serves without sign-in"}},
		{name: "api on loopback", text: "[serve]\napi-addr = \"127.0.0.1:8081\"\n", serve: []string{"--api-addr=127.0.0.1:8081"}},
		{name: "bad sender", text: "[work]\nsmtp-from = \"intake\"\n", problems: []string{`work.smtp-from: "intake": want an e-mail address`}},
		{name: "bad forms url", text: "[work]\nforms-url = \"misis.lausd.net\"\n", problems: []string{"work.forms-url"}},
		{
			name:     "every problem at once",
			text:     "[log]\nformat = \"xml\"\n[work]\nworkers = -2\nwhat = 1\n",
			problems: []string{"log.format", "work.what: unknown setting", "work.workers: -2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse("test.toml", tt.text)
			if len(tt.problems) > 0 {
				var ce *config.Error
				if !errors.As(err, &ce) || !errors.Is(err, config.ErrInvalid) {
					t.Fatalf("Parse: %v, want a *config.Error", err)
				}
				if len(ce.Problems) != len(tt.problems) {
					t.Fatalf("problems %q, want %d like %q", ce.Problems, len(tt.problems), tt.problems)
				}
				for i, want := range tt.problems {
					if !strings.Contains(ce.Problems[i], want) {
						t.Errorf("problem %d: %q, want it to contain %q", i, ce.Problems[i], want)
					}
				}
				if !strings.HasPrefix(err.Error(), "test.toml: ") {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := c.Flags("work"); !slices.Equal(got, tt.work) {
				t.Errorf("Flags(work) = %q, want %q", got, tt.work)
			}
			if got := c.Flags("serve"); !slices.Equal(got, tt.serve) {
				t.Errorf("Flags(serve) = %q, want %q", got, tt.serve)
			}
		})
	}
}

// TestSecrets: every environment variable the commands read a secret
// from is listed, so that `intake config check` reports it as set or not
// set and never prints it; the generic advice names them all.
func TestSecrets(t *testing.T) {
	for _, env := range []string{"DATABASE_URL", "INTAKE_IMAP_URL", "INTAKE_SMTP_URL", "INTAKE_QA_SEED"} {
		if !slices.Contains(config.Secrets, env) {
			t.Errorf("Secrets = %q, want it to list %s", config.Secrets, env)
		}
	}
	_, err := config.Parse("test.toml", "[work]\npassword = \"x\"\n")
	if err == nil || !strings.Contains(err.Error(), "INTAKE_QA_SEED") {
		t.Errorf("a password in the file: %v, want advice naming every secret's variable", err)
	}
}

// TestExampleFile: the shipped example is valid as it is, and with every
// setting uncommented it is still valid and sets every flag of every
// section, so that the example documents them all.
func TestExampleFile(t *testing.T) {
	b, err := os.ReadFile("../deploy/intake.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.Parse("intake.example.toml", string(b)); err != nil {
		t.Fatalf("the example as shipped: %v", err)
	}
	uncommented := regexp.MustCompile(`(?m)^#([a-z-]+ = )`).ReplaceAllString(string(b), "$1")
	c, err := config.Parse("intake.example.toml (uncommented)", uncommented)
	if err != nil {
		t.Fatalf("the example with every setting on: %v", err)
	}
	for _, cmd := range config.Commands() {
		var set []string
		for _, f := range c.Flags(cmd) {
			name, _, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
			set = append(set, name)
		}
		if want := config.FlagNames(cmd); !slices.Equal(set, want) {
			t.Errorf("[%s] in the example sets %q, want every setting %q", cmd, set, want)
		}
	}
	if !c.Set("log.format") || !c.Set("log.level") {
		t.Error("the example does not document [log] format and level")
	}
}
