// Package quality measures how often the engine is right on the forms that
// actually arrive, and puts people where an error costs most.
//
// It holds the plain arithmetic and rules the rest of the intake applies
// (store keeps the outcomes, work and review apply the rules):
//
//   - Double keying (HighRisk): the fields where a wrong value removes or
//     grants the wrong person's access (by default the employee number of
//     any form that requests a removal, and every batch row's employee
//     number) are keyed blind by two different reviewers when the form is
//     sent to review on them; agreement settles the value, disagreement
//     goes to a supervisor.
//   - QA sampling (Sampled): a share of the forms accepted with no person
//     is picked after the fact, by a keyed hash of the form's ID so that the
//     choice is the same on every worker and the rate holds statistically,
//     and its auto-accepted values are keyed blind. The error rate of
//     auto-accepted values per field kind is reported with a Wilson score
//     interval (Wilson).
//   - Calibration (Calibrate): every reviewer decision on a field is an
//     outcome (field kind, engine value, confidence, final value); from
//     these, with an optional corpus evaluation, Calibrate proposes per-kind
//     auto-accept thresholds and says what each does to the straight-through
//     share and to the error rate among accepted values. Thresholds in force
//     are versioned in the database; Apply re-derives which engine values
//     are Sure under the set in force when a form is decided.
package quality
