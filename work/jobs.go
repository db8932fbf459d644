package work

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/lausd/misis-intake/mail"
	"github.com/lausd/misis-intake/metrics"
	"github.com/lausd/misis-intake/notice"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/quality"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// River queues of the stages.
const (
	queueSplit  = "split"
	queueRead   = "read"
	queueDecide = "decide"
)

// SplitArgs is the job that splits a stored message into attachments.
type SplitArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind implements river.JobArgs.
func (SplitArgs) Kind() string { return "split_message" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SplitArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueSplit} }

// ReadArgs is the job that reads an attachment's pages into forms.
type ReadArgs struct {
	AttachmentID int64 `json:"attachment_id"`
}

// Kind implements river.JobArgs.
func (ReadArgs) Kind() string { return "read_attachment" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ReadArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueRead} }

// DecideArgs is the job that decides one form.
type DecideArgs struct {
	FormID int64 `json:"form_id"`
}

// Kind implements river.JobArgs.
func (DecideArgs) Kind() string { return "decide_form" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (DecideArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueDecide} }

// complete marks the running job completed inside tx, with the stage's
// results.
func complete[T river.JobArgs](ctx context.Context, tx pgx.Tx, job *river.Job[T]) error {
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return nil
}

// finish turns a stage's error into what River should do: hand the job
// back untouched when the process is stopping, park the item as failed
// after the last try, and otherwise retry.
func (r *Runner) finish(ctx context.Context, it store.Item, attempt, maxAttempts int, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// Stopping: not the item's fault, so not a try; the job is handed
		// back to run again at once. (A job that ran out of time has
		// context.DeadlineExceeded instead, and counts as a try.)
		return river.JobSnooze(0)
	}
	metrics.ObserveFailure(stageOf(it.Kind), attempt >= maxAttempts)
	if attempt >= maxAttempts {
		if _, ferr := r.cfg.Store.MarkFailed(context.WithoutCancel(ctx), it, err.Error()); ferr != nil {
			return errors.Join(err, ferr)
		}
		r.log.Warn("item failed after its last try", "item", it.String(), "attempts", attempt, "error", err)
	}
	return err
}

// stageOf names the stage that works on an item of kind, for the metrics.
func stageOf(kind string) string {
	switch kind {
	case "message":
		return metrics.StageSplit
	case "attachment":
		return metrics.StageRead
	}
	return metrics.StageDecide
}

// timed runs a stage and records how long it took (metrics.StageSeconds).
func timed(stage string, run func() error) error {
	start := time.Now()
	err := safely(run)
	metrics.ObserveStage(stage, start, err)
	return err
}

// safely runs a stage, turning a panic (a decoder or the engine tripping
// on a strange file) into an error, so that the item is retried and parked
// like any other failure rather than lost with its job.
func safely(stage func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return stage()
}

type splitWorker struct {
	river.WorkerDefaults[SplitArgs]
	r *Runner
}

func (w *splitWorker) Work(ctx context.Context, job *river.Job[SplitArgs]) error {
	it := store.Item{Kind: "message", ID: job.Args.MessageID}
	return w.r.finish(ctx, it, job.Attempt, job.MaxAttempts, timed(metrics.StageSplit, func() error { return w.r.split(ctx, job) }))
}

