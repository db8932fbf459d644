// Package sandbox reads attachments in child processes, so that a hostile
// or broken document costs that one attachment and never the worker.
//
// Rasterising (pdfcpu, MuPDF, the TIFF and JPEG decoders) and reading
// (Tesseract, Leptonica) run third-party C and Go code on bytes that came
// from anyone with a fax number. A [Pool] keeps a few long-lived children
// of the same binary (`intake read-attachment`, whose body is [Main]); each
// loads the form registry and its own Tesseract client once, then serves
// one attachment at a time: the attachment's bytes on its standard input,
// the [pipeline.Document] as JSON on its standard output (both framed by a
// length, see protocol.go). Each child runs under:
//
//   - RLIMIT_DATA, its private writable memory ([Limits].Memory: the Go
//     heap, malloc's arenas, decoded images), set by the child on itself
//     before it reads anything, and a Go heap limit below it. (RLIMIT_AS
//     would also count the 1.5 GiB of address space a Go program with
//     Tesseract reserves and never touches; cgroups need privileges.)
//   - RLIMIT_CPU, raised before each attachment to the CPU time used so
//     far plus [Limits].CPUTime: SIGXCPU makes the child exit with a code
//     the pool recognises, and the hard limit (the budget of every use the
//     child may serve) kills it if it cannot;
//   - a wall-clock timer in the pool ([Limits].WallTime) that kills it;
//   - a bound on the answer it may send back ([Limits].OutputBytes).
//
// A child that crashes, hangs, runs out of memory or time, or answers too
// much is killed and replaced, and the call returns an error wrapping one
// of [ErrTimeout], [ErrCPUTime], [ErrMemory], [ErrCrashed] or
// [ErrOutputTooLarge] whose message is the reason a person reads ("reading
// the attachment took longer than 60 s"). These errors do not wrap the
// raster sentinels: the job runner retries the attachment (a crash may
// have been the machine's fault) and, after its last try, parks it as
// failed with that reason, where an operator sees it and can retry it.
// A document the child could read but rejected (encrypted, corrupt, too
// large, ...) comes back as an error wrapping the same raster sentinel,
// with the same message, as pipeline.ReadAttachment in process gives.
//
// Children are restarted after [Config].MaxUses attachments, which bounds
// what a slow leak in a C library can grow to. The child's standard error
// (MuPDF's warnings, a Go panic's trace) goes to [Config].Stderr; only its
// classification (signal, exit code, out-of-memory markers) reaches the
// error, never its text, which could quote a document.
//
// [Limits] gathers every bound on what one message and its attachments may
// cost, with safe defaults, and maps onto mail.Limits and raster.Limits.
package sandbox
