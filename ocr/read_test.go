package ocr

import (
	"testing"
	"time"

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

func TestDoubtOldDates(t *testing.T) {
	fields := []forms.Field{
		{Name: "request_date", Kind: forms.KindDate},
		{Name: "itd_misis_date", Kind: forms.KindDate, Group: "itd"},
		{Name: "row01.effective_date", Kind: forms.KindDate, Row: 1},
		{Name: "first_name", Kind: forms.KindText},
	}
	now := time.Date(2026, time.November, 23, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		field, date string
		doubted     bool
	}{
		{"request_date", "11/19/2026", false},
		{"request_date", "11/23/2025", false}, // a year ago to the day
		{"request_date", "11/22/2025", true},
		{"request_date", "11/19/2024", true}, // 2026 with its 6 read as a 4
		{"request_date", "11/23/2027", false},
		{"request_date", "11/24/2027", true},
		{"row01.effective_date", "11/10/2024", true},
		{"row01.effective_date", "06/30/2026", false},
		{"itd_misis_date", "01/02/2019", false}, // ITD's own, not the submitter's
		{"request_date", "11/2026", false},      // not a date: left to the rules
		{"first_name", "11/19/2024", false},
	}
	for _, tt := range tests {
		vals := map[string]forms.Value{tt.field: {Text: tt.date, Confidence: 0.99, Sure: true}}
		doubtOldDates(vals, fields, 0.92, now)
		v := vals[tt.field]
		if got := v.Confidence <= oddYearConf && !v.Sure; got != tt.doubted {
			t.Errorf("%s %q: confidence %.2f sure %v; doubted should be %v", tt.field, tt.date, v.Confidence, v.Sure, tt.doubted)
		}
	}
}
