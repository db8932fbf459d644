package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
)

var pg *storetest.Server

func TestMain(m *testing.M) {
	pg = storetest.MustStart()
	code := m.Run()
	pg.Close()
	os.Exit(code)
}

// open returns a Store on a fresh migrated database of the test's own.
func open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), pg.Database(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
