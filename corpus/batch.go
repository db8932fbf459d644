package corpus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/lausd/misis-intake/validate"
)

// What a row of a BatchSpec lists, besides the row defects (rowDefects:
// "unknown_employee", "employee_number_7_digits", "wrong_location",
// "unknown_reason", "invalid_date", "future_date").
const (
	// RowValid lists an employee not listed before: one of the location's
	// staff, or once they are all listed, someone HR places elsewhere with
	// the reason Transferred.
	RowValid = "valid"
	// RowDuplicate lists the employee of the first valid row again.
	RowDuplicate = "duplicate"
)

// BatchSpec asks for one batch-removal form made to order: what each row
// lists, and how its pages travel.
type BatchSpec struct {
	// ID names the files; default "batch".
	ID string
	// Rows says what each table row lists, in order: RowValid,
	// RowDuplicate or the name of a row defect.
	Rows []string
	// Parts lists the batch pages each message carries, in the order the
	// messages are sent: {{1, 2}, {3}} sends pages 1 and 2, then page 3 in
	// a later message. A page may travel twice. Nil sends every page in
	// one message.
	Parts [][]int
	// Transport names how the pages travel (TransportNames); default
	// "fax-g4-fine-pdf".
	Transport string
}

// GenerateBatch writes the batch spec asks for into cfg.Out as one message
// per part (ID-1.eml, ID-2.eml, ...; ID.eml when there is one), each with
// its attachment and ground truth (ID-1.json, ...), and returns the
// truths in the order the messages are sent. Each truth's Forms holds the
// whole batch's truth; its attachment's pages say which pages of the
// batch the message carries (PageTruth.FormPage). The fill is typed
// unless cfg.Style is "hand". The same Config and spec give the same
// files.
func GenerateBatch(ctx context.Context, cfg Config, spec BatchSpec) ([]Truth, error) {
	if spec.ID == "" {
		spec.ID = "batch"
	}
	if spec.Transport == "" {
		spec.Transport = "fax-g4-fine-pdf"
	}
	if !slices.Contains(TransportNames(), spec.Transport) {
		return nil, fmt.Errorf("corpus: unknown transport %q", spec.Transport)
	}
	if len(spec.Rows) == 0 {
		return nil, errors.New("corpus: a batch needs rows")
	}
	if cfg.Style == "hand" && len(cfg.Fonts) == 0 {
		return nil, errors.New("corpus: hand-printed fills need at least one handwriting font")
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = time.Now()
	}
	cfg.AsOf = time.Date(cfg.AsOf.Year(), cfg.AsOf.Month(), cfg.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	pl, err := newPlanner(cfg.Registry, cfg.People, cfg.Locations, cfg.AsOf)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", cfg.Seed, spec.ID)
	r := rand.New(rand.NewPCG(cfg.Seed, h.Sum64()))
	f, err := pl.planBatchSpec(r, spec.Rows)
	if err != nil {
		return nil, err
	}
	parts := spec.Parts
	if parts == nil {
		parts = [][]int{nil}
		for pg := 1; pg <= f.pages; pg++ {
			parts[0] = append(parts[0], pg)
		}
	}
	t := pickTransport(r, map[string]bool{spec.Transport: true})
	pn := pens{typedPen(r), typedPen(r)}
	if cfg.Style == "hand" {
		pn = pens{handPen(r, cfg.Fonts), handPen(r, cfg.Fonts)}
	}
	f.truth.Writer = pn.user.name
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}

	var out []Truth
	for i, part := range parts {
		id := spec.ID
		if len(parts) > 1 {
			id = fmt.Sprintf("%s-%d", spec.ID, i+1)
		}
		var pages []pageSpec
		for _, pg := range part {
			if pg < 1 || pg > f.pages {
				return nil, fmt.Errorf("corpus: %s: the batch has %d pages, not a page %d", id, f.pages, pg)
			}
			pages = append(pages, pageSpec{form: 0, formPage: pg})
		}
		// The parts come a day apart, from one school's fax.
		when := cfg.AsOf.Add(time.Duration(8+24*i)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		a, at, err := makeDocument(ctx, cfg, r, t, when, i, pages, []*plannedForm{f}, []pens{pn}, nil)
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: %w", id, err)
		}
		truth := Truth{ID: id, AsOf: cfg.AsOf.Format("2006-01-02"), Style: "typed", Transport: t.Name,
			Attachments: []AttachmentTruth{at}, Forms: []FormTruth{f.fieldTruth()}, EML: id + ".eml"}
		if cfg.Style == "hand" {
			truth.Style = "hand"
		}
		snd := senders[r.IntN(len(senders))]
		person := sender{name: "Front Office", addr: fmt.Sprintf("office.%s@lausd.net", f.values["location_code"])}
		h.Reset()
		fmt.Fprintf(h, "%d/%s", cfg.Seed, id)
		truth.MessageID = fmt.Sprintf("<%s.%016x@corpus.misis-intake>", id, h.Sum64())
		truth.From = snd.addr
		raw, err := buildMessage(r, truth.MessageID, when, snd, person, []attachment{a}, false)
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: message: %w", id, err)
		}
		if err := parseCheck(raw); err != nil {
			return nil, fmt.Errorf("corpus: %s: %w", id, err)
		}
		if err := writeSubmission(cfg, id, truth, []attachment{a}, raw); err != nil {
			return nil, err
		}
		out = append(out, truth)
	}
	return out, nil
}

