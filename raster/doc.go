// Package raster turns the bytes of an attachment (PDF, TIFF, JPEG or PNG)
// into grayscale page images: the first stage of extraction, between the
// mailbox (attachments) and form identification (pages).
//
// The type is sniffed from the bytes, never from a file name. What each type
// becomes:
//
//   - PDF. A page that is one embedded image covering the page (every fax
//     gateway PDF: one CCITT G3/G4 image per page; office scanners: one JPEG or
//     Flate image, perhaps under an invisible OCR text layer) gives that image
//     itself, located and decoded through pdfcpu, at its native resolution:
//     pixel size over the page box in inches. Any other page (vector content,
//     several images, masks) is rendered with MuPDF (go-fitz) at
//     Limits.RenderDPI. A one-image page whose image this package does not
//     decode (JBIG2, JPX, a filter chain, CCITT with fill bits or K > 0, CMYK)
//     is rendered at the image's own resolution, so it keeps the scan's pixel
//     grid.
//   - A PDF must end with %%EOF (within its last KiB): a truncated attachment
//     is ErrCorrupt. A PDF pdfcpu cannot parse (a damaged cross-reference
//     table) is handed to MuPDF, which repairs more, but only after the image
//     sizes declared in its raw bytes have been checked.
//   - TIFF. Every page of the IFD chain (bounded by Limits.MaxPages, loops
//     rejected), decoded with golang.org/x/image/tiff (CCITT G4, 1-D G3
//     without fill bits, LZW, Deflate, PackBits); a page it cannot decode (G3
//     with fill bits before each EOL, as gs and much fax software write it,
//     2-D G3, JPEG-in-TIFF) is rendered by MuPDF at the same size.
//   - JPEG and PNG. One page, at the resolution of the JFIF, EXIF or pHYs
//     header, or 200 dpi when the file says nothing plausible.
//
// Every page comes out as an *image.Gray with square pixels: a fax at 204x98 or
// 204x196 dpi is stretched along its coarser axis (vertically) before anything
// else reads it, so Page.DPI holds for both axes.
//
// Sizes are checked before anything is allocated or decoded: the page count,
// the pixels of each page and of every image a PDF holds, and the pixels of
// the whole document (Limits). A bad attachment fails with an error that
// wraps one of ErrEncrypted, ErrCorrupt, ErrNoPages, ErrUnsupported or
// ErrTooLarge, so the caller can set it aside with a clear reason; a panic in
// a third-party decoder becomes ErrCorrupt and the context is honoured between
// pages.
//
// Encrypted PDFs: a PDF that needs a user (open) password is ErrEncrypted. A
// PDF protected by an owner password only (permission flags, empty user
// password) is read: every viewer opens it without asking, the content is not
// secret, and the restriction only concerns editing and printing.
//
// Each call to Decode or DecodeEach owns its own pdfcpu context and MuPDF
// document, so calls may run concurrently from many goroutines. MuPDF writes
// its warnings about damaged files to standard error; go-fitz offers no way
// to redirect them.
package raster
