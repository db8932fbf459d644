package main

import (
	"strings"
	"testing"
)

// intake purge parses its period, refuses to run without one, and reports
// what it purged (the purge itself is tested in package retention).
func TestPurgeCommand(t *testing.T) {
	db := "--database-url=" + pg.Database(t)
	for _, tc := range []struct {
		args []string
		out  string
		err  string
	}{
		{args: []string{"purge", db}, err: "--older-than is required"},
		{args: []string{"purge", db, "--older-than", "soon"}, err: "not a period"},
		{args: []string{"purge", db, "--older-than", "30d", "--dry-run"}, out: "would purge the originals of 0 messages and 0 attachments (0 bytes)"},
		{args: []string{"purge", db, "--older-than", "30d"}, out: "purged the originals of 0 messages and 0 attachments (0 bytes)"},
		{args: []string{"purge", db, "--older-than", "720h", "--json"}, out: `{"messages":0,"attachments":0,"bytes":0}`},
	} {
		out, err := intake(t, tc.args...)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: error %v, want %q", tc.args[2:], err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%v: %v", tc.args[2:], err)
		case tc.err == "" && strings.TrimSpace(out) != tc.out:
			t.Errorf("%v printed %q, want %q", tc.args[2:], out, tc.out)
		}
	}
}