// planBatchSpec plans a batch-removal form of the current revision whose
// rows list what rows says, from a location with staff enough that every
// valid row can list someone new.
func (p *planner) planBatchSpec(r *rand.Rand, rows []string) (*plannedForm, error) {
	rev := p.reg.Family("batch-removal").Current()
	codes := map[string]string{}
	for _, d := range rowDefects {
		codes[d.name] = d.code
	}
	for _, k := range rows {
		if _, ok := codes[k]; !ok && k != RowValid && k != RowDuplicate {
			return nil, fmt.Errorf("corpus: no batch row kind %q", k)
		}
	}
	all := append(append([]validate.Location{}, p.schools...), p.offices...)
	var loc validate.Location
	var staff []validate.Employee
	for _, l := range all {
		if s := p.processedAt(r, l.Code); len(s) > len(staff) {
			loc, staff = l, s
		}
	}
	if len(staff) < 2 {
		return nil, errors.New("corpus: no location has two processed employees")
	}
	r.Shuffle(len(staff), func(i, j int) { staff[i], staff[j] = staff[j], staff[i] })
	admin, staff := staff[0], staff[1:]
	// Once the location's staff are all listed, valid rows list people HR
	// has moved away, as transfers.
	var elsewhere []validate.Employee
	for _, x := range p.people {
		if x.LocationCode != loc.Code && x.Status == validate.HRProcessed {
			elsewhere = append(elsewhere, x)
		}
	}
	r.Shuffle(len(elsewhere), func(i, j int) { elsewhere[i], elsewhere[j] = elsewhere[j], elsewhere[i] })

	v := batchHeader(loc, admin, date(p.asOf.AddDate(0, 0, -r.IntN(5))))
	t := FormTruth{Family: "batch-removal", Revision: rev.Stamp, Current: true}
	var first *batchRow
	next := func() (validate.Employee, bool) { // someone not listed yet
		if len(staff) > 0 {
			x := staff[0]
			staff = staff[1:]
			return x, false
		}
		x := elsewhere[0]
		elsewhere = elsewhere[1:]
		return x, true
	}
	for i, kind := range rows {
		row := RowTruth{Row: i + 1, Decision: Accept}
		var br batchRow
		switch kind {
		case RowDuplicate:
			if first == nil {
				return nil, fmt.Errorf("corpus: row %d repeats a valid row, but none comes before it", i+1)
			}
			br, row.Duplicate = *first, true
		case RowValid:
			x, moved := next()
			br = p.newRow(r, x)
			if moved {
				br.reason = "Transferred"
			}
			if first == nil {
				first = &br
			}
		default:
			x, moved := next()
			br = p.newRow(r, x)
			if moved && kind != "wrong_location" {
				br.reason = "Transferred"
			}
			p.rowDefect(r, kind, loc, &br)
			row.Decision, row.Reason = Reject, codes[kind]
		}
		row.EmployeeNumber = br.number
		br.write(v, i+1)
		t.Rows = append(t.Rows, row)
	}
	t.Decision, t.Reasons = rowsOutcome(t.Rows)
	perPage := rev.TableRows()
	return &plannedForm{rev: rev, values: v, truth: t, pages: (len(rows) + perPage - 1) / perPage}, nil
}
