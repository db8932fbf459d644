// Package validate applies the district's rules to a form that has been
// read, and decides what happens to it: accept (and produce the access
// requests to queue), reject (with reasons a school administrator can act
// on), or send it to a reviewer (naming the fields and why).
//
// It sits between reading and queueing: Decide takes a *forms.Reading,
// whose values carry their confidence, and never sees raw OCR. Every rule
// of the specification is a small function with a stable Code, so the
// reasons sent to a school and the items shown to a reviewer can be traced
// to the rule that produced them. Messages never contain employee numbers
// or names.
//
// # Principles
//
//   - A rule never rejects on a value the machine was unsure of. A value
//     that is not Sure (or was not read at all) sends the form to review;
//     once a reviewer has set it (Source reviewer) the same rules judge it.
//   - A revision that is not the one currently posted is rejected at once,
//     whatever else the form says, provided the form was identified with at
//     least Config.MinIdentifyConfidence; below it the form goes to review
//     and no other rule runs, since the fields may have been read against
//     the wrong layout.
//   - When a sure value breaks a rule the form is rejected, even if other
//     values were unsure; those are still listed in Decision.Review.
//
// # Decisions worth knowing
//
//   - An access form yields one Request. With only A marks its action is
//     "add". With any R mark it is a manual removal, which removes ALL
//     access (seed 000): the action is "remove_all", RolesRemove lists the
//     roles marked R and RolesAdd the roles marked A, granted afresh after
//     the removal.
//   - Unknown employees are never granted or removed. Pending and
//     separated employees are refused access, but their access may be
//     removed.
//   - Transfers: access is never carried over. A district-staff or
//     school-personnel form adding roles at a location other than the one
//     HR records goes to review (HR may lag behind a real move); a reviewer
//     confirms by setting the location code. The mirror form is for
//     non-school staff asking for school access, so its location is not
//     compared. A removal at the old location is accepted.
//   - A name that differs from the roster beyond OCR noise goes to review;
//     a reviewer confirms it by setting it. Requests carry the roster's
//     spelling.
//   - An unknown location code goes to review, even when a reviewer set it:
//     without a known location there is no queue.
//   - A batch removal form is decided row by row. Its header (signature,
//     location, required fields) decides for the whole batch: a missing
//     administrator's signature rejects every row, and nothing is queued
//     while the header waits for review. Otherwise each valid row yields a
//     "remove_all" request whatever becomes of the other rows; an employee
//     listed twice yields one request, from the first row. A row giving the
//     reason Transferred is not required to match the batch's location in
//     HR, which by then records the new school.
//   - Mirror access ends on the last day of the academic year the request
//     date falls in (30 June by default): a request on 06/30/2026 ends that
//     day, one on 07/01/2026 ends 06/30/2027.
//
// # Data
//
// The HR roster and the location list are reached through small
// interfaces (Roster, Locations); MemRoster and MemLocations implement them
// from CSV files and are safe for concurrent use once read. Accepted
// requests are routed to exactly one provisioning queue from their
// location's owner: "central-office" or one of the six Local Districts
// ("ld-central", "ld-east", "ld-northeast", "ld-northwest", "ld-south",
// "ld-west").
package validate
