package sandbox

import (
	"errors"

	"github.com/lausd/misis-intake/raster"
)

// Errors of a child that did not answer. Each is wrapped by an error whose
// message is the reason a person reads.
var (
	// ErrTimeout: reading the attachment took longer than Limits.WallTime.
	ErrTimeout = errors.New("sandbox: attachment took too long")
	// ErrCPUTime: reading the attachment used more than Limits.CPUTime.
	ErrCPUTime = errors.New("sandbox: attachment used too much CPU time")
	// ErrMemory: the child ran out of memory (Limits.Memory).
	ErrMemory = errors.New("sandbox: attachment needed too much memory")
	// ErrCrashed: the child died (a signal, a Go panic, an exit) without
	// answering.
	ErrCrashed = errors.New("sandbox: reader crashed")
	// ErrOutputTooLarge: the answer was larger than Limits.OutputBytes.
	ErrOutputTooLarge = errors.New("sandbox: reading too large")
)

// childError is a child's failure, with the reason a person reads.
type childError struct {
	reason string
	kind   error
}

func (e *childError) Error() string { return e.reason }
func (e *childError) Unwrap() error { return e.kind }

// documentError is an error pipeline.ReadAttachment returned in the
// child, carried back with its message and raster sentinel.
type documentError struct {
	msg  string
	kind error // a raster sentinel, or nil
}

func (e *documentError) Error() string { return e.msg }
func (e *documentError) Unwrap() error { return e.kind }

// kinds names the raster sentinels on the wire.
var kinds = map[string]error{
	"encrypted":   raster.ErrEncrypted,
	"corrupt":     raster.ErrCorrupt,
	"no-pages":    raster.ErrNoPages,
	"unsupported": raster.ErrUnsupported,
	"too-large":   raster.ErrTooLarge,
}

// kindOf returns the wire name of the raster sentinel err wraps, or "".
func kindOf(err error) string {
	for name, k := range kinds {
		if errors.Is(err, k) {
			return name
		}
	}
	return ""
}
