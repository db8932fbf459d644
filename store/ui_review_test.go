package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/store"
)

// TestClaimForm: one holder at a time, renewals keep the start, a lapsed
// claim passes on, and of many people opening a form at once exactly one
// gets it.
func TestClaimForm(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	var form int64
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		ins, err := store.InsertMessage(ctx, tx, store.NewMessage{Raw: []byte("Subject: x\r\n\r\nx")})
		if err != nil {
			return err
		}
		split, err := store.SaveSplit(ctx, tx, ins.ID, []store.NewAttachment{{Filename: "a.pdf", Type: "pdf", Data: []byte("%PDF-1.4 x")}})
		if err != nil {
			return err
		}
		if _, err := store.SaveRead(ctx, tx, split.ToRead[0], nil, nil); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO forms (attachment_id, ordinal) VALUES ($1, 1) RETURNING id`, split.ToRead[0]).Scan(&form)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"ann", "bob"} {
		if err := s.AddUser(ctx, "test", u, store.RoleReviewer, "x"); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ttl := 15 * time.Minute
	c, err := s.ClaimForm(ctx, form, "ann", t0, ttl)
	if err != nil || c.User != "ann" || !c.ExpiresAt.Equal(t0.Add(ttl)) {
		t.Fatalf("first claim: %+v %v", c, err)
	}
	var ce *store.ClaimedError
	if _, err := s.ClaimForm(ctx, form, "bob", t0.Add(time.Minute), ttl); !errors.As(err, &ce) || ce.Claim.User != "ann" {
		t.Errorf("bob while ann holds it: %v, want ClaimedError naming ann", err)
	}
	c, err = s.ClaimForm(ctx, form, "ann", t0.Add(10*time.Minute), ttl)
	if err != nil || !c.ClaimedAt.Equal(t0) || !c.ExpiresAt.Equal(t0.Add(25*time.Minute)) {
		t.Errorf("renewal: %+v %v, want the same start and a later end", c, err)
	}
	c, err = s.ClaimForm(ctx, form, "bob", t0.Add(26*time.Minute), ttl)
	if err != nil || c.User != "bob" {
		t.Errorf("bob after ann's claim lapsed: %+v %v", c, err)
	}

	// Many at once, on a fresh claim.
	later := t0.Add(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 8; i++ {
		u := []string{"ann", "bob"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.ClaimForm(ctx, form, u, later, ttl)
			mu.Lock()
			defer mu.Unlock()
			if err == nil && c.ClaimedAt.Equal(later) {
				won++
			}
		}()
	}
	wg.Wait()
	var holder string
	if err := s.Pool().QueryRow(ctx, `SELECT user_name FROM review_claims WHERE form_id = $1`, form).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	// Only one person may hold it; the holder's own concurrent renewals
	// may also report success.
	var mine, others int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE actor = $1), count(*) FILTER (WHERE actor <> $1)
		FROM audit_log WHERE action = 'form.claimed' AND detail->>'until' = $2`,
		holder, later.Add(ttl).Format(time.RFC3339)).Scan(&mine, &others); err != nil {
		t.Fatal(err)
	}
	if won == 0 || mine == 0 || others != 0 {
		t.Errorf("concurrent claims: %d reported the claim, %d audited for the holder %s and %d for someone else", won, mine, holder, others)
	}
}
