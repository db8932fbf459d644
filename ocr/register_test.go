package ocr

import (
	"fmt"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestRegister(t *testing.T) {
	reg := forms.MustLoad()
	tp := newTemplates()
	cases := []struct {
		rev  string
		scan scan
	}{
		{"school-mirror@02/17/2022", scan{DPI: 200}},
		{"school-mirror@02/17/2022", scan{DPI: 200, Rot: 4.5, Scale: 0.96, DX: 30, DY: -25}},
		{"district-staff@07/01/2023", scan{DPI: 300, Rot: -5, Scale: 1.05, DX: -36, DY: 36}},
		{"batch-removal@05/01/2023", scan{DPI: 204, Rot: 2, Scale: 1.0, DX: 10, DY: 20}},
		{"school-personnel@01/10/2020", scan{DPI: 150, Rot: -1.2, Scale: 0.95, DX: 36, DY: 0}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%+v", tc.rev, tc.scan), func(t *testing.T) {
			var rev *forms.Revision
			for _, r := range reg.Revisions() {
				if r.Key() == tc.rev {
					rev = r
				}
			}
			src := blank(t, tp, rev, 200)
			img := capture(src, 200, tc.scan)
			got, err := tp.register(newScanned(img, tc.scan.DPI), rev, 1)
			if err != nil {
				t.Fatal(err)
			}
			e := mapError(got.M, tc.scan.truth())
			t.Logf("skew %.2f residual %.2fpt landmarks %d/%d score %.2f error %.2fpt", got.Skew, got.Residual, got.Landmarks, got.Total, got.Score, e)
			if e > 1.0 {
				t.Errorf("registration off by %.2f points", e)
			}
		})
	}
}
