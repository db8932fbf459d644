package eval

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/image/draw"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/raster"
)

// BenchReport holds the speed figures of one benchmark run.
type BenchReport struct {
	Submissions int `json:"submissions"`
	Pages       int `json:"pages"`
	Workers     int `json:"workers"`
	// Rounds is how many times the pages were read by the engine and then
	// by the tesseract command, in turn; the figures are over all rounds.
	Rounds int `json:"rounds"`
	// EngineCPUms is the CPU time per page of decoding and reading a page
	// (raster and ocr together), in milliseconds.
	EngineCPUms float64 `json:"engine_cpu_ms_per_page"`
	// PagesPerMinute is the throughput with Workers Tesseract clients.
	PagesPerMinute float64 `json:"pages_per_minute"`
	// PeakRSSMB is the process's peak resident memory while the engine
	// read the pages the first time.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// TesseractCPUms is the CPU per page of the tesseract command reading
	// the same pages whole at 300 dpi; Ratio is EngineCPUms over it, and
	// RoundRatios the same ratio in each round, which shows how much the
	// machine's speed varied.
	TesseractCPUms float64   `json:"tesseract_cpu_ms_per_page"`
	Ratio          float64   `json:"ratio"`
	RoundRatios    []float64 `json:"round_ratios"`
}

// Bench generates a corpus with gen, reads every page of it with eng, then
// reads the same pages with the tesseract command at 300 dpi, rounds times
// in turn (so that both meet the machine at its slower and faster
// moments alike), and reports CPU per page, throughput and peak memory.
// Workers is the engine's client count, used for throughput and for
// running tesseract alongside.
func Bench(ctx context.Context, gen corpus.Config, eng *ocr.Engine, workers, rounds int) (*BenchReport, error) {
	dir, err := os.MkdirTemp("", "intake-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	gen.Out = dir
	if _, err := corpus.Generate(ctx, gen); err != nil {
		return nil, err
	}
	var files [][]byte
	subs, _ := filepath.Glob(filepath.Join(dir, "sub-*.json"))
	for _, s := range subs {
		t, err := readTruth(s)
		if err != nil {
			return nil, err
		}
		atts, err := LooseFiles(dir, t)
		if err != nil {
			return nil, err
		}
		files = append(files, atts...)
	}

	// The engine, as it runs in a service: templates and classifiers made
	// once before the first page.
	if err := eng.Prepare(); err != nil {
		return nil, fmt.Errorf("eval: bench: %w", err)
	}
	rounds = max(rounds, 1)
	rep := &BenchReport{Submissions: len(subs), Workers: workers, Rounds: rounds}
	var engineCPU, tessCPU time.Duration
	var wall time.Duration
	var names []string
	for r := range rounds {
		pages, cpu, w, err := benchEngine(ctx, eng, files, workers)
		if err != nil {
			return nil, err
		}
		if r == 0 {
			// The engine's peak, before the pages are written out whole,
			// as PNG at 300 dpi, for the tesseract command.
			rep.PeakRSSMB = round(peakRSSMB())
			if names, err = writePages(filepath.Join(dir, "png"), pages); err != nil {
				return nil, err
			}
		}
		tess, err := benchTesseract(ctx, names, workers)
		if err != nil {
			return nil, err
		}
		engineCPU, tessCPU, wall = engineCPU+cpu, tessCPU+tess, wall+w
		rep.Pages = len(pages)
		rep.RoundRatios = append(rep.RoundRatios, cpuRatio(cpu, tess))
	}
	n := float64(rep.Pages * rounds)
	rep.EngineCPUms = round(float64(engineCPU.Milliseconds()) / n)
	rep.TesseractCPUms = round(float64(tessCPU.Milliseconds()) / n)
	rep.PagesPerMinute = round(n / wall.Minutes())
	rep.Ratio = cpuRatio(engineCPU, tessCPU)
	return rep, nil
}

// benchEngine decodes and reads every file with eng, workers documents at
// once, and returns the pages and the process's CPU and wall time spent.
func benchEngine(ctx context.Context, eng *ocr.Engine, files [][]byte, workers int) ([]raster.Page, time.Duration, time.Duration, error) {
	var mu sync.Mutex
	var pages []raster.Page
	cpu0, wall0 := cpuSelf(), time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	var firstErr error
	for _, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ps, err := raster.Decode(ctx, f, raster.Limits{})
			if err == nil {
				in := make([]ocr.Page, len(ps))
				for i, p := range ps {
					in[i] = ocr.Page{Index: p.Index, Image: p.Image, DPI: p.DPI}
				}
				_, err = eng.ReadPages(ctx, in)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			pages = append(pages, ps...)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, 0, 0, fmt.Errorf("eval: bench: %w", firstErr)
	}
	return pages, cpuSelf() - cpu0, time.Since(wall0), nil
}

// writePages writes the pages to dir as PNG at 300 dpi and returns their
// names.
func writePages(dir string, pages []raster.Page) ([]string, error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for i, p := range pages {
		name := filepath.Join(dir, fmt.Sprintf("p%04d.png", i))
		if err := writePNG(name, at300(p)); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// benchTesseract reads every page with the tesseract command, workers at
// once, one OpenMP thread each, and returns the commands' CPU time.
func benchTesseract(ctx context.Context, names []string, workers int) (time.Duration, error) {
	child0 := cpuChildren()
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	errs := make(chan error, len(names))
	for _, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cmd := exec.CommandContext(ctx, "tesseract", name, "stdout", "-l", "eng")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("tesseract %s: %v: %s", name, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return cpuChildren() - child0, nil
}

// cpuRatio is a over b, to three places; 0 when b is.
func cpuRatio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*1000) / 1000
}

func round(v float64) float64 { return math.Round(v*10) / 10 }

// at300 scales a page to 300 dpi, as a scanner set for OCR would give it.
func at300(p raster.Page) image.Image {
	k := 300 / p.DPI
	b := p.Image.Bounds()
	dst := image.NewGray(image.Rect(0, 0, int(float64(b.Dx())*k), int(float64(b.Dy())*k)))
	draw.BiLinear.Scale(dst, dst.Bounds(), p.Image, b, draw.Src, nil)
	return dst
}

func writePNG(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func cpuSelf() time.Duration     { return rusage(syscall.RUSAGE_SELF) }
func cpuChildren() time.Duration { return rusage(syscall.RUSAGE_CHILDREN) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB is the process's peak resident set size (Linux reports KiB).
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
