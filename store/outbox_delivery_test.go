package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// TestDeliverNext walks outbox e-mails through a failed try, a retry, a
// sending and a parking, and checks that what is sent or parked is never
// handed out again.
func TestDeliverNext(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	second := sampleReading()
	second.Pages = []int{2}
	ids := readForm(t, s, "outbox@x", sampleReading(), second)
	reject := validate.Decision{Outcome: validate.Reject, Reasons: []validate.Reason{{Code: validate.CodeRevisionRetired, Message: "old form"}}}
	decide(t, s, ids[0], reject, &store.Email{To: "a@lausd.net", Subject: "one", Body: "b", InReplyTo: "sub@x"})
	decide(t, s, ids[1], reject, &store.Email{To: "b@lausd.net", Subject: "two", Body: "b"})

	next := func(res store.DeliveryResult) (store.Outgoing, bool) {
		t.Helper()
		o, got, found, err := s.DeliverNext(ctx, time.Now(), func(_ context.Context, o store.Outgoing) store.DeliveryResult { return res })
		if err != nil {
			t.Fatal(err)
		}
		if found && got != res {
			t.Errorf("DeliverNext returned %+v, want the send's %+v", got, res)
		}
		return o, found
	}
	// The first fails and is due again in an hour: the second comes next.
	o, ok := next(store.DeliveryResult{MessageID: "m1@x", Err: "connection refused", RetryAt: time.Now().Add(time.Hour)})
	if !ok || o.Subject != "one" || o.InReplyTo != "sub@x" || o.Attempts != 0 {
		t.Fatalf("first: %+v %v", o, ok)
	}
	if o, ok = next(store.DeliveryResult{MessageID: "m2@x", Park: "recipient unknown", Err: "550"}); !ok || o.Subject != "two" {
		t.Fatalf("second: %+v %v", o, ok)
	}
	if o, ok = next(store.DeliveryResult{Sent: true}); ok {
		t.Fatalf("nothing is due, yet %+v was handed out", o)
	}
	p, err := s.PendingOutbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Unsent != 1 || p.Parked != 1 || time.Until(p.NextAttempt) < 50*time.Minute {
		t.Errorf("pending %+v, want one unsent due in an hour and one parked", p)
	}
	out, _ := s.Outbox(ctx)
	if out[0].Attempts != 1 || out[0].LastError != "connection refused" || out[0].MessageID != "m1@x" ||
		out[1].ParkedAt == nil || out[1].ParkReason != "recipient unknown" {
		t.Errorf("outbox after the tries: %+v", out)
	}

	// Requeued, the parked one is sent; sent, it is not handed out again.
	if n, err := s.RequeueOutbox(ctx, "cli:test", nil); err != nil || n != 1 {
		t.Fatalf("requeue: %d %v", n, err)
	}
	if o, ok = next(store.DeliveryResult{MessageID: "m2@x", Sent: true}); !ok || o.Subject != "two" || o.Attempts != 1 {
		t.Fatalf("after requeueing: %+v %v", o, ok)
	}
	if o, ok = next(store.DeliveryResult{Sent: true}); ok {
		t.Fatalf("a sent e-mail was handed out again: %+v", o)
	}
	out, _ = s.Outbox(ctx)
	if out[1].SentAt == nil || out[1].ParkedAt != nil || out[1].Attempts != 2 || out[1].LastError != "" {
		t.Errorf("sent e-mail: %+v", out[1])
	}
}
