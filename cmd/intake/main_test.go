package main

import (
	"os"
	"testing"

	"github.com/lausd/misis-intake/store/storetest"
)

// pg is the PostgreSQL server of the commands' tests that need a database.
var pg *storetest.Server

func TestMain(m *testing.M) {
	pg = storetest.MustStart()
	code := m.Run()
	pg.Close()
	os.Exit(code)
}
