package work_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
	"github.com/lausd/misis-intake/validate"
)

var pg *storetest.Server

func TestMain(m *testing.M) {
	pg = storetest.MustStart()
	code := m.Run()
	pg.Close()
	os.Exit(code)
}

const sampleDir = "../testdata/sample"

// asOf is the day the sample corpus is judged on.
var asOf = time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC)

func rules() validate.Config {
	return validate.Config{Now: func() time.Time { return asOf }}
}

// openDB returns a fresh migrated database's URL and a Store on it, with
// the sample roster and locations imported.
func openDB(t testing.TB) (string, *store.Store) {
	t.Helper()
	ctx := context.Background()
	url := pg.Database(t)
	st, err := store.Open(ctx, url, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	rf, err := os.Open("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	roster, err := validate.ReadRoster(rf)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := os.Open("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	locs, err := validate.ReadLocations(lf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, "test", roster); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportLocations(ctx, "test", locs); err != nil {
		t.Fatal(err)
	}
	return url, st
}

// submission is one sample submission: its message and ground truth.
type submission struct {
	name  string
	path  string
	raw   []byte
	key   string // the Message-ID of the message that arrives
	truth corpus.Truth
}

// loadSample reads the first n submissions of the sample corpus (all when
// n is 0).
func loadSample(t testing.TB, n int) []submission {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(sampleDir, "sub-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if n > 0 && n < len(names) {
		names = names[:n]
	}
	var out []submission
	for _, jn := range names {
		b, err := os.ReadFile(jn)
		if err != nil {
			t.Fatal(err)
		}
		var s submission
		if err := json.Unmarshal(b, &s.truth); err != nil {
			t.Fatalf("%s: %v", jn, err)
		}
		s.name = s.truth.ID
		s.path = filepath.Join(sampleDir, s.truth.EML)
		if s.raw, err = os.ReadFile(s.path); err != nil {
			t.Fatal(err)
		}
		m, err := mail.Parse(s.raw, mail.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", s.path, err)
		}
		s.key = m.MessageID
		out = append(out, s)
	}
	return out
}
