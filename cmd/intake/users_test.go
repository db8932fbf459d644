package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
)

func TestUsersAdd(t *testing.T) {
	ctx := context.Background()
	pg, err := storetest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Close)
	db := pg.Database(t)
	saved := stdin
	t.Cleanup(func() { stdin = saved })

	add := func(password string, args ...string) error {
		stdin = strings.NewReader(password)
		var out bytes.Buffer
		return runUsers(ctx, append(append([]string{"add"}, args...), "--database-url", db), &out)
	}
	if err := add("a-long-password\n", "ada", "--role", "admin"); err != nil {
		t.Fatalf("users add: %v", err)
	}
	for _, tc := range []struct {
		name     string
		password string
		args     []string
		want     string
	}{
		{"short password", "short\n", []string{"bob", "--role", "reviewer"}, "at least"},
		{"unknown role", "a-long-password\n", []string{"bob", "--role", "boss"}, "--role"},
		{"bad name", "a-long-password\n", []string{"Bob Smith", "--role", "reviewer"}, "not a valid user name"},
		{"no name", "a-long-password\n", []string{"--role", "reviewer"}, "one user NAME"},
	} {
		if err := add(tc.password, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if err := add("another-long-password\n", "ada", "--role", "reviewer"); !errors.Is(err, store.ErrUserExists) {
		t.Errorf("adding ada again: %v, want ErrUserExists", err)
	}

	st, err := store.Open(ctx, db, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, hash, err := st.UserPassword(ctx, "ada")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("ada: %+v %v", u, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("a-long-password")) != nil {
		t.Errorf("the stored hash does not match the password read from standard input")
	}
	var out bytes.Buffer
	if err := runUsers(ctx, []string{"list", "--database-url", db}, &out); err != nil || !strings.Contains(out.String(), "ada") {
		t.Errorf("users list: %q %v", out.String(), err)
	}
}
