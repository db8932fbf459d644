-- Delivery of the outbox over SMTP: each row is sent once with a stable
-- Message-ID, retried with backoff after a transient failure, and parked
-- with its reason after a permanent one (the server refused it, or the
-- message cannot be sent as written).
ALTER TABLE outbox
    ADD COLUMN in_reply_to     text        NOT NULL DEFAULT '',
    ADD COLUMN message_id      text        NOT NULL DEFAULT '',
    ADD COLUMN attempts        int         NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_error      text        NOT NULL DEFAULT '',
    ADD COLUMN parked_at       timestamptz,
    ADD COLUMN park_reason     text        NOT NULL DEFAULT '',
    ADD CONSTRAINT outbox_sent_or_parked CHECK (sent_at IS NULL OR parked_at IS NULL);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND parked_at IS NULL;
