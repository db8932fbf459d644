// Package forms is the district's paper forms as data: every form family, its
// revisions (exactly one current, the others retired) and each revision's
// layout, with the box of every field, role mark and signature on the page.
//
// The definitions are JSON files embedded in the binary (defs/FAMILY/*.json,
// one file per revision and a family.json per family). The same definition
// renders the blank printable PDF (Render) and drives extraction, so the two
// cannot drift apart. Adding or retiring a revision is a data change.
//
// The package also holds the values read from a form (Reading, Value), which
// travel with their confidence and their box through every later stage. It
// does no I/O beyond reading its embedded files, so every other package may
// depend on it.
package forms
