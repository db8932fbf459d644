package validate

import (
	"fmt"
	"time"
	_ "time/tzdata" // the district's time zone must resolve on any host
)

// Config holds the settings of the rules. The zero value is the district's
// policy; each field documents its default.
type Config struct {
	// YearEndMonth and YearEndDay give the last day of the academic year,
	// when mirror access ends. Zero means 30 June.
	YearEndMonth time.Month
	YearEndDay   int
	// MaxRequestAgeDays is how many days old a request date may be. Zero
	// means 90; a negative value turns the limit off.
	MaxRequestAgeDays int
	// MinIdentifyConfidence is the confidence below which the form's
	// family and revision are not trusted: the form goes to review instead
	// of being rejected or judged. Zero means 0.8.
	MinIdentifyConfidence float64
	// BatchWait is how long a batch-removal form that arrived without
	// some of its pages ("Page N of M") waits for a later message to bring
	// them before it goes to review as it is. Zero means DefaultBatchWait
	// (48 hours).
	BatchWait time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Zone is the time zone in which "today" is judged. Nil means
	// America/Los_Angeles.
	Zone *time.Location
}

// Defaults of Config.
const (
	DefaultYearEndMonth          = time.June
	DefaultYearEndDay            = 30
	DefaultMaxRequestAgeDays     = 90
	DefaultMinIdentifyConfidence = 0.8
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() (Config, error) {
	if c.YearEndMonth == 0 && c.YearEndDay == 0 {
		c.YearEndMonth, c.YearEndDay = DefaultYearEndMonth, DefaultYearEndDay
	}
	if c.MaxRequestAgeDays == 0 {
		c.MaxRequestAgeDays = DefaultMaxRequestAgeDays
	}
	if c.MinIdentifyConfidence == 0 {
		c.MinIdentifyConfidence = DefaultMinIdentifyConfidence
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Zone == nil {
		z, err := time.LoadLocation("America/Los_Angeles")
		if err != nil {
			return c, fmt.Errorf("validate: load time zone: %w", err)
		}
		c.Zone = z
	}
	if c.YearEndMonth < time.January || c.YearEndMonth > time.December {
		return c, fmt.Errorf("validate: academic year end month %d is not a month", c.YearEndMonth)
	}
	// 2001 is not a leap year, so 29 February is refused: the year end
	// must exist every year.
	if !(Date{2001, c.YearEndMonth, c.YearEndDay}).Valid() {
		return c, fmt.Errorf("validate: academic year end %s %d is not a day of every year", c.YearEndMonth, c.YearEndDay)
	}
	if c.MinIdentifyConfidence < 0 || c.MinIdentifyConfidence > 1 {
		return c, fmt.Errorf("validate: identification confidence threshold %v is not in [0,1]", c.MinIdentifyConfidence)
	}
	return c, nil
}

// today returns the current date in the configured zone.
func (c Config) today() Date {
	return DateOf(c.Now().In(c.Zone))
}

// YearEnd returns the last day of the academic year that d falls in: the
// configured year end on or after d. A request on the last day of the
// year ends that day; one on the day after ends a year later.
func (c Config) YearEnd(d Date) (Date, error) {
	c, err := c.withDefaults()
	if err != nil {
		return Date{}, err
	}
	return c.yearEnd(d), nil
}

func (c Config) yearEnd(d Date) Date {
	end := Date{d.Year, c.YearEndMonth, c.YearEndDay}
	if d.After(end) {
		end.Year++
	}
	return end
}