func (r *Runner) split(ctx context.Context, job *river.Job[SplitArgs]) error {
	st := r.cfg.Store
	m, err := st.Message(ctx, job.Args.MessageID)
	if err != nil {
		return err
	}
	if m.Status != store.StatusReceived {
		return st.InTx(ctx, func(tx pgx.Tx) error { return complete(ctx, tx, job) })
	}
	parsed, perr := mail.Parse(m.Raw, r.cfg.MailLimits)
	return st.InTx(ctx, func(tx pgx.Tx) error {
		if perr != nil {
			var pe *mail.ParseError
			if !errors.As(perr, &pe) {
				return perr
			}
			if _, err := store.SetAside(ctx, tx, "message", m.ID, pe.Reason); err != nil {
				return err
			}
			return complete(ctx, tx, job)
		}
		atts := make([]store.NewAttachment, len(parsed.Attachments))
		for i, a := range parsed.Attachments {
			atts[i] = store.NewAttachment{Filename: a.Filename, DeclaredType: a.DeclaredType, Type: a.Type, Data: a.Data}
			if a.Type == "" && looksLikeDocument(a.Filename, a.DeclaredType) {
				atts[i].SetAside = "sent as a document (" + describeDeclared(a.Filename, a.DeclaredType) + ") but its bytes are not a PDF, TIFF, JPEG or PNG: damaged or empty"
			}
		}
		res, err := store.SaveSplit(ctx, tx, m.ID, atts)
		if err != nil {
			return err
		}
		if len(res.ToRead) > 0 {
			params := make([]river.InsertManyParams, len(res.ToRead))
			for i, id := range res.ToRead {
				params[i] = river.InsertManyParams{Args: ReadArgs{AttachmentID: id}}
			}
			if _, err := r.client.InsertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("queue reading: %w", err)
			}
		}
		return complete(ctx, tx, job)
	})
}

type readWorker struct {
	river.WorkerDefaults[ReadArgs]
	r *Runner
}

func (w *readWorker) Work(ctx context.Context, job *river.Job[ReadArgs]) error {
	it := store.Item{Kind: "attachment", ID: job.Args.AttachmentID}
	return w.r.finish(ctx, it, job.Attempt, job.MaxAttempts, timed(metrics.StageRead, func() error { return w.r.read(ctx, job) }))
}

// badAttachment returns the reason an attachment is set aside for good,
// or "" when the error may pass on a retry.
func badAttachment(err error) string {
	for _, e := range []error{raster.ErrEncrypted, raster.ErrCorrupt, raster.ErrNoPages, raster.ErrUnsupported, raster.ErrTooLarge} {
		if errors.Is(err, e) {
			msg := err.Error()
			msg = strings.TrimPrefix(msg, "pipeline: ")
			return msg
		}
	}
	return ""
}

func (r *Runner) read(ctx context.Context, job *river.Job[ReadArgs]) error {
	st := r.cfg.Store
	a, err := st.Attachment(ctx, job.Args.AttachmentID)
	if err != nil {
		return err
	}
	if a.Status != store.StatusReceived {
		return st.InTx(ctx, func(tx pgx.Tx) error { return complete(ctx, tx, job) })
	}
	var doc pipeline.Document
	var rerr error
	if r.cfg.Attachments != nil {
		doc, rerr = r.cfg.Attachments.ReadAttachment(ctx, a.Data, r.cfg.RasterLimits)
	} else {
		doc, rerr = pipeline.ReadAttachment(ctx, r.cfg.Reader, a.Data, r.cfg.RasterLimits)
	}
	if rerr != nil {
		reason := badAttachment(rerr)
		if reason == "" {
			return rerr
		}
		r.log.Info("attachment set aside", "attachment", a.ID, "reason", reason)
		return st.InTx(ctx, func(tx pgx.Tx) error {
			if _, err := store.SetAside(ctx, tx, "attachment", a.ID, reason); err != nil {
				return err
			}
			return complete(ctx, tx, job)
		})
	}
	pages := make([]store.Page, len(doc.Pages))
	for i, p := range doc.Pages {
		pages[i] = store.Page{
			Page: p.Index, Family: p.Family, Revision: p.Revision, Known: p.Known, FormPage: p.FormPage,
			PageCount: p.PageCount, Confidence: p.Confidence, NotAForm: p.NotAForm, Rotation: p.Rotation,
			Problem: p.Problem,
		}
		if i < len(doc.Sources) {
			pages[i].Source = string(doc.Sources[i])
		}
	}
	err = st.InTx(ctx, func(tx pgx.Tx) error {
		res, err := store.SaveRead(ctx, tx, a.ID, pages, doc.Forms)
		if err != nil {
			return err
		}
		if len(res.Forms) > 0 {
			params := make([]river.InsertManyParams, len(res.Forms))
			for i, id := range res.Forms {
				params[i] = river.InsertManyParams{Args: DecideArgs{FormID: id}}
			}
			if _, err := r.client.InsertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("queue decisions: %w", err)
			}
		}
		return complete(ctx, tx, job)
	})
	if err == nil {
		metrics.PagesRead.Add(float64(len(doc.Pages)))
		for _, f := range doc.Forms {
			for _, v := range f.Values {
				metrics.ObserveField(v.Confidence, v.Sure)
			}
		}
	}
	return err
}

