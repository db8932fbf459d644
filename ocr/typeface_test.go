package ocr

import (
	"image"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/lausd/misis-intake/forms"
)

// TestReadTyped reads digits and dates typed in fonts metric-compatible
// with the faces the typed reader knows (Liberation's Sans, Serif and
// Mono stand for Arial, Times and Courier, drawn by another hand than
// MuPDF's), whole and as a worn fax leaves them, and handwriting, which
// fits no face.
func TestReadTyped(t *testing.T) {
	const lib = "/usr/share/fonts/truetype/liberation/"
	cases := []struct {
		name, font string
		size       float64
		text       string
		chars      string
		worn       bool
		typed      bool // read as type: the text, at typedFit or better
	}{
		{"sans", lib + "LiberationSans-Regular.ttf", 10, "72186524", digitSet, false, true},
		{"serif", lib + "LiberationSerif-Regular.ttf", 11, "30495817", digitSet, false, true},
		{"mono", lib + "LiberationMono-Regular.ttf", 10, "96050120", digitSet, false, true},
		{"mono date", lib + "LiberationMono-Regular.ttf", 10, "11/21/2026", dateSet, false, true},
		{"sans date", lib + "LiberationSans-Regular.ttf", 10, "09/29/2026", dateSet, false, true},
		{"mono, worn", lib + "LiberationMono-Regular.ttf", 10, "32854868", digitSet, true, true},
		{"sans, worn", lib + "LiberationSans-Regular.ttf", 10, "63308792", digitSet, true, true},
		{"dejavu, no face of its own", printFont, 10, "45170938", digitSet, false, true},
		{"hand", handFont, 14, "12345678", digitSet, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := image.NewGray(image.Rect(0, 0, 500, 84)) // 120 x 20 points
			for i := range img.Pix {
				img.Pix[i] = 255
			}
			p := pen{img, fieldDPI, loadFace(t, c.font, c.size, fieldDPI)}
			p.text(forms.Box{W: 120, H: 20}, c.text)
			if c.worn {
				// Strokes broken every seventh column, and grey.
				for i, v := range img.Pix {
					switch {
					case i%img.Stride%7 == 0:
						img.Pix[i] = 255
					case v < 128:
						img.Pix[i] = 150
					}
				}
			}
			r := region{img: img, near: make([]bool, len(img.Pix)), px: fieldDPI / 72, box: boxF{0, 0, 120, 20}}
			k := findInk(r, 160, minBlob).withFaint(r)
			got, err := readTyped(k, r, c.chars)
			if err != nil {
				t.Fatal(err)
			}
			if c.typed && (got.text != c.text || got.fit < typedFit) {
				t.Errorf("read %q in %s, fit %.2f; want %q at %.2f or better", got.text, got.face, got.fit, c.text, typedFit)
			}
			if c.typed && got.margin <= 0 {
				// Each character read beats every other where it stands.
				t.Errorf("read %q with margin %.3f, want above 0", got.text, got.margin)
			}
			if !c.typed && got.fit >= typedFit {
				t.Errorf("read %q in %s, fit %.2f; want a fit below %.2f", got.text, got.face, got.fit, typedFit)
			}
		})
	}
}

// TestTypedLends checks what the typed reader lends a reading of a
// typed employee number: a sure confidence where it reads the same
// digits, nothing where it reads others.
func TestTypedLends(t *testing.T) {
	r, k := inkedField(t, "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", 10, "92351281")
	f := &forms.Field{Name: "employee_number", Kind: forms.KindDigits}
	typed, err := readTyped(k, r, typedChars(f))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		sure bool
	}{{"92351281", true}, {"92351261", false}, {"9235128", false}} {
		if got := typed.lends(c.text); (got >= DefaultThresholds.Digits) != c.sure {
			t.Errorf("%s: lends %.3f, want sure %v", c.text, got, c.sure)
		}
	}
}

