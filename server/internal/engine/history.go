package engine

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/server/internal/domain"
)

// Runs returns a page of runs, newest first.
func (e *Engine) Runs(ctx context.Context, workspaceID uuid.UUID, f domain.RunFilter) ([]domain.Run, error) {
	return e.store.ListRuns(ctx, workspaceID, f)
}

// RunWithSteps returns a run and its steps in order.
func (e *Engine) RunWithSteps(ctx context.Context, workspaceID, id uuid.UUID) (domain.Run, []domain.RunStep, error) {
	r, err := e.store.Run(ctx, workspaceID, id)
	if err != nil {
		return domain.Run{}, nil, err
	}
	steps, err := e.store.RunSteps(ctx, workspaceID, id)
	return r, steps, err
}

// Cancel ends an unfinished run: it never executes another step, and a
// step it waits in is marked skipped. A finished run is
// KindFailedPrecondition.
func (e *Engine) Cancel(ctx context.Context, workspaceID, id uuid.UUID) (domain.Run, error) {
	var out domain.Run
	err := e.store.InTx(ctx, func(ctx context.Context) error {
		r, err := e.store.RunForUpdate(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		if !r.Active() {
			return domain.Errorf(domain.KindFailedPrecondition, "run %s is already %s", domain.PrefixRun.Format(id), r.Status)
		}
		now := time.Now()
		if r.Wait != nil && r.Wait.Kind != domain.WaitRetry {
			steps, err := e.store.RunSteps(ctx, workspaceID, id)
			if err != nil {
				return err
			}
			if i := int(r.Wait.Step); i < len(steps) {
				st := steps[i]
				st.Status, st.Error, st.FinishedAt = domain.StepSkipped, "cancelled while waiting", &now
				if err := e.store.SaveRunSteps(ctx, []domain.RunStep{st}); err != nil {
					return err
				}
			}
		}
		r.Status, r.Error, r.FinishedAt = domain.RunCancelled, "cancelled", &now
		r.Wait, r.WakeAt = nil, nil
		r.Epoch++ // jobs and timers of the run now do nothing
		out, err = e.store.SaveRun(ctx, r)
		return err
	})
	return out, err
}
