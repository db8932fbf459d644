// Package pipeline wires the stages of the intake in order, as plain
// functions from values to values: an attachment's bytes become page
// images (raster), the pages become identified forms with every field read
// (ocr), and each form gets the district's decision (validate).
//
// Nothing here touches the database or the mailbox: the job runner (store)
// and the evaluation (eval) call these same functions, so what is measured
// is what runs.
package pipeline
