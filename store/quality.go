package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/quality"
)

// ThresholdSet is one version of the per-kind auto-accept thresholds.
type ThresholdSet struct {
	Version    int
	Thresholds quality.Thresholds
	Current    bool
	CreatedBy  string
	CreatedAt  time.Time
	Note       string
}

func scanThresholdSet(row pgx.Row) (ThresholdSet, error) {
	var t ThresholdSet
	var b []byte
	if err := row.Scan(&t.Version, &b, &t.Current, &t.CreatedBy, &t.CreatedAt, &t.Note); err != nil {
		return t, err
	}
	if err := json.Unmarshal(b, &t.Thresholds); err != nil {
		return t, fmt.Errorf("thresholds of version %d: %w", t.Version, err)
	}
	return t, nil
}

// CurrentThresholds returns the threshold set in force; ErrNotFound when
// there is none yet.
func (s *Store) CurrentThresholds(ctx context.Context) (ThresholdSet, error) {
	t, err := scanThresholdSet(s.pool.QueryRow(ctx, `SELECT version, thresholds, current, created_by, created_at, note
		FROM threshold_sets WHERE current`))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("store: current thresholds: %w", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: current thresholds: %w", err)
	}
	return t, nil
}

// ThresholdSets lists every version, newest first.
func (s *Store) ThresholdSets(ctx context.Context) ([]ThresholdSet, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, thresholds, current, created_by, created_at, note
		FROM threshold_sets ORDER BY version DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: threshold sets: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ThresholdSet, error) { return scanThresholdSet(r) })
	if err != nil {
		return nil, fmt.Errorf("store: threshold sets: %w", err)
	}
	return out, nil
}

// EnsureThresholds returns the current threshold set, first recording
// defaults as version 1 when there is none (a worker's first start). Two
// workers starting at once record it once.
func (s *Store) EnsureThresholds(ctx context.Context, actor string, defaults quality.Thresholds) (ThresholdSet, error) {
	t, err := s.CurrentThresholds(ctx)
	if !errors.Is(err, ErrNotFound) {
		return t, err
	}
	_, err = s.addThresholds(ctx, actor, defaults, "the engine's defaults", true)
	if err != nil {
		return t, err
	}
	return s.CurrentThresholds(ctx)
}

// AddThresholds records a new threshold set and makes it current; the
// workers use it from their next start. The change is audited.
func (s *Store) AddThresholds(ctx context.Context, actor string, t quality.Thresholds, note string) (ThresholdSet, error) {
	return s.addThresholds(ctx, actor, t, note, false)
}

