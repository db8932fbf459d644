// Package review is the intake's web UI: the pages where ITD reviewers
// correct what the machine was unsure of and approve or reject forms,
// where provisioning staff work their queues, and where everyone sees the
// state of the intake.
//
// It is served by the intake binary itself (`intake serve`) with net/http
// and html/template; its templates, style sheet and one small script are
// embedded. It reads and writes through package store and judges a
// reviewer's corrected values with the same rules as the engine
// (validate.Decide), so a person's correction never bypasses a rule.
//
// # Security
//
// People sign in with accounts kept in the database (`intake users add`,
// bcrypt). A session is a random token in an HttpOnly, SameSite=Strict
// cookie; the server keeps only its hash, with an idle and an absolute
// expiry. Five wrong passwords for a name within 15 minutes refuse that
// name for the rest of the window. Every POST carries the session's CSRF token. Every route names
// the roles that may use it (see routes); anyone else gets 403, and a
// browser without a session is sent to the sign-in page. Search terms
// travel in POST bodies, never in URLs, and the request log holds paths
// and user names only, so employee numbers and names never reach a log.
//
// # Pages
//
//	/                  dashboard: messages today, review backlog, queue depths, problems (everyone)
//	/review            forms waiting for a reviewer, oldest first (reviewer, admin)
//	/review/{form}     one form: page images with every box, fields to check, approve or reject
//	/queues/{queue}    a provisioning queue: claim, complete as granted or denied (provisioner, admin)
//	/audit             the audit log, by form, person and date (reviewer, admin)
//	/search            every form and request of a person (reviewer, admin)
//	/outbox            the e-mails queued to schools (reviewer, admin)
//	/keying            blind keying: high-risk fields keyed by two reviewers, what they
//	                   disagree on settled by a supervisor, QA samples of auto-accepted forms
//	                   (reviewer, supervisor, admin; see package quality and keying.go)
//
// Opening a form claims it for Config.ClaimTTL, renewed while the reviewer
// works; a second reviewer sees who holds it and cannot change it.
//
// # Page images
//
// The page images are rendered from the stored attachment by package
// raster (at Config.RasterLimits.RenderDPI for vector pages), turned
// upright as the engine read them, and kept for the last few attachments.
// A batch-removal form joined from parts that came in several messages
// numbers its pages as the batch does; each is shown, and cropped, from
// the document page it came from (store.Store.PageOrigins).
// Each page is registered to its blank template (register.go), so that the
// field boxes drawn over it (SVG, in template points under an affine
// transform) and the crops beside each field land on the writing of a
// skewed, shifted fax.
package review
