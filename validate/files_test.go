package validate

import (
	"errors"
	"io/fs"
	"testing"
)

func TestReadFiles(t *testing.T) {
	r, err := ReadRosterFile("../testdata/roster.csv")
	if err != nil || r.Len() < 400 {
		t.Fatalf("roster: %v (%d employees)", err, r.Len())
	}
	l, err := ReadLocationsFile("../testdata/locations.csv")
	if err != nil || len(l.All()) != 60 {
		t.Fatalf("locations: %v", err)
	}
	if _, err := ReadRosterFile("no/such.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing roster file: %v, want fs.ErrNotExist", err)
	}
}
