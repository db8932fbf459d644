package eval

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	want := time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC)
	t.Run("corpus.json", func(t *testing.T) {
		now, err := Clock("../testdata/sample")
		if err != nil {
			t.Fatal(err)
		}
		if got := now(); !got.Equal(want) {
			t.Errorf("clock reads %v, want %v", got, want)
		}
	})
	t.Run("a submission's truth without corpus.json", func(t *testing.T) {
		dir := t.TempDir()
		b, err := os.ReadFile("../testdata/sample/sub-0002.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sub-0002.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		now, err := Clock(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := now(); !got.Equal(want) {
			t.Errorf("clock reads %v, want %v", got, want)
		}
	})
	t.Run("no submissions", func(t *testing.T) {
		if _, err := Clock(t.TempDir()); err == nil {
			t.Error("no error for a directory with no corpus")
		}
	})
}
