package validate

import "testing"

func TestBatchKeyCompatible(t *testing.T) {
	k := BatchKey{Family: "batch-removal", Revision: "05/01/2023", LocationCode: "1867", PageCount: 3, SchoolName: "roosevelt", AdminName: "obrien"}
	cases := []struct {
		name string
		edit func(*BatchKey)
		want bool
	}{
		{"the same", func(*BatchKey) {}, true},
		{"school unread", func(o *BatchKey) { o.SchoolName = "" }, true},
		{"another school", func(o *BatchKey) { o.SchoolName = "garfield" }, false},
		{"another administrator", func(o *BatchKey) { o.AdminName = "smith" }, false},
		{"another location", func(o *BatchKey) { o.LocationCode = "1868" }, false},
		{"another page count", func(o *BatchKey) { o.PageCount = 2 }, false},
		{"another revision", func(o *BatchKey) { o.Revision = "11/01/2019" }, false},
	}
	for _, tc := range cases {
		o := k
		tc.edit(&o)
		if got := k.Compatible(o); got != tc.want {
			t.Errorf("%s: Compatible = %v, want %v", tc.name, got, tc.want)
		}
	}
}