func (s *Store) addThresholds(ctx context.Context, actor string, t quality.Thresholds, note string, onlyFirst bool) (ThresholdSet, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return ThresholdSet{}, fmt.Errorf("store: add thresholds: %w", err)
	}
	var out ThresholdSet
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE threshold_sets IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("store: add thresholds: %w", err)
		}
		var prev *int
		if err := tx.QueryRow(ctx, `SELECT version FROM threshold_sets WHERE current`).Scan(&prev); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: add thresholds: %w", err)
		}
		if onlyFirst && prev != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE threshold_sets SET current = false WHERE current`); err != nil {
			return fmt.Errorf("store: add thresholds: %w", err)
		}
		out, err = scanThresholdSet(tx.QueryRow(ctx, `INSERT INTO threshold_sets (thresholds, current, created_by, note)
			VALUES ($1, true, $2, $3) RETURNING version, thresholds, current, created_by, created_at, note`, b, actor, note))
		if err != nil {
			return fmt.Errorf("store: add thresholds: %w", err)
		}
		detail := map[string]any{"version": out.Version, "thresholds": t, "note": note}
		if prev != nil {
			detail["previous"] = *prev
		}
		return audit(ctx, tx, actor, "thresholds.applied", fmt.Sprintf("thresholds/%d", out.Version), detail)
	})
	return out, err
}

// Outcome sources.
const (
	OutcomeReview     = "review"     // a reviewer confirmed or corrected a flagged value
	OutcomeDouble     = "double"     // two keyers agreed
	OutcomeSupervisor = "supervisor" // a supervisor settled what keyers disagreed on
	OutcomeQA         = "qa"         // a QA key of an auto-accepted value
)

// FieldOutcome is a person's decision on one field, with what the engine
// had read.
type FieldOutcome struct {
	FormID      int64
	Field       string
	Kind        forms.Kind
	EngineValue string
	Confidence  float64
	FinalValue  string
	// Agree is whether the final value is the engine's (quality.Agree).
	Agree bool
	// Auto is set when the engine had accepted the value unchecked.
	Auto bool
	// Source is one of the Outcome* constants; Weight how many values the
	// outcome stands for (zero means 1).
	Source    string
	Weight    float64
	DecidedBy string
	DecidedAt time.Time
	// ThresholdVersion is the set the engine's value was judged by (0: none
	// recorded).
	ThresholdVersion int
}

func insertOutcomes(ctx context.Context, tx pgx.Tx, outs []FieldOutcome) error {
	for _, o := range outs {
		w := o.Weight
		if w <= 0 {
			w = 1
		}
		var ver *int
		if o.ThresholdVersion > 0 {
			ver = &o.ThresholdVersion
		}
		_, err := tx.Exec(ctx, `INSERT INTO field_outcomes (form_id, field, kind, engine_value, confidence, final_value,
				agree, auto, source, weight, decided_by, decided_at, threshold_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
				COALESCE($13, (SELECT threshold_version FROM decisions WHERE form_id = $1 AND threshold_version IS NOT NULL ORDER BY round LIMIT 1)))`,
			o.FormID, o.Field, string(o.Kind), o.EngineValue, o.Confidence, o.FinalValue, o.Agree, o.Auto, o.Source, w,
			o.DecidedBy, o.DecidedAt, ver)
		if err != nil {
			return fmt.Errorf("store: record outcome of form %d: %w", o.FormID, err)
		}
	}
	return nil
}

// RecordOutcomes stores outcomes on their own (QA keys made outside the
// UI, imports); the UI records them with the decision they belong to.
func (s *Store) RecordOutcomes(ctx context.Context, outs []FieldOutcome) error {
	return s.InTx(ctx, func(tx pgx.Tx) error { return insertOutcomes(ctx, tx, outs) })
}

// Outcomes returns every field outcome decided at or after since, oldest
// first.
func (s *Store) Outcomes(ctx context.Context, since time.Time) ([]FieldOutcome, error) {
	rows, err := s.pool.Query(ctx, `SELECT form_id, field, kind, engine_value, confidence, final_value, agree, auto,
			source, weight, decided_by, decided_at, COALESCE(threshold_version, 0)
		FROM field_outcomes WHERE decided_at >= $1 ORDER BY id`, since)
	if err != nil {
		return nil, fmt.Errorf("store: outcomes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FieldOutcome, error) {
		var o FieldOutcome
		var kind string
		err := r.Scan(&o.FormID, &o.Field, &kind, &o.EngineValue, &o.Confidence, &o.FinalValue, &o.Agree, &o.Auto,
			&o.Source, &o.Weight, &o.DecidedBy, &o.DecidedAt, &o.ThresholdVersion)
		o.Kind = forms.Kind(kind)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: outcomes: %w", err)
	}
	return out, nil
}

// QACount is the QA keys of auto-accepted values of one kind over a
// period, and how many disagreed with the engine.
type QACount struct {
	Kind   forms.Kind
	N      int
	Errors int
}

// QACounts counts the QA outcomes of auto-accepted values decided in
// [from, to), by kind.
func (s *Store) QACounts(ctx context.Context, from, to time.Time) (map[forms.Kind]QACount, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, count(*), count(*) FILTER (WHERE NOT agree)
		FROM field_outcomes WHERE source = 'qa' AND auto AND decided_at >= $1 AND decided_at < $2 GROUP BY kind`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: qa counts: %w", err)
	}
	defer rows.Close()
	out := map[forms.Kind]QACount{}
	for rows.Next() {
		var c QACount
		var kind string
		if err := rows.Scan(&kind, &c.N, &c.Errors); err != nil {
			return nil, fmt.Errorf("store: qa counts: %w", err)
		}
		c.Kind = forms.Kind(kind)
		out[c.Kind] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: qa counts: %w", err)
	}
	return out, nil
}

// DecisionThresholdVersion returns the threshold set recorded with a
// decision (0 when none).
func (s *Store) DecisionThresholdVersion(ctx context.Context, decisionID int64) (int, error) {
	var v *int
	if err := s.pool.QueryRow(ctx, `SELECT threshold_version FROM decisions WHERE id = $1`, decisionID).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: decision %d: %w", decisionID, err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}
