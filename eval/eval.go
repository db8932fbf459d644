package eval

import (
	"context"
	"encoding/json"

	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"sync"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/validate"
)

// Config says what to evaluate and with what.
type Config struct {
	// Dir is a corpus directory written by corpus.Generate.
	Dir    string
	Reader pipeline.Reader
	// Registry, Roster and Locations are what the rules consult; Rules
	// configures them (its clock is set to each submission's as-of day).
	Registry  *forms.Registry
	Roster    validate.Roster
	Locations validate.Locations
	Rules     validate.Config
	Limits    raster.Limits
	// Parallel is how many submissions are read at once (default 2).
	Parallel int
	// MaxAutoError is the most errors among auto-accepted values a
	// threshold may allow (default 0.002).
	MaxAutoError float64
	// Attachments loads a submission's attachments; nil means Attachments
	// (the loose files, else the message).
	Attachments func(dir string, t *corpus.Truth) ([][]byte, error)
}

// Report is the outcome of an evaluation. Its JSON keys are stable.
type Report struct {
	Submissions    int                          `json:"submissions"`
	Pages          int                          `json:"pages"`
	Identification Identification               `json:"identification"`
	Fields         map[string]*Score            `json:"fields"`
	ByStyle        map[string]map[string]*Score `json:"by_style"`
	Decisions      *Decisions                   `json:"decisions,omitempty"`
	BatchRows      *BatchRows                   `json:"batch_rows,omitempty"`
	// Calibration is, per field kind, the share right at each confidence
	// threshold; SuggestedThresholds the least threshold per kind that
	// keeps errors among auto-accepted values within MaxAutoError.
	Calibration         map[string][]CalibrationPoint `json:"calibration"`
	SuggestedThresholds map[string]float64            `json:"suggested_thresholds"`
	// Failures are submissions that could not be read at all, with why.
	Failures []string `json:"failures,omitempty"`
	// Mistakes lists values read wrong, for whoever tunes the engine.
	Mistakes []Mistake `json:"mistakes,omitempty"`
	// Doubts lists values read right but not sure: what keeps forms from
	// going straight through.
	Doubts []Mistake `json:"doubts,omitempty"`
	// Misjudged lists the forms decided otherwise than the truth says,
	// with what sent them to review or rejected them.
	Misjudged []Misjudged `json:"misjudged,omitempty"`
	// SettledWrong lists the values the rules settled that the form does
	// not say (Got is the value as settled).
	SettledWrong []Mistake `json:"settled_wrong,omitempty"`
	Elapsed      string    `json:"elapsed"`
}

// Identification scores the reading of which form each page is.
type Identification struct {
	Accuracy float64 `json:"accuracy"`
	// FormPages and Right count pages that are forms and those identified
	// right (family, revision and page); Covers and CoversAsForms count
	// cover sheets and those taken for a form.
	FormPages     int `json:"form_pages"`
	Right         int `json:"right"`
	Covers        int `json:"covers"`
	CoversAsForms int `json:"covers_as_forms"`
	// Wrong lists the form pages identified wrong, for whoever tunes the
	// engine: "sub-0001 file 1 page 2: want ..., got ...".
	Wrong []string `json:"wrong,omitempty"`
}

// Decisions scores the rules' decisions against the truth.
type Decisions struct {
	Count    int     `json:"count"`
	Right    int     `json:"right"`
	Accuracy float64 `json:"accuracy"`
	// STPRate is the share of valid forms accepted with no person;
	// STPByStyle the same per fill style ("typed", "hand").
	STPRate    float64            `json:"stp_rate"`
	STPByStyle map[string]float64 `json:"stp_by_style"`
	// NoTouchRate is the share of submissions where no form needed a person.
	NoTouchRate float64 `json:"no_touch_rate"`
	// FalseAccepts counts forms accepted that the rules must not accept.
	FalseAccepts int `json:"false_accepts"`
	// Settled counts the values the engine was unsure of that the rules
	// took as read, or as corrected, because another source agreed (see
	// validate.Settled); SettledWrong those that are not what the form
	// says, each listed in Report.SettledWrong. A wrong settled value is
	// a wrong value no person looked at.
	Settled      int `json:"settled"`
	SettledWrong int `json:"settled_wrong"`
	// RetiredRejected is the share of retired-revision forms rejected as such.
	RetiredRejected float64 `json:"retired_rejected"`
	// Outcomes counts "truth->machine" pairs, e.g. "accept->review".
	Outcomes map[string]int `json:"outcomes"`
	// ReviewCauses counts, over forms sent to review, the fields and
	// reasons that sent them ("email: low_confidence"; table rows as "row.COLUMN").
	ReviewCauses map[string]int `json:"review_causes"`
	// ValidReviewCauses counts the same over valid forms only, per fill
	// style: what keeps forms that should be accepted from going straight
	// through.
	ValidReviewCauses map[string]map[string]int `json:"valid_review_causes"`
}

