package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"google.golang.org/protobuf/encoding/protojson"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// advanceArgs is the job that advances one run from its current node. Epoch
// must match the run's: a job (or timer) the run has moved past does
// nothing.
type advanceArgs struct {
	WorkspaceID uuid.UUID `json:"workspace_id"`
	RunID       uuid.UUID `json:"run_id"`
	Epoch       int64     `json:"epoch"`
}

func (advanceArgs) Kind() string { return "parley_run_advance" }

type advanceWorker struct {
	river.WorkerDefaults[advanceArgs]
	e *Engine
}

func (w *advanceWorker) Work(ctx context.Context, job *river.Job[advanceArgs]) error {
	return w.e.advance(ctx, job)
}

// advance executes a run's steps until it waits, ends, or reaches an
// external call. The call of the node it starts on is made first, outside
// the transaction; everything else happens inside one.
func (e *Engine) advance(ctx context.Context, job *river.Job[advanceArgs]) error {
	a := job.Args
	snap, err := e.store.Run(ctx, a.WorkspaceID, a.RunID)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil // deleted with its workflow or session
	}
	if err != nil {
		return err
	}
	if snap.Epoch != a.Epoch || !snap.Active() {
		return nil
	}
	g, err := e.graphOf(ctx, snap)
	if err != nil {
		return err
	}
	var call *callResult
	if node := g.nodes[snap.CurrentNodeID]; node != nil && isExternal(node) && (snap.Wait == nil || snap.Wait.Kind == domain.WaitRetry) {
		sess, err := e.store.Session(ctx, snap.WorkspaceID, snap.SessionID)
		if err != nil {
			return err
		}
		ws, err := e.store.Workspace(ctx, snap.WorkspaceID)
		if err != nil {
			return err
		}
		call = e.call(ctx, snap, node, sess, ws)
	}
	return e.store.InTx(ctx, func(ctx context.Context) error {
		sess, err := e.store.SessionForUpdate(ctx, a.WorkspaceID, snap.SessionID)
		if err != nil {
			return err
		}
		r, err := e.store.RunForUpdate(ctx, a.WorkspaceID, a.RunID)
		if err != nil {
			return err
		}
		if r.Epoch == a.Epoch && r.Active() {
			x := &execution{e: e, run: r, sess: sess, graph: g}
			if err := x.advance(ctx, call); err != nil {
				return err
			}
		}
		return store.CompleteJob(ctx, job)
	})
}

// execution is one transaction's work on a locked run and session.
type execution struct {
	e     *Engine
	run   domain.Run
	sess  domain.Session
	graph *graph
	// steps are the step records made so far, written together with the
	// run's state (save, handOff).
	steps []domain.RunStep
}

func (x *execution) advance(ctx context.Context, call *callResult) error {
	r := &x.run
	now := time.Now()
	if r.StartedAt == nil {
		r.StartedAt = &now
	}
	r.Status = domain.RunRunning
	cause := &causeInfo{runID: r.ID, workflowID: r.WorkflowID, depth: r.Depth}
	ctx = withCause(ctx, cause)

	if r.Wait != nil {
		if r.Wait.Kind == domain.WaitRetry {
			r.Wait = nil // the call was just made again
		} else {
			if err := x.finishWait(ctx); err != nil {
				return err
			}
		}
	}
	for executed := 0; r.Status == domain.RunRunning; executed++ {
		if executed == stepsPerJob {
			r.Status = domain.RunPending
			return x.handOff(ctx)
		}
		if int(r.StepCount) >= x.e.opts.MaxSteps {
			x.fail(fmt.Sprintf("the run executed %d steps, the most one run may: is the workflow looping?", x.e.opts.MaxSteps))
			break
		}
		node := x.graph.nodes[r.CurrentNodeID]
		if node == nil {
			x.fail(fmt.Sprintf("node %q is not in the workflow graph", r.CurrentNodeID))
			break
		}
		if isExternal(node) && call == nil {
			r.Status = domain.RunPending // the next job makes the call
			return x.handOff(ctx)
		}
		started := time.Now()
		o, err := x.exec(ctx, node, call)
		call = nil
		if err != nil {
			return err
		}
		if notes := cause.takeNotes(); len(notes) > 0 {
			o.note(notes...)
		}
		if o.retryAt != nil {
			r.CallAttempt++
			r.Wait = &domain.RunWait{Kind: domain.WaitRetry}
			r.WakeAt = o.retryAt
			r.Status = domain.RunWaiting
			break
		}
		if err := x.record(ctx, node, o, started); err != nil {
			return err
		}
		x.follow(node, o)
	}
	return x.save(ctx, nil)
}

