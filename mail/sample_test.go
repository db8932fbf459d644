package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// truth is the part of the corpus ground truth (corpus.Truth) these tests
// check against; it is read from JSON so the test does not depend on the
// corpus package and its generator.
type truth struct {
	MessageID   string `json:"message_id"`
	From        string `json:"from"`
	Attachments []struct {
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
	} `json:"attachments"`
}

var sniffedFor = map[string]string{"application/pdf": TypePDF, "image/tiff": TypeTIFF}

// TestParseSample parses every committed sample message and checks it
// yields exactly the attachment files its ground truth lists.
func TestParseSample(t *testing.T) {
	emls, err := filepath.Glob("../testdata/sample/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(emls) < 40 {
		t.Fatalf("found %d sample messages, want at least 40", len(emls))
	}
	for _, eml := range emls {
		t.Run(filepath.Base(eml), func(t *testing.T) {
			raw, err := os.ReadFile(eml)
			if err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(strings.TrimSuffix(eml, ".eml") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var want truth
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(m.Problems) != 0 {
				t.Errorf("problems: %q", m.Problems)
			}
			// A forwarded submission arrives under the forwarder's own ID.
			inner := strings.Trim(want.MessageID, "<>")
			if m.MessageID != inner && m.MessageID != "fwd."+inner {
				t.Errorf("MessageID = %q, want %q (or its forward)", m.MessageID, inner)
			}
			if m.From != want.From {
				t.Errorf("From = %q, want %q", m.From, want.From)
			}
			if m.Date.IsZero() {
				t.Error("Date is zero")
			}
			if len(m.Attachments) != len(want.Attachments) {
				t.Fatalf("got %d attachments, want %d", len(m.Attachments), len(want.Attachments))
			}
			for i, a := range m.Attachments {
				w := want.Attachments[i]
				if a.Filename != w.Filename {
					t.Errorf("attachment %d: Filename = %q, want %q", i, a.Filename, w.Filename)
				}
				if a.Type != sniffedFor[w.ContentType] {
					t.Errorf("attachment %d: Type = %q, want %q", i, a.Type, sniffedFor[w.ContentType])
				}
				if a.DeclaredType != w.ContentType && a.DeclaredType != "application/octet-stream" {
					t.Errorf("attachment %d: DeclaredType = %q", i, a.DeclaredType)
				}
				if a.Type == TypePDF && !bytes.Contains(a.Data[len(a.Data)-min(len(a.Data), 64):], []byte("%%EOF")) {
					t.Errorf("attachment %d: PDF data does not end in %%%%EOF", i)
				}
			}
		})
	}
}

// BenchmarkParse parses a committed sample message with two fax PDFs.
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("../testdata/sample/sub-0004.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
