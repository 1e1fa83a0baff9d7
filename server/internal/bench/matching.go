package bench

import (
	"context"
	"fmt"
	"strconv"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// matchingConcurrency is the client count of the matching scenario.
const matchingConcurrency = 16

// runMatching measures trigger throughput with few and with many active
// event-triggered workflows. The measured workflow sets custom data before
// its message, so every run's "custom data updated" event is matched
// against the workspace's workflows; none of the others may start.
func runMatching(ctx context.Context, e *env, r *Result) error {
	sessions, err := e.createSessions(ctx, e.sessionPool())
	if err != nil {
		return err
	}
	c := min(matchingConcurrency, e.opts.Concurrency[len(e.opts.Concurrency)-1])
	var others []string
	var first, last float64
	for _, w := range e.opts.Workflows {
		if err := e.addDistractors(ctx, &others, w); err != nil {
			return err
		}
		if err := e.settle(ctx, sessions, c); err != nil {
			return err
		}
		label := "workflows=" + strconv.Itoa(w)
		for rep := range e.opts.Repeat {
			wf, err := e.publish(ctx, fmt.Sprintf("bench: matching %d #%d", w, rep), chain(
				workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
				workflow.NewNode("note", &workflowv1.SetDataAction{Key: "bench_order", Value: "{{ order }}", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION}),
				workflow.NewNode("greet", &workflowv1.SendMessageAction{Text: greeting}),
				workflow.NewNode("end", &workflowv1.EndNode{}),
			))
			if err != nil {
				return err
			}
			m, err := e.measureTriggers(ctx, wf, sessions, c, e.opts.Duration)
			if err != nil {
				return err
			}
			e.progress("%s: %.0f runs/s", label, m.runsPerSec)
			r.add("completed_runs_per_s "+label, "runs/s", m.runsPerSec)
			m.verify(r, fmt.Sprintf("%s #%d", label, rep))
		}
		f := r.Figures[len(r.Figures)-1]
		if first == 0 {
			first = median(f.Samples)
		}
		last = median(f.Samples)
	}
	var started int
	if err := e.db.QueryRow(ctx, `SELECT count(*) FROM runs WHERE workflow_id = ANY($1::uuid[])`, uuidsOf(others)).Scan(&started); err != nil {
		return err
	}
	r.check("no other workflow started", started == 0, "%d runs of the %d other workflows", started, len(others))
	if len(e.opts.Workflows) > 1 {
		drop := r.add("throughput_drop", "%", 100*(1-last/first))
		drop.Target = "<= 10 %"
	}
	r.note("%d clients; the other workflows start on custom data updated (other keys), label added, message received (keywords) and from code, in rotation; each measured run sets custom data, so its event is matched against all of them; each count is measured after an unmeasured round of triggers and ANALYZE", c)
	return nil
}

// addDistractors publishes active workflows until there are n: each
// starts on an event the benchmark's runs cause, with a filter they never
// meet, or from code.
func (e *env) addDistractors(ctx context.Context, ids *[]string, n int) error {
	have := len(*ids)
	if n <= have {
		return nil
	}
	made := make([]string, n-have)
	err := parallel(ctx, len(made), 8, func(ctx context.Context, k int) error {
		i := have + k
		var trigger *workflowv1.Node
		switch i % 4 {
		case 0:
			trigger = workflow.NewNode("start", &workflowv1.CustomDataUpdatedTrigger{Key: fmt.Sprintf("other_key_%d", i)})
		case 1:
			trigger = workflow.NewNode("start", &workflowv1.LabelAddedTrigger{Labels: []string{fmt.Sprintf("label-%d", i)}})
		case 2:
			trigger = workflow.NewNode("start", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
				Operator: workflowv1.Operator_OPERATOR_CONTAINS, Value: fmt.Sprintf("keyword%d", i)}})
		default:
			trigger = workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{})
		}
		id, err := e.publish(ctx, fmt.Sprintf("bench: other workflow %d", i), chain(trigger,
			workflow.NewNode("say", &workflowv1.SendMessageAction{Text: "This should never be sent."}), workflow.NewNode("end", &workflowv1.EndNode{})))
		made[k] = id
		return err
	})
	*ids = append(*ids, made...)
	e.progress("%d other active workflows", len(*ids))
	return err
}
