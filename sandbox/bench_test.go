package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
)

// BenchmarkReadAttachment measures what isolation costs on a three-page
// fax from the sample corpus. "in-process" is pipeline.ReadAttachment with
// one Tesseract client; "sandboxed" the same through a warm one-child
// pool, and its isolation-ms/page metric is the pool's own share: the
// time the caller waited minus the time the child says it spent reading
// (the attachment and the JSON answer over pipes), which, unlike the
// difference of two wall times, does not drown in the noise of a loaded
// machine. "child-start" is the start of one child (registry, Tesseract,
// ready), which the pool pays once per MaxUses attachments and not per
// attachment.
//
//	go test ./sandbox -run '^$' -bench ReadAttachment -benchtime 5x
func BenchmarkReadAttachment(b *testing.B) {
	data := sampleAttachment(b, "sub-0031.eml", 0)
	ctx := context.Background()
	pages, err := raster.Decode(ctx, data, raster.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	n := float64(len(pages))
	b.Run("in-process", func(b *testing.B) {
		eng, err := ocr.New(ocr.Config{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer eng.Close()
		if _, err := pipeline.ReadAttachment(ctx, eng, data, raster.Limits{}); err != nil { // warm the templates
			b.Fatal(err)
		}
		b.ResetTimer()
		t0 := time.Now()
		for range b.N {
			if _, err := pipeline.ReadAttachment(ctx, eng, data, raster.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds())/float64(b.N)/n, "ms/page")
	})
	b.Run("sandboxed", func(b *testing.B) {
		p := newPool(b, testConfig(b))
		c, err := p.get(ctx)
		if err != nil {
			b.Fatal(err)
		}
		lim := p.cfg.Limits
		if _, _, err := c.read(ctx, data, raster.Limits{}, lim); err != nil { // warm the child's templates
			b.Fatal(err)
		}
		b.ResetTimer()
		var wall, inChild time.Duration
		for range b.N {
			t0 := time.Now()
			_, took, err := c.read(ctx, data, raster.Limits{}, lim)
			if err != nil {
				b.Fatal(err)
			}
			wall += time.Since(t0)
			inChild += took
		}
		b.ReportMetric(float64(wall.Milliseconds())/float64(b.N)/n, "ms/page")
		b.ReportMetric(float64((wall-inChild).Microseconds())/1000/float64(b.N)/n, "isolation-ms/page")
		p.put(c)
	})
	b.Run("child-start", func(b *testing.B) {
		p := newPool(b, testConfig(b))
		for range b.N {
			c, err := p.start(ctx)
			if err != nil {
				b.Fatal(err)
			}
			c.stop()
		}
	})
}
