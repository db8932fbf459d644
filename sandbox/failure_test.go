package sandbox

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/raster"
)

// pids returns the process ids of the pool's children.
func pids(p *Pool) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for c := range p.live {
		out = append(out, c.pid)
	}
	return out
}

// hugePNG is a w x h 8-bit gray PNG of white pixels, a few hundred KB of
// zlib however large it decodes: a decompression bomb within a PNG.
func hugePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	pngMu.Lock()
	defer pngMu.Unlock()
	key := [2]int{w, h}
	if b, ok := pngMade[key]; ok {
		return b
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], crc.Sum32())
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8-bit gray
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	row := bytes.Repeat([]byte{0xFF}, w+1)
	row[0] = 0 // filter: none
	for range h {
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	pngMade[key] = out.Bytes()
	return out.Bytes()
}

var (
	pngMu   sync.Mutex
	pngMade = map[[2]int][]byte{}
)

// A child that fails costs its one attachment: the error says why in
// words, the child is replaced, and the next attachment is read.
func TestChildFailures(t *testing.T) {
	form := blankForm(t)
	// Raised document limits, so that only the child's own limits stop
	// the bomb.
	roomy := raster.Limits{MaxPixelsPerPage: 1 << 40, MaxTotalPixels: 1 << 40}
	tests := []struct {
		name   string
		lim    Limits
		data   []byte
		dlim   raster.Limits
		during func(t *testing.T, pid int) // run while the attachment is read
		want   error
		reason string
	}{
		{
			name: "hang past the wall time", lim: Limits{WallTime: 300 * time.Millisecond}, data: form,
			want: ErrTimeout, reason: "reading the attachment took longer than 300 ms",
		},
		{
			name: "CPU time", lim: Limits{CPUTime: time.Second, WallTime: time.Minute}, data: sampleAttachment(t, "sub-0031.eml", 0),
			want: ErrCPUTime, reason: "reading the attachment used more than 1 s of CPU time",
		},
		{
			name: "out of memory", lim: Limits{Memory: 1 << 30}, data: hugePNG(t, 30000, 30000), dlim: roomy,
			want: ErrMemory, reason: "reading the attachment ran out of memory (limit 1GiB)",
		},
		{
			name: "crash", data: form,
			during: func(t *testing.T, pid int) {
				time.Sleep(200 * time.Millisecond)
				if err := syscall.Kill(pid, syscall.SIGSEGV); err != nil {
					t.Error(err)
				}
			},
			want: ErrCrashed, reason: "the program reading the attachment crashed (",
		},
		{
			name: "answer too large", lim: Limits{OutputBytes: 512}, data: form,
			want: ErrOutputTooLarge, reason: "the reading of the attachment is larger than 512B",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := testConfig(t)
			cfg.Limits = tc.lim
			cfg.Stderr = &strings.Builder{}
			p := newPool(t, cfg)
			// Warm: the child is up before the bad attachment.
			if _, err := p.ReadAttachment(ctx, []byte("%PDF-1.4\n"), raster.Limits{}); !errors.Is(err, raster.ErrCorrupt) {
				t.Fatalf("warm-up: %v", err)
			}
			before := pids(p)
			if len(before) != 1 {
				t.Fatalf("%d children, want 1", len(before))
			}
			done := make(chan struct{})
			if tc.during != nil {
				go func() { defer close(done); tc.during(t, before[0]) }()
			} else {
				close(done)
			}
			_, err := p.ReadAttachment(ctx, tc.data, tc.dlim)
			<-done
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.reason) {
				t.Errorf("reason %q, want %q", err, tc.reason)
			}
			for _, s := range []error{raster.ErrCorrupt, raster.ErrTooLarge, raster.ErrUnsupported, raster.ErrEncrypted, raster.ErrNoPages} {
				if errors.Is(err, s) {
					t.Errorf("error %v wraps %v: it would be set aside, not retried", err, s)
				}
			}
			if err := syscall.Kill(before[0], 0); err == nil {
				t.Errorf("child %d still running", before[0])
			}
			// The next attachment is read, by a new child.
			doc, err := p.ReadAttachment(ctx, []byte("%PDF-1.4\n"), raster.Limits{})
			if !errors.Is(err, raster.ErrCorrupt) {
				t.Fatalf("next attachment: %v (%+v)", err, doc)
			}
			if after := pids(p); len(after) != 1 || after[0] == before[0] {
				t.Errorf("children %v after the failure, want one new child (was %v)", after, before)
			}
		})
	}
}

// sampleAttachment is attachment i of a committed sample message.
func sampleAttachment(t testing.TB, name string, i int) []byte {
	t.Helper()
	raw, err := os.ReadFile("../testdata/sample/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.Parse(raw, mail.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m.Attachments[i].Data
}
