package validate

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Owners of a location: the Central Office, or one of the six Local
// Districts.
const (
	OwnerCentralOffice = "Central Office"
	OwnerCentral       = "Central"
	OwnerEast          = "East"
	OwnerNortheast     = "Northeast"
	OwnerNorthwest     = "Northwest"
	OwnerSouth         = "South"
	OwnerWest          = "West"
)

// queues maps each owner to its provisioning queue.
var queues = map[string]string{
	OwnerCentralOffice: "central-office",
	OwnerCentral:       "ld-central",
	OwnerEast:          "ld-east",
	OwnerNortheast:     "ld-northeast",
	OwnerNorthwest:     "ld-northwest",
	OwnerSouth:         "ld-south",
	OwnerWest:          "ld-west",
}

// Queues returns the name of every provisioning queue, sorted.
func Queues() []string {
	out := make([]string, 0, len(queues))
	for _, q := range queues {
		out = append(out, q)
	}
	sort.Strings(out)
	return out
}

// QueueFor returns the provisioning queue of an owner, and false for an
// owner that is neither the Central Office nor a Local District.
func QueueFor(owner string) (string, bool) {
	q, ok := queues[owner]
	return q, ok
}

// Location is a school or office, identified by its location code.
type Location struct {
	Code  string `json:"location_code"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// Queue returns the provisioning queue of the location's owner.
func (l Location) Queue() string { return queues[l.Owner] }

// Locations looks locations up by code. found is false for an unknown
// code; err is for failures to look.
type Locations interface {
	Location(ctx context.Context, code string) (l Location, found bool, err error)
}

// MemLocations is a Locations held in memory, read from CSV.
type MemLocations struct {
	byCode map[string]Location
	order  []string
}

// LocationColumns is the header of the locations CSV.
var LocationColumns = []string{"location_code", "name", "owner"}

// ReadLocations reads the locations CSV. The header must name
// LocationColumns (in any order); the owner must be "Central Office" or a
// Local District (Central, East, Northeast, Northwest, South, West). Every
// bad row is reported as a *CSVError, all joined into one error.
func ReadLocations(r io.Reader) (*MemLocations, error) {
	rows, err := readCSV(r, LocationColumns)
	if err != nil {
		return nil, fmt.Errorf("read locations: %w", err)
	}
	m := &MemLocations{byCode: map[string]Location{}}
	firstLine := map[string]int{}
	var errs []error
	for _, row := range rows {
		bad := func(col, format string, args ...any) {
			errs = append(errs, &CSVError{Line: row.line, Column: col, Problem: fmt.Sprintf(format, args...)})
		}
		l := Location{Code: row.cells["location_code"], Name: row.cells["name"], Owner: canonicalOwner(row.cells["owner"])}
		ok := true
		if l.Code == "" || strings.Trim(l.Code, "0123456789") != "" {
			bad("location_code", "%q is not a number", l.Code)
			ok = false
		} else if prev, dup := firstLine[l.Code]; dup {
			bad("location_code", "location code also on line %d", prev)
			ok = false
		}
		if l.Name == "" {
			bad("name", "is empty")
			ok = false
		}
		if _, known := queues[l.Owner]; !known {
			bad("owner", "%q is neither Central Office nor a Local District (Central, East, Northeast, Northwest, South, West)", row.cells["owner"])
			ok = false
		}
		if ok {
			firstLine[l.Code] = row.line
			m.byCode[l.Code] = l
			m.order = append(m.order, l.Code)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("read locations: %w", errors.Join(errs...))
	}
	return m, nil
}

// canonicalOwner accepts an owner in any case, and "Local District East"
// for "East".
func canonicalOwner(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if rest, ok := cutPrefixFold(s, "Local District "); ok {
		s = rest
	} else if rest, ok := cutPrefixFold(s, "LD "); ok {
		s = rest
	}
	for owner := range queues {
		if strings.EqualFold(owner, s) {
			return owner
		}
	}
	return s
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// Location implements Locations.
func (m *MemLocations) Location(ctx context.Context, code string) (Location, bool, error) {
	if err := ctx.Err(); err != nil {
		return Location{}, false, err
	}
	l, ok := m.byCode[code]
	return l, ok, nil
}

// WriteLocations writes locations as the CSV ReadLocations reads.
func WriteLocations(w io.Writer, ls []Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(LocationColumns); err != nil {
		return fmt.Errorf("write locations: %w", err)
	}
	for _, l := range ls {
		if err := cw.Write([]string{l.Code, l.Name, l.Owner}); err != nil {
			return fmt.Errorf("write locations: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write locations: %w", err)
	}
	return nil
}

// NewMemLocations holds the locations given (the first of a code stands).
func NewMemLocations(ls []Location) *MemLocations {
	m := &MemLocations{byCode: map[string]Location{}}
	for _, l := range ls {
		if _, dup := m.byCode[l.Code]; !dup {
			m.byCode[l.Code] = l
			m.order = append(m.order, l.Code)
		}
	}
	return m
}

// All returns every location in file order.
func (m *MemLocations) All() []Location {
	out := make([]Location, 0, len(m.order))
	for _, c := range m.order {
		out = append(out, m.byCode[c])
	}
	return out
}

// Place returns the code of the one location whose name a school/office
// name read from a page is, within the noise of a hand and a fax: the
// nearest name by edit distance over its letters, at most placeNear of
// its length away, and at least placeLead nearer than any other, or, read
// to within a letter, two letters nearer (Local District West and East
// Office differ by two). A name of fewer than six letters names no place
// surely.
func (m *MemLocations) Place(name string) (code string, ok bool) {
	f := FoldName(name)
	if len(f) < 6 {
		return "", false
	}
	type near struct {
		letters int
		share   float64
	}
	best, second := near{1 << 30, 2}, near{1 << 30, 2}
	for _, c := range m.order {
		n := FoldName(m.byCode[c].Name)
		d := editDistance(f, n)
		x := near{d, float64(d) / float64(max(len(f), len(n)))}
		switch {
		case x.share < best.share:
			best, second, code = x, best, c
		case x.share < second.share:
			second = x
		}
	}
	clear := second.share-best.share >= placeLead || best.letters <= 1 && second.letters-best.letters >= 2
	if best.share > placeNear || !clear {
		return "", false
	}
	return code, true
}

// Differ reports whether two school/office names read from two pages name
// two places: each names one (Place) and they are two, or one names a
// place and the other, though near the names of places (within
// placeNear), is not near that one's. A name read too garbled to be near
// any place's says nothing.
func (m *MemLocations) Differ(a, b string) bool {
	pa, aok := m.Place(a)
	pb, bok := m.Place(b)
	switch {
	case aok && bok:
		return pa != pb
	case aok:
		return m.notOnly(b, pa)
	case bok:
		return m.notOnly(a, pb)
	}
	return false
}

// Where returns the place a page's header names by its location code and
// school/office name, as read: the one the name alone names (Place), or
// else the code's, when the name is near that location's name (within
// placeNear): two readings, each perhaps unsure, that agree.
func (m *MemLocations) Where(code, name string) (string, bool) {
	if c, ok := m.Place(name); ok {
		return c, true
	}
	l, ok := m.byCode[strings.TrimSpace(code)]
	if !ok {
		return "", false
	}
	f, n := FoldName(name), FoldName(l.Name)
	if len(f) < 6 || float64(editDistance(f, n))/float64(max(len(f), len(n))) > placeNear {
		return "", false
	}
	return l.Code, true
}

// notOnly reports whether name is near the names of places (within
// placeNear) and code's is not among them.
func (m *MemLocations) notOnly(name, code string) bool {
	f := FoldName(name)
	if len(f) < 6 {
		return false
	}
	nearAny := false
	for _, c := range m.order {
		n := FoldName(m.byCode[c].Name)
		if float64(editDistance(f, n))/float64(max(len(f), len(n))) > placeNear {
			continue
		}
		if c == code {
			return false
		}
		nearAny = true
	}
	return nearAny
}

// How near a name read must be to a location's name, and how much nearer
// than to any other, for Place to name it (a share of the longer name's
// letters). On six corpora every batch page's school name so named the
// batch's own school, and two pages of different schools two places.
const (
	placeNear = 0.3
	placeLead = 0.1
)
