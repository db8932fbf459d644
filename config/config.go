package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/lausd/misis-intake/quality"
)

// Config is a parsed configuration file. The zero Config (no file) leaves
// every setting at its default.
type Config struct {
	Log    Log             `toml:"log"`
	Work   Work            `toml:"work"`
	Serve  Serve           `toml:"serve"`
	Rules  Rules           `toml:"rules"`
	keys   map[string]bool // the keys the file sets, "section.key"
	source string
}

// Log configures the structured logs of every command.
type Log struct {
	Format string `toml:"format"` // text (default) or json
	Level  string `toml:"level"`  // debug, info, warn (default) or error
}

// Work configures `intake work`.
type Work struct {
	Workers       int      `toml:"workers"`        // 0: one per CPU
	MaxAttempts   int      `toml:"max-attempts"`   // default 5
	StopTimeout   Duration `toml:"stop-timeout"`   // default 30s
	MetricsAddr   string   `toml:"metrics-addr"`   // default none
	SMTPFrom      string   `toml:"smtp-from"`      // the notices' From
	HelpdeskEmail string   `toml:"helpdesk-email"` // where unaddressable notices go
	FaxGateways   string   `toml:"fax-gateways"`   // comma-separated senders relaying for others
	FormsURL      string   `toml:"forms-url"`      // where the forms are posted
	// BatchWait is how long a batch-removal form missing some of its pages
	// waits for them (validate.Config.BatchWait); default 48h.
	BatchWait Duration `toml:"batch-wait"`
	// Quality checks (package quality).
	HighRiskFields string  `toml:"high-risk-fields"` // double-keyed fields; default employee_number@removal,row*.employee_number
	QASampleRate   float64 `toml:"qa-sample-rate"`   // share of untouched accepted forms keyed for QA; default 0.02
}

// Serve configures `intake serve`.
type Serve struct {
	Addr          string   `toml:"addr"`           // default 127.0.0.1:8080
	APIAddr       string   `toml:"api-addr"`       // default none; loopback only
	SecureCookies bool     `toml:"secure-cookies"` // default false
	SessionIdle   Duration `toml:"session-idle"`   // default 30m
	Claim         Duration `toml:"claim"`          // default 15m
	// QAErrorLimit is the error rate of auto-accepted values above which
	// the QA alert is raised; default 0.005.
	QAErrorLimit float64 `toml:"qa-error-limit"`
}

// Duration is a time.Duration written as "30s", "15m" or "1h30m".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (write 30s, 15m or 1h30m)", b)
	}
	d.Duration = v
	return nil
}

// Secrets are the environment variables that hold what the file must not.
// INTAKE_QA_SEED keys the QA sample (quality.Sampled): whoever knows it
// can tell which forms will be keyed again.
var Secrets = []string{"DATABASE_URL", "INTAKE_IMAP_URL", "INTAKE_SMTP_URL", "INTAKE_QA_SEED"}

// secretKeys maps keys someone might put in the file to the variable that
// holds them instead.
var secretKeys = map[string]string{
	"url": "", "database-url": "DATABASE_URL", "database_url": "DATABASE_URL",
	"imap-url": "INTAKE_IMAP_URL", "imap_url": "INTAKE_IMAP_URL",
	"smtp-url": "INTAKE_SMTP_URL", "smtp_url": "INTAKE_SMTP_URL", "password": "",
	"qa-seed": "INTAKE_QA_SEED", "qa_seed": "INTAKE_QA_SEED",
}

// ErrInvalid is wrapped by every error Parse and Load return for a file
// that is not a valid configuration.
var ErrInvalid = errors.New("config: invalid")

// Error lists everything wrong with a file.
type Error struct {
	Source   string
	Problems []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.Source, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

// Load reads and checks the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, string(b))
}

