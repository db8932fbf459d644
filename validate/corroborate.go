package validate

import (
	"math"
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
//   - the full name of the administrator who signs, or of the person to
//     notify, when it is an employee's on the roster: the one of the staff
//     at the form's location it matches within OCR noise, or an employee
//     whose name it is exactly, or the one employee sharing its first or
//     last name that it matches within noise (see settleNamed);
//   - an e-mail name that is exactly one the district makes from the
//     person's name (first.last, flast, f.last, firstl) when that name is
//     sure: the roster's name for the user, the name written beside it
//     (read surely, or settled as above) for the administrator and the
//     person to notify; one read within a fax's noise of exactly one such
//     name (look-alike letters, letters run together, a lost dot) is
//     taken as that name (see settleEmail and readNoise), unless it is
//     exactly the address of an employee whose name is within noise of
//     the written one (the name may be the misread one);
//   - a signer's title that is one of the allowed titles, and a batch
//     row's reason that is one of the printed reasons.
//
// Every settled field is listed in Decision.Settled with what settled it
// (and, for a value taken as other than read, what was read), so the
// record shows why no person looked at it.

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
	// it was read: an e-mail name within a fax's noise of the one made
	// from the person's name; a signer's or notified person's name in the
	// roster's spelling; a location code a digit from that of the
	// location named beside it.
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
			j.settleEmail("email", [][2]string{{e.FirstName, e.LastName}}, true)
		} else {
			name := [2]string{j.text("first_name"), j.text("last_name")}
			// Not the roster's name for another employee: this user's
			// number is not on it, and names repeat (Tuan Garcia-Lopez
			// on the roster, Jun written and read TUAN).
			j.settleEmail("email", [][2]string{name}, j.sure("first_name") && j.sure("last_name"))
		}
		signer := j.settleSigner("admin_name")
		j.settleEmail("admin_email", nameSplits(j.text("admin_name")), signer)
		notified := j.settleNamed("notify_name")
		j.settleEmail("notify_email", nameSplits(j.text("notify_name")), notified)
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

// settleEmail settles an e-mail name made from the person's name, given
// as its possible first/last splits (see nameSplits), when the name itself
// is sure: the roster's, or written and read surely or settled (named says
// which). One made from it exactly is settled as read; one read within a
// fax's noise of exactly one such name (see readNoise) is taken as that
// name. A name read unsurely is no evidence: the two may be misread alike
// (TENNIFER beside tenniferc), or the name alone (Guzman read Guznian
// would turn a right kguzman into a wrong one).
func (j *judge) settleEmail(field string, names [][2]string, named bool) {
	if !named {
		return
	}
	j.settleIf(field, ByName, func(s string) bool {
		for _, n := range names {
			if EmailFromName(s, n[0], n[1]) {
				return true
			}
		}
		return false
	})
	v, read := j.reading.Values[field]
	if !read || j.sure(field) {
		return
	}
	local := strings.ToLower(strings.TrimSpace(v.Text))
	if strings.Contains(local, "@") {
		return // an address outside the district is judged as written
	}
	var made []string
	for _, n := range names {
		made = append(made, emailsFromName(n[0], n[1])...)
	}
	if near, ok := nearest(local, made); ok && !j.someonesAddress(local, names) {
		j.settled[field], j.corrected[field] = ByName, near
	}
}

// someonesAddress reports whether local is exactly the e-mail name of an
// employee whose name is within OCR noise of one of names: then the name
// may be the misread one (Irina Lin read surely as Trina Lin, seed 2323),
// and the e-mail is not to be taken as made from it. A failed lookup
// counts as such an employee: nothing is settled on a guess.
func (j *judge) someonesAddress(local string, names [][2]string) bool {
	candidates, err := j.sharingName(names)
	if err != nil {
		return true
	}
	for _, e := range candidates {
		for _, n := range names {
			if nameNear(n[0], e.FirstName) && nameNear(n[1], e.LastName) && EmailFromName(local, e.FirstName, e.LastName) {
				return true
			}
		}
	}
	return false
}

// nameSplits lists the ways a written full name splits into a first and a
// last name: at its first space (Angela | Van Dyke) and at its last
// (Mary Ann | Lee). A name of one word has none.
func nameSplits(full string) [][2]string {
	words := strings.Fields(full)
	if len(words) < 2 {
		return nil
	}
	splits := [][2]string{{words[0], strings.Join(words[1:], " ")}}
	if len(words) > 2 {
		splits = append(splits, [2]string{strings.Join(words[:len(words)-1], " "), words[len(words)-1]})
	}
	return splits
}

// settleNamed settles a person's full name read unsurely that is the name
// of an employee on the roster (the administrator who signs and the person
// to notify work for the district): exactly, or within OCR noise of
// exactly one employee who shares the first or the last name as read. A
// name misread into another employee's is beyond chance; one misread into
// no one's is not settled. It returns whether the name may be taken as
// sure.
func (j *judge) settleNamed(field string) bool {
	if j.sure(field) {
		return true
	}
	splits := nameSplits(j.reading.Values[field].Text)
	e, found := j.onRoster(splits)
	if !found {
		e, found = j.nearOnRoster(splits)
	}
	if found {
		j.takeName(field, e)
	}
	return found
}

