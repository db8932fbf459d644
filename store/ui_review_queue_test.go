package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lausd/misis-intake/store"
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

// TestResolveReviewQueuesEmployeeOnce: when a reviewer's correction makes
// an earlier row of a batch the first to list an employee whose request a
// later row already queued, the employee keeps one request.
func TestResolveReviewQueuesEmployeeOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	id := readForm(t, s, "rows@x", sampleReading())[0]
	removal := func(row int, number string) validate.Request {
		q := acceptance().Requests[0]
		q.Action, q.RolesAdd, q.Row, q.EmployeeNumber = validate.ActionRemoveAll, nil, row, number
		return q
	}
	first := decide(t, s, id, validate.Decision{
		Outcome:  validate.Review,
		Review:   []validate.ReviewItem{{Field: "row04.employee_number", Row: 4, Why: validate.WhyLowConfidence, Code: validate.CodeValueUnsure, Message: "check"}},
		Requests: []validate.Request{removal(2, "22222222"), removal(6, "66666666")},
	}, nil)
	if len(first.Requests) != 2 || first.ReviewTask == 0 {
		t.Fatalf("first round: %+v, want two requests and a review task", first)
	}
	res, err := s.ResolveReview(ctx, store.Resolution{
		FormID: id, TaskID: first.ReviewTask, By: "ann", Now: time.Now(),
		Decision: validate.Decision{Outcome: validate.Accept,
			Requests: []validate.Request{removal(2, "22222222"), removal(4, "66666666"), removal(5, "55555555")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Requests) != 1 {
		t.Errorf("the reviewer's round queued %d requests, want 1 (row 5's)", len(res.Requests))
	}
	qs, err := s.Requests(ctx, store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, q := range qs {
		count[q.EmployeeNumber]++
	}
	if len(qs) != 3 || count["22222222"] != 1 || count["66666666"] != 1 || count["55555555"] != 1 {
		t.Errorf("requests by employee: %v, want one each for three employees", count)
	}
}
