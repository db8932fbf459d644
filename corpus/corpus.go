package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// Config says what to generate.
type Config struct {
	// Out is the directory the submissions are written to.
	Out   string
	Count int
	Seed  uint64
	// Style is "typed", "hand" or "mixed" (the default).
	Style string
	// AsOf is the day the submissions are judged on; dates after it are in
	// the future. Zero means today.
	AsOf time.Time
	// Registry holds the forms; People and Locations the roster the
	// submissions are drawn from.
	Registry  *forms.Registry
	People    []validate.Employee
	Locations []validate.Location
	// Fonts are the handwriting fonts; at least one is needed for hand fills.
	Fonts []Font
	// MaxBatchRows bounds the rows of a batch-removal form (default 30).
	MaxBatchRows int
	// Workers is how many submissions are made at once (default: one per core).
	Workers int
	// Transports, when set, limits the transports drawn to these names
	// (see TransportNames).
	Transports []string
	// KeepVector also writes each attachment as drawn, before it was
	// faxed or scanned (NAME.vector.pdf): its text layer and exact geometry
	// let tests check the drawing against the ground truth.
	KeepVector bool
	// Progress, when set, is called after each submission is written.
	Progress func(done, total int)
}

// Manifest describes a generated corpus; it is written as corpus.json.
type Manifest struct {
	Seed        uint64   `json:"seed"`
	Count       int      `json:"count"`
	Style       string   `json:"style"`
	AsOf        string   `json:"as_of"`
	Submissions []string `json:"submissions"`
}

