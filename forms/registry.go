package forms

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

//go:embed defs
var embedded embed.FS

// Registry holds every form family and revision the district has posted.
type Registry struct {
	families map[string]*Family
	order    []string
}

// DefinitionError reports a form definition that cannot be used, naming the
// file and what is wrong with it.
type DefinitionError struct {
	File    string
	Problem string
}

func (e *DefinitionError) Error() string {
	return "forms: " + e.File + ": " + e.Problem
}

// Load reads the definitions embedded in the binary.
func Load() (*Registry, error) {
	sub, err := fs.Sub(embedded, "defs")
	if err != nil {
		return nil, fmt.Errorf("forms: embedded definitions: %w", err)
	}
	return LoadFS(sub)
}

// MustLoad is Load for definitions that tests in this package guarantee
// are valid; it panics on error.
func MustLoad() *Registry {
	r, err := Load()
	if err != nil {
		panic(err)
	}
	return r
}

// LoadFS reads definitions from fsys: one directory per family holding a
// family.json and one JSON file per revision. Every problem found is
// reported, each as a *DefinitionError.
func LoadFS(fsys fs.FS) (*Registry, error) {
	dirs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("forms: read definitions: %w", err)
	}
	reg := &Registry{families: map[string]*Family{}}
	var errs []error
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		fam, ferrs := loadFamily(fsys, d.Name())
		errs = append(errs, ferrs...)
		if fam != nil {
			reg.families[fam.ID] = fam
			reg.order = append(reg.order, fam.ID)
		}
	}
	if len(reg.order) == 0 && len(errs) == 0 {
		errs = append(errs, &DefinitionError{File: ".", Problem: "no form families defined"})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Strings(reg.order)
	return reg, nil
}

func loadFamily(fsys fs.FS, dir string) (*Family, []error) {
	famFile := path.Join(dir, "family.json")
	fam := &Family{}
	if err := decodeStrict(fsys, famFile, fam); err != nil {
		return nil, []error{err}
	}
	var errs []error
	problem := func(file, format string, args ...any) {
		errs = append(errs, &DefinitionError{File: file, Problem: fmt.Sprintf(format, args...)})
	}
	if fam.ID != dir {
		problem(famFile, "family id %q does not match its directory %q", fam.ID, dir)
	}
	if strings.TrimSpace(fam.Title) == "" {
		problem(famFile, "family has no title")
	}
	if fam.Kind != "access" && fam.Kind != "batch" {
		problem(famFile, "family kind %q is neither \"access\" nor \"batch\"", fam.Kind)
	}

	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, []error{fmt.Errorf("forms: read %s: %w", dir, err)}
	}
	stamps := map[string]string{}
	var current []string
	for _, e := range entries {
		if e.IsDir() || e.Name() == "family.json" || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		file := path.Join(dir, e.Name())
		rev := &Revision{}
		if err := decodeStrict(fsys, file, rev); err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, ok := stamps[rev.Stamp]; ok {
			problem(file, "revision %s is defined twice (also in %s)", rev.Stamp, prev)
			continue
		}
		stamps[rev.Stamp] = file
		if rev.Status == Current {
			current = append(current, file)
		}
		for _, p := range checkRevision(rev, fam) {
			problem(file, "%s", p)
		}
		fam.Revisions = append(fam.Revisions, rev)
	}
	switch {
	case len(fam.Revisions) == 0 && len(errs) == 0:
		problem(famFile, "family has no revisions")
	case len(current) == 0 && len(fam.Revisions) > 0:
		problem(famFile, "family has no current revision; exactly one must be current")
	case len(current) > 1:
		problem(famFile, "family has %d current revisions (%s); exactly one must be current",
			len(current), strings.Join(current, ", "))
	}
	fam.sortRevisions()
	return fam, errs
}

// decodeStrict decodes one JSON file, refusing unknown keys so that a typo
// in a definition is an error rather than a silently missing value.
func decodeStrict(fsys fs.FS, file string, v any) error {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return &DefinitionError{File: file, Problem: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &DefinitionError{File: file, Problem: "invalid JSON: " + err.Error()}
	}
	return nil
}

