package ocr

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// filled is a crafted page: a blank revision written on, then scanned.
type filled struct {
	rev  *forms.Revision
	img  *image.Gray // at srcDPI, before scanning
	typ  pen         // typed values
	hand pen         // hand-printed values
}

const srcDPI = 200.0

func newFilled(t *testing.T, e *Engine, key string) *filled {
	t.Helper()
	rev := revision(t, e.reg, key)
	img := blank(t, e.tmpl, rev, srcDPI)
	return &filled{
		rev:  rev,
		img:  img,
		typ:  pen{img, srcDPI, loadFace(t, printFont, 10, srcDPI)},
		hand: pen{img, srcDPI, loadFace(t, handFont, 14, srcDPI)},
	}
}

func (f *filled) box(t *testing.T, name string) forms.Box {
	t.Helper()
	fd := f.rev.Field(name)
	if fd == nil {
		t.Fatalf("%s has no field %s", f.rev.Key(), name)
	}
	return fd.Box
}

// read scans the page with s and reads it as one form.
func (f *filled) read(t *testing.T, e *Engine, s scan, post func(*image.Gray) *image.Gray) forms.Reading {
	t.Helper()
	img := capture(f.img, srcDPI, s)
	if post != nil {
		img = post(img)
	}
	res := readOne(t, e, img, s.DPI)
	if len(res.Forms) != 1 || !res.Forms[0].Known {
		t.Fatalf("read %+v as %+v", res.Pages[0], res.Forms)
	}
	return res.Forms[0]
}

// scans are the conditions every crafted form is read under.
var scans = []struct {
	name string
	s    scan
	post func(*image.Gray) *image.Gray
}{
	{"scan-300-skewed", scan{DPI: 300, Rot: 2.5, Scale: 1.02, DX: 12, DY: -9}, nil},
	{"fax-204-shifted", scan{DPI: 204, Rot: -1.5, Scale: 0.97, DX: -20, DY: 30}, binarise},
}

func TestMarks(t *testing.T) {
	e := testEngine(t)
	f := newFilled(t, e, "school-personnel@08/15/2022")
	want := map[string]string{
		"role.categorical_programs_coordinator": "A",
		"role.counselor":                        "R",
		"role.office_manager":                   "",
		"role.principal":                        "A",
		"role.school_full_read":                 "R",
		"role.school_limited_read":              "other",
		"role.scheduling_administrator":         "other",
		"role.special_education_provider":       "",
	}
	f.typ.mark(f.box(t, "role.categorical_programs_coordinator"), "A")
	f.typ.mark(f.box(t, "role.counselor"), "R")
	f.hand.mark(f.box(t, "role.principal"), "A")
	f.hand.mark(f.box(t, "role.school_full_read"), "R")
	f.typ.mark(f.box(t, "role.school_limited_read"), "check")
	f.typ.mark(f.box(t, "role.scheduling_administrator"), "cross")
	// A fax speck in an empty box is not a mark.
	b := f.box(t, "role.special_education_provider")
	f.typ.stroke(0.8, [2]float64{b.X + 7, b.Y + 7}, [2]float64{b.X + 7.2, b.Y + 7.1})
	// Nor are two specks apart.
	b = f.box(t, "role.office_manager")
	f.typ.stroke(0.8, [2]float64{b.X + 4, b.Y + 5}, [2]float64{b.X + 4.2, b.Y + 5.1})
	f.typ.stroke(0.8, [2]float64{b.X + 10, b.Y + 8}, [2]float64{b.X + 10.2, b.Y + 8.1})
	for _, sc := range scans {
		t.Run(sc.name, func(t *testing.T) {
			rd := f.read(t, e, sc.s, sc.post)
			for name, w := range want {
				v, ok := rd.Get(name)
				if !ok {
					t.Errorf("%s not read", name)
					continue
				}
				if v.Text != w {
					if v.Sure {
						t.Errorf("%s = %q (sure, %.2f), want %q", name, v.Text, v.Confidence, w)
					} else if w != "other" {
						t.Errorf("%s = %q (%.2f), want %q", name, v.Text, v.Confidence, w)
					}
				}
				if v.Box != f.box(t, name) || v.Page != 1 || v.Source != forms.FromEngine {
					t.Errorf("%s carries box %v page %d source %q", name, v.Box, v.Page, v.Source)
				}
			}
			// Typed letters and empty boxes are read surely.
			for _, name := range []string{"role.categorical_programs_coordinator", "role.counselor", "role.office_manager"} {
				if v, _ := rd.Get(name); !v.Sure {
					t.Errorf("%s = %q at %.2f: not sure", name, v.Text, v.Confidence)
				}
			}
		})
	}
}

