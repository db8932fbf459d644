-- The intake's own tables. River's tables are created by River's migrator
-- in the same run of `intake migrate`.

-- messages holds every message as it arrived, before anything else is done
-- with it. message_key is the Message-ID, or "sha256:HEX" of the bytes when
-- the message has none; the first copy of a key owns it and later copies
-- are recorded as duplicates of it.
CREATE TABLE messages (
    id            bigserial PRIMARY KEY,
    message_key   text        NOT NULL,
    sha256        text        NOT NULL,
    raw           bytea       NOT NULL,
    origin        text        NOT NULL DEFAULT '',
    from_addr     text        NOT NULL DEFAULT '',
    subject       text        NOT NULL DEFAULT '',
    received_at   timestamptz NOT NULL DEFAULT now(),
    status        text        NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'processed', 'quarantined', 'failed', 'duplicate')),
    reason        text        NOT NULL DEFAULT '',
    duplicate_of  bigint REFERENCES messages (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL))
);
CREATE UNIQUE INDEX messages_key_first ON messages (message_key) WHERE duplicate_of IS NULL;
CREATE INDEX messages_status ON messages (status);

-- attachments are the parts of a message. A document (type pdf, tiff, jpeg,
-- png) whose bytes were already received in another message is recorded as
-- a duplicate of the first and read no further.
CREATE TABLE attachments (
    id            bigserial PRIMARY KEY,
    message_id    bigint      NOT NULL REFERENCES messages (id),
    ordinal       int         NOT NULL,
    filename      text        NOT NULL DEFAULT '',
    declared_type text        NOT NULL DEFAULT '',
    doc_type      text        NOT NULL DEFAULT '',
    sha256        text        NOT NULL,
    data          bytea       NOT NULL,
    status        text        NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'processed', 'quarantined', 'failed', 'duplicate', 'ignored')),
    reason        text        NOT NULL DEFAULT '',
    duplicate_of  bigint REFERENCES attachments (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (message_id, ordinal),
    CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL))
);
CREATE UNIQUE INDEX attachments_hash_first ON attachments (sha256)
    WHERE duplicate_of IS NULL AND doc_type <> '';
CREATE INDEX attachments_status ON attachments (status);

-- forms are the forms found in an attachment, in page order.
CREATE TABLE forms (
    id            bigserial PRIMARY KEY,
    attachment_id bigint      NOT NULL REFERENCES attachments (id),
    ordinal       int         NOT NULL,
    family        text        NOT NULL DEFAULT '',
    revision      text        NOT NULL DEFAULT '',
    known         boolean     NOT NULL DEFAULT false,
    confidence    double precision NOT NULL DEFAULT 0,
    pages         int[]       NOT NULL DEFAULT '{}',
    status        text        NOT NULL DEFAULT 'read'
        CHECK (status IN ('read', 'decided', 'failed')),
    reason        text        NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (attachment_id, ordinal)
);
CREATE INDEX forms_status ON forms (status);

-- pages are the pages of an attachment as identified.
CREATE TABLE pages (
    attachment_id bigint  NOT NULL REFERENCES attachments (id),
    page          int     NOT NULL,
    form_id       bigint REFERENCES forms (id),
    family        text    NOT NULL DEFAULT '',
    revision      text    NOT NULL DEFAULT '',
    known         boolean NOT NULL DEFAULT false,
    form_page     int     NOT NULL DEFAULT 0,
    page_count    int     NOT NULL DEFAULT 0,
    confidence    double precision NOT NULL DEFAULT 0,
    not_a_form    boolean NOT NULL DEFAULT false,
    rotation      int     NOT NULL DEFAULT 0,
    image_source  text    NOT NULL DEFAULT '',
    problem       text    NOT NULL DEFAULT '',
    PRIMARY KEY (attachment_id, page)
);