type decideWorker struct {
	river.WorkerDefaults[DecideArgs]
	r *Runner
}

func (w *decideWorker) Work(ctx context.Context, job *river.Job[DecideArgs]) error {
	it := store.Item{Kind: "form", ID: job.Args.FormID}
	return w.r.finish(ctx, it, job.Attempt, job.MaxAttempts, timed(metrics.StageDecide, func() error { return w.r.decide(ctx, job) }))
}

func (r *Runner) decide(ctx context.Context, job *river.Job[DecideArgs]) error {
	st := r.cfg.Store
	f, err := st.Form(ctx, job.Args.FormID)
	if err != nil {
		return err
	}
	if f.Status != store.StatusRead {
		return st.InTx(ctx, func(tx pgx.Tx) error { return complete(ctx, tx, job) })
	}
	env := validate.Env{Registry: r.cfg.Registry, Roster: st.Roster(), Locations: st.Locations(), Config: r.cfg.Rules}
	// The threshold set in force decides which values are Sure, whatever
	// thresholds the process that read the pages had.
	quality.Apply(r.cfg.Quality.Thresholds, r.cfg.Registry, &f.Reading)
	if held, err := r.holdBatchPart(ctx, job, f); held || err != nil {
		return err // a batch part waits for its batch's other pages (batch.go)
	}
	d, err := pipeline.Decide(ctx, &f.Reading, env)
	if err != nil {
		return err
	}
	var email *store.Email
	if d.Outcome == validate.Reject {
		e, err := r.cfg.Notices.Rejection(f.Notice(), d.Reasons, "")
		switch {
		case errors.Is(err, notice.ErrNoReason):
			r.log.Warn("rejected without a reason to tell; no notice", "form", f.ID)
		case err != nil:
			return err
		default:
			email = store.EmailFrom(e)
			r.log.Info("rejection notice queued", "form", f.ID, "via", e.Via)
		}
	}
	err = st.InTx(ctx, func(tx pgx.Tx) error {
		res, err := store.SaveDecision(ctx, tx, f.ID, d, email)
		if err != nil {
			return err
		}
		if res.Done {
			// Double keying, QA sampling and the threshold version, with the decision.
			plan := r.cfg.Quality.Plan(r.cfg.Registry, f.ID, &f.Reading, d)
			if err := store.SaveQuality(ctx, tx, f.ID, res.DecisionID, plan); err != nil {
				return err
			}
		}
		return complete(ctx, tx, job)
	})
	if err == nil {
		metrics.Decisions.WithLabelValues(string(d.Outcome)).Inc()
	}
	return err
}

// looksLikeDocument reports whether a part was sent as a document: by its
// media type or its file name's extension.
func looksLikeDocument(filename, declared string) bool {
	switch declared {
	case "application/pdf", "image/tiff", "image/tif", "image/jpeg", "image/jpg", "image/png":
		return true
	}
	_, ok := documentTypes[strings.ToLower(path.Ext(filename))]
	return ok
}

func describeDeclared(filename, declared string) string {
	if declared != "" && declared != "application/octet-stream" {
		return declared
	}
	return "named " + path.Ext(filename)
}
