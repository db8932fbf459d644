// Package eval measures the extraction engine and the district's rules
// against a generated corpus's ground truth (corpus.Truth): how often each
// kind of field is read right, how many values are accepted without a
// person and how many of those are wrong, whether every page is identified,
// and whether every form gets the decision the rules must reach. It also
// benchmarks the engine against full-page Tesseract on the same pages.
//
// It runs the same stage functions the service runs (package pipeline), so
// the figures describe the product, not a test double.
package eval
