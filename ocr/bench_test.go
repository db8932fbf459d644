package ocr

import (
	"context"
	"image"
	"syscall"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
)

// cpuTime returns the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPage is a filled school-mirror form scanned at 300 dpi with a
// little skew.
func benchPage(b *testing.B, e *Engine) *image.Gray {
	reg := e.reg
	rev := revision(b, reg, "school-mirror@02/17/2022")
	const src = 300.0
	img := blank(b, e.tmpl, rev, src)
	fillSample(b, img, src, rev)
	return capture(img, src, scan{DPI: 300, Rot: 1.5, Scale: 1.01, DX: 8, DY: -6})
}

// fillSample writes a typical request on a blank access form.
func fillSample(t testing.TB, img *image.Gray, dpi float64, rev *forms.Revision) {
	p := pen{img, dpi, loadFace(t, printFont, 10, dpi)}
	for name, v := range map[string]string{
		"request_date": "09/14/2025", "first_name": "Maria", "last_name": "Gonzalez",
		"title": "Office Manager", "employee_number": "12345678", "email": "mgonzalez",
		"phone": "213-555-0147", "school_name": "Hoover Elementary", "location_code": "1867",
		"user_signature_date": "09/14/2025", "admin_signature_date": "09/15/2025",
		"admin_title": "Principal", "admin_name": "James Lee", "admin_email": "jlee",
	} {
		if f := rev.Field(name); f != nil {
			p.text(f.Box, v)
		}
	}
	p.mark(rev.Field("role.counselor").Box, "A")
	p.mark(rev.Field("role.office_manager").Box, "A")
	p.signature(rev.Field("user_signature").Box)
	p.signature(rev.Field("admin_signature").Box)
}

// BenchmarkReadPage measures the CPU the engine spends on one 300 dpi page
// against one full-page Tesseract call on the same image. The engine
// should stay under a quarter of full-page OCR.
func BenchmarkReadPage(b *testing.B) {
	e, err := New(Config{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	page := benchPage(b, e)
	pages := []Page{{Index: 1, Image: page, DPI: 300}}
	// Warm the template caches, as a running service has.
	if _, err := e.ReadPages(context.Background(), pages); err != nil {
		b.Fatal(err)
	}
	t, err := e.pool.get(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	full := cpuTime()
	for i := 0; i < 2; i++ {
		if _, err := t.read(page, 300, psmAuto, ""); err != nil {
			b.Fatal(err)
		}
	}
	full = (cpuTime() - full) / 2
	e.pool.put(t)

	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := e.ReadPages(context.Background(), pages); err != nil {
			b.Fatal(err)
		}
	}
	per := (cpuTime() - start) / time.Duration(b.N)
	b.ReportMetric(float64(per.Milliseconds()), "cpu-ms/page")
	b.ReportMetric(float64(full.Milliseconds()), "fullpage-ocr-cpu-ms")
	b.ReportMetric(float64(per)/float64(full), "ratio")
}
