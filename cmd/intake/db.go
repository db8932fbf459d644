package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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
	return runImport(ctx, "roster", "employees", args, stdout, func(ctx context.Context, st *store.Store, path string) (int, error) {
		r, err := validate.ReadRosterFile(path)
		if err != nil {
			return 0, err
		}
		return st.ImportRoster(ctx, actor(), r)
	})
}

func runLocations(ctx context.Context, args []string, stdout io.Writer) error {
	return runImport(ctx, "locations", "locations", args, stdout, func(ctx context.Context, st *store.Store, path string) (int, error) {
		l, err := validate.ReadLocationsFile(path)
		if err != nil {
			return 0, err
		}
		return st.ImportLocations(ctx, actor(), l)
	})
}

// runImport runs 'NAME import FILE.csv': it opens the database and loads
// the file into it with load, which returns how many rows it imported.
func runImport(ctx context.Context, name, rows string, args []string, stdout io.Writer,
	load func(ctx context.Context, st *store.Store, path string) (int, error)) error {
	sub, args := subcommand(args)
	if sub != "import" || len(args) == 0 {
		return fmt.Errorf("%s: want '%s import FILE.csv'", name, name)
	}
	fs := flag.NewFlagSet(name+" import", flag.ContinueOnError)
	db := databaseFlag(fs)
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("%s import: want one CSV file", name)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := load(ctx, st, files[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d %s\n", n, rows)
	return nil
}
