// Package engine runs workflows: it starts runs when session events match
// an active workflow's trigger or when code asks for one, executes their
// steps durably on PostgreSQL, and keeps every step's record.
//
// Durability rests on three rules. A run is written, and its first steps
// executed, in the transaction of the event or request that causes it. A
// run whose delay or wait timeout comes due goes on in the transaction of
// the waker that finds it due; one that reaches an external call, or whose
// wait an event answers, goes on in a job. Each of these executes steps
// inside one transaction that locks the session and the run, applies the
// steps' effects on the session and records the steps (a job's also
// completes the job), so a crash never applies an effect twice or records a
// step that did not happen. External calls (fetch API, webhooks) happen
// outside that transaction, before it, and carry a delivery id that is the
// same on every attempt, so they are at-least-once and receivers can drop
// repeats.
//
// Jobs are River jobs. Timers (delays, wait timeouts, retry backoff) are a
// run's wake_at: the waker claims due runs in batches, polling an index of
// due times, so pending timers cost nothing while they wait, and fires them
// in its own transaction (a retry, a busy session or an error hands the run
// to a job).
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/engine/outbound"
	"github.com/parleyhq/parley/server/internal/mail"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/store"
)

// Options configures an Engine. Zero values take the defaults.
type Options struct {
	Log *slog.Logger
	// Workers is how many runs this process advances at once (default 10).
	Workers int
	// MaxDepth bounds cascades: a run started by an event of a run of
	// depth MaxDepth starts nothing (default 3).
	MaxDepth int
	// SessionRunCap is the most unfinished runs a session may have at once
	// (default 10).
	SessionRunCap int
	// WakeInterval is how often due timers are looked for (default 200ms).
	WakeInterval time.Duration
	// JobTimeout bounds one job (default 2m); a job of a process that died
	// is retried after RescueAfter (default JobTimeout + 10s: by then the
	// job's own timeout has cancelled it wherever it ran).
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// OutboundAllow re-allows targets the SSRF guard refuses: CIDRs, IPs or
	// host names, each optionally with :port.
	OutboundAllow []string
	// RetryBase is the first retry's backoff for failed calls (default 1s).
	RetryBase time.Duration
	// MaxSteps is the most steps one run may execute (default 1000).
	MaxSteps int
	// Mail sends notification emails; nil means notifications are only
	// delivered on the workspace stream.
	Mail *mail.Sender
	// LLM runs AI extraction and custom skill steps; nil means they fail
	// (and validation refuses to publish them).
	LLM *agent.LLM
	// StartBatches is how many batches of programmatic starts run at once,
	// each in its own transaction (default GOMAXPROCS, at least 2): fewer
	// make bigger batches, which cost PostgreSQL less per start.
	StartBatches int
	// Jobs are other packages' jobs (the AI agent's) that run on the
	// engine's queue, each set in its own River queue.
	Jobs []store.JobSet
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Workers = cmpOr(o.Workers, 10)
	o.MaxDepth = cmpOr(o.MaxDepth, 3)
	o.SessionRunCap = cmpOr(o.SessionRunCap, 10)
	o.WakeInterval = cmpOr(o.WakeInterval, 200*time.Millisecond)
	o.JobTimeout = cmpOr(o.JobTimeout, 2*time.Minute)
	o.RescueAfter = cmpOr(o.RescueAfter, o.JobTimeout+10*time.Second)
	o.RetryBase = cmpOr(o.RetryBase, time.Second)
	o.MaxSteps = cmpOr(o.MaxSteps, 1000)
	o.StartBatches = cmpOr(o.StartBatches, max(2, runtime.GOMAXPROCS(0)))
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// stepsPerJob bounds the steps one job executes before it hands the run to
// a fresh job, so one transaction stays short.
const stepsPerJob = 100

// Engine runs workflows.
type Engine struct {
	store    *store.Store
	sessions *session.Service
	queue    *store.Queue
	http     *outbound.Client
	// graphs caches compiled published versions (versionKey -> *graph),
	// which never change.
	graphs sync.Map
	// starts batches programmatic starts.
	starts *startBatcher
	opts   Options
	log    *slog.Logger
}

// New returns an engine on st that reacts to the events of sessions; call
// Run to execute runs.
func New(st *store.Store, sessions *session.Service, opts Options) (*Engine, error) {
	opts.defaults()
	guard, err := outbound.NewGuard(opts.OutboundAllow)
	if err != nil {
		return nil, fmt.Errorf("outbound allow-list: %w", err)
	}
	e := &Engine{
		store: st, sessions: sessions, http: outbound.NewClient(guard, "Parley/1.0"),
		opts: opts, log: opts.Log,
	}
	e.starts = newStartBatcher(e, opts.StartBatches)
	workers := river.NewWorkers()
	river.AddWorker(workers, &advanceWorker{e: e})
	river.AddWorker(workers, &emailWorker{e: e})
	e.queue, err = st.NewQueue(workers, store.QueueConfig{
		Workers: opts.Workers, JobTimeout: opts.JobTimeout, RescueAfter: opts.RescueAfter,
		FetchPollInterval: time.Second, Log: opts.Log, Sets: opts.Jobs,
	})
	if err != nil {
		return nil, err
	}
	sessions.AddTriggerSink(e)
	return e, nil
}

// foldCounts adds the executions runs recorded to their workflows' counts
// every second, so the table of them stays small between reads.
func (e *Engine) foldCounts(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.store.FoldExecutionCounts(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("fold execution counts", "error", err)
		}
	}
}

// Queue is the engine's job queue, which also carries Options.Jobs.
func (e *Engine) Queue() *store.Queue { return e.queue }

// Run executes runs until ctx ends, then stops taking new jobs and waits
// up to stopTimeout for the running ones.
func (e *Engine) Run(ctx context.Context, stopTimeout time.Duration) error {
	// The queue outlives ctx so that Stop can let running jobs finish.
	if err := e.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	go e.foldCounts(ctx)
	var wakers sync.WaitGroup
	for range wakerCount {
		wakers.Go(func() { e.wake(ctx) })
	}
	wakers.Wait()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	return e.queue.Stop(stopCtx)
}
