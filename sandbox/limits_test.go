package sandbox

import (
	"flag"
	"testing"
	"time"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/raster"
)

func TestLimitsMap(t *testing.T) {
	tests := []struct {
		name       string
		lim        Limits
		wantMail   mail.Limits
		wantRaster raster.Limits
	}{
		{
			name:       "defaults",
			wantMail:   mail.Limits{MessageBytes: 50 << 20, Attachments: 50, AttachmentBytes: 40 << 20},
			wantRaster: raster.Limits{MaxPages: 100, MaxPixelsPerPage: 50_000_000, MaxTotalPixels: 400_000_000},
		},
		{
			name:       "set",
			lim:        Limits{MessageBytes: 1 << 20, Attachments: 3, AttachmentBytes: 1 << 19, Pages: 4, PixelsPerPage: 5e6, TotalPixels: 9e6},
			wantMail:   mail.Limits{MessageBytes: 1 << 20, Attachments: 3, AttachmentBytes: 1 << 19},
			wantRaster: raster.Limits{MaxPages: 4, MaxPixelsPerPage: 5e6, MaxTotalPixels: 9e6},
		},
		{
			name:       "decompressed bytes below total pixels",
			lim:        Limits{TotalPixels: 9e6, DecompressedBytes: 8e6},
			wantMail:   mail.Limits{MessageBytes: 50 << 20, Attachments: 50, AttachmentBytes: 40 << 20},
			wantRaster: raster.Limits{MaxPages: 100, MaxPixelsPerPage: 50_000_000, MaxTotalPixels: 8e6},
		},
		{
			name:       "negative means default",
			lim:        Limits{MessageBytes: -1, Pages: -1},
			wantMail:   mail.Limits{MessageBytes: 50 << 20, Attachments: 50, AttachmentBytes: 40 << 20},
			wantRaster: raster.Limits{MaxPages: 100, MaxPixelsPerPage: 50_000_000, MaxTotalPixels: 400_000_000},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.lim.Mail(); got != tc.wantMail {
				t.Errorf("Mail() = %+v, want %+v", got, tc.wantMail)
			}
			if got := tc.lim.Raster(); got != tc.wantRaster {
				t.Errorf("Raster() = %+v, want %+v", got, tc.wantRaster)
			}
		})
	}
}

func TestLimitsFlags(t *testing.T) {
	var lim Limits
	fs := flag.NewFlagSet("work", flag.ContinueOnError)
	lim.RegisterFlags(fs)
	err := fs.Parse([]string{"--reader-memory", "1GiB", "--max-message-bytes", "60MB", "--attachment-timeout", "45s", "--max-pages", "7", "--max-reading-bytes", "512KiB"})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultLimits
	want.Memory, want.MessageBytes, want.WallTime, want.Pages, want.OutputBytes = 1<<30, 60e6, 45*time.Second, 7, 512<<10
	if lim != want {
		t.Errorf("got %+v\nwant %+v", lim, want)
	}
	if err := fs.Parse([]string{"--reader-memory", "lots"}); err == nil {
		t.Error("--reader-memory lots: no error")
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{300 * time.Millisecond, "300 ms"}, {time.Second, "1 s"}, {60 * time.Second, "60 s"}, {90 * time.Second, "90 s"}, {5 * time.Minute, "5 min"}} {
		if got := formatDuration(tc.d); got != tc.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		n    int64
		want string
	}{{512, "512B"}, {3 << 30, "3GiB"}, {16 << 20, "16MiB"}, {1500, "1500B"}} {
		if got := formatBytes(tc.n); got != tc.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
