package config

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lausd/misis-intake/validate"
)

// Rules configures the district's rules (package validate) for every
// command that decides forms: intake work, serve (a reviewer's values are
// judged again), eval and demo. Each key is also a flag of those commands.
type Rules struct {
	// AcademicYearEnd is the last day of the academic year, MM-DD, when
	// mirror access ends; default 06-30.
	AcademicYearEnd string `toml:"academic-year-end"`
	// MaxRequestAge is how many days old a request date may be: a whole
	// number, or "off" (or a negative number) for no limit; default 90.
	MaxRequestAge any `toml:"max-request-age"`
	// MinIdentifyConfidence is the confidence, above 0 and at most 1,
	// below which a form's family and revision are not trusted and the
	// form goes to review; default 0.8.
	MinIdentifyConfidence float64 `toml:"min-identify-confidence"`
}

// RuleFlags are the rules settings of a command's command line (and of
// the file's [rules] section, which comes to the command as flags). Rules
// turns them into the validate.Config the command decides forms with.
type RuleFlags struct {
	yearEnd   yearEnd
	maxAge    requestAge
	identify  confidence
	batchWait positiveDuration
}

// AddRuleFlags registers the rules settings' flags on fs, each starting
// at the district's default: --academic-year-end, --max-request-age and
// --min-identify-confidence. A value out of bounds fails fs.Parse with the
// reason.
func AddRuleFlags(fs *flag.FlagSet) *RuleFlags {
	r := &RuleFlags{
		yearEnd:   yearEnd{validate.DefaultYearEndMonth, validate.DefaultYearEndDay},
		maxAge:    validate.DefaultMaxRequestAgeDays,
		identify:  validate.DefaultMinIdentifyConfidence,
		batchWait: positiveDuration(validate.DefaultBatchWait),
	}
	fs.Var(&r.yearEnd, "academic-year-end", "last day of the academic year, when mirror access ends, as `MM-DD`")
	fs.Var(&r.maxAge, "max-request-age", "how many `days` old a request date may be (off or a negative number: no limit)")
	fs.Var(&r.identify, "min-identify-confidence", "`confidence` (above 0, at most 1) below which a form's family and revision are not trusted and it goes to review")
	return r
}

// AddBatchWait registers --batch-wait on fs too, for the commands that
// hold a batch-removal form missing some of its pages (intake work).
func (r *RuleFlags) AddBatchWait(fs *flag.FlagSet) {
	fs.Var(&r.batchWait, "batch-wait", "how long a batch-removal form missing some of its pages waits for them before it goes to review as it is, a `duration` such as 72h")
}

// Rules returns the rules' configuration the flags give. asOf, when not
// empty, is a day (YYYY-MM-DD) on which to judge dates instead of today,
// to replay a corpus: the rules' clock stands at midday of that day in Los
// Angeles. Without it the clock is left to the caller (nil: time.Now).
func (r *RuleFlags) Rules(asOf string) (validate.Config, error) {
	c := validate.Config{
		YearEndMonth:          r.yearEnd.month,
		YearEndDay:            r.yearEnd.day,
		MaxRequestAgeDays:     int(r.maxAge),
		MinIdentifyConfidence: float64(r.identify),
		BatchWait:             time.Duration(r.batchWait),
	}
	if asOf != "" {
		day, err := time.ParseInLocation("2006-01-02", asOf, time.UTC)
		if err != nil {
			return validate.Config{}, fmt.Errorf("as-of %q: want a day YYYY-MM-DD", asOf)
		}
		noon := day.Add(20 * time.Hour) // midday in Los Angeles
		c.Now = func() time.Time { return noon }
	}
	return c, nil
}

// yearEnd is a day of the year, written MM-DD.
type yearEnd struct {
	month time.Month
	day   int
}

var monthDay = regexp.MustCompile(`^([0-9]{2})-([0-9]{2})$`)

func parseYearEnd(s string) (yearEnd, error) {
	m := monthDay.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return yearEnd{}, fmt.Errorf("%q: want MM-DD, e.g. 06-30", s)
	}
	month, _ := strconv.Atoi(m[1])
	day, _ := strconv.Atoi(m[2])
	y := yearEnd{time.Month(month), day}
	if y.month == time.February && y.day == 29 {
		return yearEnd{}, fmt.Errorf("%s is not a day of every year; the academic year must end on a day every year has (02-28 or 03-01)", s)
	}
	// 2001 is not a leap year.
	if !(validate.Date{Year: 2001, Month: y.month, Day: y.day}).Valid() {
		return yearEnd{}, fmt.Errorf("%s is not a day of the year", s)
	}
	return y, nil
}

func (y *yearEnd) String() string { return fmt.Sprintf("%02d-%02d", int(y.month), y.day) }

func (y *yearEnd) Set(s string) error {
	v, err := parseYearEnd(s)
	if err != nil {
		return err
	}
	*y = v
	return nil
}

// requestAge is a number of days; negative turns the limit off.
type requestAge int

func parseRequestAge(s string) (requestAge, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a whole number of days, e.g. 90, or off", s)
	}
	if n < 0 {
		return -1, nil
	}
	if n == 0 {
		return 0, errors.New("0: want 1 or more days, or off")
	}
	return requestAge(n), nil
}

func (a *requestAge) String() string {
	if *a < 0 {
		return "off"
	}
	return strconv.Itoa(int(*a))
}

func (a *requestAge) Set(s string) error {
	v, err := parseRequestAge(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// confidence is a share above 0 and at most 1.
type confidence float64

func parseConfidence(s string) (confidence, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a confidence above 0 and at most 1, e.g. 0.8", s)
	}
	return checkConfidence(v)
}

func checkConfidence(v float64) (confidence, error) {
	if math.IsNaN(v) || v <= 0 || v > 1 {
		return 0, fmt.Errorf("%v: want a confidence above 0 and at most 1, e.g. 0.8", v)
	}
	return confidence(v), nil
}

func (c *confidence) String() string { return strconv.FormatFloat(float64(*c), 'g', -1, 64) }

func (c *confidence) Set(s string) error {
	v, err := parseConfidence(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// positiveDuration is a duration above zero.
type positiveDuration time.Duration

func (d *positiveDuration) String() string { return time.Duration(*d).String() }

func (d *positiveDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (write 48h or 90m)", s)
	}
	if v <= 0 {
		return fmt.Errorf("%s: want a positive duration, e.g. 48h", v)
	}
	*d = positiveDuration(v)
	return nil
}

// checkRules returns what is wrong with the [rules] settings the file
// sets, as the flags would say it.
func (c *Config) checkRules(bad func(key, format string, args ...any)) {
	if _, err := parseYearEnd(c.Rules.AcademicYearEnd); err != nil {
		bad("rules.academic-year-end", "%v", err)
	}
	if _, err := c.maxRequestAge(); err != nil {
		bad("rules.max-request-age", "%v", err)
	}
	if _, err := checkConfidence(c.Rules.MinIdentifyConfidence); err != nil {
		bad("rules.min-identify-confidence", "%v", err)
	}
}

// maxRequestAge reads the file's max-request-age: an integer or a string.
func (c *Config) maxRequestAge() (requestAge, error) {
	switch v := c.Rules.MaxRequestAge.(type) {
	case int64:
		return parseRequestAge(strconv.FormatInt(v, 10))
	case string:
		return parseRequestAge(v)
	}
	return 0, fmt.Errorf("%v: want a whole number of days, e.g. 90, or \"off\"", c.Rules.MaxRequestAge)
}
