package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Queue is the durable job queue (River) on the store's database. Jobs are
// inserted in the transaction of the change that causes them, so a job
// exists exactly when its cause committed.
type Queue struct {
	store  *Store
	client *river.Client[pgx.Tx]
}

// JobSet is a package's jobs that run in a River queue of their own on
// the process's one queue client (one client per process: its leader
// rescues stuck jobs of every kind, and discards kinds it does not know).
type JobSet struct {
	// Queue is the River queue; the jobs name it in their InsertOpts.
	Queue string
	// Workers is how many of these jobs this process works at once.
	Workers int
	// Register adds the jobs' workers.
	Register func(*river.Workers)
}

// QueueConfig tunes the queue.
type QueueConfig struct {
	// Workers is how many jobs of the default queue this process works at
	// once.
	Workers int
	// Sets are more jobs, each in its own River queue.
	Sets []JobSet
	// JobTimeout bounds one job; a job of a process that died is retried
	// once it has been running for RescueAfter.
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// FetchPollInterval is how often idle workers look for jobs when no
	// notification woke them.
	FetchPollInterval time.Duration
	Log               *slog.Logger
}

// NewQueue returns a queue that works jobs with workers once started.
func (s *Store) NewQueue(workers *river.Workers, cfg QueueConfig) (*Queue, error) {
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(cfg.Workers, 1)}}
	for _, set := range cfg.Sets {
		set.Register(workers)
		queues[set.Queue] = river.QueueConfig{MaxWorkers: max(set.Workers, 1)}
	}
	client, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		Queues:               queues,
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        10 * time.Millisecond,
		Logger:               cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{store: s, client: client}, nil
}

// Start begins working jobs; Stop ends it, letting running jobs finish.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop stops working jobs, waiting for running ones until ctx ends.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// Enqueue inserts a job in the transaction in ctx, which must exist: a job
// is only ever the consequence of a committed change.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	tx, ok := ctx.Value(txKey{}).(txLike)
	if !ok {
		return fmt.Errorf("enqueue %s: not inside a transaction", args.Kind())
	}
	_, err := q.client.InsertTx(ctx, pgx.Tx(tx), args, opts)
	return err
}

// CompleteJob marks job completed in the transaction in ctx, so the job's
// effects and its completion commit together.
func CompleteJob[T river.JobArgs](ctx context.Context, job *river.Job[T]) error {
	tx, ok := ctx.Value(txKey{}).(txLike)
	if !ok {
		return fmt.Errorf("complete job %d: not inside a transaction", job.ID)
	}
	_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, pgx.Tx(tx), job)
	return err
}

// migrateQueue creates or upgrades River's tables.
func (s *Store) migrateQueue(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}