func TestSignatures(t *testing.T) {
	e := testEngine(t)
	f := newFilled(t, e, "school-mirror@02/17/2022")
	f.typ.signature(f.box(t, "user_signature"))
	// The administrator's line has only a dot and a few fax specks.
	b := f.box(t, "admin_signature")
	f.typ.stroke(1.2, [2]float64{b.X + 60, b.Bottom() - 5}, [2]float64{b.X + 60.3, b.Bottom() - 5})
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 6; i++ {
		x, y := b.X+r.Float64()*b.W, b.Y+r.Float64()*b.H
		f.typ.stroke(0.5, [2]float64{x, y}, [2]float64{x + 0.2, y})
	}
	for _, sc := range scans {
		t.Run(sc.name, func(t *testing.T) {
			rd := f.read(t, e, sc.s, sc.post)
			for name, want := range map[string]string{"user_signature": forms.Signed, "admin_signature": forms.Unsigned} {
				v, _ := rd.Get(name)
				if v.Text != want || !v.Sure {
					t.Errorf("%s = %q (%.2f, sure %v), want %q and sure", name, v.Text, v.Confidence, v.Sure, want)
				}
			}
		})
	}
}

func TestTextFields(t *testing.T) {
	e := testEngine(t)
	f := newFilled(t, e, "district-staff@07/01/2023")
	typed := map[string]string{
		"employee_number": "48213907",
		"location_code":   "1867",
		"request_date":    "09/14/2025",
		"phone":           "213-555-0147",
		"email":           "maria.gonzalez",
		"first_name":      "Maria",
		"last_name":       "Gonzalez",
		"title":           "Office Manager",
		"school_name":     "Local District Central",
	}
	for name, v := range typed {
		f.typ.text(f.box(t, name), v)
	}
	// Hand-printed digits: read or not, never a sure wrong value.
	f.hand.text(f.box(t, "user_signature_date"), "09/15/2025")
	// A scribble no one can read in the extension.
	b := f.box(t, "phone_ext")
	f.typ.stroke(1, [2]float64{b.X + 5, b.Bottom() - 3}, [2]float64{b.X + 12, b.Y + 4}, [2]float64{b.X + 16, b.Bottom() - 2}, [2]float64{b.X + 30, b.Y + 5})
	for _, sc := range scans {
		t.Run(sc.name, func(t *testing.T) {
			rd := f.read(t, e, sc.s, sc.post)
			for name, want := range typed {
				v, _ := rd.Get(name)
				switch {
				case v.Text != want && v.Sure:
					t.Errorf("%s = %q, sure at %.2f, want %q", name, v.Text, v.Confidence, want)
				case v.Text != want && name != "email":
					// A dot in a faxed e-mail address may vanish; the
					// engine must then be unsure, and is checked above.
					t.Errorf("%s = %q (%.2f), want %q", name, v.Text, v.Confidence, want)
				case !v.Sure && (name == "employee_number" || name == "location_code"):
					t.Errorf("%s read right but not sure (%.2f)", name, v.Confidence)
				}
			}
			if v, _ := rd.Get("user_signature_date"); v.Sure && v.Text != "09/15/2025" {
				t.Errorf("hand-printed date read surely as %q", v.Text)
			}
			if v, _ := rd.Get("phone_ext"); v.Sure {
				t.Errorf("scribbled extension read surely as %q", v.Text)
			}
			// Fields left empty are read as empty, surely.
			for _, name := range []string{"middle_initial", "notify_name", "itd_reason", "itd_misis_date"} {
				if v, _ := rd.Get(name); v.Text != "" || !v.Sure {
					t.Errorf("empty %s read as %q (%.2f, sure %v)", name, v.Text, v.Confidence, v.Sure)
				}
			}
		})
	}
}

func TestPresence(t *testing.T) {
	e := testEngine(t)
	f := newFilled(t, e, "school-mirror@02/17/2022")
	f.hand.text(f.box(t, "admin_name"), "J. Lee")
	f.hand.text(f.box(t, "title"), "Clerk")
	rd := f.read(t, e, scans[1].s, scans[1].post)
	for name, written := range map[string]bool{"admin_name": true, "title": true, "notify_name": false, "itd_misis": false} {
		v, _ := rd.Get(name)
		if written && v.Present < 0.95 || !written && v.Present > 0.05 {
			t.Errorf("%s: present %.2f, want it %v", name, v.Present, written)
		}
	}
}

