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
//     nothing. Every message it sees is recorded with its place (mailbox,
//     UIDVALIDITY, UID), Message-ID and content hash, documents or not: the
//     record, never the UID alone, says a message was handled, so a message
//     the server will not let go is not downloaded again and again, and
//     after a UIDVALIDITY change the mailbox is looked at anew and matched
//     by content. One poller at a time watches a mailbox ([Locker]; the
//     store's database lock across processes). It signs in with LOGIN,
//     SASL PLAIN, or an OAuth 2.0 token over XOAUTH2 or OAUTHBEARER
//     ([Auth], [OAuth]: Microsoft 365's client-credentials or
//     refresh-token flow, the secret from the environment), renewing the
//     token, and the session, before the token expires. It waits with IDLE,
//     re-issued every IdleRestart (10 minutes) with a NOOP deadline that
//     catches a silent connection, and looks at the mailbox each time
//     whatever IDLE said.
//   - [Sender] sends [OutgoingMessage]s over SMTP ([ParseSMTPURL]) with a
//     stable Message-ID, rendered from editable templates ([Templates]):
//     the rejection notice and the confirmation that access is set up.
//
// The package holds no database code: the store implements [Sink].
package mail
