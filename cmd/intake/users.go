package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lausd/misis-intake/review"
	"github.com/lausd/misis-intake/store"
)

// stdin is where `intake users add` reads the password; tests replace it.
var stdin io.Reader = os.Stdin

func runUsers(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	switch sub {
	case "add":
		return runUsersAdd(ctx, args, stdout)
	case "list":
		return runUsersList(ctx, args, stdout)
	}
	return errors.New("users: want 'users add NAME --role reviewer|supervisor|provisioner|admin' (password on standard input) or 'users list'")
}

func runUsersAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	db := databaseFlag(fs)
	role := fs.String("role", "", "the account's role: reviewer, supervisor, provisioner or admin")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return errors.New("users add: want one user NAME")
	}
	if !store.ValidRole(*role) {
		return fmt.Errorf("users add: --role must be reviewer, supervisor, provisioner or admin, not %q", *role)
	}
	if !store.ValidUserName(names[0]) {
		return fmt.Errorf("users add: %q is not a valid user name (lower-case letters, digits, '.', '-', '_')", names[0])
	}
	// The password is the first line of standard input, so that it never
	// appears in a command line or the shell's history.
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("users add: read password: %w", err)
	}
	hash, err := review.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.AddUser(ctx, actor(), names[0], *role, hash); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s)\n", names[0], *role)
	return nil
}

func runUsersList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("users list", flag.ContinueOnError)
	db := databaseFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	us, err := st.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range us {
		state := ""
		if u.Disabled {
			state = " (disabled)"
		}
		fmt.Fprintf(stdout, "%-24s %-12s %s%s\n", u.Name, u.Role, u.CreatedAt.Format("2006-01-02"), state)
	}
	return nil
}
