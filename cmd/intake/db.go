package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// databaseFlag adds --database-url to fs; the value falls back to
// DATABASE_URL.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", "", "PostgreSQL URL (default $DATABASE_URL)")
}

// openStore connects to the database named by the flag or DATABASE_URL.
func openStore(ctx context.Context, flagValue string) (*store.Store, error) {
	u, err := store.URL(flagValue)
	if err != nil {
		return nil, err
	}
	notices, err := noticesFromEnv()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, u, store.Config{Notices: notices})
}

// actor names the person running a command, for the audit log.
func actor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	db := databaseFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := store.Migrate(ctx, st.Pool())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d intake migrations %v and %d River migrations %v\n",
		len(res.Applied), res.Applied, len(res.RiverApplied), res.RiverApplied)
	return nil
}

func runRoster(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	if sub != "import" || len(args) == 0 {
		return fmt.Errorf("roster: want 'roster import FILE.csv'")
	}
	fs := flag.NewFlagSet("roster import", flag.ContinueOnError)
	db := databaseFlag(fs)
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("roster import: want one CSV file")
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := validate.ReadRoster(f)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.ImportRoster(ctx, actor(), r)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d employees\n", n)
	return nil
}

func runLocations(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	if sub != "import" || len(args) == 0 {
		return fmt.Errorf("locations: want 'locations import FILE.csv'")
	}
	fs := flag.NewFlagSet("locations import", flag.ContinueOnError)
	db := databaseFlag(fs)
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("locations import: want one CSV file")
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	l, err := validate.ReadLocations(f)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.ImportLocations(ctx, actor(), l)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d locations\n", n)
	return nil
}
