package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gen2brain/go-fitz"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

// testConfig loads the committed roster and locations and the installed fonts.
func testConfig(t *testing.T, out string, count int, seed uint64, style string) Config {
	t.Helper()
	for _, tool := range []string{"gs", "tiffcp", "tiff2pdf", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required: run the README's test command (it installs it)", tool)
		}
	}
	reg, err := forms.Load()
	if err != nil {
		t.Fatal(err)
	}
	roster, err := validate.ReadRosterFile("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	locs, err := validate.ReadLocationsFile("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Out: out, Count: count, Seed: seed, Style: style, AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		Registry: reg, People: roster.Employees(), Locations: locs.All(), Fonts: fonts,
	}
}

// The same seed gives byte-identical files; another seed gives others.
func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir  string
		seed uint64
	}{{a, 11}, {b, 11}, {c, 12}} {
		if _, err := Generate(ctx, testConfig(t, run.dir, 5, run.seed, "mixed")); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(a, "*"))
	if len(files) < 16 { // 5 x (attachment, eml, json) + manifest
		t.Fatalf("only %d files written", len(files))
	}
	differ := 0
	for _, fa := range files {
		name := filepath.Base(fa)
		x, _ := os.ReadFile(fa)
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
		if z, err := os.ReadFile(filepath.Join(c, name)); err != nil || !bytes.Equal(x, z) {
			differ++
		}
	}
	if differ < len(files)/2 {
		t.Errorf("seed 12 gave %d files of %d different from seed 11", differ, len(files))
	}
}

var blanks = map[string][]word{}

// blankWords returns the words the blank revision prints, from its own
// rendered text layer.
func blankWords(t *testing.T, rev *forms.Revision) []word {
	t.Helper()
	if ws, ok := blanks[rev.Key()]; ok {
		return ws
	}
	path := filepath.Join(t.TempDir(), "blank.pdf")
	var buf bytes.Buffer
	if err := forms.Render(&buf, rev); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := pdfWords(t, path)[0]
	blanks[rev.Key()] = ws
	return ws
}

// word is one word of pdftotext's -bbox output, in points from the top-left.
type word struct {
	x0, y0, x1, y1 float64
	text           string
}

var wordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// pdfWords returns every page's words as read from the PDF's own text layer.
func pdfWords(t *testing.T, pdf string) [][]word {
	t.Helper()
	out, err := exec.Command("pdftotext", "-bbox", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var pages [][]word
	for _, page := range strings.Split(string(out), "<page ")[1:] {
		var ws []word
		for _, m := range wordRE.FindAllStringSubmatch(page, -1) {
			f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
			text := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(m[5])
			ws = append(ws, word{f(m[1]), f(m[2]), f(m[3]), f(m[4]), text})
		}
		pages = append(pages, ws)
	}
	return pages
}

// placed returns the axis-aligned bounds, on the placed page, of a
// template box.
func placed(pt PageTruth, b forms.Box) (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{b.X, b.Y}, {b.Right(), b.Y}, {b.X, b.Bottom()}, {b.Right(), b.Bottom()}} {
		x, y := pt.Map(c[0], c[1])
		x0, y0, x1, y1 = math.Min(x0, x), math.Min(y0, y), math.Max(x1, x), math.Max(y1, y)
	}
	return
}

// assign gives each filled word to the field it was written in: the field
// whose placed box holds the word's horizontal centre and whose vertical
// centre is nearest the word's. Text values are then joined per field.
func assign(pt PageTruth, ws []word, fields []*forms.Field) map[string]string {
	out := map[string]string{}
	for _, w := range ws {
		// A glyph's box runs from the font's ascent to its descent; the ink
		// of capitals and digits sits a little below its middle.
		cx, cy := (w.x0+w.x1)/2, w.y0+0.6*(w.y1-w.y0)
		best, bestD := "", math.Inf(1)
		for _, f := range fields {
			x0, y0, x1, y1 := placed(pt, f.Box)
			if cx < x0-1 || cx > x1+1 {
				continue
			}
			if d := math.Abs(cy - (y0+y1)/2); d < bestD && d < 20 {
				best, bestD = f.Name, d
			}
		}
		if best != "" {
			out[best] += w.text
		}
	}
	return out
}

// inkIn counts dark pixels of img (rendered at dpi) inside a template box
// shrunk by inset points on every side.
func inkIn(pt PageTruth, img *image.Gray, dpi float64, b forms.Box, inset float64) int {
	b = forms.Box{X: b.X + inset, Y: b.Y + inset, W: b.W - 2*inset, H: b.H - 2*inset}
	n := 0
	k := dpi / 72
	// Walk the template box and map each sample point onto the page.
	for y := b.Y; y <= b.Bottom(); y += 0.5 {
		for x := b.X; x <= b.Right(); x += 0.5 {
			px, py := pt.Map(x, y)
			ix, iy := int(px*k), int(py*k)
			if image.Pt(ix, iy).In(img.Rect) && img.GrayAt(ix, iy).Y < 128 {
				n++
			}
		}
	}
	return n
}

// letters returns the letters and digits of s, upper-cased and sorted.
// Characters drawn one by one with slant come back from the text layer in
// any order, so values are compared as multisets of characters.
func letters(s string) string {
	r := []rune(strings.ToUpper(strings.Join(strings.Fields(s), "")))
	slices.Sort(r)
	return string(r)
}

// fillWords drops from a placed page's words those the blank form prints
// there, leaving what was filled in.
func fillWords(pt PageTruth, page, blank []word) []word {
	var out []word
next:
	for _, w := range page {
		cx, cy := (w.x0+w.x1)/2, (w.y0+w.y1)/2
		for _, b := range blank {
			x0, y0, x1, y1 := placed(pt, forms.Box{X: b.x0, Y: b.y0, W: b.x1 - b.x0, H: b.y1 - b.y0})
			if cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1 {
				continue next
			}
		}
		out = append(out, w)
	}
	return out
}

