-- The database role `intake work` runs as, with only the privileges the
-- worker needs: it takes messages in, records what each stage found and
-- decided, queues requests and e-mail, appends to the audit log, reads the
-- roster and locations, and works River's job tables. It cannot read the
-- review UI's accounts or sessions, change or delete the audit log, delete
-- a message or anything found in one, change the roster, or change the
-- schema. Migrations (`intake migrate`), roster and location imports and
-- the retention purge (`intake purge`) run as the schema's owner.
--
-- Run it as the owner of the schema, after `intake migrate` (and again
-- after a migration adds a table), then give the role a password:
--
--   psql "$DATABASE_URL" -f deploy/worker_role.sql
--   psql "$DATABASE_URL" -c "ALTER ROLE intake_worker PASSWORD '...'"
--
-- Tested by sandbox/role_test.go, which runs the pipeline as this role.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'intake_worker') THEN
        CREATE ROLE intake_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM intake_worker;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM intake_worker;
REVOKE CREATE ON SCHEMA public FROM intake_worker;
GRANT USAGE ON SCHEMA public TO intake_worker;

-- The pipeline's tables: rows are added and their status moves on; none
-- is ever deleted by the worker.
GRANT SELECT, INSERT, UPDATE ON
    messages, attachments, forms, pages, fields, decisions, requests,
    review_tasks, outbox, mailbox_seen, mailbox_state,
    batches, batch_pages, keying_tasks, keyed_fields
    TO intake_worker;

-- The auto-accept thresholds in force: the worker reads the current set,
-- and records the engine's defaults as the first set of a new database.
-- Only `intake calibrate --apply` (as the owner) makes another current.
GRANT SELECT, INSERT ON threshold_sets TO intake_worker;

-- The audit log is append-only (its trigger refuses UPDATE and DELETE from
-- anyone; the worker is not even granted them).
GRANT SELECT, INSERT ON audit_log TO intake_worker;

-- What the rules consult, imported by an operator.
GRANT SELECT ON employees, locations, schema_migrations TO intake_worker;

-- The job queue: River inserts, locks, completes and cleans up its rows.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'river\_%' LOOP
        IF t = 'river_migration' THEN
            EXECUTE format('GRANT SELECT ON %I TO intake_worker', t);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO intake_worker', t);
        END IF;
    END LOOP;
END
$$;

GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO intake_worker;
