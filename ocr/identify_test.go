package ocr

import "testing"

func TestUnclearDigit(t *testing.T) {
	for _, tc := range []struct {
		stamp    string
		readings []string
		want     bool
	}{
		{"08/15/2022", []string{"08/16/2022", "08/18/2022"}, true},
		{"05/01/2023", []string{"08/01/2023", "06/01/2023"}, true},
		{"05/01/2023", []string{"05/07/2023"}, true},
		{"08/15/2022", []string{"08/16/2022", "08/15/2023"}, false}, // different digits
		{"08/15/2022", []string{"08/16/2022", "08/15/2022"}, false}, // one reads it right
		{"08/15/2022", []string{"08/16/2023", "08/18/2022"}, false}, // two digits off
		{"08/15/2022", []string{"8/15/2022", "08/18/2022"}, false},
		{"08/15/2022", nil, false},
	} {
		if got := unclearDigit(tc.stamp, tc.readings...); got != tc.want {
			t.Errorf("unclearDigit(%q, %q) = %v, want %v", tc.stamp, tc.readings, got, tc.want)
		}
	}
}
