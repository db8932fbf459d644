package ocr

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/lausd/misis-intake/forms"
)

// The revision stamp is printed, always in the same font, size and place
// of a family's page. Where Tesseract's readings of it disagree, or name
// no posted revision, the page's stamp is compared with the stamp each
// candidate reading would have printed: its picture tells 05/01 from
// 05/07 where a worn fax made Tesseract waver.

// Where two candidate stamps' prints differ (the pixels one inks and the
// other does not), the page must side with one of them by this share for
// its print to decide between them, and have ink on at least minInkShare
// of those pixels (a stamp printed elsewhere has none there).
const (
	stampSide   = 0.75
	minInkShare = 0.2
	// minStampCorrelation is the least correlation of the page's stamp
	// box with a candidate's whole print for the page to be compared at
	// all: the stamp is where the template has it.
	minStampCorrelation = 0.35
)

// stampShift is how far, in pixels at stampDPI, the stamp's print is
// sought around where registration puts it.
const stampShift = 6

// stampByPrint compares the stamp box of rev, on a page registered by m,
// with the print of each candidate stamp and returns the candidate whose
// print the page sides with against every other, or "" when none is clear.
func (e *Engine) stampByPrint(up *image.Gray, m affine, rev *forms.Revision, candidates []string) (string, error) {
	b, ok := stampBox(rev)
	if !ok || len(candidates) < 2 {
		return "", nil
	}
	px := stampDPI / 72
	inner := boxF{b.X - 4, b.Y - 3, b.W + 8, b.H + 6}
	margin := float64(stampShift) / px
	page := warp(up, m, boxF{inner.X - margin, inner.Y - margin, inner.W + 2*margin, inner.H + 2*margin}, px)
	pageInk := uint8(otsu(page))
	prints := make([]*image.Gray, len(candidates))
	for i, c := range candidates {
		g, err := e.tmpl.stampAs(rev, c)
		if err != nil {
			return "", err
		}
		prints[i] = warp(g, affine{A: px, E: px}, inner, px)
	}
	for i, c := range candidates {
		score, dx, dy := bestCorrelation(page, prints[i], stampShift)
		if score < minStampCorrelation {
			continue
		}
		wins := true
		for j := range candidates {
			if j != i && !sidesWith(page, pageInk, dx, dy, prints[i], prints[j]) {
				wins = false
				break
			}
		}
		if wins {
			return c, nil
		}
	}
	return "", nil
}

// sidesWith reports whether the page, shifted by (dx, dy), inks the
// pixels where prints a and b differ as a does, by stampSide at least.
func sidesWith(page *image.Gray, pageInk uint8, dx, dy int, a, b *image.Gray) bool {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	differ, asA, inked := 0, 0, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			inA, inB := a.Pix[y*a.Stride+x] < 128, b.Pix[y*b.Stride+x] < 128
			if inA == inB {
				continue
			}
			differ++
			ink := page.Pix[(y+dy)*page.Stride+x+dx] < pageInk
			if ink {
				inked++
			}
			if ink == inA {
				asA++
			}
		}
	}
	if differ == 0 {
		return false // the same print: nothing to tell them apart
	}
	return float64(inked) >= minInkShare*float64(differ) && float64(asA) >= stampSide*float64(differ)
}

// stampAs renders the stamp of rev as it would print reading stamp, on a
// page cut just below it, at stampDPI; cached.
func (t *templates) stampAs(rev *forms.Revision, stamp string) (*image.Gray, error) {
	key := templateKey{rev.Key() + " as " + stamp, 1, stampDPI}
	t.mu.Lock()
	g, ok := t.pages[key]
	t.mu.Unlock()
	if ok {
		return g, nil
	}
	var el forms.Element
	for _, p := range rev.Pages[0].Print {
		if p.Type == "text" && strings.HasPrefix(strings.TrimSpace(p.Text), "(Rev.") {
			el = p
		}
	}
	el.Text = "(Rev. " + stamp + ")"
	one := &forms.Revision{
		Family: rev.Family, Stamp: stamp, Title: rev.Title,
		PageSize: forms.PageSize{W: rev.PageSize.W, H: el.Box.Y + el.Box.H + 20},
		Pages:    []forms.Page{{Number: 1, Print: []forms.Element{el}}},
	}
	var buf bytes.Buffer
	if err := forms.Render(&buf, one); err != nil {
		return nil, fmt.Errorf("render stamp %s: %w", stamp, err)
	}
	g, err := rasterise(buf.Bytes(), 1, stampDPI)
	if err != nil {
		return nil, fmt.Errorf("stamp %s: %w", stamp, err)
	}
	t.mu.Lock()
	t.pages[key] = g
	t.mu.Unlock()
	return g, nil
}

// bestCorrelation slides want over page (which is 2*shift pixels wider
// and taller) and returns the best normalised correlation and where it
// is found.
func bestCorrelation(page, want *image.Gray, shift int) (best float64, bx, by int) {
	w, h := want.Rect.Dx(), want.Rect.Dy()
	var sw, sww float64
	for y := 0; y < h; y++ {
		for _, v := range want.Pix[y*want.Stride : y*want.Stride+w] {
			sw += float64(v)
			sww += float64(v) * float64(v)
		}
	}
	n := float64(w * h)
	mw := sw / n
	dw := math.Sqrt(math.Max(sww/n-mw*mw, 0))
	best = -1.0
	for dy := 0; dy <= 2*shift; dy++ {
		for dx := 0; dx <= 2*shift; dx++ {
			if dx+w > page.Rect.Dx() || dy+h > page.Rect.Dy() {
				continue
			}
			var sp, spp, swp int
			for y := 0; y < h; y++ {
				prow := page.Pix[(y+dy)*page.Stride+dx : (y+dy)*page.Stride+dx+w]
				wrow := want.Pix[y*want.Stride : y*want.Stride+w]
				for i, p := range prow {
					sp += int(p)
					spp += int(p) * int(p)
					swp += int(p) * int(wrow[i])
				}
			}
			mp := float64(sp) / n
			dp := math.Sqrt(math.Max(float64(spp)/n-mp*mp, 0))
			if dp < 1 || dw < 1 {
				continue
			}
			if c := (float64(swp)/n - mw*mp) / (dw * dp); c > best {
				best, bx, by = c, dx, dy
			}
		}
	}
	return best, bx, by
}