var stampRE = regexp.MustCompile(`^\d\d/\d\d/\d{4}$`)

var fieldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_.]*$`)

// checkRevision validates one revision and indexes its fields, returning
// every problem found.
func checkRevision(rev *Revision, fam *Family) []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	if rev.Family != fam.ID {
		add("revision names family %q but lies in %q", rev.Family, fam.ID)
	}
	if !stampRE.MatchString(rev.Stamp) {
		add("revision stamp %q is not MM/DD/YYYY", rev.Stamp)
	} else if _, err := time.Parse("01/02/2006", rev.Stamp); err != nil {
		add("revision stamp %q is not a real date", rev.Stamp)
	}
	if rev.Status != Current && rev.Status != Retired {
		add("status %q is neither \"current\" nor \"retired\"", rev.Status)
	}
	if strings.TrimSpace(rev.Title) == "" {
		add("revision has no title")
	}
	if rev.PageSize.W <= 0 || rev.PageSize.H <= 0 {
		add("page size %vx%v is not positive", rev.PageSize.W, rev.PageSize.H)
	}
	for _, m := range rev.Marks {
		if m != 'A' && m != 'R' {
			add("marks %q may hold only A and R", rev.Marks)
			break
		}
	}
	// Bounds that no paper form comes near keep a broken definition from
	// costing minutes to check.
	const maxPages, maxFields, maxPrint = 20, 1000, 2000
	if len(rev.Pages) == 0 {
		add("revision has no pages")
	}
	if len(rev.Pages) > maxPages {
		add("revision has %d pages; at most %d are allowed", len(rev.Pages), maxPages)
		return probs
	}
	for _, p := range rev.Pages {
		if len(p.Fields) > maxFields || len(p.Print) > maxPrint {
			add("page %d has %d fields and %d printed elements; at most %d and %d are allowed",
				p.Number, len(p.Fields), len(p.Print), maxFields, maxPrint)
			return probs
		}
	}

	page := Box{0, 0, rev.PageSize.W, rev.PageSize.H}
	rev.fields = map[string]*Field{}
	roles := map[string]string{}
	for i := range rev.Pages {
		p := &rev.Pages[i]
		if p.Number != i+1 {
			add("page %d is numbered %d", i+1, p.Number)
		}
		if p.Table != nil {
			cells, tprobs := expandTable(p.Table)
			probs = append(probs, tprobs...)
			p.Fields = append(p.Fields, cells...)
			if !p.Table.Box.Inside(page) {
				add("page %d: table box %v is not on the page", p.Number, p.Table.Box)
			}
		}
		for _, e := range p.Print {
			if !e.Box.Inside(page) {
				add("page %d: printed %s %q at %v is not on the page", p.Number, e.Type, clip(e.Text), e.Box)
			}
			switch e.Type {
			case "text", "para", "line", "rect", "box", "bullets":
			default:
				add("page %d: printed element type %q is unknown", p.Number, e.Type)
			}
		}
		var onPage []*Field
		for j := range p.Fields {
			f := &p.Fields[j]
			f.Page = p.Number
			switch {
			case !fieldNameRE.MatchString(f.Name):
				add("field name %q must be lower case letters, digits, '_' and '.'", f.Name)
			case rev.fields[f.Name] != nil:
				add("field %q is defined twice", f.Name)
			}
			if !f.Kind.valid() {
				add("field %q has unknown kind %q", f.Name, f.Kind)
			}
			if f.Box.W <= 0 || f.Box.H <= 0 {
				add("field %q has an empty box %v", f.Name, f.Box)
			} else if !f.Box.Inside(page) {
				add("field %q box %v is not on the page", f.Name, f.Box)
			}
			if f.Kind == KindMark && f.Group == "" {
				if f.Role == "" {
					add("mark field %q names no role", f.Name)
				} else if prev, dup := roles[strings.ToLower(f.Role)]; dup {
					add("role %q is on fields %q and %q; role names must be unique", f.Role, prev, f.Name)
				} else {
					roles[strings.ToLower(f.Role)] = f.Name
				}
			}
			for _, o := range onPage {
				if f.Box.Overlaps(o.Box) {
					add("fields %q and %q overlap on page %d", o.Name, f.Name, p.Number)
				}
			}
			onPage = append(onPage, f)
			if rev.fields[f.Name] == nil {
				rev.fields[f.Name] = f
				rev.order = append(rev.order, f.Name)
			}
		}
	}
	for _, s := range fam.Signatures {
		if f := rev.fields[s]; f == nil || f.Kind != KindSignature {
			add("required signature %q (family.json) is not a signature field of this revision", s)
		}
	}
	if fam.AdminTitleField != "" && rev.fields[fam.AdminTitleField] == nil {
		add("administrator title field %q (family.json) is not a field of this revision", fam.AdminTitleField)
	}
	if fam.Kind == "access" && len(roles) == 0 {
		add("access form revision has no role marks")
	}
	if fam.Kind == "access" && rev.Marks == "" {
		add("access form revision allows no marks; set marks to \"A\" or \"AR\"")
	}
	return probs
}

// expandTable turns a table's grid into one field per cell.
func expandTable(t *Table) ([]Field, []string) {
	var probs []string
	const maxRows, maxColumns = 200, 20
	switch {
	case t.Rows <= 0 || len(t.Columns) == 0:
		return nil, []string{"table needs rows and columns"}
	case t.Rows > maxRows || len(t.Columns) > maxColumns:
		return nil, []string{fmt.Sprintf("table has %d rows and %d columns; at most %d and %d fit a page", t.Rows, len(t.Columns), maxRows, maxColumns)}
	case t.RowH <= 0 || t.HeaderH < 0:
		return nil, []string{fmt.Sprintf("table row height %v and header height %v must be positive", t.RowH, t.HeaderH)}
	}
	width := 0.0
	for _, c := range t.Columns {
		width += c.W
		if !c.Kind.valid() || c.Kind == KindMark || c.Kind == KindSignature {
			probs = append(probs, fmt.Sprintf("table column %q has kind %q; cells hold text, digits, dates or e-mail", c.Name, c.Kind))
		}
	}
	if d := width - t.Box.W; d > 0.5 || d < -0.5 {
		probs = append(probs, fmt.Sprintf("table columns are %.1f wide but the table is %.1f", width, t.Box.W))
	}
	if h := t.HeaderH + float64(t.Rows)*t.RowH; h > t.Box.H+0.5 {
		probs = append(probs, fmt.Sprintf("table rows need %.1f points but the table is %.1f high", h, t.Box.H))
	}
	const pad = 1.5 // keep cell boxes off the grid lines
	var cells []Field
	for r := 1; r <= t.Rows; r++ {
		y := t.Box.Y + t.HeaderH + float64(r-1)*t.RowH
		x := t.Box.X
		for _, c := range t.Columns {
			cells = append(cells, Field{
				Name: RowField(r, c.Name), Kind: c.Kind, Label: c.Label,
				Box: Box{x + pad, y + pad, c.W - 2*pad, t.RowH - 2*pad},
				Row: r, Column: c.Name, Optional: true,
			})
			x += c.W
		}
	}
	return cells, probs
}

func clip(s string) string {
	if len(s) > 30 {
		return s[:30] + "..."
	}
	return s
}

// Families returns every family, ordered by ID.
func (r *Registry) Families() []*Family {
	out := make([]*Family, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, r.families[id])
	}
	return out
}

// Family returns the family with the given ID, or nil.
func (r *Registry) Family(id string) *Family { return r.families[id] }

// Revision returns the named revision, or nil when the registry does not know it.
func (r *Registry) Revision(family, stamp string) *Revision {
	if f := r.families[family]; f != nil {
		return f.Revision(stamp)
	}
	return nil
}

// Revisions returns every revision of every family.
func (r *Registry) Revisions() []*Revision {
	var out []*Revision
	for _, f := range r.Families() {
		out = append(out, f.Revisions...)
	}
	return out
}
