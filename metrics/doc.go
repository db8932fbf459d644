// Package metrics holds every Prometheus metric of the intake, in one
// registry, and the operations endpoints served beside the review UI and
// by `intake work`: /healthz (the process answers), /readyz (the database
// is reachable and its schema migrated) and /metrics.
//
// The stages count through the package's variables (MessagesFetched,
// PagesRead, Decisions, FieldConfidence, StageSeconds, JobFailures); the
// review queue's depth and age are read from the database at each scrape
// (SetReviewQueue). No metric carries a value read from a form.
package metrics
