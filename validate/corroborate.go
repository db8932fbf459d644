package validate

import (
	"slices"
	"strings"

	"github.com/lausd/misis-intake/forms"
)

// The engine's confidence is one kind of evidence that a value was read
// right; a second source that agrees with the value is another. Before the
// rules run, a value the engine was unsure of is settled, and then judged
// like a sure one, when a source independent of its ink agrees with it:
//
//   - an employee number that is on the HR roster, when the first and last
//     names read beside it both match the roster's names for it: a misread
//     number that lands on another employee of the same name is beyond
//     chance;
//   - a name beside a sure or settled employee number, when it matches the
//     roster's spelling within OCR noise;
//   - a location code on the district's list, when the school/office name
//     read beside it matches the location's name, or when the HR roster
//     places the form's (sure or settled) employee there; one a digit
//     from the code of the one location whose name is written beside it
//     is taken as that code;
//   - an e-mail name that is exactly one the district makes from the
//     person's name (first.last, flast, firstl, ...): the roster's name for
//     the user, the name written beside it for the administrator and the
//     person to notify; one read a look-alike character, a lost dot or
//     thin stroke (l, i, 1), or a thin stroke more, away from such a name
//     is taken as that name (see settleEmail);
//   - a signer's title that is one of the allowed titles, and a batch
//     row's reason that is one of the printed reasons.
//
// Every settled field is listed in Decision.Settled with what settled it
// (and, for an e-mail taken as the name's, what was read), so the record
// shows why no person looked at it.

// Sources that settle a value.
const (
	ByRoster    = "hr_roster"       // the HR roster's record for the employee
	ByLocations = "locations"       // the district's list of locations
	ByName      = "name"            // the person's name, written on the form
	ByTitles    = "allowed_titles"  // the titles allowed to sign the form
	ByReasons   = "printed_reasons" // the removal reasons printed on the form
)

// Settled is one value the engine was unsure of that the rules took as
// read because another source agrees with it.
type Settled struct {
	Field string `json:"field"`
	By    string `json:"by"`
	// Read and Value are set when the rules took the value as other than
	// it was read: an e-mail name one look-alike letter, or a lost dot or
	// thin stroke, away from the one made from the person's name; a
	// location code a digit from that of the location named beside it.
	Read  string `json:"read,omitempty"`
	Value string `json:"value,omitempty"`
}

// settle finds the values that other sources settle; see above.
func (j *judge) settle() {
	j.settled, j.corrected = map[string]string{}, map[string]string{}
	if f := j.fam.AdminTitleField; f != "" && len(j.fam.AdminTitles) > 0 {
		j.settleIf(f, ByTitles, func(s string) bool { return TitleAllowed(s, j.fam.AdminTitles) })
	}
	switch j.fam.Kind {
	case "access":
		e, found := j.settleEmployee("employee_number", "first_name", "last_name")
		j.settleLocation(e, found && j.fam.ID != mirrorFamily)
		if found {
			j.settleEmail("email", e.FirstName, e.LastName)
		} else if j.sure("first_name") && j.sure("last_name") {
			j.settleEmail("email", j.reading.Values["first_name"].Text, j.reading.Values["last_name"].Text)
		}
		for _, pair := range [][2]string{{"admin_email", "admin_name"}, {"notify_email", "notify_name"}} {
			if words := strings.Fields(j.reading.Values[pair[1]].Text); len(words) >= 2 {
				j.settleEmail(pair[0], words[0], words[len(words)-1])
			}
		}
	case "batch":
		j.settleLocation(Employee{}, false)
		for _, n := range j.rowNumbers() {
			j.settleEmployee(forms.RowField(n, colEmployee), forms.RowField(n, colFirstName), forms.RowField(n, colLastName))
			j.settleIf(forms.RowField(n, colReason), ByReasons, func(s string) bool { _, ok := MatchRemovalReason(s); return ok })
		}
	}
}

// sure reports whether a field's value may be judged as read: the engine
// was sure of it, a reviewer set it, or another source settled it.
func (j *judge) sure(name string) bool {
	v, read := j.reading.Values[name]
	return read && (usable(v) || j.settled[name] != "")
}

// settleIf settles an unsure, non-blank value that match accepts.
func (j *judge) settleIf(name, by string, match func(string) bool) {
	v, read := j.reading.Values[name]
	if read && !j.sure(name) && strings.TrimSpace(v.Text) != "" && match(v.Text) {
		j.settled[name] = by
	}
}

// settleEmployee settles an employee number and the names beside it from
// the HR roster, and returns the roster's employee when the number is
// sure or settled.
func (j *judge) settleEmployee(numberField, firstField, lastField string) (Employee, bool) {
	v, read := j.reading.Values[numberField]
	number := strings.Join(strings.Fields(v.Text), "")
	if !read || !isDigits(number, employeeNumberLen) {
		return Employee{}, false
	}
	e, found := j.employee(number)
	if !found {
		return Employee{}, false
	}
	if !j.sure(numberField) {
		first, last := j.reading.Values[firstField].Text, j.reading.Values[lastField].Text
		if strings.TrimSpace(first) == "" || strings.TrimSpace(last) == "" ||
			!NamesMatch(first, e.FirstName) || !NamesMatch(last, e.LastName) {
			return Employee{}, false
		}
		j.settled[numberField] = ByRoster
	}
	j.settleIf(firstField, ByRoster, func(s string) bool { return NamesMatch(s, e.FirstName) })
	j.settleIf(lastField, ByRoster, func(s string) bool { return NamesMatch(s, e.LastName) })
	return e, true
}

// employee looks an employee number up on the roster; a failed lookup
// abandons the decision (j.err).
func (j *judge) employee(number string) (Employee, bool) {
	e, found, err := j.env.Roster.Employee(j.ctx, number)
	if err != nil {
		j.lookupFailed("employee", err)
		return Employee{}, false
	}
	return e, found
}

