package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lausd/misis-intake/validate"
)

// TestReviewQueueNamesFormAndTask: a queue item names its form and its
// review task each by its own ID, which differ once a form decided without
// review comes first.
func TestReviewQueueNamesFormAndTask(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	second := sampleReading()
	second.Pages = []int{2}
	ids := readForm(t, s, "queue@x", sampleReading(), second)
	decide(t, s, ids[0], acceptance(), nil)
	review := validate.Decision{Outcome: validate.Review, Review: []validate.ReviewItem{{Field: "first_name", Why: validate.WhyLowConfidence, Code: validate.CodeValueUnsure, Message: "check"}}}
	res := decide(t, s, ids[1], review, nil)
	if res.ReviewTask == ids[1] {
		t.Fatalf("review task %d has the form's ID; the test cannot tell them apart", res.ReviewTask)
	}
	q, err := s.ReviewQueue(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].FormID != ids[1] || q[0].TaskID != res.ReviewTask || q[0].DecisionID != res.DecisionID {
		t.Fatalf("review queue: %+v, want form %d with task %d and decision %d", q, ids[1], res.ReviewTask, res.DecisionID)
	}
}
