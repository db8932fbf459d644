package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
)

var (
	blankOnce sync.Once
	blankPDF  []byte
)

// blankForm is the current district-staff form rendered blank: one vector
// page the engine identifies.
func blankForm(t testing.TB) []byte {
	t.Helper()
	blankOnce.Do(func() {
		reg := forms.MustLoad()
		fam := reg.Family("district-staff")
		var b bytes.Buffer
		if err := forms.Render(&b, fam.Current()); err != nil {
			t.Fatal(err)
		}
		blankPDF = b.Bytes()
	})
	return blankPDF
}

// The sandboxed read gives what the same read in process gives, documents
// and errors alike.
func TestSameAsInProcess(t *testing.T) {
	ctx := context.Background()
	eng, err := ocr.New(ocr.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	p := newPool(t, testConfig(t))
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"blank form", blankForm(t), nil},
		{"truncated PDF", []byte("%PDF-1.4\n1 0 obj <<"), raster.ErrCorrupt},
		{"ZIP renamed", []byte("PK\x03\x04 not a document"), raster.ErrUnsupported},
		{"empty", nil, raster.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, werr := pipeline.ReadAttachment(ctx, eng, tc.data, raster.Limits{})
			got, gerr := p.ReadAttachment(ctx, tc.data, raster.Limits{})
			if !errors.Is(werr, tc.want) || (tc.want == nil) != (werr == nil) {
				t.Fatalf("in process: error %v, want %v", werr, tc.want)
			}
			if !errors.Is(gerr, tc.want) || (tc.want == nil) != (gerr == nil) {
				t.Fatalf("sandboxed: error %v, want %v", gerr, tc.want)
			}
			if werr != nil {
				if gerr.Error() != werr.Error() {
					t.Errorf("sandboxed error %q, in process %q", gerr, werr)
				}
				return
			}
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			if !bytes.Equal(wj, gj) {
				t.Errorf("sandboxed document differs:\n got %s\nwant %s", gj, wj)
			}
			if len(got.Forms) != 1 || got.Forms[0].Family != "district-staff" {
				t.Errorf("got %d forms, want the district-staff form", len(got.Forms))
			}
		})
	}
}

// A child serves attachment after attachment, and is replaced after
// MaxUses; children read concurrently up to Children.
func TestReuseAndRestart(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MaxUses = 2
	p := newPool(t, cfg)
	bad := []byte("%PDF-1.4\n")
	var seen []int
	for i := range 3 {
		if _, err := p.ReadAttachment(ctx, bad, raster.Limits{}); !errors.Is(err, raster.ErrCorrupt) {
			t.Fatalf("read %d: %v", i, err)
		}
		seen = append(seen, pids(p)...)
	}
	// After the second use the child retires: the third read starts a
	// new one.
	if len(seen) != 2 || seen[0] == seen[1] {
		t.Errorf("children seen %v, want one for reads 1-2 and a new one for read 3", seen)
	}
}

func TestCancel(t *testing.T) {
	cfg := testConfig(t)
	p := newPool(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := p.ReadAttachment(ctx, []byte("%PDF-1.4\n"), raster.Limits{}); !errors.Is(err, raster.ErrCorrupt) {
		t.Fatal(err)
	}
	pid := pids(p)[0]
	go func() {
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	_, err := p.ReadAttachment(ctx, blankForm(t), raster.Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("child %d still running after the cancel", pid)
	}
	if len(pids(p)) != 0 {
		t.Errorf("children %v kept after the cancel", pids(p))
	}
	p.Close()
	if _, err := p.ReadAttachment(context.Background(), nil, raster.Limits{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

// A child that died while idle is replaced before the next attachment,
// which is read as if nothing had happened.
func TestIdleChildDied(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, testConfig(t))
	bad := []byte("%PDF-1.4\n")
	if _, err := p.ReadAttachment(ctx, bad, raster.Limits{}); !errors.Is(err, raster.ErrCorrupt) {
		t.Fatal(err)
	}
	pid := pids(p)[0]
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := p.ReadAttachment(ctx, bad, raster.Limits{}); !errors.Is(err, raster.ErrCorrupt) {
		t.Fatalf("after the idle child died: %v, want the document's own error", err)
	}
	if got := pids(p); len(got) != 1 || got[0] == pid {
		t.Errorf("children %v, want one new child", got)
	}
}

// The location list reaches every child from a file whose name is already
// gone (a worker killed leaves nothing behind), children started afresh
// included; a list no child can read fails the reads.
func TestPlacesFile(t *testing.T) {
	ctx := context.Background()
	bad := []byte("%PDF-1.4\n")
	places := func(t *testing.T, csv string) *os.File {
		f, err := os.CreateTemp(t.TempDir(), "places-*.csv")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.WriteString(csv); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(f.Name()); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("read by every child", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.MaxUses = 1
		cfg.Places = places(t, "location_code,name,owner\n6944,Garfield Senior High,East\n")
		p := newPool(t, cfg)
		for i := range 3 {
			if _, err := p.ReadAttachment(ctx, bad, raster.Limits{}); !errors.Is(err, raster.ErrCorrupt) {
				t.Fatalf("read %d: %v, want the document's own error", i, err)
			}
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.Places = places(t, "no,such,columns\n")
		p := newPool(t, cfg)
		if _, err := p.ReadAttachment(ctx, bad, raster.Limits{}); err == nil || errors.Is(err, raster.ErrCorrupt) {
			t.Fatalf("read: %v, want the child's failure to start", err)
		}
	})
}
