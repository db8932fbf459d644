// Package config reads the intake's configuration file (TOML): the
// settings of the commands that run for long (intake work, intake serve)
// and of logging. Secrets never go in the file; they come from the
// environment: DATABASE_URL, INTAKE_IMAP_URL, INTAKE_SMTP_URL and
// INTAKE_QA_SEED (see Secrets).
//
// Every key is the long name of a command's flag, in the section of its
// command; a flag given on the command line wins over the file. The
// [rules] section holds the settings of the district's rules (academic
// year end, allowed age of a request date, identification confidence):
// its keys are flags of every command that decides forms (intake work,
// serve, eval and demo), which register them with AddRuleFlags and get
// their validate.Config from RuleFlags.Rules, so that the workers and the
// review UI judge by the same rules. See deploy/intake.example.toml for
// every setting with its default.
package config
