package mail

import "errors"

// Sentinel errors a [*ParseError] wraps, for callers that branch on the kind
// of failure (for instance to choose the quarantine reason code).
var (
	// ErrTooLarge: the message, or one attachment, exceeds its size limit.
	ErrTooLarge = errors.New("mail: too large")
	// ErrTooComplex: the message nests too deep, has too many parts or too
	// many attachments.
	ErrTooComplex = errors.New("mail: too complex")
	// ErrMalformed: the message cannot be read as an e-mail message at all.
	ErrMalformed = errors.New("mail: malformed message")
	// ErrNoAttachment: the message carries no PDF, TIFF, JPEG or PNG file.
	// Parse does not return it (such a message parses); [Message.Usable]
	// does.
	ErrNoAttachment = errors.New("mail: no document attachment")
)

// ParseError says why a message cannot be taken in. Reason is a sentence
// for the help desk and the sender; Err is one of the sentinel errors above.
type ParseError struct {
	Reason string
	Err    error
}

func (e *ParseError) Error() string { return "mail: " + e.Reason }

// Unwrap returns the sentinel error, so errors.Is(err, ErrTooLarge) works.
func (e *ParseError) Unwrap() error { return e.Err }

// NoAttachmentReason is the Problem and Reason used when a message carries
// no document.
const NoAttachmentReason = "message has no PDF, TIFF, JPEG or PNG attachment"
