package review

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/store"
)

// DefaultQAErrorLimit is the error rate of auto-accepted values above
// which the QA alert is raised, when Config leaves it zero.
const DefaultQAErrorLimit = 0.005

// qaWindows are the periods the dashboard measures auto-accepted errors
// over, in days.
var qaWindows = []int{7, 30}

var (
	// qaErrorUpper is the upper bound of the 95% Wilson interval of the
	// error rate among auto-accepted values, by kind and window.
	qaErrorUpper = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "intake_qa_auto_error_upper",
		Help: "Upper bound of the 95% Wilson interval of the error rate of auto-accepted values measured by QA keying, by field kind and window (7d, 30d).",
	}, []string{"kind", "window"})
	// qaAlert is 1 while a kind's QA error rate may be above the limit.
	qaAlert = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "intake_qa_alert",
		Help: "1 while the upper bound of a field kind's QA error rate of auto-accepted values is above the configured limit (and some error was found), by kind and window.",
	}, []string{"kind", "window"})
)

func init() { metrics.Registry.MustRegister(qaErrorUpper, qaAlert) }

// qualityState remembers which QA alerts are raised, so that each is
// logged once when it rises and once when it clears.
type qualityState struct {
	mu     sync.Mutex
	raised map[string]bool
}

// kindRate is one kind's QA error rate over a window.
type kindRate struct {
	Kind forms.Kind
	quality.Interval
	Alert bool
}

// Text writes the rate and its interval, e.g. "0.10% (0.02%–0.56%)".
func (k kindRate) Text() string {
	return fmt.Sprintf("%s (%s–%s)", pct2(k.Rate), pct2(k.Lo), pct2(k.Hi))
}

