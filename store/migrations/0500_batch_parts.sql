-- A batch-removal form's pages ("Page N of M") may come in two messages.
-- Each message's share is read as a form of its own (a part). A part that
-- holds only some of its batch's pages waits (forms.status 'waiting') in a
-- batch until later messages bring the rest; the parts are then joined
-- into one form, decided once, and each part is 'joined'. A batch whose
-- wait ends first is joined as it is and goes to review.
ALTER TABLE forms DROP CONSTRAINT forms_status_check;
ALTER TABLE forms ADD CONSTRAINT forms_status_check
    CHECK (status IN ('read', 'decided', 'failed', 'waiting', 'joined'));

-- batches are the batches that came, or are coming, in parts. The key
-- (family .. admin_name) is what the parts have in common; school_name and
-- admin_name are normalised, '' when not read with confidence. form_id is
-- the joined form, set when the batch stops waiting: 'joined' when every
-- page came, 'expired' when its wait ended first.
CREATE TABLE batches (
    id            bigserial PRIMARY KEY,
    family        text        NOT NULL,
    revision      text        NOT NULL,
    location_code text        NOT NULL,
    page_count    int         NOT NULL CHECK (page_count > 0),
    school_name   text        NOT NULL DEFAULT '',
    admin_name    text        NOT NULL DEFAULT '',
    status        text        NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'joined', 'expired')),
    form_id       bigint REFERENCES forms (id) UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    closed_at     timestamptz,
    CHECK ((status = 'waiting') = (form_id IS NULL))
);
CREATE INDEX batches_waiting ON batches (location_code, page_count) WHERE status = 'waiting';
CREATE INDEX batches_expiry ON batches (expires_at) WHERE status = 'waiting';

-- batch_pages says where every page of a batch came from: which part
-- (form), attachment and page of it, as the N of "Page N of M". A later
-- copy of a page the batch already holds is a duplicate, kept to show
-- where it went but never read into the joined form.
CREATE TABLE batch_pages (
    batch_id      bigint  NOT NULL REFERENCES batches (id),
    part_form_id  bigint  NOT NULL REFERENCES forms (id),
    batch_page    int     NOT NULL CHECK (batch_page > 0),
    attachment_id bigint  NOT NULL REFERENCES attachments (id),
    page          int     NOT NULL,
    duplicate     boolean NOT NULL DEFAULT false,
    arrived       int     NOT NULL, -- the part's place among the batch's parts, from 1
    PRIMARY KEY (part_form_id, batch_page)
);
CREATE UNIQUE INDEX batch_pages_held ON batch_pages (batch_id, batch_page) WHERE NOT duplicate;
CREATE INDEX batch_pages_batch ON batch_pages (batch_id);
