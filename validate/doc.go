// Package validate applies the district's rules to a form that has been
// read, and decides what happens to it: accept (and produce the access
// requests to queue), reject (with reasons a school administrator can act
// on), or send it to a reviewer (naming the fields and why).
//
// It sits between reading and queueing: it takes a *forms.Reading, whose
// values carry their confidence, and never sees raw OCR. Every rule of the
// specification is a small named function with a stable Code, so the
// reasons sent to a school and the items shown to a reviewer can be traced
// to the rule that produced them.
//
// Two principles shape every decision:
//
//   - A rule never rejects on a value the machine was unsure of. A value
//     that is not Sure sends the form to review; once a reviewer has set it
//     (Source reviewer) the same rules judge it.
//   - A revision that is not the one currently posted is rejected at once,
//     whatever else the form says, provided the form was identified with
//     enough confidence.
//
// The HR roster and the location list are reached through small interfaces
// (Roster, Locations); MemRoster and MemLocations implement them from CSV
// files. Accepted requests are routed to exactly one provisioning queue
// from their location's owner: the Central Office or one of the six Local
// Districts.
package validate