// BatchRows scores the rows of batch-removal forms.
type BatchRows struct {
	Count         int     `json:"count"`
	Accuracy      float64 `json:"accuracy"`
	AutoRate      float64 `json:"auto_rate"`
	AutoErrorRate float64 `json:"auto_error_rate"`
	// WrongPersonRemovals counts removal requests for an employee number
	// the fax did not list.
	WrongPersonRemovals    int `json:"wrong_person_removals"`
	right, auto, autoWrong int
}

// Mistake is one value read wrong.
type Mistake struct {
	Submission string  `json:"submission"`
	Field      string  `json:"field"`
	Kind       string  `json:"kind"`
	Got        string  `json:"got"`
	Want       string  `json:"want"`
	Confidence float64 `json:"confidence"`
	Sure       bool    `json:"sure"`
}

// Misjudged is one form decided otherwise than the truth says.
type Misjudged struct {
	Submission string   `json:"submission"`
	Form       int      `json:"form"`
	Style      string   `json:"style"`
	Want       string   `json:"want"`
	Got        string   `json:"got"`
	Review     []string `json:"review,omitempty"`
	Reasons    []string `json:"reasons,omitempty"`
}

// tally collects one submission's results before they are merged.
type tally struct {
	pages, formPages, idRight, covers, coversAsForms int
	fields                                           map[string]*Score
	style                                            string
	samples                                          []sample
	mistakes, doubts, settledWrong                   []Mistake
	settled                                          int
	misjudged                                        []Misjudged
	idWrong                                          []string
	decisions, decRight, valid, validAccepted        int
	falseAccepts, retired, retiredRejected           int
	touched                                          bool
	outcomes, causes, validCauses                    map[string]int
	rows                                             BatchRows
	failure                                          string
}

// Run evaluates every submission of cfg.Dir.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	if cfg.Parallel <= 0 {
		cfg.Parallel = 2
	}
	if cfg.MaxAutoError == 0 {
		cfg.MaxAutoError = 0.002
	}
	if cfg.Attachments == nil {
		cfg.Attachments = Attachments
	}
	truths, err := filepath.Glob(filepath.Join(cfg.Dir, "sub-*.json"))
	if err != nil {
		return nil, err
	}
	if len(truths) == 0 {
		return nil, fmt.Errorf("eval: no submissions (sub-*.json) in %s", cfg.Dir)
	}
	sort.Strings(truths)
	results := make([]tally, len(truths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Parallel)
	for i, path := range truths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = evalOne(ctx, cfg, path)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return merge(cfg, results, time.Since(start)), nil
}

// Attachments reads a submission's attachments from the loose files the
// generator wrote, or, where they were left out (the committed sample),
// from its .eml message as the mail intake reads it.
func Attachments(dir string, t *corpus.Truth) ([][]byte, error) {
	if files, err := LooseFiles(dir, t); err == nil {
		return files, nil
	}
	return FromMessage(dir, t)
}

// FromMessage parses a submission's .eml message and returns its documents
// in the order the ground truth lists them.
func FromMessage(dir string, t *corpus.Truth) ([][]byte, error) {
	raw, err := os.ReadFile(filepath.Join(dir, t.EML))
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	m, err := mail.Parse(raw, mail.Limits{})
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", t.EML, err)
	}
	docs := m.Documents()
	if len(docs) != len(t.Attachments) {
		return nil, fmt.Errorf("eval: %s carries %d documents, the truth lists %d", t.EML, len(docs), len(t.Attachments))
	}
	out := make([][]byte, len(docs))
	for i, d := range docs {
		if d.Filename != t.Attachments[i].Filename {
			return nil, fmt.Errorf("eval: %s: document %d is %q, the truth says %q", t.EML, i+1, d.Filename, t.Attachments[i].Filename)
		}
		out[i] = d.Data
	}
	return out, nil
}

