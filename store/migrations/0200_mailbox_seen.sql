-- mailbox_seen records every message the mailbox poller saw, at its place
-- in the mailbox (mailbox, UIDVALIDITY, UID), with its Message-ID and the
-- SHA-256 of its bytes, whether or not it yields a document. The record,
-- not the UID, decides whether a message was handled: after a UIDVALIDITY
-- change UIDs start again from 1, and a message is matched by its content.
-- message_id is the stored message (NULL for one too large to store);
-- quarantine, code and reason are the verdict that chose the IMAP mailbox
-- it was moved to; duplicate marks a message handled before at another
-- place or under the same Message-ID.
CREATE TABLE mailbox_seen (
    mailbox      text        NOT NULL,
    uidvalidity  bigint      NOT NULL,
    uid          bigint      NOT NULL,
    message_key  text        NOT NULL DEFAULT '',
    sha256       text        NOT NULL,
    size         bigint      NOT NULL DEFAULT 0,
    message_id   bigint REFERENCES messages (id),
    duplicate    boolean     NOT NULL DEFAULT false,
    quarantine   boolean     NOT NULL DEFAULT false,
    code         text        NOT NULL DEFAULT '',
    reason       text        NOT NULL DEFAULT '',
    seen_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX mailbox_seen_content ON mailbox_seen (mailbox, sha256);
CREATE INDEX mailbox_seen_message ON mailbox_seen (message_id);

-- mailbox_state is what the poller remembers of a mailbox between runs.
CREATE TABLE mailbox_state (
    mailbox      text        PRIMARY KEY,
    uidvalidity  bigint      NOT NULL,
    last_uid     bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
