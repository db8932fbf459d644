// Package store keeps the intake's durable state in PostgreSQL: every
// message as it arrived, its attachments, pages, forms and fields, the
// decisions with their reasons, the access requests on the provisioning
// queues, review tasks, the e-mail outbox, an append-only audit log, and
// the HR roster and location list the rules consult.
//
// The schema is a series of versioned SQL files embedded in the binary
// (migrations/NNNN_name.sql), applied in order by Migrate, which also runs
// River's migrations for the job queue. Open refuses nothing; CheckSchema
// tells a worker whether the database is migrated.
//
// Writes that finish a stage of the pipeline take a pgx.Tx, so that the
// caller (package work) commits the stage's results, the next stage's job
// and the current job's completion in one transaction.
//
// Queries use pgx directly; there is no ORM and no driver layer.
package store