// LooseFiles reads the attachment files the generator writes beside a
// submission's ground truth: sub-NNNN.EXT, or sub-NNNN-K.EXT when there
// are several.
func LooseFiles(dir string, t *corpus.Truth) ([][]byte, error) {
	var out [][]byte
	for k, a := range t.Attachments {
		name := t.ID + filepath.Ext(a.Filename)
		if len(t.Attachments) > 1 {
			name = fmt.Sprintf("%s-%d%s", t.ID, k+1, filepath.Ext(a.Filename))
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("eval: attachment %d of %s: %w", k+1, t.ID, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func evalOne(ctx context.Context, cfg Config, path string) tally {
	tl := tally{fields: map[string]*Score{}, outcomes: map[string]int{}, causes: map[string]int{}, validCauses: map[string]int{}}
	tp, err := readTruth(path)
	if err != nil {
		tl.failure = err.Error()
		return tl
	}
	truth := *tp
	tl.style = truth.Style
	now, err := dayClock(truth.AsOf)
	if err != nil {
		tl.failure = fmt.Sprintf("%s: as_of: %v", truth.ID, err)
		return tl
	}
	rules := cfg.Rules
	rules.Now = now
	env := validate.Env{Registry: cfg.Registry, Roster: cfg.Roster, Locations: cfg.Locations, Config: rules}

	files, err := cfg.Attachments(cfg.Dir, &truth)
	if err != nil {
		tl.failure = err.Error()
		return tl
	}
	// Which reading holds each truth form.
	readings := map[int]*forms.Reading{}
	for k, att := range truth.Attachments {
		tl.pages += len(att.Pages)
		doc, err := pipeline.ReadAttachment(ctx, cfg.Reader, files[k], cfg.Limits)
		if err != nil {
			tl.failure = fmt.Sprintf("%s attachment %d: %v", truth.ID, k+1, err)
			continue
		}
		for i, pt := range att.Pages {
			if i >= len(doc.Pages) {
				break
			}
			got := doc.Pages[i]
			if pt.Kind == corpus.PageCover {
				tl.covers++
				if !got.NotAForm {
					tl.coversAsForms++
				}
				continue
			}
			tl.formPages++
			if got.Family == pt.Family && got.Revision == pt.Revision && got.FormPage == pt.FormPage {
				tl.idRight++
			} else {
				tl.idWrong = append(tl.idWrong, fmt.Sprintf("%s file %d page %d: want %s %s page %d, got %s %s page %d (%.2f, %s)",
					truth.ID, k+1, pt.Page, pt.Family, pt.Revision, pt.FormPage, got.Family, got.Revision, got.FormPage, got.Confidence, got.Problem))
			}
		}
		for fi := range doc.Forms {
			r := &doc.Forms[fi]
			for _, pt := range att.Pages {
				if pt.Kind == corpus.PageForm && pt.FormPage == 1 && len(r.Pages) > 0 && r.Pages[0] == pt.Page {
					readings[pt.Form] = r
				}
			}
		}
	}
	for fi := range truth.Forms {
		scoreForm(ctx, cfg, env, &truth, &truth.Forms[fi], readings[fi], &tl)
	}
	return tl
}

// scoreForm compares one truth form with its reading (nil when the form
// was not found) and judges the reading by the rules.
func scoreForm(ctx context.Context, cfg Config, env validate.Env, truth *corpus.Truth, ft *corpus.FormTruth, r *forms.Reading, tl *tally) {
	rev := cfg.Registry.Revision(ft.Family, ft.Revision)
	if rev == nil {
		tl.failure = fmt.Sprintf("%s: truth names unknown revision %s %s", truth.ID, ft.Family, ft.Revision)
		return
	}
	names := make([]string, 0, len(ft.Fields))
	for n := range ft.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		want := ft.Fields[name]
		f := fieldOf(rev, name)
		if f == nil {
			continue
		}
		var got forms.Value
		found := false
		if r != nil {
			got, found = r.Values[name]
		}
		right := found && same(f.Kind, got.Text, want) || !found && r != nil && want == "" && f.Kind != forms.KindMark && f.Kind != forms.KindSignature
		sure := found && got.Sure
		for _, key := range scoreKeys(f) {
			sc := tl.fields[key]
			if sc == nil {
				sc = &Score{}
				tl.fields[key] = sc
			}
			sc.add(right, sure)
		}
		if found {
			tl.samples = append(tl.samples, sample{kind: string(f.Kind), conf: got.Confidence, right: right})
		}
		m := Mistake{Submission: truth.ID, Field: name, Kind: string(f.Kind),
			Got: got.Text, Want: want, Confidence: got.Confidence, Sure: sure}
		switch {
		case !right:
			tl.mistakes = append(tl.mistakes, m)
		case !sure:
			tl.doubts = append(tl.doubts, m)
		}
	}

	// The decision.
	tl.decisions++
	machine := "missed"
	var dec validate.Decision
	if r != nil {
		var err error
		dec, err = pipeline.Decide(ctx, r, env)
		if err != nil {
			tl.failure = fmt.Sprintf("%s: %v", truth.ID, err)
			return
		}
		machine = string(dec.Outcome)
	}
	tl.outcomes[ft.Decision+"->"+machine]++
	scoreSettled(rev, truth, ft, r, dec, tl)
	for _, ri := range dec.Review {
		field := ri.Field
		if _, col, ok := forms.SplitRowField(field); ok {
			field = "row." + col
		}
		tl.causes[field+": "+string(ri.Why)]++
		if ft.Decision == corpus.Accept {
			tl.validCauses[field+": "+string(ri.Why)]++
		}
	}
	codes := map[string]bool{}
	for _, rs := range dec.Reasons {
		codes[string(rs.Code)] = true
	}
	right := machine == ft.Decision
	if right && ft.Decision == corpus.Reject {
		for _, c := range ft.Reasons {
			right = right && codes[c]
		}
	}
	if right {
		tl.decRight++
	} else {
		mj := Misjudged{Submission: truth.ID, Form: ft.Form, Style: truth.Style, Want: ft.Decision, Got: machine}
		for _, ri := range dec.Review {
			mj.Review = append(mj.Review, ri.Field+": "+string(ri.Why))
		}
		for _, rs := range dec.Reasons {
			mj.Reasons = append(mj.Reasons, string(rs.Code))
		}
		tl.misjudged = append(tl.misjudged, mj)
	}
	if machine != corpus.Accept && machine != corpus.Reject {
		tl.touched = true
	}
	if ft.Decision == corpus.Accept {
		tl.valid++
		if machine == corpus.Accept {
			tl.validAccepted++
		}
	} else if machine == corpus.Accept {
		tl.falseAccepts++
	}
	if !ft.Current {
		tl.retired++
		if machine == corpus.Reject && codes["revision.retired"] {
			tl.retiredRejected++
		}
	}
	if len(ft.Rows) > 0 {
		scoreRows(ft, dec, r != nil, &tl.rows)
	}
}

// scoreSettled compares the values the rules settled with the truth: the
// values a request carries as settled (e-mails, numbers, codes, removal
// reasons). A name the roster settled is carried in the roster's spelling
// and a title is only judged, so a misspelling read in either is no
// wrong value.
func scoreSettled(rev *forms.Revision, truth *corpus.Truth, ft *corpus.FormTruth, r *forms.Reading, dec validate.Decision, tl *tally) {
	for _, st := range dec.Settled {
		if st.By == validate.ByTitles || st.By == validate.ByRoster && st.Value == "" && isName(st.Field) {
			continue
		}
		f := fieldOf(rev, st.Field)
		if f == nil || r == nil {
			continue
		}
		got := r.Values[st.Field]
		value := got.Text
		if st.Value != "" {
			value = st.Value
		}
		tl.settled++
		want := ft.Fields[st.Field]
		if st.By == validate.ByReasons {
			value, _ = validate.MatchRemovalReason(value)
		}
		if !same(f.Kind, value, want) {
			tl.settledWrong = append(tl.settledWrong, Mistake{Submission: truth.ID, Field: st.Field, Kind: string(f.Kind),
				Got: value, Want: want, Confidence: got.Confidence})
		}
	}
}

// fieldOf returns the revision's field a form's value is of: a batch
// form's row numbers run on across its pages, the template's do not.
func fieldOf(rev *forms.Revision, name string) *forms.Field {
	if row, col, ok := forms.SplitRowField(name); ok {
		name = forms.RowField((row-1)%rev.TableRows()+1, col)
	}
	return rev.Field(name)
}

// isName reports whether a field is a person's first or last name.
func isName(field string) bool {
	if _, col, ok := forms.SplitRowField(field); ok {
		field = col
	}
	return field == "first_name" || field == "last_name"
}

// scoreRows compares a batch form's row decisions with the truth.
func scoreRows(ft *corpus.FormTruth, dec validate.Decision, read bool, br *BatchRows) {
	listed := map[string]bool{}
	for _, row := range ft.Rows {
		listed[row.EmployeeNumber] = true
	}
	byRow := map[int]validate.RowDecision{}
	for _, rd := range dec.Rows {
		byRow[rd.Row] = rd
	}
	requested := map[int]string{}
	for _, rq := range dec.Requests {
		requested[rq.Row] = rq.EmployeeNumber
		if !listed[rq.EmployeeNumber] {
			br.WrongPersonRemovals++
		}
	}
	for _, row := range ft.Rows {
		br.Count++
		rd, ok := byRow[row.Row]
		if !read || !ok {
			continue
		}
		got := string(rd.Outcome)
		right := got == row.Decision
		if right && got == corpus.Accept && !row.Duplicate {
			right = requested[row.Row] == row.EmployeeNumber
		}
		if right {
			br.right++
		}
		if got == corpus.Accept || got == corpus.Reject {
			br.auto++
			if !right {
				br.autoWrong++
			}
		}
	}
}

// scoreKeys names the scores a field counts towards.
func scoreKeys(f *forms.Field) []string {
	keys := []string{"all", string(f.Kind)}
	switch {
	case f.Kind == forms.KindMark && f.Group == "":
		keys[1] = "role_mark"
	case f.Kind == forms.KindMark:
		keys[1] = "itd_mark"
	}
	if f.Name == "employee_number" || f.Column == "employee_number" {
		keys = append(keys, "employee_number")
	}
	return keys
}

func merge(cfg Config, results []tally, elapsed time.Duration) *Report {
	rep := &Report{
		Submissions: len(results),
		Fields:      map[string]*Score{},
		ByStyle:     map[string]map[string]*Score{},
		Elapsed:     elapsed.Round(time.Second).String(),
	}
	var samples []sample
	dec := &Decisions{Outcomes: map[string]int{}, ReviewCauses: map[string]int{}}
	var valid, validAccepted, retired, retiredRejected, untouched int
	styleValid, styleAccepted := map[string]int{}, map[string]int{}
	dec.STPByStyle, dec.ValidReviewCauses = map[string]float64{}, map[string]map[string]int{}
	rows := &BatchRows{}
	for _, t := range results {
		if t.failure != "" {
			rep.Failures = append(rep.Failures, t.failure)
		}
		rep.Pages += t.pages
		rep.Identification.FormPages += t.formPages
		rep.Identification.Right += t.idRight
		rep.Identification.Covers += t.covers
		rep.Identification.CoversAsForms += t.coversAsForms
		rep.Identification.Wrong = append(rep.Identification.Wrong, t.idWrong...)
		for k, s := range t.fields {
			for _, dst := range []map[string]*Score{rep.Fields, styleMap(rep, t.style)} {
				d := dst[k]
				if d == nil {
					d = &Score{}
					dst[k] = d
				}
				d.Count += s.Count
				d.Right += s.Right
				d.Auto += s.Auto
				d.AutoWrong += s.AutoWrong
			}
		}
		samples = append(samples, t.samples...)
		rep.Mistakes = append(rep.Mistakes, t.mistakes...)
		rep.Doubts = append(rep.Doubts, t.doubts...)
		rep.Misjudged = append(rep.Misjudged, t.misjudged...)
		rep.SettledWrong = append(rep.SettledWrong, t.settledWrong...)
		dec.Settled += t.settled
		dec.SettledWrong += len(t.settledWrong)
		dec.Count += t.decisions
		dec.Right += t.decRight
		dec.FalseAccepts += t.falseAccepts
		valid += t.valid
		validAccepted += t.validAccepted
		styleValid[t.style] += t.valid
		styleAccepted[t.style] += t.validAccepted
		if dec.ValidReviewCauses[t.style] == nil {
			dec.ValidReviewCauses[t.style] = map[string]int{}
		}
		for k, v := range t.validCauses {
			dec.ValidReviewCauses[t.style][k] += v
		}
		retired += t.retired
		retiredRejected += t.retiredRejected
		if !t.touched && t.failure == "" {
			untouched++
		}
		for k, v := range t.outcomes {
			dec.Outcomes[k] += v
		}
		for k, v := range t.causes {
			dec.ReviewCauses[k] += v
		}
		rows.Count += t.rows.Count
		rows.right += t.rows.right
		rows.auto += t.rows.auto
		rows.autoWrong += t.rows.autoWrong
		rows.WrongPersonRemovals += t.rows.WrongPersonRemovals
	}
	rep.Identification.Accuracy = ratio(rep.Identification.Right, rep.Identification.FormPages)
	for _, m := range append([]map[string]*Score{rep.Fields}, maps(rep.ByStyle)...) {
		for _, s := range m {
			s.finish()
		}
	}
	dec.Accuracy = ratio(dec.Right, dec.Count)
	dec.STPRate = ratio(validAccepted, valid)
	for style, n := range styleValid {
		dec.STPByStyle[style] = ratio(styleAccepted[style], n)
	}
	dec.NoTouchRate = ratio(untouched, len(results))
	dec.RetiredRejected = ratio(retiredRejected, retired)
	rep.Decisions = dec
	if rows.Count > 0 {
		rows.Accuracy = ratio(rows.right, rows.Count)
		rows.AutoRate = ratio(rows.auto, rows.Count)
		rows.AutoErrorRate = ratio(rows.autoWrong, rows.auto)
		rep.BatchRows = rows
	}
	rep.Calibration, rep.SuggestedThresholds = calibrate(samples, cfg.MaxAutoError)
	for _, list := range [][]Mistake{rep.Mistakes, rep.Doubts, rep.SettledWrong} {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			return a.Submission+a.Field < b.Submission+b.Field
		})
	}
	slices.Sort(rep.Failures)
	return rep
}

func styleMap(rep *Report, style string) map[string]*Score {
	m := rep.ByStyle[style]
	if m == nil {
		m = map[string]*Score{}
		rep.ByStyle[style] = m
	}
	return m
}

func maps(m map[string]map[string]*Score) []map[string]*Score {
	var out []map[string]*Score
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func readTruth(path string) (*corpus.Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t corpus.Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", filepath.Base(path), err)
	}
	return &t, nil
}

// Clock returns the clock of a corpus directory's day: the evening of its
// as_of day in Los Angeles, as the rules judge each submission, read from
// its corpus.json or, without one, from its first submission's truth. An
// engine reading the corpus runs on it, so that dates are weighed against
// the day the forms were sent, not the day the corpus is read.
func Clock(dir string) (func() time.Time, error) {
	name := filepath.Join(dir, "corpus.json")
	if _, err := os.Stat(name); err != nil {
		subs, _ := filepath.Glob(filepath.Join(dir, "sub-*.json"))
		if len(subs) == 0 {
			return nil, fmt.Errorf("eval: %s: no corpus.json and no submissions", dir)
		}
		slices.Sort(subs)
		name = subs[0]
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var day struct {
		AsOf string `json:"as_of"`
	}
	if err := json.Unmarshal(b, &day); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", name, err)
	}
	now, err := dayClock(day.AsOf)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: as_of: %w", name, err)
	}
	return now, nil
}

// dayClock returns a clock stopped on the evening, in Los Angeles, of the
// day asOf (YYYY-MM-DD).
func dayClock(asOf string) (func() time.Time, error) {
	day, err := time.ParseInLocation("2006-01-02", asOf, time.UTC)
	if err != nil {
		return nil, err
	}
	return func() time.Time { return day.Add(20 * time.Hour) }, nil
}