// Parse reads and checks a configuration; source names it in errors.
func Parse(source, text string) (*Config, error) {
	c := &Config{source: source, keys: map[string]bool{}}
	md, err := toml.Decode(text, c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Source: source, Problems: []string{fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)}}
		}
		return nil, &Error{Source: source, Problems: []string{err.Error()}}
	}
	var problems []string
	for _, k := range md.Undecoded() {
		key := k.String()
		if t := md.Type(k...); t == "Hash" || t == "Table" {
			continue // its keys are reported
		}
		last := k[len(k)-1]
		if last == "url" && k[0] == "database" {
			last = "database-url"
		}
		if env, ok := secretKeys[last]; ok {
			if env == "" {
				problems = append(problems, fmt.Sprintf("%s: secrets do not belong in the file; set %s in the environment", key, strings.Join(Secrets, ", ")))
			} else {
				problems = append(problems, fmt.Sprintf("%s: secrets do not belong in the file; set %s in the environment", key, env))
			}
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: unknown setting", key))
	}
	for _, k := range md.Keys() {
		if len(k) == 2 {
			c.keys[k.String()] = true
		}
	}
	problems = append(problems, c.check()...)
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, &Error{Source: source, Problems: problems}
	}
	return c, nil
}

// check returns what is wrong with the values set.
func (c *Config) check() []string {
	var p []string
	bad := func(key, format string, args ...any) {
		if c.keys[key] {
			p = append(p, key+": "+fmt.Sprintf(format, args...))
		}
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		bad("log.format", "%q: want text or json", c.Log.Format)
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		bad("log.level", "%v", err)
	}
	if c.Work.Workers < 0 {
		bad("work.workers", "%d: want 0 (one per CPU) or more", c.Work.Workers)
	}
	if c.Work.MaxAttempts < 1 {
		bad("work.max-attempts", "%d: want 1 or more", c.Work.MaxAttempts)
	}
	if c.Work.StopTimeout.Duration <= 0 {
		bad("work.stop-timeout", "%s: want a positive duration", c.Work.StopTimeout.Duration)
	}
	if err := checkAddr(c.Work.MetricsAddr, false); err != nil {
		bad("work.metrics-addr", "%v", err)
	}
	for key, v := range map[string]string{"work.smtp-from": c.Work.SMTPFrom, "work.helpdesk-email": c.Work.HelpdeskEmail} {
		if !strings.Contains(v, "@") {
			bad(key, "%q: want an e-mail address", v)
		}
	}
	for _, g := range strings.Split(c.Work.FaxGateways, ",") {
		if !strings.Contains(strings.TrimSpace(g), "@") {
			bad("work.fax-gateways", "%q: want comma-separated user@host or *@host", c.Work.FaxGateways)
			break
		}
	}
	if u, err := url.Parse(c.Work.FormsURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("work.forms-url", "%q: want an http:// or https:// address", c.Work.FormsURL)
	}
	if c.Work.BatchWait.Duration <= 0 {
		bad("work.batch-wait", "%s: want a positive duration, e.g. 48h", c.Work.BatchWait.Duration)
	}
	if _, err := quality.ParseRules(c.Work.HighRiskFields); err != nil {
		bad("work.high-risk-fields", "%v", err)
	}
	if c.Work.QASampleRate < 0 || c.Work.QASampleRate > 1 {
		bad("work.qa-sample-rate", "%v: want a share from 0 to 1, e.g. 0.02", c.Work.QASampleRate)
	}
	c.checkRules(bad)
	if c.Serve.QAErrorLimit <= 0 || c.Serve.QAErrorLimit >= 1 {
		bad("serve.qa-error-limit", "%v: want a share between 0 and 1, e.g. 0.005", c.Serve.QAErrorLimit)
	}
	if err := checkAddr(c.Serve.Addr, false); err != nil {
		bad("serve.addr", "%v", err)
	}
	if err := checkAddr(c.Serve.APIAddr, true); err != nil {
		bad("serve.api-addr", "%v", err)
	}
	if c.Serve.SessionIdle.Duration <= 0 {
		bad("serve.session-idle", "%s: want a positive duration", c.Serve.SessionIdle.Duration)
	}
	if c.Serve.Claim.Duration <= 0 {
		bad("serve.claim", "%s: want a positive duration", c.Serve.Claim.Duration)
	}
	return p
}

// checkAddr checks a HOST:PORT listening address ("" is none); loopback
// requires a loopback host.
func checkAddr(addr string, loopback bool) error {
	if addr == "" {
		return nil // not served
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
	}
	if loopback {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("%q: this address serves without sign-in; keep it on loopback (127.0.0.1)", addr)
		}
	}
	return nil
}

