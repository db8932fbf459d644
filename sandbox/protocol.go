package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
)

// The wire between a pool and a child. Every message is a frame: a 4-byte
// big-endian length and that many bytes. The parent sends a request frame
// (JSON) followed by a data frame (the attachment, with an 8-byte length);
// the child answers with one response frame (JSON). The child's first frame,
// before any request, is a response with Ready set, once its engine is up.

// request asks a child to read the attachment that follows.
type request struct {
	Limits raster.Limits `json:"limits"`
}

// response is a child's answer.
type response struct {
	Ready    bool               `json:"ready,omitempty"`
	Document *pipeline.Document `json:"document,omitempty"`
	Error    *wireError         `json:"error,omitempty"`
	// ReadNanos is how long the child spent reading, from the request
	// received to the answer encoded: what the pool adds is the rest.
	ReadNanos int64 `json:"read_nanos,omitempty"`
}

// wireError is an error of pipeline.ReadAttachment: its message and the
// raster sentinel it wraps ("" for none).
type wireError struct {
	Message string `json:"message"`
	Kind    string `json:"kind,omitempty"`
}

func (w *wireError) err() error {
	return &documentError{msg: w.Message, kind: kinds[w.Kind]}
}

// maxRequestBytes bounds a request frame (the JSON header only).
const maxRequestBytes = 1 << 20

// errFrameTooLarge is returned by readFrame for a frame above its bound.
var errFrameTooLarge = errors.New("sandbox: frame too large")

func writeFrame(w io.Writer, b []byte) error {
	var n [4]byte
	if len(b) > 1<<32-1 {
		return errFrameTooLarge
	}
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

// readFrame reads one frame of at most maxBytes; a longer one is
// errFrameTooLarge and is not read.
func readFrame(r io.Reader, maxBytes int64) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := int64(binary.BigEndian.Uint32(n[:]))
	if size > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errFrameTooLarge, size, maxBytes)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, unexpected(err)
	}
	return b, nil
}

func writeData(w io.Writer, data []byte) error {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(data)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

func readData(r io.Reader, maxBytes int64) ([]byte, error) {
	var n [8]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, unexpected(err)
	}
	size := binary.BigEndian.Uint64(n[:])
	if size > uint64(maxBytes) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errFrameTooLarge, size, maxBytes)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, unexpected(err)
	}
	return b, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFrame(w, b)
}
