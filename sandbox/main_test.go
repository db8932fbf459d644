package sandbox

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// childEnv, set in a child's environment, makes the test binary run Main
// instead of the tests: the pools under test start this binary as their
// reader, as `intake` starts itself with read-attachment.
const childEnv = "SANDBOX_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := Main(context.Background(), os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "read-attachment:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if pg != nil {
		pg.Close()
	}
	os.Exit(code)
}

// testConfig is a pool of this test binary as its children.
func testConfig(t testing.TB) Config {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Config{Command: []string{exe}, Env: []string{childEnv + "=1"}, Children: 1}
}

func newPool(t testing.TB, cfg Config) *Pool {
	t.Helper()
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