// ParseLevel reads a log level: debug, info, warn or error; "" is warn.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return LevelDebug, nil
	case "info":
		return LevelInfo, nil
	case "", "warn", "warning":
		return LevelWarn, nil
	case "error":
		return LevelError, nil
	}
	return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
}

// Level is a log level, as slog.Level.
type Level int

// The levels, with slog's values.
const (
	LevelDebug Level = -4
	LevelInfo  Level = 0
	LevelWarn  Level = 4
	LevelError Level = 8
)

// Set reports whether the file sets section.key.
func (c *Config) Set(key string) bool { return c != nil && c.keys[key] }

// bindings are the command flags each section's keys set.
var bindings = map[string][]string{
	"work":  {"workers", "max-attempts", "stop-timeout", "metrics-addr", "smtp-from", "helpdesk-email", "fax-gateways", "forms-url", "batch-wait", "high-risk-fields", "qa-sample-rate"},
	"serve": {"addr", "api-addr", "secure-cookies", "session-idle", "claim", "qa-error-limit"},
	"rules": {"academic-year-end", "max-request-age", "min-identify-confidence"},
}

// sections are the sections each command takes flags from: its own, and
// [rules] for every command that decides forms (AddRuleFlags).
var sections = map[string][]string{
	"work":  {"work", "rules"},
	"serve": {"serve", "rules"},
	"eval":  {"rules"},
	"demo":  {"rules"},
}

// Flags returns the flags the file sets for command, as command-line
// arguments ("--workers", "4", ...), to be put before the command line's
// own so that those win. Commands that take no section get none.
func (c *Config) Flags(command string) []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, section := range sections[command] {
		for _, name := range bindings[section] {
			if !c.keys[section+"."+name] {
				continue
			}
			out = append(out, "--"+name+"="+c.value(section, name))
		}
	}
	return out
}

// FlagNames returns the flags the file may set for a command, for the
// tests that check each command has them.
func FlagNames(command string) []string {
	var out []string
	for _, section := range sections[command] {
		out = append(out, bindings[section]...)
	}
	return out
}

// Commands returns the commands that take settings from the file.
func Commands() []string {
	out := make([]string, 0, len(sections))
	for c := range sections {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func (c *Config) value(section, name string) string {
	switch section + "." + name {
	case "work.workers":
		return fmt.Sprint(c.Work.Workers)
	case "work.max-attempts":
		return fmt.Sprint(c.Work.MaxAttempts)
	case "work.stop-timeout":
		return c.Work.StopTimeout.String()
	case "work.metrics-addr":
		return c.Work.MetricsAddr
	case "work.smtp-from":
		return c.Work.SMTPFrom
	case "work.helpdesk-email":
		return c.Work.HelpdeskEmail
	case "work.fax-gateways":
		return c.Work.FaxGateways
	case "work.forms-url":
		return c.Work.FormsURL
	case "work.batch-wait":
		return c.Work.BatchWait.String()
	case "work.high-risk-fields":
		return c.Work.HighRiskFields
	case "work.qa-sample-rate":
		return fmt.Sprint(c.Work.QASampleRate)
	case "rules.academic-year-end":
		y, _ := parseYearEnd(c.Rules.AcademicYearEnd) // checked by Parse
		return y.String()
	case "rules.max-request-age":
		a, _ := c.maxRequestAge() // checked by Parse
		return a.String()
	case "rules.min-identify-confidence":
		v := confidence(c.Rules.MinIdentifyConfidence)
		return v.String()
	case "serve.qa-error-limit":
		return fmt.Sprint(c.Serve.QAErrorLimit)
	case "serve.addr":
		return c.Serve.Addr
	case "serve.api-addr":
		return c.Serve.APIAddr
	case "serve.secure-cookies":
		return fmt.Sprint(c.Serve.SecureCookies)
	case "serve.session-idle":
		return c.Serve.SessionIdle.String()
	case "serve.claim":
		return c.Serve.Claim.String()
	}
	panic("config: no value for " + section + "." + name)
}