// takeName settles a person's full name as the roster's employee e,
// recording the roster's spelling where it differs from the read.
func (j *judge) takeName(field string, e Employee) {
	j.settled[field] = ByRoster
	if name := e.FirstName + " " + e.LastName; name != strings.Join(strings.Fields(j.reading.Values[field].Text), " ") {
		j.corrected[field] = name
	}
}

// onRoster returns an employee whose name one of the first/last name
// splits is exactly, up to case, accents and marks. The e-mail written
// beside an unsure name is evidence for it only then, or when the roster
// corrects the name (nearOnRoster): a hand that writes J so that it is
// read T does so in both (TENNIFER and tenniferc).
func (j *judge) onRoster(splits [][2]string) (Employee, bool) {
	for _, n := range splits {
		if FoldName(n[0]) == "" || FoldName(n[1]) == "" {
			continue
		}
		named, err := j.named(n[0], n[1])
		if err != nil {
			return Employee{}, false
		}
		if len(named) > 0 {
			return named[0], true
		}
	}
	return Employee{}, false
}

// nearOnRoster returns the one employee whose name is within OCR noise
// (nameNear) of a first/last name split, among those who share its first
// or its last name as read: a misread seldom takes both.
func (j *judge) nearOnRoster(splits [][2]string) (Employee, bool) {
	candidates, err := j.sharingName(splits)
	if err != nil {
		return Employee{}, false
	}
	return oneNear(splits, candidates)
}

// sharingName lists the employees who share the first or the last name
// of one of the first/last name splits.
func (j *judge) sharingName(splits [][2]string) ([]Employee, error) {
	var out []Employee
	for _, n := range splits {
		for _, q := range [][2]string{{n[0], ""}, {"", n[1]}} {
			named, err := j.named(q[0], q[1])
			if err != nil {
				return nil, err
			}
			out = append(out, named...)
		}
	}
	return out, nil
}

// named lists the employees of a name (an empty first or last name
// matching any); a failed lookup abandons the decision (j.err).
func (j *judge) named(first, last string) ([]Employee, error) {
	if FoldName(first) == "" && FoldName(last) == "" {
		return nil, nil
	}
	named, err := j.env.Roster.Named(j.ctx, first, last)
	if err != nil {
		j.lookupFailed("employee", err)
	}
	return named, err
}

// oneNear returns the one employee among candidates whose first and last
// names are within OCR noise of a first/last name split; none when no one
// is, or when two are (which is not for the rules to choose).
func oneNear(splits [][2]string, candidates []Employee) (Employee, bool) {
	var match *Employee
	for i, e := range candidates {
		for _, n := range splits {
			if nameNear(n[0], e.FirstName) && nameNear(n[1], e.LastName) {
				if match != nil && match.Number != e.Number {
					return Employee{}, false
				}
				match = &candidates[i]
			}
		}
	}
	if match == nil {
		return Employee{}, false
	}
	return *match, true
}

// nameNear reports whether a name read is want within OCR noise: the few
// letters NamesMatch allows, or, for a name of three letters or more, the
// runs and look-alikes of readNoise (Irina read Inna; Ji read Ti is
// another name).
func nameNear(read, want string) bool {
	r, w := FoldName(read), FoldName(want)
	return NamesMatch(read, want) || len(w) >= 3 && readNoise(r, w) <= noiseAllowed(len(w))
}