// Generate writes cfg.Count submissions into cfg.Out: for each one the
// attachment files, an .eml message and a ground-truth .json, and a
// corpus.json manifest. The same Config gives the same files.
func Generate(ctx context.Context, cfg Config) (*Manifest, error) {
	if cfg.Count <= 0 {
		return nil, errors.New("corpus: count must be positive")
	}
	if cfg.Style == "" {
		cfg.Style = "mixed"
	}
	if cfg.Style != "typed" && cfg.Style != "hand" && cfg.Style != "mixed" {
		return nil, fmt.Errorf("corpus: style %q is not typed, hand or mixed", cfg.Style)
	}
	if cfg.Style != "typed" && len(cfg.Fonts) == 0 {
		return nil, errors.New("corpus: hand-printed fills need at least one handwriting font")
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = time.Now()
	}
	cfg.AsOf = time.Date(cfg.AsOf.Year(), cfg.AsOf.Month(), cfg.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	if cfg.MaxBatchRows <= 0 {
		cfg.MaxBatchRows = 30
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	for _, name := range cfg.Transports {
		if !slices.Contains(TransportNames(), name) {
			return nil, fmt.Errorf("corpus: unknown transport %q (know %s)", name, strings.Join(TransportNames(), ", "))
		}
	}
	pl, err := newPlanner(cfg.Registry, cfg.People, cfg.Locations, cfg.AsOf)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	m := &Manifest{Seed: cfg.Seed, Count: cfg.Count, Style: cfg.Style, AsOf: cfg.AsOf.Format("2006-01-02")}
	for i := 1; i <= cfg.Count; i++ {
		m.Submissions = append(m.Submissions, fmt.Sprintf("sub-%04d", i))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	for w := 0; w < cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				err := makeSubmission(ctx, cfg, pl, i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				done++
				if cfg.Progress != nil && err == nil {
					cfg.Progress(done, cfg.Count)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := 1; i <= cfg.Count; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(m, "", " ")
	if err := os.WriteFile(filepath.Join(cfg.Out, "corpus.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// makeSubmission plans, draws, transports and writes submission i.
func makeSubmission(ctx context.Context, cfg Config, pl *planner, i int) error {
	id := fmt.Sprintf("sub-%04d", i)
	r := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
	style := cfg.Style
	if style == "mixed" {
		style = []string{"typed", "hand"}[r.IntN(2)]
	}
	allowed := map[string]bool{}
	for _, name := range cfg.Transports {
		allowed[name] = true
	}
	t := pickTransport(r, allowed)
	truth := Truth{ID: id, AsOf: cfg.AsOf.Format("2006-01-02"), Style: style, Transport: t.Name}

	// The forms in this fax: mostly one, sometimes two or three.
	nForms := 1
	if n := r.IntN(20); n >= 15 {
		nForms = 2
		if n == 19 {
			nForms = 3
		}
	}
	valid := r.IntN(100) < 60
	var planned []*plannedForm
	for k := 0; k < nForms; k++ {
		var f *plannedForm
		switch n := r.IntN(100); {
		case n < 28:
			f = pl.planAccess(r, "school-mirror", valid)
		case n < 52:
			f = pl.planAccess(r, "district-staff", valid)
		case n < 76:
			f = pl.planAccess(r, "school-personnel", valid)
		default:
			f = pl.planBatch(r, valid, cfg.MaxBatchRows)
		}
		f.truth.Form = k
		planned = append(planned, f)
	}

	// Pages: an optional cover sheet, then every form's pages. Several
	// forms may travel as one document or one document each.
	var docs [][]pageSpec
	var all []pageSpec
	cover := t.Fax && r.IntN(10) < 4
	if cover {
		all = append(all, pageSpec{form: -1})
	}
	splitDocs := nForms > 1 && r.IntN(2) == 0
	for k, f := range planned {
		var pages []pageSpec
		for pg := 1; pg <= f.pages; pg++ {
			pages = append(pages, pageSpec{form: k, formPage: pg})
		}
		if splitDocs {
			if k == 0 {
				pages = append(all, pages...)
			}
			docs = append(docs, pages)
		} else {
			all = append(all, pages...)
		}
	}
	if !splitDocs {
		docs = [][]pageSpec{all}
	}

	// Each form is written by its own people: the user, and the
	// administrator who signs.
	penFor := make([]pens, len(planned))
	for k := range planned {
		if style == "typed" {
			penFor[k] = pens{typedPen(r), typedPen(r)}
		} else {
			penFor[k] = pens{handPen(r, cfg.Fonts), handPen(r, cfg.Fonts)}
		}
		planned[k].truth.Writer = penFor[k].user.name
	}
	from := pl.schools[r.IntN(len(pl.schools))]
	when := cfg.AsOf.Add(time.Duration(7*3600+r.IntN(10*3600)) * time.Second)

	var atts []attachment
	drawCover := func(pdf *fpdf.Fpdf) { coverSheet(pdf, r, from, len(all), when.Format("01/02/2006")) }
	for d, pages := range docs {
		a, at, err := makeDocument(ctx, cfg, r, t, when, d, pages, planned, penFor, drawCover)
		if err != nil {
			return fmt.Errorf("corpus: %s: %w", id, err)
		}
		atts = append(atts, a)
		truth.Attachments = append(truth.Attachments, at)
	}
	for _, f := range planned {
		truth.Forms = append(truth.Forms, f.fieldTruth())
	}

	// The message.
	snd := senders[r.IntN(len(senders))]
	person := sender{name: "Front Office", addr: fmt.Sprintf("office.%s@lausd.net", from.Code)}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", cfg.Seed, i)
	truth.MessageID = fmt.Sprintf("<%s.%016x@corpus.misis-intake>", id, h.Sum64())
	forward := r.IntN(8) == 0
	truth.From = snd.addr
	if forward {
		truth.From = person.addr
	}
	raw, err := buildMessage(r, truth.MessageID, when, snd, person, atts, forward)
	if err != nil {
		return fmt.Errorf("corpus: %s: message: %w", id, err)
	}
	if err := parseCheck(raw); err != nil {
		return fmt.Errorf("corpus: %s: %w", id, err)
	}
	truth.EML = id + ".eml"
	return writeSubmission(cfg, id, truth, atts, raw)
}

// pageSpec is one page of a document: a form's page, or the cover sheet
// (form -1).
type pageSpec struct {
	form, formPage int
}

// pens are the people who write on one form: the user, and the
// administrator who signs.
type pens struct{ user, admin pen }

// makeDocument draws a document's pages as they lie on the glass, each
// form page filled with its form's pens (cover draws the cover sheet),
// and sends it through the transport. d numbers the message's documents.
func makeDocument(ctx context.Context, cfg Config, r *rand.Rand, t Transport, when time.Time, d int, pages []pageSpec,
	planned []*plannedForm, penFor []pens, cover func(*fpdf.Fpdf)) (attachment, AttachmentTruth, error) {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: 612, Ht: 792}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCompression(true)
	pdf.SetCreationDate(when)
	pdf.SetModificationDate(when)
	for k, f := range cfg.Fonts {
		pdf.AddUTF8FontFromBytes(fmt.Sprintf("hand%d", k), "", f.TTF)
	}
	att := AttachmentTruth{}
	for n, ps := range pages {
		pdf.AddPage()
		rot := 0
		if r.IntN(25) == 0 {
			rot = 180
		}
		pt := PageTruth{Page: n + 1, Kind: PageCover, Form: -1, Rotation: rot}
		pt.Placement = placePage(pdf, r, rot, func() {
			if ps.form < 0 {
				cover(pdf)
				return
			}
			f := planned[ps.form]
			forms.DrawPage(pdf, f.rev, 1)
			fill(pdf, r, f, ps.formPage, f.pages, penFor[ps.form].user, penFor[ps.form].admin)
		})
		if ps.form >= 0 {
			f := planned[ps.form]
			pt.Kind, pt.Form, pt.Family, pt.Revision = PageForm, ps.form, f.rev.Family, f.rev.Stamp
			pt.FormPage, pt.PageCount = ps.formPage, f.pages
		}
		att.Pages = append(att.Pages, pt)
	}
	if err := pdf.Error(); err != nil {
		return attachment{}, att, fmt.Errorf("draw: %w", err)
	}
	var vec bytes.Buffer
	if err := pdf.Output(&vec); err != nil {
		return attachment{}, att, fmt.Errorf("draw: %w", err)
	}
	data, ext, ct, err := transport(ctx, r, vec.Bytes(), t, when)
	if err != nil {
		return attachment{}, att, err
	}
	att.Filename = fmt.Sprintf("%s%s", attachmentName(r, t, when, d), ext)
	att.ContentType = ct
	return attachment{filename: att.Filename, contentType: ct, data: data, vector: vec.Bytes()}, att, nil
}

// fieldTruth returns the form's truth with every field's true value.
func (f *plannedForm) fieldTruth() FormTruth {
	f.truth.Fields = map[string]string{}
	for _, fld := range f.rev.Fields() {
		if fld.Row > 0 || fld.Name == "page_number" || fld.Name == "page_count" {
			continue
		}
		f.truth.Fields[fld.Name] = f.values[fld.Name]
	}
	for name, v := range f.values {
		if _, _, ok := forms.SplitRowField(name); ok {
			f.truth.Fields[name] = v
		}
	}
	return f.truth
}

// writeSubmission writes a submission's attachments, message and ground
// truth into cfg.Out, named after id.
func writeSubmission(cfg Config, id string, truth Truth, atts []attachment, raw []byte) error {
	write := func(name string, b []byte) error {
		return os.WriteFile(filepath.Join(cfg.Out, name), b, 0o644)
	}
	for k, a := range atts {
		name := fmt.Sprintf("%s%s", id, filepath.Ext(a.filename))
		if len(atts) > 1 {
			name = fmt.Sprintf("%s-%d%s", id, k+1, filepath.Ext(a.filename))
		}
		if err := write(name, a.data); err != nil {
			return err
		}
		if cfg.KeepVector {
			if err := write(strings.TrimSuffix(name, filepath.Ext(name))+".vector.pdf", a.vector); err != nil {
				return err
			}
		}
	}
	if err := write(truth.EML, raw); err != nil {
		return err
	}
	tb, _ := json.MarshalIndent(truth, "", " ")
	return write(id+".json", append(tb, '\n'))
}

// placePage draws a page as it lies on the scanner glass: turned a little
// (or upside down), scaled, shifted. It returns where the page went.
func placePage(pdf *fpdf.Fpdf, r *rand.Rand, rot int, draw func()) Placement {
	p := Placement{
		Angle: (r.Float64()*2 - 1) * 3,
		Scale: 0.97 + r.Float64()*0.06,
		DX:    (r.Float64()*2 - 1) * 18,
		DY:    (r.Float64()*2 - 1) * 18,
	}
	pdf.TransformBegin()
	pdf.TransformTranslate(p.DX, p.DY)
	pdf.TransformRotate(p.Angle+float64(rot), pageCX, pageCY)
	pdf.TransformScale(p.Scale*100, p.Scale*100, pageCX, pageCY)
	draw()
	pdf.TransformEnd()
	return p
}

// transport sends the vector pages through the fax or the scanner.
func transport(ctx context.Context, r *rand.Rand, vector []byte, t Transport, when time.Time) (data []byte, ext, contentType string, err error) {
	dir, err := os.MkdirTemp("", "corpus-")
	if err != nil {
		return nil, "", "", err
	}
	defer os.RemoveAll(dir)
	pages, err := rasterise(ctx, dir, vector, t)
	if err != nil {
		return nil, "", "", err
	}
	for _, p := range pages {
		degrade(p, r, pickDegradation(r, t), t)
	}
	if t.Fax {
		data, err = encodeFax(ctx, dir, pages, t, when)
		if t.TIFF {
			return data, ".tif", "image/tiff", err
		}
		return data, ".pdf", "application/pdf", err
	}
	data, err = encodeScan(pages, t, 45+r.IntN(30), when)
	return data, ".pdf", "application/pdf", err
}

func attachmentName(r *rand.Rand, t Transport, when time.Time, d int) string {
	if t.Fax {
		return fmt.Sprintf("fax_%s_%04d", when.Format("20060102_1504"), r.IntN(10000)+d)
	}
	return fmt.Sprintf("Scan_%s_%03d", when.Format("2006-01-02"), r.IntN(1000)+d)
}

// DefaultFonts loads the handwriting fonts Debian packages install
// (fonts-dkg-handwriting, fonts-breip, fonts-humor-sans); fonts that are
// not installed are skipped. Scale evens out their letter heights.
func DefaultFonts() ([]Font, error) {
	candidates := []struct {
		name, path string
		scale      float64
	}{
		{"dkg", "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", 1.0},
		{"dkg-bold", "/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf", 1.0},
		{"breip", "/usr/share/fonts/truetype/breip/Breip.ttf", 1.25},
		{"humor-sans", "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf", 1.1},
	}
	var out []Font
	for _, c := range candidates {
		b, err := os.ReadFile(c.path)
		if err != nil {
			continue
		}
		out = append(out, Font{Name: c.name, TTF: b, Scale: c.scale})
	}
	if len(out) == 0 {
		return nil, errors.New("corpus: no handwriting fonts installed (fonts-dkg-handwriting, fonts-breip, fonts-humor-sans)")
	}
	return out, nil
}
