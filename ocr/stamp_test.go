package ocr

import (
	"testing"
)

// TestStampByPrint compares the stamp printed on a faxed page with the
// prints of stamps a digit apart: the page sides with its own print, and
// with neither when each candidate is a digit off it. (Only the pixels
// where candidates differ are compared: the candidates are what was read,
// which is near the page's stamp, and the revisions a digit from that.)
func TestStampByPrint(t *testing.T) {
	e := testEngine(t)
	posted := revision(t, e.reg, "school-mirror@02/17/2022")
	for _, tc := range []struct {
		name       string
		printed    string // the stamp on the page
		candidates []string
		want       string
	}{
		{"posted, read a digit off", "02/17/2022", []string{"02/11/2022", "02/17/2022"}, "02/17/2022"},
		{"posted, read a digit off in the year", "02/17/2022", []string{"02/17/2023", "02/17/2022"}, "02/17/2022"},
		{"unposted, a digit from a posted one", "02/17/2021", []string{"02/17/2021", "02/17/2022"}, "02/17/2021"},
		{"each a digit off the page's", "02/17/2021", []string{"02/11/2021", "02/17/2022"}, ""},
		{"one candidate: nothing to compare", "02/17/2022", []string{"02/17/2022"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rev := posted
			if tc.printed != posted.Stamp {
				rev = fakeRevision(t, tc.printed)
			}
			const dpi = 204.0
			img := binarise(capture(blank(t, newTemplates(), rev, 200), 200, scan{DPI: dpi, Rot: 0.8, DX: 5, DY: -4}))
			sc := newScanned(img, dpi)
			reg, err := e.tmpl.register(sc, posted, 1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.stampByPrint(sc.full, reg.M, posted, tc.candidates)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("stamp by print %q, want %q", got, tc.want)
			}
		})
	}
}