// The ground truth matches what was drawn: every text value is in its
// field's box in the PDF's own text layer, every role mark and signature
// shows as ink (or its absence) where the truth says, and every page is the
// form and revision the truth names.
func TestTruthMatchesDrawing(t *testing.T) {
	for _, style := range []string{"typed", "hand"} {
		t.Run(style, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(t, dir, 6, 21, style)
			cfg.KeepVector = true
			m, err := Generate(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checked := map[forms.Kind]int{}
			for _, id := range m.Submissions {
				checkSubmission(t, cfg.Registry, dir, id, checked)
			}
			for _, k := range []forms.Kind{forms.KindText, forms.KindDigits, forms.KindDate, forms.KindMark, forms.KindSignature} {
				if checked[k] == 0 {
					t.Errorf("no %s field was checked", k)
				}
			}
			t.Logf("checked fields by kind: %v", checked)
		})
	}
}

func checkSubmission(t *testing.T, reg *forms.Registry, dir, id string, checked map[forms.Kind]int) {
	var truth Truth
	b, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	for k, att := range truth.Attachments {
		vec := filepath.Join(dir, id+".vector.pdf")
		if len(truth.Attachments) > 1 {
			vec = filepath.Join(dir, fmt.Sprintf("%s-%d.vector.pdf", id, k+1))
		}
		words := pdfWords(t, vec)
		raw, err := exec.Command("pdftotext", "-raw", vec, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		rawPages := strings.Split(string(raw), "\f")
		if len(words) != len(att.Pages) {
			t.Fatalf("%s: %d pages drawn, truth has %d", vec, len(words), len(att.Pages))
		}
		doc, err := fitz.New(vec)
		if err != nil {
			t.Fatal(err)
		}
		for i, pt := range att.Pages {
			// Content-stream order keeps printed text together on turned
			// pages; pdftotext may still break it into lines anywhere.
			all := strings.Join(strings.Fields(rawPages[i]), "")
			if pt.Kind == PageCover {
				if !strings.Contains(all, "FAX") || strings.Contains(all, "(Rev.") {
					t.Errorf("%s page %d: cover sheet text %q", id, pt.Page, all)
				}
				continue
			}
			if !strings.Contains(all, "(Rev."+pt.Revision+")") {
				t.Errorf("%s page %d: stamp (Rev. %s) not printed", id, pt.Page, pt.Revision)
			}
			const dpi = 100
			img, err := doc.ImageDPI(i, dpi)
			if err != nil {
				t.Fatal(err)
			}
			gray := image.NewGray(img.Bounds())
			for p := 0; p < len(gray.Pix); p++ {
				r, g, bl := img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2]
				gray.Pix[p] = uint8((int(r) + int(g) + int(bl)) / 3)
			}
			form := truth.Forms[pt.Form]
			rev := reg.Revision(pt.Family, pt.Revision)
			filled := assign(pt, fillWords(pt, words[i], blankWords(t, rev)), rev.Fields())
			perPage := rev.TableRows()
			for _, f := range rev.Fields() {
				name := f.Name
				if f.Row > 0 {
					name = forms.RowField((pt.FormPage-1)*perPage+f.Row, f.Column)
				}
				want := form.Fields[name]
				switch name {
				case "page_number":
					want = strconv.Itoa(pt.FormPage)
				case "page_count":
					want = strconv.Itoa(pt.PageCount)
				}
				where := fmt.Sprintf("%s page %d field %s", id, pt.Page, name)
				switch f.Kind {
				case forms.KindMark:
					got := filled[f.Name]
					ink := inkIn(pt, gray, dpi, f.Box, 2.5)
					switch want {
					case forms.MarkAdd, forms.MarkRem:
						if got != want {
							t.Errorf("%s: mark text %q, truth %q", where, got, want)
						}
					case forms.MarkOther:
						if got != "" || ink < 8 {
							t.Errorf("%s: an other mark should be strokes, found text %q and %d ink samples", where, got, ink)
						}
					default:
						if got != "" || ink > 0 {
							t.Errorf("%s: blank mark has text %q and %d ink samples", where, got, ink)
						}
					}
				case forms.KindSignature:
					// The printed line is at the box's bottom: look above it.
					ink := inkIn(pt, gray, dpi, forms.Box{X: f.Box.X, Y: f.Box.Y - 4, W: f.Box.W, H: f.Box.H + 2}, 0.5)
					if want == forms.Signed && ink < 20 || want != forms.Signed && ink > 0 {
						t.Errorf("%s: truth %q but %d ink samples on the line", where, want, ink)
					}
				default:
					got := filled[f.Name]
					if letters(got) != letters(want) {
						t.Errorf("%s: drawn %q, truth %q", where, got, want)
					}
				}
				checked[f.Kind]++
			}
		}
		doc.Close()
	}
}

// Faint toner on a fax wears strokes thin but never wipes a page blank.
func TestFaintFaxKeepsInk(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	// A 3-pixel-wide stroke, as a letter's stem at 204 dpi.
	for y := 20; y < 80; y++ {
		for x := 50; x < 53; x++ {
			img.Pix[y*img.Stride+x] = 0
		}
	}
	fax := Transport{Fax: true}
	degrade(img, r, degradation{toner: "faint"}, fax)
	dark := 0
	for _, g := range img.Pix {
		if g < 128 {
			dark++
		}
	}
	if dark < 60 || dark >= 180 {
		t.Errorf("faint fax stroke kept %d of 180 dark pixels; want it thinner but there (60..179)", dark)
	}
}
