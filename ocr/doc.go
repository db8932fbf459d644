// Package ocr is the extraction engine: it turns page images into
// identified forms with every field read and scored.
//
// For each page the engine identifies the form from the page itself (the
// title and the "(Rev. MM/DD/YYYY)" stamp in the header band, turning
// upside-down and sideways pages), registers the page to the blank
// template rendered from the same forms definition (deskew, then an affine
// fit from printed landmarks), and reads every field in its own region:
// text by Tesseract with the field kind's settings after the printed rule
// is subtracted, role marks by the ink in the box and a letter classifier,
// signatures by the ink on the signature line, and the batch-removal table
// cell by cell. Every value carries a confidence, its box and its page, and
// is marked Sure only above its kind's threshold.
//
// The engine takes plain gray images and a resolution, so it does not
// depend on how documents were rasterised. It is safe for concurrent use;
// each worker holds its own Tesseract client.
package ocr