func pct2(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

type qaWindow struct {
	Days  int
	Kinds []kindRate
}

// qualityView is the dashboard's quality section.
type qualityView struct {
	Windows []qaWindow
	Limit   float64
	Alerts  int
	Keying  int
}

// LimitText writes the limit as a percentage.
func (v qualityView) LimitText() string { return pct2(v.Limit) }

// measureQuality computes the QA error rates of auto-accepted values per
// kind over each window, sets the metrics and logs an alert that rises or
// clears. A kind is alerted when the upper bound of its interval is above
// the limit and at least one error was found: with none, a high upper
// bound only says too few values were sampled yet.
func (s *Server) measureQuality(ctx context.Context) (qualityView, error) {
	v := qualityView{Limit: s.cfg.QAErrorLimit}
	now := s.cfg.Now()
	for _, days := range qaWindows {
		counts, err := s.st.QACounts(ctx, now.AddDate(0, 0, -days), now.Add(time.Second))
		if err != nil {
			return v, err
		}
		w := qaWindow{Days: days}
		for _, k := range quality.Kinds {
			c := counts[k]
			kr := kindRate{Kind: k, Interval: quality.Wilson(c.Errors, c.N, quality.Z95)}
			kr.Alert = c.Errors > 0 && kr.Hi > v.Limit
			window := fmt.Sprintf("%dd", days)
			qaErrorUpper.WithLabelValues(string(k), window).Set(kr.Hi)
			s.raiseAlert(string(k), window, kr)
			if kr.Alert {
				v.Alerts++
			}
			w.Kinds = append(w.Kinds, kr)
		}
		v.Windows = append(v.Windows, w)
	}
	return v, nil
}

func (s *Server) raiseAlert(kind, window string, kr kindRate) {
	on := 0.0
	if kr.Alert {
		on = 1
	}
	qaAlert.WithLabelValues(kind, window).Set(on)
	key := kind + "/" + window
	s.qa.mu.Lock()
	was := s.qa.raised[key]
	s.qa.raised[key] = kr.Alert
	s.qa.mu.Unlock()
	switch {
	case kr.Alert && !was:
		s.log.Warn("QA error rate of auto-accepted values may be above the limit", "kind", kind, "window", window,
			"sampled", kr.N, "errors", kr.K, "upper_bound", kr.Hi, "limit", s.cfg.QAErrorLimit)
	case !kr.Alert && was:
		s.log.Info("QA error rate of auto-accepted values back within the limit", "kind", kind, "window", window,
			"sampled", kr.N, "errors", kr.K, "upper_bound", kr.Hi)
	}
}

// checkQuality measures after a QA key, for the alert; a failure is only
// logged, the key being saved.
func (s *Server) checkQuality(ctx context.Context) {
	if _, err := s.measureQuality(ctx); err != nil {
		s.log.Error("measure QA error rates", "err", err)
	}
}

// blindFields hides, on a form's review page, what was read in the fields
// still to be keyed blind, so that a keyer cannot learn it there.
func (s *Server) blindFields(ctx context.Context, v *formView) error {
	blind, err := s.st.BlindFields(ctx, v.FormID)
	if err != nil || len(blind) == 0 {
		return err
	}
	hide := func(fs []fieldView) {
		for i := range fs {
			if blind[fs[i].Name] {
				fs[i].Value, fs[i].Read, fs[i].WasRead, fs[i].Confidence = "", "", false, 0
				fs[i].Why = append(fs[i].Why, "being keyed blind by two people; see Keying")
			}
		}
	}
	hide(v.Flagged)
	hide(v.Other)
	for i := range v.Rows {
		hide(v.Rows[i].Cells)
	}
	return nil
}

// keyedProblem says why a reviewer may not approve the form yet: a field
// under double keying is not settled, or the reviewer changed a settled
// one. It returns "" when they may.
func (s *Server) keyedProblem(ctx context.Context, formID int64, rd *forms.Reading, set map[string]forms.Value) (string, error) {
	keyed, err := s.st.KeyedFields(ctx, formID)
	if err != nil {
		return "", err
	}
	rev := s.reg.Revision(rd.Family, rd.Revision)
	for name, k := range keyed {
		if k.Pending {
			return fmt.Sprintf("%s is being keyed blind by two people; approve the form once the keying is settled.", fieldLabel(rev, name)), nil
		}
		kind, _ := quality.KindOf(rev, name)
		if v, ok := set[name]; ok && !quality.Agree(kind, v.Text, k.Value) {
			return fmt.Sprintf("%s was settled by double keying; it cannot be changed here.", fieldLabel(rev, name)), nil
		}
	}
	return "", nil
}

// reviewOutcomes are the field outcomes of a reviewer's approval: every
// value they set or confirmed that the engine had read, against what it
// read (orig, before the corrections).
func (s *Server) reviewOutcomes(f store.FormToDecide, orig map[string]forms.Value, set map[string]forms.Value, by string) []store.FieldOutcome {
	rev := s.reg.Revision(f.Reading.Family, f.Reading.Revision)
	var out []store.FieldOutcome
	for name, v := range set {
		old, had := orig[name]
		if !had || (old.Source != "" && old.Source != forms.FromEngine) {
			continue // not the engine's: nothing to learn
		}
		kind, ok := quality.KindOf(rev, name)
		if !ok {
			continue
		}
		out = append(out, store.FieldOutcome{
			FormID: f.ID, Field: name, Kind: kind, EngineValue: old.Text, Confidence: old.Confidence,
			FinalValue: v.Text, Agree: quality.Agree(kind, old.Text, v.Text), Auto: old.Sure,
			Source: store.OutcomeReview, DecidedBy: by, DecidedAt: s.cfg.Now(),
		})
	}
	return out
}

// qualityDashboard is the dashboard's quality section: QA error rates and
// the keying waiting.
func (s *Server) qualityDashboard(ctx context.Context) (*qualityView, error) {
	v, err := s.measureQuality(ctx)
	if err != nil {
		return nil, err
	}
	tasks, err := s.st.KeyingQueue(ctx)
	if err != nil {
		return nil, err
	}
	v.Keying = len(tasks)
	return &v, nil
}
