// Package work runs the intake pipeline as durable jobs on PostgreSQL,
// with River as the queue.
//
// Each stage of the pipeline is one job kind, reading its input from the
// store and writing its output back:
//
//	split_message    a stored message -> its attachments (package mail)
//	read_attachment  an attachment -> pages and forms with every field (pipeline.ReadAttachment)
//	decide_form      a form -> a decision, requests, a review task, a rejection notice (pipeline.Decide)
//
// A stage commits its results, the next stage's jobs (River InsertTx) and
// its own job's completion (river.JobCompleteTx) in one transaction, so a
// crash at any moment neither loses nor doubles work: either everything of
// the stage is there, or nothing is and the job runs again. Each stage
// also refuses to run twice on the same item (its status moves on only
// once).
//
// A failing job is retried with backoff; after its last try the item is
// parked as failed with the reason (store.Failures) until Retry queues it
// again. An attachment that cannot be a form (encrypted, corrupt, empty,
// not a document, too large) is set aside at once with the reason and is
// never retried.
//
// Many processes may run a Runner on one database. Each holds a session
// advisory lock named after its River client ID while it runs, so that the
// others can tell its jobs from those of a process that died (SIGKILL,
// power loss) and hand those back at once. Exactly one process at a time
// holds the poller lock and runs Config.Poll, the hook for the mailbox
// poller.
//
// Outbox sends the notices the stages and the review UI put in the outbox
// (store.DeliverNext): each once, with a Message-ID derived from its row,
// retried with backoff after a transient failure and parked with the
// reason after a permanent one. Every process may run one.
package work
