//go:build corpus

package ocr

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/raster"
)

// TestCorpus measures the engine on a generated corpus (intake corpus
// --out DIR) named by OCR_CORPUS, when built with -tags corpus (it needs
// the raster and corpus packages, which unit tests do not): identification of every page, and for
// every field kind how many values are right, how many are marked Sure and
// how many of those are wrong, with the confidence each kind needs for at
// most 0.2% errors among the values accepted. OCR_CORPUS_ERRORS names a
// file to write each wrong value to, OCR_CORPUS_VALUES one for every value. Without OCR_CORPUS it does nothing:
// the corpus takes minutes to read.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("OCR_CORPUS")
	if dir == "" {
		t.Log("OCR_CORPUS not set: nothing to measure")
		return
	}
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "sub-*.json"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no submissions in %s", dir)
	}
	var st corpusStats
	st.kinds = map[forms.Kind]*kindStats{}
	var errOut *os.File
	if p := os.Getenv("OCR_CORPUS_ERRORS"); p != "" {
		errOut, _ = os.Create(p)
		defer errOut.Close()
	}
	var valOut *os.File
	if p := os.Getenv("OCR_CORPUS_VALUES"); p != "" {
		valOut, _ = os.Create(p)
		defer valOut.Close()
	}
	for _, fn := range files {
		var tr corpus.Truth
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		for ai, att := range tr.Attachments {
			// Attachments are written as sub-NNNN.EXT, or sub-NNNN-I.EXT
			// when there are several.
			name := tr.ID + filepath.Ext(att.Filename)
			if len(tr.Attachments) > 1 {
				name = fmt.Sprintf("%s-%d%s", tr.ID, ai+1, filepath.Ext(att.Filename))
			}
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			rp, err := raster.Decode(context.Background(), data, raster.Limits{})
			if err != nil {
				t.Fatalf("%s: %v", att.Filename, err)
			}
			var pages []Page
			for _, p := range rp {
				pages = append(pages, Page{Index: p.Index, Image: p.Image, DPI: p.DPI})
			}
			res, err := e.ReadPages(context.Background(), pages)
			if err != nil {
				t.Fatalf("%s: %v", att.Filename, err)
			}
			st.compare(t, e, tr, att, res, errOut, valOut)
		}
	}
	st.report(t, e)
}

type kindStats struct {
	n, wrong, sure, sureWrong int
	confs                     []scored
}

type scored struct {
	conf  float64
	right bool
}

type corpusStats struct {
	// presence: values judged surely written or surely blank, and of those
	// how many were wrong.
	presentSure, presentWrong int
	idConfs                   []float64 // of pages identified right
	problems                  int       // pages whose fields could not be read
	pages, pagesWrong         int
	forms, formsMiss          int
	kinds                     map[forms.Kind]*kindStats
}

var digitsOnly = regexp.MustCompile(`\D`)

// same compares a value read with the truth as the rules would: names
// without regard to case, phone numbers by their digits.
func same(k forms.Kind, name, got, want string) bool {
	if k == forms.KindDigits {
		return digitsOnly.ReplaceAllString(got, "") == digitsOnly.ReplaceAllString(want, "")
	}
	return strings.EqualFold(strings.TrimSpace(got), strings.TrimSpace(want))
}