// TestReadTypedWithoutTesseract reads typed digits and dates the
// character reader and the typed reader agree on without Tesseract (the
// engine is given no Tesseract client: calling it would fail the test),
// surely; handwriting, which fits no face, is left to Tesseract.
func TestReadTypedWithoutTesseract(t *testing.T) {
	e := testEngine(t)
	for _, c := range []struct {
		name, font string
		size       float64
		field      *forms.Field
		text       string
		typed      bool
	}{
		{"Liberation Sans number", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 10,
			&forms.Field{Name: "employee_number", Kind: forms.KindDigits}, "25716447", true},
		{"Liberation Serif date", "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", 10,
			&forms.Field{Name: "request_date", Kind: forms.KindDate}, "11/16/2026", true},
		{"Liberation Mono number", "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", 10,
			&forms.Field{Name: "employee_number", Kind: forms.KindDigits}, "40865931", true},
		{"hand number", handFont, 14,
			&forms.Field{Name: "employee_number", Kind: forms.KindDigits}, "12345678", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, k := inkedField(t, c.font, c.size, c.text)
			chars, err := e.readChars(k, r, c.field, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := chars.agreed(c.field)
			if ok != c.typed {
				t.Fatalf("agreed %v (%q at %.2f; typed %q fit %.2f), want %v", ok, got.text, got.conf, chars.typed.text, chars.typed.fit, c.typed)
			}
			if !c.typed {
				return
			}
			if got.text != c.text || got.conf < e.thr.For(c.field.Kind) {
				t.Errorf("agreed on %q at %.2f, want %q sure", got.text, got.conf, c.text)
			}
			rd, err := e.readText(nil, r, c.field, k, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rd.text != c.text || rd.conf < e.thr.For(c.field.Kind) {
				t.Errorf("readText read %q at %.2f, want %q sure", rd.text, rd.conf, c.text)
			}
		})
	}
}

// TestTypedReadsMisreadDate gives checkGlyphs a typed date Tesseract read
// twice as 41/16/2026, no date at all (as a G4 fax of seed 2718 had it):
// the typed reader's 11/16/2026 is the value shown, for a person to
// confirm.
func TestTypedReadsMisreadDate(t *testing.T) {
	e := testEngine(t)
	field := &forms.Field{Name: "user_signature_date", Kind: forms.KindDate, Box: forms.Box{W: 120, H: 20}}
	r, k := inkedField(t, "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 10, "11/16/2026")
	misread := read{"41/16/2026", 0.27}
	again := func() (read, error) { return misread, nil }
	chars, err := e.readChars(k, r, field, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.checkGlyphs(misread, k, r, field, chars, again, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.text != "11/16/2026" || got.conf >= e.thr.For(forms.KindDate) {
		t.Errorf("read %q at %.2f, want 11/16/2026 short of sure", got.text, got.conf)
	}
}

// TestTypedTally checks when a page's readings tell its writing
// handwritten: four fitting no face and none fitting one.
func TestTypedTally(t *testing.T) {
	tests := []struct {
		fits []float64
		even bool // the ink stands as type does
		hand bool
	}{
		{nil, false, false},
		{[]float64{0.5, 0.45, 0.6, 0.55}, false, true},
		{[]float64{0.5, 0.45, 0.6}, false, false},
		{[]float64{0.9, 0.5, 0.45, 0.6, 0.55, 0.4}, false, false}, // type worn in places
		{[]float64{0.5, 0.75, 0.45, 0.6, 0.72}, false, false},     // between: not counted
		{[]float64{0.67, 0.68, 0.65, 0.68, 0.66}, true, false},    // type a fax bled
	}
	for _, tt := range tests {
		var tally typedTally
		for _, f := range tt.fits {
			tally.note(f, tt.even)
		}
		if got := tally.handwritten(); got != tt.hand {
			t.Errorf("fits %v: handwritten %v, want %v", tt.fits, got, tt.hand)
		}
	}
	var none *typedTally
	none.note(0.3, false)
	if none.handwritten() {
		t.Error("a nil tally told a page handwritten")
	}
}

// TestEvenType checks which ink stands as type does: typed digits, clean
// or bled, and not hand-printed ones rising and falling, nor type taller
// than the forms are filled in.
func TestEvenType(t *testing.T) {
	monoFont := "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"
	// wandering draws s a character at a time, each size points high
	// scaled by sizes[i] and raised by rise[i] points.
	wandering := func(path string, size float64, s string, sizes, rise []float64) (region, inkOf) {
		img := image.NewGray(image.Rect(0, 0, 500, 84))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		k := fieldDPI / 72
		x := 4 * k
		for i, c := range s {
			face := loadFace(t, path, size*sizes[i%len(sizes)], fieldDPI)
			d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(int(x), int((17.5-rise[i%len(rise)])*k))}
			d.DrawString(string(c))
			x = float64(d.Dot.X.Round()) + 0.8*k
		}
		r := region{img: img, near: make([]bool, len(img.Pix)), px: k, box: boxF{0, 0, 120, 20}}
		return r, findInk(r, 128, minBlob)
	}
	bled := func(r region) inkOf {
		img := r.img
		out := image.NewGray(img.Rect)
		copy(out.Pix, img.Pix)
		w, h := img.Rect.Dx(), img.Rect.Dy()
		for y := 1; y < h-1; y++ {
			for x := 1; x < w-1; x++ {
				for _, d := range []int{-1, 1, -w, w} {
					if img.Pix[y*w+x+d] < 128 {
						out.Pix[y*w+x] = 0
					}
				}
			}
		}
		r.img = out
		return findInk(r, 128, minBlob)
	}
	typed, typedInk := inkedField(t, monoFont, 10, "4558802")
	_, helv := inkedField(t, printFont, 11, "11/19/2026")
	_, big := inkedField(t, printFont, 15, "4558802")
	_, hand := wandering(handFont, 14, "4558802", []float64{1, 0.93, 1.06, 0.97}, []float64{0, 1.2, -0.6, 0.8, 0.2})
	_, small := wandering(handFont, 10, "4558802", []float64{1}, []float64{0, 1.5, 0.3, -1})
	for _, tc := range []struct {
		name string
		ink  inkOf
		want bool
	}{
		{"typed", typedInk, true},
		{"typed date", helv, true},
		{"typed, bled", bled(typed), true},
		{"typed, large", big, false},
		{"hand-printed", hand, false},
		{"hand-printed small, rising and falling", small, false},
	} {
		if got := evenType(tc.ink, fieldDPI/72); got != tc.want {
			t.Errorf("%s: even %v, want %v", tc.name, got, tc.want)
		}
	}
}

// inkedField draws text in the face at path, size points high, in a field
// 120 by 20 points at fieldDPI, and returns the field's region and the
// ink found in it.
func inkedField(t testing.TB, path string, size float64, text string) (region, inkOf) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 500, 84)) // 120 x 20 points
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	p := pen{img, fieldDPI, loadFace(t, path, size, fieldDPI)}
	p.text(forms.Box{W: 120, H: 20}, text)
	r := region{img: img, near: make([]bool, len(img.Pix)), px: fieldDPI / 72, box: boxF{0, 0, 120, 20}}
	return r, findInk(r, 128, minBlob)
}
