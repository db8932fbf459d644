package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/quality"
)

// Keying purposes.
const (
	KeyingDouble     = "double"     // one of two blind keys of high-risk fields
	KeyingSupervisor = "supervisor" // a supervisor settles what two keyers disagreed on
	KeyingQA         = "qa"         // a blind key of a sampled auto-accepted form
)

// Errors of SubmitKeying.
var (
	// ErrKeyingClosed is returned when the keying task was done or voided
	// meanwhile.
	ErrKeyingClosed = errors.New("store: this keying task is closed")
	// ErrSameKeyer is returned when the person already keyed the same
	// fields of the form (the first keyer cannot be the second, and
	// neither keyer can settle their disagreement).
	ErrSameKeyer = errors.New("store: you keyed these fields already; another person must key them")
	// ErrKeyingIncomplete is returned when a value is missing.
	ErrKeyingIncomplete = errors.New("store: every field must be keyed")
)

// engineRead is what the engine read of a keyed field, kept in the task.
type engineRead struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
	Sure       bool    `json:"sure"`
}

// SaveQuality records, with the engine's decision (in its transaction),
// the threshold set that made it, which values are Sure under it, and
// what the plan asks of people: two
// blind keying tasks of the high-risk fields the form is sent to review
// on, and a QA keying task of a sampled form accepted with no person.
func SaveQuality(ctx context.Context, tx pgx.Tx, formID, decisionID int64, p quality.Plan) error {
	if p.Version > 0 {
		if _, err := tx.Exec(ctx, `UPDATE decisions SET threshold_version = $2 WHERE id = $1`, decisionID, p.Version); err != nil {
			return fmt.Errorf("store: record threshold version: %w", err)
		}
	}
	if len(p.Sure) > 0 {
		names := make([]string, 0, len(p.Sure))
		sure := make([]bool, 0, len(p.Sure))
		for n, v := range p.Sure {
			names, sure = append(names, n), append(sure, v)
		}
		if _, err := tx.Exec(ctx, `UPDATE fields f SET sure = u.sure FROM unnest($2::text[], $3::boolean[]) AS u(name, sure)
			WHERE f.form_id = $1 AND f.name = u.name AND f.source = 'engine' AND f.sure <> u.sure`, formID, names, sure); err != nil {
			return fmt.Errorf("store: record sure values of form %d: %w", formID, err)
		}
	}
	if len(p.Double) > 0 {
		var round int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(max(round), 0) + 1 FROM keyed_fields WHERE form_id = $1`, formID).Scan(&round); err != nil {
			return fmt.Errorf("store: double keying of form %d: %w", formID, err)
		}
		for _, k := range p.Double {
			if _, err := tx.Exec(ctx, `INSERT INTO keyed_fields (form_id, round, field) VALUES ($1, $2, $3)`, formID, round, k.Field); err != nil {
				return fmt.Errorf("store: double keying of form %d: %w", formID, err)
			}
		}
		for slot := 1; slot <= 2; slot++ {
			if _, err := insertKeyingTask(ctx, tx, formID, KeyingDouble, slot, round, p.Double, p.Version, 1); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, ActorEngine, "keying.double", subject("form", formID), map[string]any{
			"fields": keyNames(p.Double), "round": round,
		}); err != nil {
			return err
		}
	}
	if len(p.QA) > 0 {
		if _, err := insertKeyingTask(ctx, tx, formID, KeyingQA, 1, 1, p.QA, p.Version, p.Weight); err != nil {
			return err
		}
		if err := audit(ctx, tx, ActorEngine, "keying.qa_sampled", subject("form", formID), map[string]any{
			"fields": len(p.QA),
		}); err != nil {
			return err
		}
	}
	return nil
}

func keyNames(ks []quality.Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Field
	}
	return out
}

func insertKeyingTask(ctx context.Context, tx pgx.Tx, formID int64, purpose string, slot, round int, ks []quality.Key, version int, weight float64) (int64, error) {
	names := make([]string, len(ks))
	kinds := make([]string, len(ks))
	engine := map[string]engineRead{}
	for i, k := range ks {
		names[i], kinds[i] = k.Field, string(k.Kind)
		engine[k.Field] = engineRead{Value: k.Engine, Confidence: k.Confidence, Sure: k.Sure}
	}
	b, err := json.Marshal(engine)
	if err != nil {
		return 0, fmt.Errorf("store: keying task: %w", err)
	}
	var ver *int
	if version > 0 {
		ver = &version
	}
	if weight <= 0 {
		weight = 1
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO keying_tasks (form_id, purpose, slot, round, fields, kinds, engine, threshold_version, weight)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		formID, purpose, slot, round, names, kinds, b, ver, weight).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: keying task of form %d: %w", formID, err)
	}
	return id, nil
}

// KeyingField is one field of a keying task, as the keyer sees it: its
// name and kind, never what was read.
type KeyingField struct {
	Name string
	Kind forms.Kind
}

// KeyingTask is one person's blind keying of some fields of a form.
type KeyingTask struct {
	ID        int64
	FormID    int64
	Purpose   string
	Slot      int
	Round     int
	Fields    []KeyingField
	Status    string
	KeyedBy   string
	KeyedAt   *time.Time
	CreatedAt time.Time
	Family    string
	Revision  string
	// Keyers are who keyed the other slots of the same fields ("" for a
	// slot not keyed yet), by slot.
	Keyers map[int]string
}

// MayKey reports whether user may key the task: it is open and they keyed
// none of its fields' other slots.
func (t KeyingTask) MayKey(user string) bool {
	if t.Status != "open" {
		return false
	}
	for slot, by := range t.Keyers {
		if slot != t.Slot && by == user {
			return false
		}
	}
	return true
}

const keyingSelect = `SELECT t.id, t.form_id, t.purpose, t.slot, t.round, t.fields, t.kinds, t.status, t.keyed_by, t.keyed_at,
		t.created_at, f.family, f.revision,
		COALESCE((SELECT jsonb_object_agg(o.slot::text, o.keyed_by) FROM keying_tasks o
			WHERE o.form_id = t.form_id AND o.round = t.round AND o.purpose IN ('double', 'supervisor')
			AND t.purpose IN ('double', 'supervisor') AND o.id <> t.id), '{}')
	FROM keying_tasks t JOIN forms f ON f.id = t.form_id`

func scanKeyingTask(row pgx.Row) (KeyingTask, error) {
	var t KeyingTask
	var names, kinds []string
	var keyers map[string]string
	if err := row.Scan(&t.ID, &t.FormID, &t.Purpose, &t.Slot, &t.Round, &names, &kinds, &t.Status, &t.KeyedBy, &t.KeyedAt,
		&t.CreatedAt, &t.Family, &t.Revision, &keyers); err != nil {
		return t, err
	}
	for i, n := range names {
		t.Fields = append(t.Fields, KeyingField{Name: n, Kind: forms.Kind(kinds[i])})
	}
	t.Keyers = map[int]string{}
	for k, v := range keyers {
		var slot int
		fmt.Sscan(k, &slot) //nolint:errcheck // the keys are slots written by the query
		t.Keyers[slot] = v
	}
	return t, nil
}

// KeyingTask returns one keying task; ErrNotFound when there is none.
func (s *Store) KeyingTask(ctx context.Context, id int64) (KeyingTask, error) {
	t, err := scanKeyingTask(s.pool.QueryRow(ctx, keyingSelect+` WHERE t.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("store: keying task %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: keying task %d: %w", id, err)
	}
	return t, nil
}

