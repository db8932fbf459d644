package raster

import (
	"bytes"
	"fmt"
)

// Type is a document type, as sniffed from its first bytes.
type Type int

// Document types.
const (
	TypeUnknown Type = iota
	TypePDF
	TypeTIFF
	TypeJPEG
	TypePNG
)

// String returns the lower-case name of t ("pdf", "tiff", ...).
func (t Type) String() string {
	switch t {
	case TypePDF:
		return "pdf"
	case TypeTIFF:
		return "tiff"
	case TypeJPEG:
		return "jpeg"
	case TypePNG:
		return "png"
	default:
		return "unknown"
	}
}

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
	pdfMagic     = []byte("%PDF-")
)

// pdfHeaderWindow is how far into the file the %PDF- header may start: some
// producers put junk before it and readers accept it within the first KiB.
const pdfHeaderWindow = 1024

// Sniff returns the type of the document in data from its signature: %PDF-
// (within the first KiB), II*\0 or MM\0* (TIFF), FF D8 FF (JPEG) or the PNG
// signature. Anything else is TypeUnknown.
func Sniff(data []byte) Type {
	switch {
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return TypeTIFF
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG
	case bytes.HasPrefix(data, pngSignature):
		return TypePNG
	case pdfStart(data) >= 0:
		return TypePDF
	}
	return TypeUnknown
}

// pdfStart returns the offset of the %PDF- header, or -1.
func pdfStart(data []byte) int {
	head := data[:min(len(data), pdfHeaderWindow)]
	return bytes.Index(head, pdfMagic)
}

// describe names what an unsupported file looks like, for the error message.
func describe(data []byte) string {
	known := []struct {
		magic string
		name  string
	}{
		{"PK\x03\x04", "ZIP archive (or an office document)"},
		{"PK\x05\x06", "empty ZIP archive"},
		{"MZ", "Windows executable"},
		{"\x7fELF", "ELF executable"},
		{"Rar!", "RAR archive"},
		{"7z\xbc\xaf", "7-Zip archive"},
		{"\x1f\x8b", "gzip data"},
		{"GIF8", "GIF image"},
		{"BM", "BMP image"},
		{"II+\x00", "BigTIFF image"},
		{"MM\x00+", "BigTIFF image"},
		{"\xd0\xcf\x11\xe0", "OLE document (old Office format)"},
		{"{\\rtf", "RTF document"},
		{"%!PS", "PostScript document"},
	}
	for _, k := range known {
		if bytes.HasPrefix(data, []byte(k.magic)) {
			return k.name
		}
	}
	trimmed := bytes.ToLower(bytes.TrimSpace(data[:min(len(data), 512)]))
	if bytes.HasPrefix(trimmed, []byte("<!doctype html")) || bytes.HasPrefix(trimmed, []byte("<html")) {
		return "HTML document"
	}
	if len(data) == 0 {
		return "empty file"
	}
	return fmt.Sprintf("unknown signature % x", data[:min(len(data), 8)])
}