-- fields are the values of a form, with their evidence.
CREATE TABLE fields (
    form_id     bigint  NOT NULL REFERENCES forms (id),
    name        text    NOT NULL,
    value       text    NOT NULL DEFAULT '',
    confidence  double precision NOT NULL DEFAULT 0,
    page        int     NOT NULL DEFAULT 0,
    box_x       double precision NOT NULL DEFAULT 0,
    box_y       double precision NOT NULL DEFAULT 0,
    box_w       double precision NOT NULL DEFAULT 0,
    box_h       double precision NOT NULL DEFAULT 0,
    sure        boolean NOT NULL DEFAULT false,
    source      text    NOT NULL DEFAULT 'engine' CHECK (source IN ('engine', 'reviewer')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (form_id, name)
);

-- decisions are what the rules decided about a form; round 1 is the
-- engine's, later rounds follow a reviewer's corrections.
CREATE TABLE decisions (
    id          bigserial PRIMARY KEY,
    form_id     bigint      NOT NULL REFERENCES forms (id),
    round       int         NOT NULL DEFAULT 1,
    outcome     text        NOT NULL CHECK (outcome IN ('accept', 'reject', 'review')),
    reasons     jsonb       NOT NULL DEFAULT '[]',
    review      jsonb       NOT NULL DEFAULT '[]',
    rows        jsonb       NOT NULL DEFAULT '[]',
    decided_by  text        NOT NULL DEFAULT 'engine',
    decided_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (form_id, round)
);

-- requests are the accepted access requests, each on exactly one
-- provisioning queue. A form yields at most one request per row (row 0 for
-- an access form).
CREATE TABLE requests (
    id              bigserial PRIMARY KEY,
    form_id         bigint      NOT NULL REFERENCES forms (id),
    decision_id     bigint      NOT NULL REFERENCES decisions (id),
    form_row        int         NOT NULL DEFAULT 0,
    action          text        NOT NULL CHECK (action IN ('add', 'remove_all')),
    family          text        NOT NULL,
    employee_number text        NOT NULL,
    first_name      text        NOT NULL DEFAULT '',
    last_name       text        NOT NULL DEFAULT '',
    email           text        NOT NULL DEFAULT '',
    admin_email     text        NOT NULL DEFAULT '',
    notify_email    text        NOT NULL DEFAULT '',
    roles_add       text[]      NOT NULL DEFAULT '{}',
    roles_remove    text[]      NOT NULL DEFAULT '{}',
    queue           text        NOT NULL CHECK (queue <> ''),
    location_code   text        NOT NULL DEFAULT '',
    end_date        date,
    removal_reason  text        NOT NULL DEFAULT '',
    effective_date  date,
    status          text        NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'claimed', 'granted', 'denied')),
    claimed_by      text        NOT NULL DEFAULT '',
    claimed_at      timestamptz,
    done_by         text        NOT NULL DEFAULT '',
    done_at         timestamptz,
    note            text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (form_id, form_row)
);
CREATE INDEX requests_queue_status ON requests (queue, status);

-- review_tasks are forms waiting for an ITD reviewer.
CREATE TABLE review_tasks (
    id          bigserial PRIMARY KEY,
    form_id     bigint      NOT NULL REFERENCES forms (id),
    decision_id bigint      NOT NULL REFERENCES decisions (id) UNIQUE,
    items       jsonb       NOT NULL DEFAULT '[]',
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz
);
CREATE INDEX review_tasks_open ON review_tasks (status, created_at);

-- outbox holds the e-mail to send; a sender marks sent_at.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('rejection', 'confirmation')),
    to_addr     text        NOT NULL,
    subject     text        NOT NULL,
    body        text        NOT NULL,
    form_id     bigint REFERENCES forms (id),
    request_id  bigint REFERENCES requests (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;

-- audit_log is append-only: a trigger refuses every UPDATE, DELETE and
-- TRUNCATE, whoever asks.
CREATE TABLE audit_log (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text        NOT NULL,
    action   text        NOT NULL,
    subject  text        NOT NULL,
    detail   jsonb       NOT NULL DEFAULT '{}'
);

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();

-- employees is the HR roster, replaced whole by `intake roster import`.
CREATE TABLE employees (
    employee_number text PRIMARY KEY,
    last_name       text NOT NULL,
    first_name      text NOT NULL,
    hr_status       text NOT NULL CHECK (hr_status IN ('processed', 'pending', 'separated')),
    location_code   text NOT NULL,
    job_title       text NOT NULL
);

-- locations are the schools and offices, replaced whole by
-- `intake locations import`.
CREATE TABLE locations (
    location_code text PRIMARY KEY,
    name          text NOT NULL,
    owner         text NOT NULL
);