// settleSigner settles the administrator's name written on an access form
// from the roster's staff at the form's (sure or settled) location: when
// exactly one of them has a first and a last name that match the written
// ones within OCR noise, the name is that employee's (the principal who
// signs for a school works there). Failing that, the name is settled as
// any other employee's (settleNamed). It returns whether the name may be
// taken as sure.
func (j *judge) settleSigner(field string) bool {
	if j.sure(field) {
		return true
	}
	v, read := j.reading.Values[field]
	splits := nameSplits(v.Text)
	if !read || len(splits) == 0 {
		return false
	}
	if !j.sure("location_code") {
		return j.settleNamed(field)
	}
	staff, err := j.env.Roster.Staff(j.ctx, strings.Join(strings.Fields(j.text("location_code")), ""))
	if err != nil {
		j.lookupFailed("staff", err)
		return false
	}
	match, ok := oneNear(splits, staff)
	if !ok {
		return j.settleNamed(field)
	}
	j.takeName(field, match)
	return true
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
// descender's hook or a bowl's gap (g q j y, v y, h b), tall letters
// crossed by a bar (f t), and the small marks between names.
var lookAlikes = []string{"lij1t", "ceo", "gqjy", "vy", "hb", "ft", ".,-_"}

// joins are pairs of narrow letters a fax runs together into one letter,
// or one letter it breaks into two (rn and m, ri and n, cl and d), as the
// reader reads them.
var joins = map[string]byte{
	"rn": 'm', "ni": 'm', "in": 'm', "nn": 'm', "ri": 'n', "ii": 'n', "ir": 'n',
	"cl": 'd', "vv": 'w', "li": 'h', "lc": 'k',
	"4y": 'j', // the typewriter face's j: its serif read as a 4 over the hook
}

// thinStrokes are the letters that are one thin upright stroke, which a
// fax breaks up and the reader then drops as it drops a dot (an l beside
// the b of "lbaker"), or reads from a speck.
const thinStrokes = "li1"

// readNoise is how far read is from want in the misreadings a fax makes
// of typed text: half a step for a look-alike letter, two letters run
// into one or one broken into two (joins), a dot or thin stroke lost, a
// thin stroke or a letter read twice more; a whole step for any other
// letter changed, lost or gained. A digit changed, lost or gained other
// than as a look-alike is never noise (mgarcia2 is another address).
func readNoise(read, want string) float64 {
	const never = 100
	letter := func(c byte) float64 {
		if c >= '0' && c <= '9' {
			return never
		}
		return 1
	}
	// d[i][k]: the cost of reading want[:k] as read[:i].
	d := make([][]float64, len(read)+1)
	for i := range d {
		d[i] = make([]float64, len(want)+1)
	}
	for i := 0; i <= len(read); i++ {
		for k := 0; k <= len(want); k++ {
			if i == 0 && k == 0 {
				continue
			}
			best := float64(never)
			if i > 0 && k > 0 {
				cost := 0.0
				if read[i-1] != want[k-1] {
					cost = max(letter(read[i-1]), letter(want[k-1]))
					switch {
					case sameLook(read[i-1], want[k-1]):
						cost = 0.5
					case isMark(read[i-1]) != isMark(want[k-1]):
						cost = 1.5 // a dot is too small to be read as a letter
					}
				}
				best = min(best, d[i-1][k-1]+cost)
			}
			if i > 0 { // read a character more
				cost := letter(read[i-1])
				if strings.IndexByte(thinStrokes+"j", read[i-1]) >= 0 || i > 1 && read[i-1] == read[i-2] {
					cost = 0.5
				}
				best = min(best, d[i-1][k]+cost)
			}
			if k > 0 { // lost a character
				cost := letter(want[k-1])
				if want[k-1] == '.' || strings.IndexByte(thinStrokes, want[k-1]) >= 0 {
					cost = 0.5
				}
				best = min(best, d[i][k-1]+cost)
			}
			if i > 0 && k > 1 && joins[want[k-2:k]] == read[i-1] {
				best = min(best, d[i-1][k-2]+0.5)
			}
			if i > 1 && k > 0 && joins[read[i-2:i]] == want[k-1] {
				best = min(best, d[i-2][k-1]+0.5)
			}
			d[i][k] = best
		}
	}
	return d[len(read)][len(want)]
}

// isMark reports whether c is one of the small marks between names.
func isMark(c byte) bool { return strings.IndexByte(".,-_", c) >= 0 }

// sameLook reports whether a and b are look-alikes.
func sameLook(a, b byte) bool {
	for _, set := range lookAlikes {
		if strings.IndexByte(set, a) >= 0 && strings.IndexByte(set, b) >= 0 {
			return true
		}
	}
	return false
}

// noiseAllowed is how much readNoise a name of n characters may carry and
// still be taken as read: a short name only one look-alike or lost
// stroke, for rwu and ywu are both names; a longer one a whole letter, a
// long one a letter and a look-alike.
func noiseAllowed(n int) float64 {
	switch {
	case n < 5:
		return 0.5
	case n < 10:
		return 1
	}
	return 1.5
}

// nearest returns the one name of made that read is a misreading of: the
// one with the least readNoise, within noiseAllowed, when no other is as
// near. An exact match is not a misreading.
func nearest(read string, made []string) (string, bool) {
	best, bestCost, tied := "", math.Inf(1), false
	for _, m := range made {
		cost := readNoise(read, m)
		switch {
		case m == best:
		case cost < bestCost:
			best, bestCost, tied = m, cost, false
		case cost == bestCost:
			tied = true
		}
	}
	if best == "" || tied || bestCost == 0 || bestCost > noiseAllowed(len(best)) {
		return "", false
	}
	return best, true
}

// EmailFromName reports whether local, the part of an e-mail address
// before the @, is exactly one made from a first and last name in a way
// the district's addresses are: first.last, flast, f.last or firstl,
// ignoring case, accents and anything in the names that is not a letter.
// Two whole names run together or joined by a mark other than a dot
// (mariagarcia, maria_garcia) are not among them: they are also
// first.last with its dot lost or smudged, which a fax does often, and the
// rules must not take one address for the other.
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
	f, l := FoldName(first), FoldName(last)
	if f == "" || l == "" {
		return nil
	}
	fi, li := string([]rune(f)[:1]), string([]rune(l)[:1])
	return []string{f + "." + l, fi + l, fi + "." + l, f + li}
}
