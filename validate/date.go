package validate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar day, with no time or zone: the dates written on a
// form and the end date of mirror access.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real day of the Gregorian calendar.
func (d Date) Valid() bool {
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Month, d.Year)
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.time().Before(o.time()) }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.time().After(o.time()) }

// AddDays returns the day n days after d (before it when n is negative).
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// DaysSince returns how many days d is after o.
func (d Date) DaysSince(o Date) int {
	return int(d.time().Sub(o.time()).Hours() / 24)
}

// String formats d as the forms write it, MM/DD/YYYY.
func (d Date) String() string {
	return fmt.Sprintf("%02d/%02d/%04d", int(d.Month), d.Day, d.Year)
}

// ISO formats d as YYYY-MM-DD.
func (d Date) ISO() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalJSON writes d as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.ISO() + `"`), nil
}

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("validate: date %s is not a JSON string", b)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("validate: date %q is not YYYY-MM-DD", s)
	}
	*d = DateOf(t)
	return nil
}

// ErrNotDate is wrapped by every error of ParseDate.
var ErrNotDate = errors.New("not a date")

// Years accepted on a form. Anything outside is a misreading or a slip of
// the pen, not a date the district's rules can use.
const (
	minYear = 1900
	maxYear = 2999
)

// ParseDate reads a date as written on a form: month, day and year in that
// order, separated by '/', '-' or '.', e.g. "02/17/2022", "2/7/2022" or
// "2-7-22". Spaces are ignored. A two-digit year is in the 2000s. The date
// must be a real day; "02/30/2022" is an error wrapping ErrNotDate.
func ParseDate(s string) (Date, error) {
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t':
			return -1
		case '-', '.':
			return '/'
		}
		return r
	}, s)
	parts := strings.Split(compact, "/")
	if len(parts) != 3 {
		return Date{}, fmt.Errorf("%q is not MM/DD/YYYY: %w", s, ErrNotDate)
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 4 {
			return Date{}, fmt.Errorf("%q is not MM/DD/YYYY: %w", s, ErrNotDate)
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return Date{}, fmt.Errorf("%q is not MM/DD/YYYY: %w", s, ErrNotDate)
			}
		}
		n[i], _ = strconv.Atoi(p)
	}
	if len(parts[0]) > 2 || len(parts[1]) > 2 {
		return Date{}, fmt.Errorf("%q is not MM/DD/YYYY: %w", s, ErrNotDate)
	}
	year := n[2]
	switch len(parts[2]) {
	case 2:
		year += 2000
	case 4:
	default:
		return Date{}, fmt.Errorf("%q has a %d-digit year: %w", s, len(parts[2]), ErrNotDate)
	}
	d := Date{year, time.Month(n[0]), n[1]}
	if year < minYear || year > maxYear {
		return Date{}, fmt.Errorf("%q has year %d: %w", s, year, ErrNotDate)
	}
	if !d.Valid() {
		return Date{}, fmt.Errorf("%q is not a day of the calendar: %w", s, ErrNotDate)
	}
	return d, nil
}
