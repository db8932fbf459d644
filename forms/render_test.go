package forms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderCarriesTitleAndStamp renders every revision and reads the PDF's
// own text layer back with pdftotext: the title and the revision stamp must
// be printed, and so must every field's caption.
func TestRenderCarriesTitleAndStamp(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is required: run the README's test command")
	}
	reg := MustLoad()
	dir := t.TempDir()
	for _, rev := range reg.Revisions() {
		t.Run(rev.Key(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, rev); err != nil {
				t.Fatal(err)
			}
			pdf := filepath.Join(dir, strings.NewReplacer("/", "-", "@", "_").Replace(rev.Key())+".pdf")
			if err := os.WriteFile(pdf, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			if !strings.Contains(text, "(Rev. "+rev.Stamp+")") {
				t.Errorf("rendered text lacks the stamp (Rev. %s)", rev.Stamp)
			}
			for _, w := range strings.Fields(rev.Title) {
				if !strings.Contains(text, w) {
					t.Errorf("rendered text lacks title word %q", w)
				}
			}
			for _, f := range rev.Fields() {
				caption := f.Label
				if f.Kind == KindMark && caption == "" {
					caption = f.Role
				}
				if caption != "" && f.Row == 0 && !strings.Contains(text, strings.Join(strings.Fields(caption), " ")) {
					t.Errorf("field %s: caption %q not printed", f.Name, caption)
				}
			}
		})
	}
}