// settleLocation settles the location code from the list of locations and
// the school/office name, or from where the roster places the employee e
// (when byEmployee). A code a digit from the one location named beside it
// is settled as that location's.
func (j *judge) settleLocation(e Employee, byEmployee bool) {
	const name = "location_code"
	v, read := j.reading.Values[name]
	code := strings.Join(strings.Fields(v.Text), "")
	if !read || code == "" || j.sure(name) {
		return
	}
	if byEmployee && code == e.LocationCode {
		j.settled[name] = ByRoster
		return
	}
	l, found, err := j.env.Locations.Location(j.ctx, code)
	if err != nil {
		j.lookupFailed("location", err)
		return
	}
	school := j.reading.Values["school_name"].Text
	if strings.TrimSpace(school) == "" || !isDigits(code, len(code)) {
		return
	}
	if found && NamesMatch(school, l.Name) {
		j.settled[name] = ByLocations
		return
	}
	// A code a digit from that of the one location whose name is written
	// beside it is that location's, misread: a fax's 3 and 8, 5 and 6
	// differ by a stroke.
	near := ""
	for i := range len(code) {
		for d := byte('0'); d <= '9'; d++ {
			if d == code[i] {
				continue
			}
			other := code[:i] + string(d) + code[i+1:]
			l, found, err := j.env.Locations.Location(j.ctx, other)
			if err != nil {
				j.lookupFailed("location", err)
				return
			}
			if found && NamesMatch(school, l.Name) {
				if near != "" {
					return // two such locations: which is not for the rules to guess
				}
				near = other
			}
		}
	}
	if near != "" {
		j.settled[name], j.corrected[name] = ByLocations, near
	}
}

// settleEmail settles an e-mail name made from the person's name. One
// read a character or a dot away from such a name, where fax and type make
// the two look alike (l, i, j, 1 and t are one upright stroke, c, e and o
// one round one; a dot is the first thing a fax loses, or smears into a
// dash, and a lone l or i the next, or is read from a speck), is settled
// as that name.
func (j *judge) settleEmail(field, first, last string) {
	j.settleIf(field, ByName, func(s string) bool { return EmailFromName(s, first, last) })
	v, read := j.reading.Values[field]
	if !read || j.sure(field) {
		return
	}
	local := strings.ToLower(strings.TrimSpace(v.Text))
	for _, made := range emailsFromName(first, last) {
		if lookAlike(local, made) {
			j.settled[field], j.corrected[field] = ByName, made
			return
		}
	}
}

// text is a field's value for the rules: as read, or as corrected.
func (j *judge) text(name string) string {
	if c, ok := j.corrected[name]; ok {
		return c
	}
	return j.reading.Values[name].Text
}

// lookAlikes are the sets of characters a fax of typed text makes look
// alike: upright strokes, round letters, letters that differ by a
// descender's hook or a bowl's gap (g q, v y, j y, h b), tall letters
// crossed by a bar (f t), and the small marks between names.
var lookAlikes = []string{"lij1t", "ceo", "gq", "vy", "jy", "hb", "ft", ".,-_"}

// lookAlike reports whether read differs from want only by one character
// read as another of its look-alikes, by one dot or thin stroke of want
// lost, or by one thin stroke or one letter doubled more.
func lookAlike(read, want string) bool {
	if len(read) == len(want) {
		diff := -1
		for i := range len(read) {
			if read[i] != want[i] {
				if diff >= 0 {
					return false
				}
				diff = i
			}
		}
		if diff < 0 {
			return false
		}
		for _, set := range lookAlikes {
			if strings.IndexByte(set, read[diff]) >= 0 && strings.IndexByte(set, want[diff]) >= 0 {
				return true
			}
		}
		return false
	}
	if len(read)+1 == len(want) {
		for i := range len(want) {
			lost := want[i] == '.' || strings.IndexByte(thinStrokes, want[i]) >= 0
			if lost && want[:i]+want[i+1:] == read {
				return true
			}
		}
	}
	if len(read) == len(want)+1 {
		// A speck or a stroke's edge read as one more thin letter, or a
		// letter read twice over (Tesseract's stutter on a name's first).
		for i := range len(read) {
			doubled := i > 0 && read[i] == read[i-1]
			if (doubled || strings.IndexByte(thinStrokes+"j", read[i]) >= 0) && read[:i]+read[i+1:] == want {
				return true
			}
		}
	}
	return false
}

// thinStrokes are the letters that are one thin upright stroke, which a
// fax breaks up and the reader then drops as it drops a dot (an l beside
// the b of "lbaker").
const thinStrokes = "li1"

// EmailFromName reports whether local, the part of an e-mail address
// before the @, is exactly one made from a first and last name in a way
// the district's addresses are: first.last, first_last, firstlast, flast,
// f.last or firstl, ignoring case, accents and anything in the names that
// is not a letter.
func EmailFromName(local, first, last string) bool {
	local = strings.ToLower(strings.TrimSpace(local))
	if at := strings.LastIndex(local, "@"); at >= 0 {
		if local[at+1:] != districtDomain {
			return false
		}
		local = local[:at]
	}
	return local != "" && slices.Contains(emailsFromName(first, last), local)
}

// emailsFromName lists the e-mail names made from a first and last name
// (see EmailFromName).
func emailsFromName(first, last string) []string {
	f, l := foldName(first), foldName(last)
	if f == "" || l == "" {
		return nil
	}
	fi, li := string([]rune(f)[:1]), string([]rune(l)[:1])
	return []string{f + "." + l, f + "_" + l, f + l, fi + l, fi + "." + l, f + li}
}
