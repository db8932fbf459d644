-- Quality: the thresholds in force, double keying of high-risk fields, QA
-- sampling of auto-accepted forms, and the outcome of every person's
-- decision on a field (package quality).

-- threshold_sets are the versions of the per-kind auto-accept thresholds;
-- exactly one is current. `intake calibrate --apply` adds one and makes it
-- current; a worker uses the current set when it starts.
CREATE TABLE threshold_sets (
    version     serial      PRIMARY KEY,
    thresholds  jsonb       NOT NULL,
    current     boolean     NOT NULL DEFAULT false,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    note        text        NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX threshold_sets_one_current ON threshold_sets (current) WHERE current;

-- Every decision records the threshold set that made it: the engine's
-- round sets it; a reviewer's round inherits the form's earlier round's,
-- since the values it corrects were judged Sure or not under that set.
ALTER TABLE decisions ADD COLUMN threshold_version int REFERENCES threshold_sets (version);

CREATE FUNCTION decisions_threshold_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.threshold_version IS NULL THEN
        SELECT d.threshold_version INTO NEW.threshold_version FROM decisions d
            WHERE d.form_id = NEW.form_id AND d.threshold_version IS NOT NULL ORDER BY d.round DESC LIMIT 1;
    END IF;
    IF NEW.threshold_version IS NULL THEN
        SELECT version INTO NEW.threshold_version FROM threshold_sets WHERE current;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER decisions_threshold_version BEFORE INSERT ON decisions
    FOR EACH ROW EXECUTE FUNCTION decisions_threshold_version();

-- Supervisors settle what two keyers disagree on.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('reviewer', 'supervisor', 'provisioner', 'admin'));

-- keying_tasks are blind keying of a form's fields by one person: the two
-- keys of a double keying (purpose double, slots 1 and 2), the supervisor's
-- key of the fields they disagree on (purpose supervisor, slot 3), and a
-- QA sample of a form accepted with no person (purpose qa, slot 1).
-- engine holds the machine's values and confidences by field; it never
-- reaches a keyer's page.
CREATE TABLE keying_tasks (
    id          bigserial   PRIMARY KEY,
    form_id     bigint      NOT NULL REFERENCES forms (id),
    purpose     text        NOT NULL CHECK (purpose IN ('double', 'supervisor', 'qa')),
    slot        int         NOT NULL CHECK (slot BETWEEN 1 AND 3),
    round       int         NOT NULL DEFAULT 1,
    fields      text[]      NOT NULL,
    kinds       text[]      NOT NULL,
    engine      jsonb       NOT NULL DEFAULT '{}',
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'void')),
    keyed_by    text        NOT NULL DEFAULT '',
    keyed_at    timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    threshold_version int REFERENCES threshold_sets (version),
    weight      double precision NOT NULL DEFAULT 1 CHECK (weight > 0),
    UNIQUE (form_id, purpose, round, slot)
);
CREATE INDEX keying_tasks_open ON keying_tasks (status, created_at) WHERE status = 'open';

-- keyed_fields are the fields of a form under double keying, pending until
-- two keyers agree or a supervisor settles them. While one is pending the
-- form cannot be approved, and its review page hides what was read.
CREATE TABLE keyed_fields (
    form_id     bigint      NOT NULL REFERENCES forms (id),
    round       int         NOT NULL,
    field       text        NOT NULL,
    status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'settled')),
    value       text        NOT NULL DEFAULT '',
    settled_by  text        NOT NULL DEFAULT '',
    settled_at  timestamptz,
    PRIMARY KEY (form_id, round, field)
);

-- keyed_values are what a keyer typed, by field.
CREATE TABLE keyed_values (
    task_id  bigint NOT NULL REFERENCES keying_tasks (id),
    field    text   NOT NULL,
    value    text   NOT NULL,
    PRIMARY KEY (task_id, field)
);

-- field_outcomes are every person's decision on a field, with what the
-- engine had read: a reviewer's confirmation or correction, a double
-- keying settled, a QA key. auto is set when the engine had accepted the
-- value unchecked (Sure); weight is how many values the outcome stands for
-- (a QA sample stands for 1/rate of the auto-accepted ones).
CREATE TABLE field_outcomes (
    id            bigserial   PRIMARY KEY,
    form_id       bigint      NOT NULL REFERENCES forms (id),
    field         text        NOT NULL,
    kind          text        NOT NULL,
    engine_value  text        NOT NULL,
    confidence    double precision NOT NULL,
    final_value   text        NOT NULL,
    agree         boolean     NOT NULL,
    auto          boolean     NOT NULL DEFAULT false,
    source        text        NOT NULL CHECK (source IN ('review', 'double', 'supervisor', 'qa')),
    weight        double precision NOT NULL DEFAULT 1 CHECK (weight > 0),
    decided_by    text        NOT NULL,
    decided_at    timestamptz NOT NULL DEFAULT now(),
    threshold_version int REFERENCES threshold_sets (version)
);
CREATE INDEX field_outcomes_qa ON field_outcomes (source, decided_at);