// TestDateWithEndPiece reads a typed date with a piece of ink beside its
// last digit (a bit of the box's edge a fax left): the character reader
// reads that piece as one more character, where Tesseract leaves it out.
// Without it, the two agree, and the date is sure.
func TestDateWithEndPiece(t *testing.T) {
	e := testEngine(t)
	field := &forms.Field{Name: "request_date", Kind: forms.KindDate, Box: forms.Box{W: 120, H: 20}}
	img := image.NewGray(image.Rect(0, 0, 500, 84)) // 120 x 20 points
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	p := pen{img, fieldDPI, loadFace(t, printFont, 10, fieldDPI)}
	p.text(field.Box, "11/22/2026")
	p.stroke(0.8, [2]float64{84, 10}, [2]float64{84, 16}) // after the date's last digit
	r := region{img: img, near: make([]bool, len(img.Pix)), px: fieldDPI / 72, box: boxF{0, 0, 120, 20}}
	k := findInk(r, 128, minBlob)
	g, _, err := readGlyphs(k, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(digits(g)) != 9 {
		t.Fatalf("the character reader read %q: want the end piece read as a ninth digit", g)
	}
	chars, err := e.readChars(k, r, field, nil)
	if err != nil {
		t.Fatal(err)
	}
	same := func() (read, error) { return read{"11/22/2026", 0.3}, nil }
	got, err := e.checkGlyphs(read{"11/22/2026", 0.3}, k, r, field, chars, same, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.text != "11/22/2026" || got.conf < e.thr.For(forms.KindDate) {
		t.Errorf("read %q at %.2f, want 11/22/2026 sure", got.text, got.conf)
	}
}

// TestMarkDots reads role boxes holding one dot: a speck a fax leaves,
// which at 98 lines an inch stands two lines (2.6pt) tall, is surely no
// mark; a pen's dot is no mark either, but not surely.
func TestMarkDots(t *testing.T) {
	e := testEngine(t)
	tc := testClient(t, e)
	field := &forms.Field{Name: "role.counselor", Kind: forms.KindMark}
	tests := []struct {
		name string
		dot  [4]float64
		sure bool
	}{
		{"a fine fax's speck", [4]float64{30, 9, 1, 1.2}, true},
		{"a 98-line fax's speck", [4]float64{30, 8, 1.3, 2.7}, true},
		{"a pen's dot", [4]float64{30, 8, 2.3, 2.3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.readMark(tc, inkRegion(tt.dot), field, 128)
			if err != nil {
				t.Fatal(err)
			}
			if got.text != forms.MarkBlank || (got.conf >= e.thr.For(forms.KindMark)) != tt.sure {
				t.Errorf("read %q at %.2f; want blank, sure %v", got.text, got.conf, tt.sure)
			}
		})
	}
}

// TestHandDigitsReadOnce gives checkGlyphs hand-printed digits that
// Tesseract and the character reader read differently on a page whose
// writing has shown itself handwritten: Tesseract does not read them
// again (a second reading could only choose which unsure value a person
// sees), and the value is not sure.
func TestHandDigitsReadOnce(t *testing.T) {
	e := testEngine(t)
	field := &forms.Field{Name: "employee_number", Kind: forms.KindDigits, Box: forms.Box{W: 120, H: 20}}
	r, k := inkedField(t, handFont, 14, "12345678")
	page := &typedTally{poor: handTells}
	chars, err := e.readChars(k, r, field, page)
	if err != nil {
		t.Fatal(err)
	}
	tess := read{"12845678", 0.97} // not what the character reader read
	if digits(chars.second.text) == tess.text {
		t.Fatalf("the character reader read %q too", chars.second.text)
	}
	again := func() (read, error) {
		t.Error("Tesseract read the digits again")
		return tess, nil
	}
	got, err := e.checkGlyphs(tess, k, r, field, chars, again, page)
	if err != nil {
		t.Fatal(err)
	}
	if got.text != tess.text || got.conf >= e.thr.For(forms.KindDigits) {
		t.Errorf("read %q at %.2f, want %q short of sure", got.text, got.conf, tess.text)
	}
}

// TestAgreement: the character reader's agreement makes a number sure
// only where it read most of its characters confidently; dates keep the
// confidence it always lent.
func TestAgreement(t *testing.T) {
	number := &forms.Field{Name: "employee_number", Kind: forms.KindDigits}
	date := &forms.Field{Name: "request_date", Kind: forms.KindDate}
	sure := DefaultThresholds.For(forms.KindDigits)
	for _, c := range []struct {
		name     string
		f        *forms.Field
		share    float64
		sure     bool
		min, max float64
	}{
		{"number, five characters in seven", number, 5.0 / 7, false, 0.9, tieConf},
		{"number, six in seven", number, 6.0 / 7, true, 0.97, 0.98},
		{"number, all", number, 1, true, 0.989, 0.991},
		{"date, five in seven", date, 5.0 / 7, true, 0.964, 0.965},
	} {
		got := agreement(c.f, c.share)
		if got < c.min || got > c.max {
			t.Errorf("%s: %.4f, want in [%.3f, %.3f]", c.name, got, c.min, c.max)
		}
		if c.f.Kind == forms.KindDigits && (got >= sure) != c.sure {
			t.Errorf("%s: %.4f sure %v, want %v", c.name, got, got >= sure, c.sure)
		}
	}
}
