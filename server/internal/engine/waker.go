package engine

import (
	"context"
	"time"

	"github.com/parleyhq/parley/server/internal/domain"
)

// wakeBatch is the most due runs one transaction promotes.
const wakeBatch = 500

// wake promotes due timers to jobs every WakeInterval until ctx ends. The
// query reads a partial index of due times, so thousands of pending timers
// cost one index probe per tick; replicas skip the runs another holds.
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
			n, err := e.promoteDue(ctx)
			if err != nil {
				if ctx.Err() == nil {
					e.log.Error("promote due runs", "error", err)
				}
				break
			}
			if n < wakeBatch {
				break
			}
		}
	}
}

// promoteDue hands the runs whose wake time has come to new jobs and
// returns how many it promoted.
func (e *Engine) promoteDue(ctx context.Context) (int, error) {
	var n int
	err := e.store.InTx(ctx, func(ctx context.Context) error {
		due, err := e.store.ClaimDueRuns(ctx, wakeBatch)
		if err != nil {
			return err
		}
		n = len(due)
		for _, ref := range due {
			r, err := e.store.RunForUpdate(ctx, ref.WorkspaceID, ref.ID)
			if err != nil {
				return err
			}
			r.WakeAt = nil
			if !r.Active() {
				if _, err := e.store.SaveRun(ctx, r); err != nil {
					return err
				}
				continue
			}
			r.Status = domain.RunPending
			if err := e.handOff(ctx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
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
