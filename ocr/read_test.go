package ocr

import (
	"testing"

	"github.com/lausd/misis-intake/forms"
)

func TestDoubtOddYears(t *testing.T) {
	fields := []forms.Field{
		{Name: "request_date", Kind: forms.KindDate},
		{Name: "user_signature_date", Kind: forms.KindDate},
		{Name: "admin_signature_date", Kind: forms.KindDate},
		{Name: "itd_misis_date", Kind: forms.KindDate, Group: "itd"},
		{Name: "row01.effective_date", Kind: forms.KindDate, Row: 1},
		{Name: "first_name", Kind: forms.KindText},
	}
	tests := []struct {
		name   string
		dates  map[string]string
		doubts []string
	}{
		{"all one year", map[string]string{"request_date": "11/19/2026", "user_signature_date": "11/20/2026", "admin_signature_date": "11/20/2026"}, nil},
		{"one year differs", map[string]string{"request_date": "11/19/2024", "user_signature_date": "11/20/2026", "admin_signature_date": "11/20/2026"}, []string{"request_date"}},
		{"two dates disagree", map[string]string{"request_date": "11/19/2024", "user_signature_date": "11/20/2026"}, []string{"request_date", "user_signature_date"}},
		{"a year turning between dates is still doubted", map[string]string{"request_date": "12/30/2025", "user_signature_date": "01/02/2026", "admin_signature_date": "01/02/2026"}, []string{"request_date"}},
		{"table rows and the ITD block do not count", map[string]string{"request_date": "11/19/2026", "itd_misis_date": "01/02/2019", "row01.effective_date": "06/30/2025"}, nil},
		{"blank and unparsed dates do not count", map[string]string{"request_date": "11/19/2026", "user_signature_date": "", "admin_signature_date": "11/2026"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := map[string]forms.Value{"first_name": {Text: "2024", Confidence: 0.99, Sure: true}}
			for n, d := range tt.dates {
				vals[n] = forms.Value{Text: d, Confidence: 0.99, Sure: true}
			}
			doubtOddYears(vals, fields, 0.92)
			doubted := map[string]bool{}
			for _, n := range tt.doubts {
				doubted[n] = true
			}
			for n, v := range vals {
				if doubted[n] != (v.Confidence <= oddYearConf) || v.Sure == doubted[n] {
					t.Errorf("%s %q: confidence %.2f sure %v; doubted should be %v", n, v.Text, v.Confidence, v.Sure, doubted[n])
				}
			}
		})
	}
}
