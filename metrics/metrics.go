package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry holds every metric below, the Go runtime's and the process's.
var Registry = prometheus.NewRegistry()

// Sources of MessagesFetched.
const (
	SourceIMAP = "imap" // the mailbox poller
	SourceFile = "file" // intake ingest, or the demo's files
)

// Stages of StageSeconds and JobFailures.
const (
	StageSplit  = "split"
	StageRead   = "read"
	StageDecide = "decide"
)

var (
	// MessagesFetched counts the messages taken in and stored for work,
	// by source; copies of a message taken in before are not counted.
	MessagesFetched = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_messages_fetched_total",
		Help: "Messages taken in and stored for work (copies of earlier ones excluded), by source (imap, file).",
	}, []string{"source"})
	// PagesRead counts the attachment pages the engine read.
	PagesRead = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "intake_pages_read_total",
		Help: "Attachment pages read by the engine.",
	})
	// Decisions counts the rules' decisions on forms, by outcome (accept,
	// reject, review).
	Decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_decisions_total",
		Help: "Decisions of the rules on forms, by outcome (accept, reject, review).",
	}, []string{"outcome"})
	// FieldConfidence is the engine's confidence in each field it read,
	// by whether the value was sure enough to use unchecked.
	FieldConfidence = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "intake_field_confidence",
		Help:    "Confidence of each field value the engine read, by whether it was sure enough to use unchecked (sure=true|false).",
		Buckets: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1},
	}, []string{"sure"})
	// StageSeconds is how long one job of a stage took, by stage (split,
	// read, decide) and result (ok, error).
	StageSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "intake_stage_duration_seconds",
		Help:    "Time one job of a pipeline stage took, by stage (split, read, decide) and result (ok, error).",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300},
	}, []string{"stage", "result"})
	// JobFailures counts failed tries of a stage's job, by stage and
	// whether it was the last try (parked=true: the item is now failed and
	// waits for `intake retry`).
	JobFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_job_failures_total",
		Help: "Failed tries of a pipeline job, by stage and whether the item was parked as failed after its last try (parked=true|false).",
	}, []string{"stage", "parked"})

	reviewDepth = prometheus.NewDesc("intake_review_queue_depth",
		"Forms waiting for a reviewer.", nil, nil)
	reviewAge = prometheus.NewDesc("intake_review_queue_oldest_age_seconds",
		"Age of the oldest form waiting for a reviewer, from its message's arrival (0 when none waits).", nil, nil)
	reviewUp = prometheus.NewDesc("intake_review_queue_scrape_ok",
		"1 when the review queue could be read from the database at this scrape, else 0.", nil, nil)
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		MessagesFetched, PagesRead, Decisions, FieldConfidence, StageSeconds, JobFailures,
		reviewQueue{},
	)
	// Known label values start at zero, so that rates exist before the
	// first event.
	for _, s := range []string{SourceIMAP, SourceFile} {
		MessagesFetched.WithLabelValues(s)
	}
	for _, o := range []string{"accept", "reject", "review"} {
		Decisions.WithLabelValues(o)
	}
	for _, s := range []string{StageSplit, StageRead, StageDecide} {
		JobFailures.WithLabelValues(s, "false")
		JobFailures.WithLabelValues(s, "true")
	}
}

// ObserveStage records one job of stage that started at start; err is the
// job's result.
func ObserveStage(stage string, start time.Time, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	StageSeconds.WithLabelValues(stage, result).Observe(time.Since(start).Seconds())
}

// ObserveFailure counts a failed try of stage's job; parked says the item
// was parked as failed.
func ObserveFailure(stage string, parked bool) {
	p := "false"
	if parked {
		p = "true"
	}
	JobFailures.WithLabelValues(stage, p).Inc()
}

// ObserveField records the confidence of one field value read.
func ObserveField(confidence float64, sure bool) {
	s := "false"
	if sure {
		s = "true"
	}
	FieldConfidence.WithLabelValues(s).Observe(confidence)
}

// QueueStats reads the review queue: how many forms wait and since when
// the oldest (nil when none). store.Store.Dashboard gives both.
type QueueStats func(ctx context.Context) (waiting int, oldest *time.Time, err error)

var queueStats atomic.Pointer[QueueStats]

// SetReviewQueue sets how the review queue's depth and age are read at
// each scrape; nil stops reporting them.
func SetReviewQueue(f QueueStats) {
	if f == nil {
		queueStats.Store(nil)
		return
	}
	queueStats.Store(&f)
}

// scrapeTimeout bounds the review queue's query at a scrape.
const scrapeTimeout = 5 * time.Second

// reviewQueue reports the review queue at scrape time.
type reviewQueue struct{}

func (reviewQueue) Describe(ch chan<- *prometheus.Desc) {
	ch <- reviewDepth
	ch <- reviewAge
	ch <- reviewUp
}

func (reviewQueue) Collect(ch chan<- prometheus.Metric) {
	f := queueStats.Load()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	n, oldest, err := (*f)(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(reviewUp, prometheus.GaugeValue, 0)
		return
	}
	age := 0.0
	if oldest != nil {
		age = max(time.Since(*oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(reviewUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(reviewDepth, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(reviewAge, prometheus.GaugeValue, age)
}
