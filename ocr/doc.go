// Package ocr is the extraction engine: it turns page images into
// identified forms with every field read and scored.
//
// The engine takes plain gray images with their resolution (raster.Page
// carries both), so it does not depend on how documents were rasterised:
//
//	eng, err := ocr.New(ocr.Config{Registry: reg, Workers: 2})
//	...
//	defer eng.Close()
//	res, err := eng.ReadPages(ctx, pages) // one document's pages, in order
//	for _, p := range res.Pages { ... }   // PageInfo: what each page is
//	for _, f := range res.Forms { ... }   // forms.Reading: every field read
//
// For each page the engine:
//
//   - Identifies it from the page itself: the title and the
//     "(Rev. MM/DD/YYYY)" stamp, read by Tesseract from the header only:
//     where the heavy rule every family prints under its header is found,
//     the title's zone and the stamp's line above it (not the district's
//     name, the same on every form); otherwise the whole band where a
//     header could lie. A page that names no known family in any
//     orientation is NotAForm (a fax cover sheet, a letter). Landscape
//     images are tried turned a quarter either way, portrait ones upright
//     and then, unless the page has a header rule and its other end has
//     none, upside down. Unless the header's stamp named a revision whose
//     layout the page fits, the stamp is read again alone, in the stamp box
//     of the template the page registers to; a stamp the registry does not
//     know is reported as read, with Known false, so the rules reject it by
//     name. (Two unsure readings a digit from the posted revision whose
//     layout the page has are taken as it, with a note and, unless they
//     differ from it in the same digit, a confidence low enough for a
//     person to confirm.)
//   - Registers it to the blank template of its revision, rendered with
//     MuPDF from the same forms definition that prints the form: deskew by
//     the row profile of the ink, scale and offset from ink profiles, then
//     an affine fit to printed landmarks (patches of the template with
//     edges both ways, away from where people write) matched by normalised
//     correlation at 50 and 100 dpi. The landmark residual is reported in
//     points (PageInfo.Residual).
//   - Reads every field in its own region, cut upright at 300 dpi, after
//     the registered template's ink there is whited out: text by Tesseract
//     in single-line mode with the kind's character set, a read short of
//     sure checked by a second read at another scale (and digits and dates
//     by a second, character-by-character reader, and where the two
//     dispute Tesseract by a third that lays the characters of the faces
//     forms are typed in over the ink: see typeface.go); the ink read is
//     the ink as dark as the page's text and the faint ink within its
//     extent; role marks by the ink in the box and
//     a nearest-prototype classifier (A, R, or other: checks, crosses,
//     scribbles) with Tesseract as second opinion; signatures by the size
//     and spread of the ink on the line; the batch-removal table cell by
//     cell.
//
// Every value carries a confidence in [0,1], whether anything is written
// at all (Value.Present), its box in template points and its page. Sure is
// set when the confidence reaches the kind's threshold (Thresholds,
// calibrated on generated corpora with go test -tags corpus; see
// corpus_test.go). When unsure, the engine says so with a low confidence:
// a wrong value marked Sure is the worst outcome.
//
// Consecutive pages of one batch-removal form ("Page n of m") become one
// Reading with rows numbered on; a document holding several forms yields
// several Readings.
//
// The engine is safe for concurrent use. It keeps one Tesseract client per
// worker, and the blank templates it renders (about 10 MB per revision).
// Tesseract must run with OMP_THREAD_LIMIT=1 (OpenMP threads on top of one
// client per worker only spin: a page costs three times the CPU). GNU
// OpenMP reads the variable when it is loaded, before any Go code runs, so
// a program importing this package restarts itself once with the variable
// set when it is missing (see NoReexecEnv); set it in the service's
// environment to avoid the restart.
package ocr
