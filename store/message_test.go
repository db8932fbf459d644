package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/store"
)

func insert(t *testing.T, s *store.Store, m store.NewMessage) store.Inserted {
	t.Helper()
	var ins store.Inserted
	err := s.InTx(context.Background(), func(tx pgx.Tx) error {
		var err error
		ins, err = store.InsertMessage(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

func TestInsertMessageDuplicates(t *testing.T) {
	s := open(t)
	raw := []byte("Message-Id: <a@b>\r\n\r\nhello")
	first := insert(t, s, store.NewMessage{Key: "a@b", Raw: raw})
	if first.DuplicateOf != 0 {
		t.Fatalf("first copy recorded as a duplicate of %d", first.DuplicateOf)
	}
	tests := []struct {
		name string
		m    store.NewMessage
		dup  bool
	}{
		{"same Message-ID and bytes", store.NewMessage{Key: "a@b", Raw: raw}, true},
		{"same Message-ID, other bytes", store.NewMessage{Key: "a@b", Raw: []byte("other")}, true},
		{"other Message-ID", store.NewMessage{Key: "c@d", Raw: raw}, false},
		{"no Message-ID, new bytes", store.NewMessage{Raw: []byte("no id")}, false},
		{"no Message-ID, same bytes", store.NewMessage{Raw: []byte("no id")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ins := insert(t, s, tc.m)
			if got := ins.DuplicateOf != 0; got != tc.dup {
				t.Errorf("duplicate = %v (of %d), want %v", got, ins.DuplicateOf, tc.dup)
			}
			m, err := s.Message(context.Background(), ins.ID)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Raw) != string(tc.m.Raw) {
				t.Errorf("stored bytes differ from those received")
			}
			if wantStatus := map[bool]string{true: store.StatusDuplicate, false: store.StatusReceived}[tc.dup]; m.Status != wantStatus {
				t.Errorf("status %s, want %s", m.Status, wantStatus)
			}
		})
	}
}

// Many deliveries of one message at once leave exactly one first copy.
func TestInsertMessageConcurrent(t *testing.T) {
	s := open(t)
	const n = 12
	var wg sync.WaitGroup
	results := make([]store.Inserted, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InTx(context.Background(), func(tx pgx.Tx) error {
				var err error
				results[i], err = store.InsertMessage(context.Background(), tx, store.NewMessage{Key: "same@x", Raw: []byte(fmt.Sprint("copy ", i))})
				return err
			})
		}()
	}
	wg.Wait()
	firsts := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i].DuplicateOf == 0 {
			firsts++
		}
	}
	if firsts != 1 {
		t.Errorf("%d first copies, want 1", firsts)
	}
}

func TestSaveSplit(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	pdf := []byte("%PDF-1.4 pretend")
	split := func(msg int64, atts []store.NewAttachment) store.SplitResult {
		t.Helper()
		var res store.SplitResult
		err := s.InTx(ctx, func(tx pgx.Tx) error {
			var err error
			res, err = store.SaveSplit(ctx, tx, msg, atts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	m1 := insert(t, s, store.NewMessage{Key: "m1", Raw: []byte("1")})
	res := split(m1.ID, []store.NewAttachment{
		{Filename: "a.pdf", Type: "pdf", Data: pdf},
		{Filename: "note.txt", Data: []byte("hello")},
		{Filename: "copy.pdf", Type: "pdf", Data: pdf},
	})
	if !res.Done || len(res.ToRead) != 1 {
		t.Fatalf("split: %+v, want done with one attachment to read", res)
	}
	if again := split(m1.ID, []store.NewAttachment{{Filename: "a.pdf", Type: "pdf", Data: pdf}}); again.Done {
		t.Errorf("splitting a message twice wrote again: %+v", again)
	}
	// The same document in another message is a duplicate, and that
	// message has nothing to read.
	m2 := insert(t, s, store.NewMessage{Key: "m2", Raw: []byte("2")})
	if res := split(m2.ID, []store.NewAttachment{{Filename: "resent.pdf", Type: "pdf", Data: pdf}}); !res.Done || len(res.ToRead) != 0 {
		t.Errorf("resent document: %+v, want nothing to read", res)
	}
	// A message with no document is quarantined.
	m3 := insert(t, s, store.NewMessage{Key: "m3", Raw: []byte("3")})
	split(m3.ID, []store.NewAttachment{{Filename: "note.txt", Data: []byte("x")}})
	msg, err := s.Message(ctx, m3.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Status != store.StatusQuarantined || msg.Reason == "" {
		t.Errorf("message without documents: %s %q, want quarantined with a reason", msg.Status, msg.Reason)
	}

	exp, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, a := range exp["m1"].Attachments {
		statuses = append(statuses, a.Filename+":"+a.Status)
	}
	if got, want := fmt.Sprint(statuses), "[a.pdf:received note.txt:ignored copy.pdf:duplicate]"; got != want {
		t.Errorf("attachments of m1: %s, want %s", got, want)
	}
	if a := exp["m2"].Attachments[0]; a.Status != store.StatusDuplicate || a.DuplicateOf != exp["m1"].Attachments[0].ID {
		t.Errorf("resent attachment: %+v, want a duplicate of m1's", a)
	}
}
