// Package config reads the intake's configuration file (TOML): the
// settings of the commands that run for long (intake work, intake serve)
// and of logging. Secrets never go in the file; they come from the
// environment: DATABASE_URL, INTAKE_IMAP_URL, INTAKE_SMTP_URL and
// INTAKE_QA_SEED (see Secrets).
//
// Every key is the long name of a command's flag, in the section of its
// command; a flag given on the command line wins over the file. See
// deploy/intake.example.toml for every setting with its default.
package config
