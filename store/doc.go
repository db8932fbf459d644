// Package store keeps the intake's durable state in PostgreSQL: every
// message as it arrived, its attachments, pages, forms and fields, the
// decisions with their reasons, the access requests on the provisioning
// queues, review tasks, the e-mail outbox, an append-only audit log, and
// the HR roster and location list the rules consult.
//
// # Schema
//
// The schema is a series of versioned SQL files embedded in the binary
// (migrations/NNNN_name.sql), applied in order, each in its own
// transaction, by Migrate, which then runs River's migrations for the job
// queue. CheckSchema tells a worker whether the database is migrated; it
// refuses to start otherwise.
//
// # Life of an item
//
// A message is stored (raw bytes first) as received, or as a duplicate of
// the first copy with the same Message-ID (or, without one, the same
// bytes). Splitting it records its attachments and marks it processed, or
// quarantined when it carries no document. A document attachment whose
// bytes arrived before is a duplicate of the first copy; the others are
// received, then processed once read into pages and forms, or quarantined
// when they cannot be a form. A form is read, then decided: its decision
// (round 1 is the engine's), one request per accepted request, a review
// task when a reviewer must look, and a rejection notice in the outbox.
// Any item whose every try failed is failed, with the reason, until Reset.
// Each step moves the status on only from the step's starting status, so
// a step done twice writes once.
//
// Writes that finish a stage of the pipeline take a pgx.Tx, so that the
// caller (package work) commits the stage's results, the next stage's jobs
// and the current job's completion in one transaction.
//
// Queries use pgx directly; there is no ORM and no driver layer. The
// subpackage storetest starts a throw-away PostgreSQL server for tests.
package store