// record saves the step of an outcome and counts it.
func (x *execution) record(ctx context.Context, node *workflowv1.Node, o *outcome, started time.Time) error {
	r := &x.run
	st, err := o.step(r, node, started)
	if err != nil {
		return err
	}
	x.steps = append(x.steps, st)
	r.StepCount++
	return nil
}

// writeSteps stores the step records made so far.
func (x *execution) writeSteps(ctx context.Context) error {
	err := x.e.store.SaveRunSteps(ctx, x.steps)
	x.steps = x.steps[:0]
	return err
}

// handOff stores the steps made so far and gives the run to a new job.
func (x *execution) handOff(ctx context.Context) error {
	if err := x.writeSteps(ctx); err != nil {
		return err
	}
	return x.e.handOff(ctx, &x.run)
}

// follow moves the run past a recorded step: into its wait, to its end or
// failure, or to the node its port leads to.
func (x *execution) follow(node *workflowv1.Node, o *outcome) {
	r := &x.run
	now := time.Now()
	r.CallAttempt = 0
	switch {
	case o.wait != nil:
		o.wait.Step = r.StepCount - 1
		r.Wait, r.WakeAt, r.Status = o.wait, o.wakeAt, domain.RunWaiting
	case o.fail:
		x.fail(fmt.Sprintf("node %s (%s): %s", node.GetId(), workflow.NodeKind(node), o.err))
	case o.cancel:
		r.Status, r.Error, r.FinishedAt = domain.RunCancelled, o.err, &now
	case o.end:
		r.Status, r.FinishedAt = domain.RunCompleted, &now
	default:
		next := x.graph.next(node.GetId(), workflow.NormalizePort(o.port))
		if next == "" {
			r.Status, r.FinishedAt = domain.RunCompleted, &now
			return
		}
		r.CurrentNodeID = next
	}
	if o.stopUntil != nil {
		r.StopUntil = o.stopUntil
	}
}

func (x *execution) fail(msg string) {
	now := time.Now()
	x.run.Status, x.run.Error, x.run.FinishedAt = domain.RunFailed, msg, &now
	x.run.Wait, x.run.WakeAt = nil, nil
}

// save writes the run's state unless err says the transaction is lost.
func (x *execution) save(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	if !x.run.Active() {
		x.run.Wait, x.run.WakeAt = nil, nil
	}
	if err := x.writeSteps(ctx); err != nil {
		return err
	}
	saved, err := x.e.store.SaveRun(ctx, x.run)
	if err == nil {
		x.run = saved
	}
	return err
}

// outcome is what executing a node did.
type outcome struct {
	status string // step status; "" means completed
	input  map[string]any
	output map[string]any
	conds  []*workflowv1.ConditionResult
	port   string // port to leave through; "" means next
	err    string // the step's error (or notes)

	wait   *domain.RunWait // the run waits in this step
	wakeAt *time.Time
	end    bool // the run completes
	fail   bool // the run fails with err
	cancel bool // the run is cancelled with err

	stopUntil *time.Time
	retryAt   *time.Time // an external call is retried then; no step yet
	attempt   int32
}

func (o *outcome) note(notes ...string) {
	for _, n := range notes {
		if o.err != "" {
			o.err += "; "
		}
		o.err += n
	}
}

func (o *outcome) set(key string, v any) {
	if o.output == nil {
		o.output = map[string]any{}
	}
	o.output[key] = v
}

// step is the stored record of an outcome.
func (o *outcome) step(r *domain.Run, node *workflowv1.Node, started time.Time) (domain.RunStep, error) {
	now := time.Now()
	st := domain.RunStep{
		WorkspaceID: r.WorkspaceID, RunID: r.ID, Index: r.StepCount, NodeID: node.GetId(),
		Kind: string(workflow.NodeKind(node)), Status: o.status, Port: o.port, Error: o.err,
		Attempt: max(o.attempt, 1), StartedAt: started, FinishedAt: &now,
	}
	switch {
	case o.wait != nil:
		st.Status, st.FinishedAt = domain.StepWaiting, nil
	case o.fail:
		st.Status = domain.StepFailed
	case st.Status == "":
		st.Status = domain.StepCompleted
	}
	if st.Status == domain.StepCompleted && st.Port == "" && !o.end {
		st.Port = workflow.PortNext
	}
	var err error
	if st.Input, err = json.Marshal(nonNil(o.input)); err != nil {
		return st, err
	}
	if st.Output, err = json.Marshal(nonNil(o.output)); err != nil {
		return st, err
	}
	st.Conditions, err = encodeConditions(o.conds)
	return st, err
}

// encodeConditions stores condition results as a protojson array.
func encodeConditions(cs []*workflowv1.ConditionResult) (json.RawMessage, error) {
	parts := make([]json.RawMessage, len(cs))
	for i, c := range cs {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(c)
		if err != nil {
			return nil, err
		}
		parts[i] = b
	}
	return json.Marshal(parts)
}
