// Package notice writes the e-mails the intake sends and decides who gets
// them: the rejection notice when the rules or a reviewer turn a form down,
// and the confirmation when provisioning finishes a request. The words come
// from the editable templates of package mail ([mail.Templates]); this
// package only fills them in and addresses them.
//
// Addressing a rejection ([Notices.Recipient]): the sender of the message
// is told when the sender is a person. A fax gateway's address (the
// configurable [Config.Gateways], e.g. faxgateway@lausd.net or
// *@inbound.efax.com) or a no-reply address says nothing about who
// submitted the form; the notice then goes to the administrator's (or the
// user's) e-mail written on the form when it was read with confidence
// (forms.Value.Sure, or set by a reviewer), and otherwise to the help desk
// ([Config.HelpDesk]), who can find the school from the form.
//
// The package holds no database code: the store and the workers call it
// and put what it returns in the outbox.
package notice
