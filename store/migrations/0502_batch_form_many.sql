-- One complete form may supersede several batches (pages 1-2 waiting, then
-- the whole batch, then page 3 once more), so a batch's form_id is no
-- longer unique.
ALTER TABLE batches DROP CONSTRAINT batches_form_id_key;
CREATE INDEX batches_form ON batches (form_id);
