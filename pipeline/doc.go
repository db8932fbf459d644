// Package pipeline wires the stages of the intake in order, as plain
// functions from values to values: an attachment's bytes become page
// images (raster), the pages become identified forms with every field read
// (ocr), and each form gets the district's decision (validate).
//
// A batch-removal form whose pages ("Page N of M") came in several
// messages is read as one part per document: Partial tells a part from a
// whole form, JoinBatch joins the parts into one Reading numbered as if
// its pages had come together, and Agree, Same and Repeats tell a copy
// of pages from another batch or from a corrected page. The job runner (work) keeps the parts waiting in
// the store until their batch is whole.
//
// Nothing here touches the database or the mailbox: the job runner (store)
// and the evaluation (eval) call these same functions, so what is measured
// is what runs.
package pipeline
