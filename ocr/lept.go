package ocr

// #cgo LDFLAGS: -lleptonica
// #include <leptonica/allheaders.h>
import "C"

// quietLeptonica stops Leptonica, the image library under Tesseract,
// printing "Error in ..." lines to standard error for what are, for the
// engine, ordinary events (a layout box found empty in a header band).
func quietLeptonica() {
	C.setMsgSeverity(C.L_SEVERITY_NONE)
}
