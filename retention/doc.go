// Package retention purges what the intake no longer needs to keep: the
// original bytes of messages and their attachments (the only place page
// images come from) once everything that came of them is finished and
// older than the retention period. What was decided stays: the message's
// identity and status, every form, field, decision and request, and the
// audit log, to which each purge adds a line.
//
// A message is finished when it is processed, quarantined or a duplicate;
// each of its attachments is processed, quarantined, ignored or a
// duplicate; each form found in them is decided, with no open review task;
// and no request made from them is still waiting on a provisioning queue
// (queued or claimed). Items parked as failed are never purged: an
// operator may still retry them. The period counts from the last thing
// that happened to the message or anything that came of it.
//
// `intake purge --older-than 30d` runs Purge; run it daily (a timer) as
// the schema's owner.
package retention
