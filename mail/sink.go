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

// Sink is where the Poller hands each fetched message. The store implements
// it; the Poller moves a message out of the watched mailbox only after
// Commit returned without error, so Commit must be durable when it returns.
type Sink interface {
	// Commit records one message. It dedupes by Message-ID, or by Hash when
	// the message has none, so a message fetched again after a crash is
	// recognised: it then returns the verdict it gave the first time, with
	// Duplicate set. An error leaves the message in the mailbox, to be
	// fetched and committed again later.
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
	// the server reports another, UIDs were renumbered: the Poller starts
	// over and relies on the Sink's dedupe.
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
