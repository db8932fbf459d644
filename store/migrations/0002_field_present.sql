-- present is the engine's confidence that anything is written in a field,
-- apart from reading it (forms.Value.Present): the rules settle fields whose
-- text nothing depends on by it, so a form reloaded for review must keep it.
ALTER TABLE fields ADD COLUMN present double precision NOT NULL DEFAULT 0;
