package work_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/work"
)

func TestRefusesUnmigratedDatabase(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pg.EmptyDatabase(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	r, err := work.New(work.Config{Store: st, Reader: failReader{}})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Drain(ctx)
	if !errors.Is(err, store.ErrNotMigrated) || !strings.Contains(err.Error(), "intake migrate") {
		t.Errorf("Drain on an empty database: %v, want ErrNotMigrated telling to run intake migrate", err)
	}
}

// TestOnePoller runs two runners on one database: only one polls the
// mailbox, and the other takes over when it stops.
func TestOnePoller(t *testing.T) {
	_, st := openDB(t)
	reg := forms.MustLoad()
	var calls [2]atomic.Int64
	var cancels [2]context.CancelFunc
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		r, err := work.New(work.Config{Store: st, Reader: failReader{}, Registry: reg,
			PollInterval: 20 * time.Millisecond, StopTimeout: time.Second,
			Poll: func(context.Context) error { calls[i].Add(1); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = r.Run(ctx) }()
	}
	t.Cleanup(func() { cancels[0](); cancels[1](); wg.Wait() })

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	waitFor("a poll", func() bool { return calls[0].Load()+calls[1].Load() >= 5 })
	a, b := calls[0].Load(), calls[1].Load()
	if (a == 0) == (b == 0) {
		t.Fatalf("polls by the two runners: %d and %d, want exactly one polling", a, b)
	}
	poller, other := 0, 1
	if b > 0 {
		poller, other = 1, 0
	}
	cancels[poller]()
	waitFor("the other runner to take over", func() bool { return calls[other].Load() > 0 })
	cancels[other]()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("runner %d: %v", i, err)
		}
	}
}

func TestWrap(t *testing.T) {
	pdf := []byte("%PDF-1.4 not really")
	a, err := work.Wrap("scan.pdf", pdf, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	b, err := work.Wrap("/elsewhere/SCAN.PDF", pdf, time.Unix(3600, 0))
	if err != nil {
		t.Fatal(err)
	}
	id := func(raw []byte) string {
		for _, line := range strings.Split(string(raw), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Message-Id: "); ok {
				return v
			}
		}
		return ""
	}
	if id(a) == "" || id(a) != id(b) {
		t.Errorf("Message-IDs %q and %q, want one made from the document's hash", id(a), id(b))
	}
	if _, err := work.Wrap("notes.docx", pdf, time.Now()); !errors.Is(err, work.ErrNotMessageOrDocument) {
		t.Errorf("Wrap of a .docx: %v, want ErrNotMessageOrDocument", err)
	}
	eml := []byte("Message-Id: <x@y>\r\n\r\nbody")
	if got, _ := work.Wrap("m.eml", eml, time.Now()); string(got) != string(eml) {
		t.Errorf("Wrap changed an .eml file")
	}
}
