package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/emersion/go-message/textproto"
)

// Sink is where the Poller hands each fetched message, and where it keeps
// the record of every message it saw. The store implements it; the Poller
// moves a message out of the watched mailbox only after Commit returned
// without error, so Commit must be durable when it returns.
//
// The record, not the UID, decides whether a message was handled: a UID
// means nothing once the server changes the mailbox's UIDVALIDITY (a
// mailbox deleted and created again, a server restored or migrated), and
// UIDs then start again from 1.
type Sink interface {
	// Seen returns the verdict recorded for the message at this place
	// (mailbox, UIDVALIDITY, UID), and false when none is. The Poller asks
	// before fetching: a recorded message is neither fetched nor committed
	// again, only moved where its verdict says (a move that failed before
	// is tried again; a message the server would not let go is not
	// downloaded over and over).
	Seen(ctx context.Context, mailbox string, uidValidity, uid uint32) (Verdict, bool, error)
	// Commit records one message at its place with its Message-ID and
	// content hash, whether or not it yields a document, and returns the
	// verdict. A message whose content (Hash) was recorded in this mailbox
	// before, at another place (the UIDVALIDITY changed, or it was put
	// back), or whose Message-ID was committed before (a crash came between
	// commit and move, the sender delivered it twice), gets the verdict it
	// was given the first time, with Duplicate set, and starts no new work.
	// An error leaves the message in the mailbox, to be fetched and
	// committed again later.
	Commit(ctx context.Context, in Incoming) (Verdict, error)
	// LoadState returns the state last saved for a mailbox, or the zero
	// State when none was.
	LoadState(ctx context.Context, mailbox string) (State, error)
	// SaveState records a mailbox's state.
	SaveState(ctx context.Context, mailbox string, st State) error
}

// Incoming is one message fetched from the mailbox.
type Incoming struct {
	// Mailbox names the watched mailbox (Server.MailboxKey).
	Mailbox string
	// UIDValidity and UID locate the message in that mailbox.
	UIDValidity uint32
	UID         uint32
	// Raw is the whole message as the server stores it, or only its header
	// when Oversize is set.
	Raw []byte
	// Size is the message's size as the server reports it (RFC822.SIZE).
	Size int64
	// Oversize is set when Size exceeds the Poller's MaxMessageBytes: the
	// body was not fetched and the message should be quarantined (it stays
	// whole in the Quarantine mailbox).
	Oversize bool
	// MessageID is the Message-ID without angle brackets, or "" when the
	// message has none.
	MessageID string
	// Hash is the SHA-256 of Raw in hex.
	Hash string
	// Received is the server's INTERNALDATE, when the message arrived.
	Received time.Time
}

// Verdict is what the Sink decided about a committed message.
type Verdict struct {
	// Duplicate: the message was committed before (a crash came between
	// commit and move, or the sender delivered it twice).
	Duplicate bool
	// Quarantine sends the message to the Quarantine mailbox instead of
	// Processed.
	Quarantine bool
	// Code is a short reason code for a quarantined message (e.g.
	// "mail.too_large"); the Poller tags the message with it as an IMAP
	// keyword where the server allows keywords.
	Code string
	// Reason says why in words for the help desk. The Poller does not log
	// it: it may name a file a person sent.
	Reason string
}

// State is what the Poller remembers about a mailbox between runs.
type State struct {
	// UIDValidity is the mailbox's UIDVALIDITY when State was saved. When
	// the server reports another, UIDs were renumbered: the Poller looks at
	// every message again, and the Sink recognises those it has by their
	// content.
	UIDValidity uint32
	// LastUID is the highest UID up to which every message was committed.
	LastUID uint32
}

// identify returns a raw message's Message-ID (or "") and its hash.
func identify(raw []byte) (string, string) {
	sum := sha256.Sum256(raw)
	var m Message
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	readEnvelope(&m, h)
	return m.MessageID, hex.EncodeToString(sum[:])
}
