-- The rules list the staff at a form's location, and the employees of a
-- name, to settle the names of the people a form names (validate.Roster).
-- A name is compared folded as validate.FoldName folds it (lower case,
-- letters only, accents folded); `intake roster import` fills the folded
-- columns, and rows imported before this migration get an approximation
-- (accents kept) until the next import.
ALTER TABLE employees
    ADD COLUMN first_folded text NOT NULL DEFAULT '',
    ADD COLUMN last_folded  text NOT NULL DEFAULT '';
UPDATE employees SET
    first_folded = regexp_replace(lower(first_name), '[^[:alpha:]]', '', 'g'),
    last_folded  = regexp_replace(lower(last_name), '[^[:alpha:]]', '', 'g');
CREATE INDEX employees_location_code ON employees (location_code);
CREATE INDEX employees_last_folded ON employees (last_folded, first_folded);
CREATE INDEX employees_first_folded ON employees (first_folded);
