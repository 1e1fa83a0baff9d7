package engine

import (
	"context"
	"errors"
	"time"

	"github.com/parleyhq/parley/server/internal/domain"
)

// wakeBatch is the most due runs one transaction fires: it holds their
// sessions' locks until it commits, so it stays short.
const wakeBatch = 100

// wakerCount is how many wakers one process runs: each fires its own
// batches (a batch waits on its statements, the other runs meanwhile).
const wakerCount = 2

// errSessionBusy sends a due run to a job: another transaction holds its
// session, and the waker, holding the runs it claimed, never waits for one.
var errSessionBusy = errors.New("session busy")

// wake fires due timers every WakeInterval until ctx ends. The query reads
// a partial index of due times, so thousands of pending timers cost one
// index probe per tick; replicas skip the runs another holds.
func (e *Engine) wake(ctx context.Context) {
	tick := time.NewTicker(e.opts.WakeInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for {
			n, err := e.fireDue(ctx)
			if err != nil {
				if ctx.Err() == nil {
					e.log.Error("fire due runs", "error", err)
				}
				break
			}
			if n < wakeBatch {
				break
			}
		}
	}
}

// fireDue goes on with the runs whose wake time has come, in one
// transaction, and returns how many it claimed.
func (e *Engine) fireDue(ctx context.Context) (int, error) {
	var n int
	err := e.store.InTx(ctx, func(ctx context.Context) error {
		due, err := e.store.ClaimDueRuns(ctx, wakeBatch)
		if err != nil {
			return err
		}
		n = len(due)
		for _, r := range due {
			if err := e.fire(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// fire goes on with one due run (its delay ended, its wait timed out, its
// call is to be retried) in the waker's transaction, as a trigger does: no
// job in between. The run goes to a job instead when it retries an external
// call (made outside any transaction), when its session is busy, or when
// going on fails; the job's attempts then handle the failure.
func (e *Engine) fire(ctx context.Context, r domain.Run) error {
	r.WakeAt = nil
	if !r.Active() {
		_, err := e.store.SaveRun(ctx, r)
		return err
	}
	r.Epoch++ // a job of the run still queued does nothing
	if r.Wait == nil || r.Wait.Kind != domain.WaitRetry {
		err := e.store.Savepoint(ctx, func(ctx context.Context) error {
			sess, ok, err := e.store.SessionForUpdateNow(ctx, r.WorkspaceID, r.SessionID)
			if err != nil {
				return err
			}
			if !ok {
				return errSessionBusy
			}
			g, err := e.graphOf(ctx, r)
			if err != nil {
				return err
			}
			x := &execution{e: e, run: r, sess: sess, graph: g}
			return x.advance(ctx, nil)
		})
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !errors.Is(err, errSessionBusy) {
			e.log.Warn("due run handed to a job after an error", "run", domain.PrefixRun.Format(r.ID), "error", err)
		}
	}
	r.Status = domain.RunPending
	return e.handOff(ctx, &r)
}

// handOff gives the run to a new job: it bumps the epoch (so older jobs and
// timers of the run do nothing), enqueues the job in the transaction in ctx
// and saves the run.
func (e *Engine) handOff(ctx context.Context, r *domain.Run) error {
	r.Epoch++
	if err := e.queue.Enqueue(ctx, advanceArgs{WorkspaceID: r.WorkspaceID, RunID: r.ID, Epoch: r.Epoch}, nil); err != nil {
		return err
	}
	saved, err := e.store.SaveRun(ctx, *r)
	if err != nil {
		return err
	}
	*r = saved
	return nil
}
