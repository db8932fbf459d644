// Package mail is the mailbox side of the intake: it reads the messages a
// fax gateway or the help desk drops into the intake mailbox, and it sends
// the notices the district's rules call for.
//
// The flow, in the order a message meets it:
//
//   - [Parse] reads one raw RFC 5322 message as real senders write it
//     (nested multiparts, forwarded messages, attachments named in RFC 2231
//     or encoded-word form or not at all, wrong content types) and returns
//     its identity (Message-ID, sender, content hash) and its document
//     attachments (PDF, TIFF, JPEG, PNG, recognised from their bytes). Its
//     work is bounded by [Limits]; what it cannot accept it explains in a
//     [*ParseError] whose Reason a help-desk person understands.
//   - [Poller] watches an IMAP mailbox ([ParseIMAPURL]): it fetches each new
//     message whole, hands it to a [Sink] that commits it durably, and only
//     then moves it to the Processed (or Quarantine) mailbox, so a crash at
//     any point loses nothing and, with the Sink's dedupe, duplicates
//     nothing.
//   - [Sender] sends [OutgoingMessage]s over SMTP ([ParseSMTPURL]) with a
//     stable Message-ID, rendered from editable templates ([Templates]):
//     the rejection notice and the confirmation that access is set up.
//
// The package holds no database code: the store implements [Sink].
package mail
