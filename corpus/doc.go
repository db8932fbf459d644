// Package corpus generates realistic test submissions with their ground
// truth: forms filled by computer or by hand (in several handwriting-style
// fonts, with slant and jitter), signed with pen strokes, sent through the
// fax path (CCITT G3/G4 at 204x196 or 204x98 dpi, wrapped in PDF or sent as
// multi-page TIFF) or the scanner path (grayscale JPEG-in-PDF at 200 or 300
// dpi), skewed, scaled, shifted, speckled and sometimes upside down, each
// inside an e-mail message as a gateway or a help-desk mailbox sends it.
//
// Everything is deterministic for a seed: submission i draws from its own
// random stream, so submissions can be made in parallel. The ground truth
// (Truth) records every page's identity, every field's true value and the
// decision the district's rules must reach, with its reason codes.
//
// The generator draws on the blank forms with forms.DrawPage, so filled
// forms and templates cannot drift apart. It calls Ghostscript (gs) to
// rasterise and libtiff's tiffcp and tiff2pdf to encode faxes, as a fax
// gateway does.
package corpus
