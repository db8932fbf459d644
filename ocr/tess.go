package ocr

import (
	"context"
	"fmt"
	"image"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/otiai10/gosseract/v2"
)

// Tesseract page segmentation modes the engine uses.
const (
	psmAuto  = gosseract.PSM_AUTO         // a whole page: the benchmark's yardstick
	psmBlock = gosseract.PSM_SINGLE_BLOCK // the header band
	psmLine  = gosseract.PSM_SINGLE_LINE  // one field
	psmWord  = gosseract.PSM_SINGLE_WORD  // a page number
	psmChar  = gosseract.PSM_SINGLE_CHAR  // a role mark, a single digit
)

var ompOnce sync.Once

// limitThreads keeps Tesseract's OpenMP to one thread per call: the engine
// parallelises across pages with one client per worker, and OpenMP threads
// on top of that only fight for the same cores (and spin while they wait:
// measured, a page costs three times the CPU without the limit). It must
// happen before the first client is created.
//
// GNU OpenMP reads OMP_THREAD_LIMIT once, when the library is loaded,
// before any Go code runs; so when the variable is missing the process
// sets it and executes itself again (see reexec.go), and this call only
// records it for child processes where that was not possible.
func limitThreads() {
	ompOnce.Do(func() {
		if os.Getenv(ompLimit) == "" {
			os.Setenv(ompLimit, "1")
		}
		quietLeptonica()
	})
}

const ompLimit = "OMP_THREAD_LIMIT"

// word is one word Tesseract read, with its confidence in [0,1] and its
// box in the pixels of the image it was given.
type word struct {
	Text string
	Conf float64
	Box  image.Rectangle
}

// tess is one Tesseract client. It is not safe for concurrent use; the pool
// hands each worker its own.
type tess struct {
	c *gosseract.Client
}

func newTess() (*tess, error) {
	limitThreads()
	c := gosseract.NewClient()
	t := &tess{c: c}
	c.SetVariable("debug_file", os.DevNull)
	c.SetVariable("load_system_dawg", "0")
	c.SetVariable("load_freq_dawg", "0")
	// Forms are never printed white on black: do not read each unsure
	// line a second time inverted.
	c.SetVariable("tessedit_do_invert", "0")
	// Initialise now, on a blank image, so that the cost of loading the
	// model is paid once per client and not by the first page.
	blank := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if _, err := t.read(blank, 300, psmWord, ""); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: start tesseract: %w", err)
	}
	return t, nil
}

// read runs Tesseract on img at the given resolution with one page
// segmentation mode and character whitelist ("" for none) and returns the
// words it found.
func (t *tess) read(img *image.Gray, dpi float64, psm gosseract.PageSegMode, whitelist string) ([]word, error) {
	if err := t.c.SetImageFromBytes(pnm(img)); err != nil {
		return nil, fmt.Errorf("tesseract image: %w", err)
	}
	t.c.SetVariable("user_defined_dpi", strconv.Itoa(int(dpi+0.5)))
	t.c.SetVariable(gosseract.TESSEDIT_CHAR_WHITELIST, whitelist)
	t.c.SetPageSegMode(psm)
	boxes, err := t.c.GetBoundingBoxes(gosseract.RIL_WORD)
	if err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	words := make([]word, 0, len(boxes))
	for _, b := range boxes {
		w := strings.TrimSpace(b.Word)
		if w == "" {
			continue
		}
		words = append(words, word{Text: w, Conf: clamp01(b.Confidence / 100), Box: b.Box})
	}
	return words, nil
}

func (t *tess) close() { t.c.Close() }

// pnm encodes img as a binary PGM, the cheapest format Leptonica reads.
func pnm(img *image.Gray) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	head := fmt.Sprintf("P5\n%d %d\n255\n", w, h)
	out := make([]byte, len(head)+w*h)
	copy(out, head)
	o := len(head)
	for y := 0; y < h; y++ {
		copy(out[o+y*w:o+(y+1)*w], img.Pix[y*img.Stride:y*img.Stride+w])
	}
	return out
}

// pool holds one Tesseract client per worker. Creating a client costs far
// more than a small OCR call, so clients live as long as the engine.
type pool struct {
	ch  chan *tess
	all []*tess
}

func newPool(n int) (*pool, error) {
	p := &pool{ch: make(chan *tess, n)}
	for i := 0; i < n; i++ {
		t, err := newTess()
		if err != nil {
			p.close()
			return nil, err
		}
		p.all = append(p.all, t)
		p.ch <- t
	}
	return p, nil
}

// get waits for a free client or for ctx to end.
func (p *pool) get(ctx context.Context) (*tess, error) {
	select {
	case t := <-p.ch:
		return t, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pool) put(t *tess) { p.ch <- t }

// close frees every client. No client may be in use.
func (p *pool) close() {
	for _, t := range p.all {
		t.close()
	}
	p.all = nil
}

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}
