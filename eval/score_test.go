package eval

import (
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestSame(t *testing.T) {
	tests := []struct {
		kind      forms.Kind
		got, want string
		same      bool
	}{
		{forms.KindDigits, "213-555-0147", "213-555-0147", true},
		{forms.KindDigits, "2135550147", "213-555-0147", true},
		{forms.KindDigits, "2135550148", "213-555-0147", false},
		{forms.KindDate, "1/5/2026", "01/05/2026", true},
		{forms.KindDate, "01/05/2027", "01/05/2026", false},
		{forms.KindText, "MARIA  GONZALEZ", "Maria Gonzalez", true},
		{forms.KindText, "O'Connor", "O'CONNOR", true},
		{forms.KindText, "Sanchez.", "Sanchez", false},
		{forms.KindEmail, "maria.gonzalez", "MARIA.GONZALEZ", true},
		{forms.KindEmail, "mariagonzalez", "maria.gonzalez", false},
		{forms.KindMark, "A", "A", true},
		{forms.KindMark, "other", "A", false},
		{forms.KindMark, "", "", true},
		{forms.KindSignature, "present", "absent", false},
	}
	for _, tc := range tests {
		if got := same(tc.kind, tc.got, tc.want); got != tc.same {
			t.Errorf("same(%s, %q, %q) = %v, want %v", tc.kind, tc.got, tc.want, got, tc.same)
		}
	}
}

func TestCalibrate(t *testing.T) {
	// 1000 digits read: right above 0.9, one wrong at 0.95, wrong below 0.5.
	var ss []sample
	for i := 0; i < 900; i++ {
		ss = append(ss, sample{"digits", 0.91 + float64(i%9)/100, true})
	}
	ss = append(ss, sample{"digits", 0.95, false})
	for i := 0; i < 99; i++ {
		ss = append(ss, sample{"digits", 0.3, false})
	}
	curves, best := calibrate(ss, 0.002)
	if best["digits"] != 0.91 {
		t.Errorf("threshold = %v, want 0.91 (1 error in 901 values at or above it)", best["digits"])
	}
	var at9 CalibrationPoint
	for _, p := range curves["digits"] {
		if p.Threshold == 0.9 {
			at9 = p
		}
	}
	if at9.Count != 901 || at9.Right != ratio(900, 901) || at9.AutoRate != ratio(901, 1000) {
		t.Errorf("point at 0.9 = %+v", at9)
	}
	// With a stricter limit nothing is safe: one error in 901 is 0.11%.
	if _, best := calibrate(ss, 0.001); best["digits"] <= 0.95 {
		t.Errorf("strict threshold = %v, want above the wrong value's 0.95", best["digits"])
	}
}
