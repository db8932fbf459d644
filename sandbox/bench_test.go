package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
)

// BenchmarkReadAttachment measures what isolation costs: the same
// three-page fax read in process (pipeline.ReadAttachment with one
// Tesseract client) and through a warm one-child pool. The difference per
// page is the price of the child: the attachment and the JSON answer over
// pipes, and nothing else, since the child's engine starts once.
//
//	go test ./sandbox -run '^$' -bench ReadAttachment -benchtime 5x
func BenchmarkReadAttachment(b *testing.B) {
	data := sampleAttachment(b, "sub-0031.eml", 0)
	ctx := context.Background()
	pages, err := raster.Decode(ctx, data, raster.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	n := len(pages)
	report := func(b *testing.B, d time.Duration) {
		b.ReportMetric(float64(d.Milliseconds())/float64(b.N*n), "ms/page")
	}
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
		report(b, time.Since(t0))
	})
	b.Run("sandboxed", func(b *testing.B) {
		p := newPool(b, testConfig(b))
		if _, err := p.ReadAttachment(ctx, data, raster.Limits{}); err != nil { // start the child, warm its templates
			b.Fatal(err)
		}
		b.ResetTimer()
		t0 := time.Now()
		for range b.N {
			if _, err := p.ReadAttachment(ctx, data, raster.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		report(b, time.Since(t0))
	})
	b.Run("child-start", func(b *testing.B) {
		// A cold child per attachment, as without a pool: the start-up cost
		// the pool keeps off each attachment.
		cfg := testConfig(b)
		cfg.MaxUses = 1
		p := newPool(b, cfg)
		b.ResetTimer()
		t0 := time.Now()
		for range b.N {
			if _, err := p.ReadAttachment(ctx, data, raster.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		report(b, time.Since(t0))
	})
}