func (st *corpusStats) compare(t *testing.T, e *Engine, tr corpus.Truth, att corpus.AttachmentTruth, res Result, errOut, valOut *os.File) {
	for i, pt := range att.Pages {
		st.pages++
		if i >= len(res.Pages) {
			st.pagesWrong++
			continue
		}
		got := res.Pages[i]
		ok := true
		if pt.Kind == corpus.PageCover {
			ok = got.NotAForm
		} else {
			ok = got.Family == pt.Family && got.Revision == pt.Revision && got.Rotation == pt.Rotation
		}
		if got.Problem != "" {
			st.problems++
			t.Logf("%s %s page %d: %s", tr.ID, tr.Transport, pt.Page, got.Problem)
		}
		if ok && pt.Kind == corpus.PageForm {
			st.idConfs = append(st.idConfs, got.Confidence)
			if got.Confidence < 0.8 {
				t.Logf("%s %s page %d (%s): identified right, confidence %.2f", tr.ID, tr.Transport, pt.Page, pt.Family, got.Confidence)
			}
		}
		if !ok {
			st.pagesWrong++
			t.Logf("%s %s page %d: want %s %s %s rot %d, got %+v", tr.ID, att.Filename, pt.Page, pt.Kind, pt.Family, pt.Revision, pt.Rotation, got)
		}
	}
	for _, rd := range res.Forms {
		if len(rd.Pages) == 0 {
			continue
		}
		first := rd.Pages[0]
		var pt *corpus.PageTruth
		for i := range att.Pages {
			if att.Pages[i].Page == first {
				pt = &att.Pages[i]
			}
		}
		if pt == nil || pt.Form < 0 {
			continue
		}
		ft := tr.Forms[pt.Form]
		st.forms++
		rev := e.reg.Revision(ft.Family, ft.Revision)
		if !rd.Known || rev == nil || rd.Family != ft.Family {
			continue
		}
		for name, v := range rd.Values {
			f := rev.Field(name)
			row, col, isRow := forms.SplitRowField(name)
			if isRow {
				f = rev.Field(forms.RowField((row-1)%rev.TableRows()+1, col))
			}
			if f == nil {
				continue
			}
			want, ok := ft.Fields[name]
			if !ok {
				if !isRow {
					continue // not in the truth (page numbers)
				}
				want = "" // rows past the last listed are empty
			}
			k := f.Kind
			if v.Present >= 0.95 || v.Present <= 0.05 {
				st.presentSure++
				blank := want == "" || want == forms.Unsigned
				if (v.Present >= 0.95) == blank {
					st.presentWrong++
					if errOut != nil {
						fmt.Fprintf(errOut, "%s\t%s\t%s\t%s\t%q\tpresent %.2f\n", tr.ID, tr.Transport, ft.Writer, name, want, v.Present)
					}
				}
			}
			right := same(k, name, v.Text, want)
			ks := st.kinds[k]
			if ks == nil {
				ks = &kindStats{}
				st.kinds[k] = ks
			}
			ks.n++
			ks.confs = append(ks.confs, scored{v.Confidence, right})
			if !right {
				ks.wrong++
			}
			if v.Sure {
				ks.sure++
				if !right {
					ks.sureWrong++
				}
			}
			if valOut != nil {
				fmt.Fprintf(valOut, "%s\t%s\t%s\t%s\t%s\t%q\t%q\t%.3f\t%v\t%v\n", tr.ID, tr.Transport, ft.Writer, k, name, want, v.Text, v.Confidence, v.Sure, right)
			}
			if !right && errOut != nil {
				fmt.Fprintf(errOut, "%s\t%s\t%s\t%s\t%q\t%q\t%.3f\t%v\t%s\n", tr.ID, tr.Transport, ft.Writer, name, want, v.Text, v.Confidence, v.Sure, att.Filename)
			}
		}
	}
}

func (st *corpusStats) report(t *testing.T, e *Engine) {
	t.Logf("pages %d, misidentified %d, with a problem %d", st.pages, st.pagesWrong, st.problems)
	sort.Float64s(st.idConfs)
	if n := len(st.idConfs); n > 0 {
		t.Logf("identification confidence of form pages: min %.2f, 5th percentile %.2f, median %.2f",
			st.idConfs[0], st.idConfs[n/20], st.idConfs[n/2])
	}
	t.Logf("presence judged surely for %d values, %d wrong", st.presentSure, st.presentWrong)
	var kinds []string
	for k := range st.kinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	t.Logf("%-10s %6s %6s %6s %6s %9s %9s", "kind", "values", "wrong", "sure", "sure✗", "threshold", "c@0.2%")
	for _, k := range kinds {
		ks := st.kinds[forms.Kind(k)]
		// The least confidence c with at most 0.2% wrong among values >= c,
		// and the share of values it would accept.
		sort.Slice(ks.confs, func(i, j int) bool { return ks.confs[i].conf > ks.confs[j].conf })
		bestC, accepted, wrong := 1.01, 0, 0
		for i, s := range ks.confs {
			if !s.right {
				wrong++
			}
			if float64(wrong) <= 0.002*float64(i+1) && (i+1 == len(ks.confs) || ks.confs[i+1].conf < s.conf) {
				bestC, accepted = s.conf, i+1
			}
		}
		t.Logf("%-10s %6d %6d %6d %6d %9.3f %9.3f (%d%% accepted)", k, ks.n, ks.wrong, ks.sure, ks.sureWrong,
			e.thr.For(forms.Kind(k)), bestC, 100*accepted/max(ks.n, 1))
	}
}
