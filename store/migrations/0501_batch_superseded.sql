-- A batch waiting for pages is superseded when a later message brings the
-- whole batch again, its pages read alike: its parts are then joined to
-- that complete form (form_id) and never decided, so that the rows of a
-- batch sent twice cannot be requested twice.
ALTER TABLE batches DROP CONSTRAINT batches_status_check;
ALTER TABLE batches ADD CONSTRAINT batches_status_check
    CHECK (status IN ('waiting', 'joined', 'expired', 'superseded'));