// KeyingQueue lists the open keying tasks, oldest first.
func (s *Store) KeyingQueue(ctx context.Context) ([]KeyingTask, error) {
	rows, err := s.pool.Query(ctx, keyingSelect+` WHERE t.status = 'open' ORDER BY t.created_at, t.id`)
	if err != nil {
		return nil, fmt.Errorf("store: keying queue: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KeyingTask, error) { return scanKeyingTask(r) })
	if err != nil {
		return nil, fmt.Errorf("store: keying queue: %w", err)
	}
	return out, nil
}

// OpenKeying lists a form's open keying tasks of a purpose, by slot.
func (s *Store) OpenKeying(ctx context.Context, formID int64, purpose string) ([]KeyingTask, error) {
	rows, err := s.pool.Query(ctx, keyingSelect+` WHERE t.form_id = $1 AND t.purpose = $2 AND t.status = 'open'
		ORDER BY t.round, t.slot`, formID, purpose)
	if err != nil {
		return nil, fmt.Errorf("store: keying of form %d: %w", formID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KeyingTask, error) { return scanKeyingTask(r) })
	if err != nil {
		return nil, fmt.Errorf("store: keying of form %d: %w", formID, err)
	}
	return out, nil
}

// DisputedValues returns, for a supervisor task, what the two keyers
// typed for each of its fields, by field: slot 1's value then slot 2's.
func (s *Store) DisputedValues(ctx context.Context, taskID int64) (map[string][2]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT o.slot, v.field, v.value FROM keying_tasks t
		JOIN keying_tasks o ON o.form_id = t.form_id AND o.round = t.round AND o.purpose = 'double'
		JOIN keyed_values v ON v.task_id = o.id
		WHERE t.id = $1 AND t.purpose = 'supervisor' AND v.field = ANY (t.fields)`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: disputed values of task %d: %w", taskID, err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var slot int
		var field, value string
		if err := rows.Scan(&slot, &field, &value); err != nil {
			return nil, fmt.Errorf("store: disputed values of task %d: %w", taskID, err)
		}
		pair := out[field]
		pair[(slot-1)%2] = value
		out[field] = pair
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: disputed values of task %d: %w", taskID, err)
	}
	return out, nil
}

// KeyedField is a field of a form under double keying.
type KeyedField struct {
	Field   string
	Pending bool
	// Value is the settled value (empty while pending).
	Value string
}

// KeyedFields returns the fields of the form's latest double keying, by
// name; empty when the form has none.
func (s *Store) KeyedFields(ctx context.Context, formID int64) (map[string]KeyedField, error) {
	rows, err := s.pool.Query(ctx, `SELECT field, status, value FROM keyed_fields
		WHERE form_id = $1 AND round = (SELECT max(round) FROM keyed_fields WHERE form_id = $1)`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: keyed fields of form %d: %w", formID, err)
	}
	defer rows.Close()
	out := map[string]KeyedField{}
	for rows.Next() {
		var k KeyedField
		var status string
		if err := rows.Scan(&k.Field, &status, &k.Value); err != nil {
			return nil, fmt.Errorf("store: keyed fields of form %d: %w", formID, err)
		}
		k.Pending = status == "pending"
		out[k.Field] = k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: keyed fields of form %d: %w", formID, err)
	}
	return out, nil
}

// BlindFields returns the fields of a form that someone is still to key
// blind: pending double keying and open QA keying. A page showing the form
// must not show what was read in them.
func (s *Store) BlindFields(ctx context.Context, formID int64) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT field FROM keyed_fields WHERE form_id = $1 AND status = 'pending'
		UNION SELECT unnest(fields) FROM keying_tasks WHERE form_id = $1 AND status = 'open'`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: blind fields of form %d: %w", formID, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: blind fields of form %d: %w", formID, err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// Keying is a person's keys of a keying task.
type Keying struct {
	TaskID int64
	By     string
	Now    time.Time
	// Values are the keyed values by field; every field of the task must
	// have one (possibly blank: the box is empty).
	Values map[string]string
}

// KeyingResult says what a key settled.
type KeyingResult struct {
	// Agreed are the fields whose value is now settled, Disputed those
	// sent to a supervisor (SupervisorTask); Errors counts, for a QA key,
	// the values the engine had wrong.
	Agreed         []string
	Disputed       []string
	SupervisorTask int64
	Errors         int
	// Outcomes are the field outcomes recorded.
	Outcomes []FieldOutcome
}

// SubmitKeying records a person's blind keys in one transaction. For the
// second key of a double keying it compares the two: agreed values are set
// on the form (source reviewer, judged by the rules when the form is
// approved like any reviewed value), disagreements go to a supervisor
// task. A supervisor's key settles the values. A QA key is compared with
// what the engine accepted. Every settled value and QA key is a field
// outcome. The person may not key fields of the form they keyed before
// (ErrSameKeyer).
func (s *Store) SubmitKeying(ctx context.Context, k Keying) (KeyingResult, error) {
	var res KeyingResult
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		res = KeyingResult{}
		var t struct {
			formID      int64
			purpose     string
			slot, round int
			names       []string
			kinds       []string
			engine      []byte
			status      string
			version     *int
			weight      float64
		}
		// Lock every task keying the same fields, in one order, so that two
		// keys of one form at once are taken one after the other.
		if _, err := tx.Exec(ctx, `SELECT o.id FROM keying_tasks t JOIN keying_tasks o ON o.form_id = t.form_id AND o.round = t.round
			AND (o.id = t.id OR (o.purpose IN ('double', 'supervisor') AND t.purpose IN ('double', 'supervisor')))
			WHERE t.id = $1 ORDER BY o.id FOR UPDATE OF o`, k.TaskID); err != nil {
			return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
		}
		err := tx.QueryRow(ctx, `SELECT form_id, purpose, slot, round, fields, kinds, engine, status, threshold_version, weight
			FROM keying_tasks WHERE id = $1`, k.TaskID).
			Scan(&t.formID, &t.purpose, &t.slot, &t.round, &t.names, &t.kinds, &t.engine, &t.status, &t.version, &t.weight)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("keying task %d: %w", k.TaskID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
		}
		if t.status != "open" {
			return fmt.Errorf("keying task %d: %w", k.TaskID, ErrKeyingClosed)
		}
		for _, n := range t.names {
			if _, ok := k.Values[n]; !ok {
				return fmt.Errorf("keying task %d, field %s: %w", k.TaskID, n, ErrKeyingIncomplete)
			}
		}
		var engine map[string]engineRead
		if err := json.Unmarshal(t.engine, &engine); err != nil {
			return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
		}
		kindOf := map[string]forms.Kind{}
		for i, n := range t.names {
			kindOf[n] = forms.Kind(t.kinds[i])
		}
		version := 0
		if t.version != nil {
			version = *t.version
		}

		// The other keyers of the same fields (locked above).
		others := map[int]string{}
		otherTask := map[int]int64{}
		if t.purpose != KeyingQA {
			rows, err := tx.Query(ctx, `SELECT id, slot, keyed_by FROM keying_tasks
				WHERE form_id = $1 AND round = $2 AND purpose IN ('double', 'supervisor') AND id <> $3`,
				t.formID, t.round, k.TaskID)
			if err != nil {
				return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
			}
			for rows.Next() {
				var id int64
				var slot int
				var by string
				if err := rows.Scan(&id, &slot, &by); err != nil {
					rows.Close()
					return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
				}
				others[slot], otherTask[slot] = by, id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
			}
			for _, by := range others {
				if by == k.By {
					return fmt.Errorf("keying task %d: %w", k.TaskID, ErrSameKeyer)
				}
			}
		}

		for _, n := range t.names {
			if _, err := tx.Exec(ctx, `INSERT INTO keyed_values (task_id, field, value) VALUES ($1, $2, $3)`,
				k.TaskID, n, k.Values[n]); err != nil {
				return fmt.Errorf("store: keyed value: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE keying_tasks SET status = 'done', keyed_by = $2, keyed_at = $3 WHERE id = $1`,
			k.TaskID, k.By, k.Now); err != nil {
			return fmt.Errorf("store: keying task %d: %w", k.TaskID, err)
		}
		if err := audit(ctx, tx, k.By, "keying.keyed", subject("form", t.formID), map[string]any{
			"task": k.TaskID, "purpose": t.purpose, "slot": t.slot, "fields": t.names,
		}); err != nil {
			return err
		}

		outcome := func(n, final, source string, weight float64) FieldOutcome {
			e := engine[n]
			return FieldOutcome{
				FormID: t.formID, Field: n, Kind: kindOf[n], EngineValue: e.Value, Confidence: e.Confidence,
				FinalValue: final, Agree: quality.Agree(kindOf[n], e.Value, final), Auto: e.Sure,
				Source: source, Weight: weight, DecidedBy: k.By, DecidedAt: k.Now, ThresholdVersion: version,
			}
		}
		switch t.purpose {
		case KeyingQA:
			for _, n := range t.names {
				o := outcome(n, k.Values[n], OutcomeQA, t.weight)
				if !o.Agree {
					res.Errors++
				}
				res.Outcomes = append(res.Outcomes, o)
			}
		case KeyingSupervisor:
			for _, n := range t.names {
				if err := settleField(ctx, tx, t.formID, t.round, n, k.Values[n], k.By, k.Now); err != nil {
					return err
				}
				res.Agreed = append(res.Agreed, n)
				res.Outcomes = append(res.Outcomes, outcome(n, k.Values[n], OutcomeSupervisor, 1))
			}
		case KeyingDouble:
			other := 3 - t.slot
			if others[other] == "" {
				break // the first key: wait for the second
			}
			first, err := keyedValues(ctx, tx, otherTask[other])
			if err != nil {
				return err
			}
			for _, n := range t.names {
				if quality.Agree(kindOf[n], first[n], k.Values[n]) {
					if err := settleField(ctx, tx, t.formID, t.round, n, k.Values[n], k.By, k.Now); err != nil {
						return err
					}
					res.Agreed = append(res.Agreed, n)
					o := outcome(n, k.Values[n], OutcomeDouble, 1)
					o.DecidedBy = others[other] + "+" + k.By
					res.Outcomes = append(res.Outcomes, o)
				} else {
					res.Disputed = append(res.Disputed, n)
				}
			}
			if len(res.Disputed) > 0 {
				var ks []quality.Key
				for _, n := range res.Disputed {
					e := engine[n]
					ks = append(ks, quality.Key{Field: n, Kind: kindOf[n], Engine: e.Value, Confidence: e.Confidence, Sure: e.Sure})
				}
				id, err := insertKeyingTask(ctx, tx, t.formID, KeyingSupervisor, 3, t.round, ks, version, 1)
				if err != nil {
					return err
				}
				res.SupervisorTask = id
				if err := audit(ctx, tx, k.By, "keying.disputed", subject("form", t.formID), map[string]any{
					"fields": res.Disputed, "supervisor_task": id,
				}); err != nil {
					return err
				}
			}
		}
		sort.Strings(res.Agreed)
		if len(res.Agreed) > 0 {
			if err := audit(ctx, tx, k.By, "keying.settled", subject("form", t.formID), map[string]any{
				"fields": res.Agreed, "purpose": t.purpose,
			}); err != nil {
				return err
			}
		}
		return insertOutcomes(ctx, tx, res.Outcomes)
	})
	return res, err
}

func keyedValues(ctx context.Context, tx pgx.Tx, taskID int64) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT field, value FROM keyed_values WHERE task_id = $1`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: keyed values of task %d: %w", taskID, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var f, v string
		if err := rows.Scan(&f, &v); err != nil {
			return nil, fmt.Errorf("store: keyed values of task %d: %w", taskID, err)
		}
		out[f] = v
	}
	return out, rows.Err()
}

// settleField sets a keyed value on the form as a reviewer's, and marks
// the field settled.
func settleField(ctx context.Context, tx pgx.Tx, formID int64, round int, name, value, by string, now time.Time) error {
	tag, err := tx.Exec(ctx, `UPDATE fields SET value = $3, sure = true, source = 'reviewer', updated_at = $4
		WHERE form_id = $1 AND name = $2`, formID, name, value, now)
	if err == nil && tag.RowsAffected() == 0 {
		_, err = tx.Exec(ctx, `INSERT INTO fields (form_id, name, value, sure, source, updated_at)
			VALUES ($1, $2, $3, true, 'reviewer', $4)`, formID, name, value, now)
	}
	if err != nil {
		return fmt.Errorf("store: settle field of form %d: %w", formID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE keyed_fields SET status = 'settled', value = $4, settled_by = $5, settled_at = $6
		WHERE form_id = $1 AND round = $2 AND field = $3`, formID, round, name, value, by, now); err != nil {
		return fmt.Errorf("store: settle field of form %d: %w", formID, err)
	}
	return nil
}

// voidKeying ends the double keying of a form whose review closed without
// it (a reviewer rejected the form): its open keying and supervisor tasks
// are void and its pending fields no longer wait.
func voidKeying(ctx context.Context, tx pgx.Tx, formID int64, by string) error {
	tag, err := tx.Exec(ctx, `UPDATE keying_tasks SET status = 'void' WHERE form_id = $1 AND status = 'open'
		AND purpose IN ('double', 'supervisor')`, formID)
	if err != nil {
		return fmt.Errorf("store: void keying of form %d: %w", formID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM keyed_fields WHERE form_id = $1 AND status = 'pending'`, formID); err != nil {
		return fmt.Errorf("store: void keying of form %d: %w", formID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return audit(ctx, tx, by, "keying.void", subject("form", formID), map[string]any{"tasks": tag.RowsAffected()})
}
