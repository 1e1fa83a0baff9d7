package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// runsPerTimerSession is how many delays wait on one session, under the
// per-session cap of unfinished runs.
const runsPerTimerSession = 4

func runTimers(ctx context.Context, e *env, r *Result) error {
	n := e.opts.Timers
	// One workflow per second of spread: delay lead+j s, then a message.
	slots := max(1, int(e.opts.TimersSpread/time.Second))
	lead := int32(e.opts.TimersLead / time.Second)
	workflows := make([]string, slots)
	for j := range slots {
		var err error
		workflows[j], err = e.publish(ctx, fmt.Sprintf("bench: timer +%ds", int(lead)+j), chain(
			workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
			workflow.NewNode("wait", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: lead + int32(j), Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}}),
			workflow.NewNode("greet", &workflowv1.SendMessageAction{Text: greeting}),
			workflow.NewNode("end", &workflowv1.EndNode{}),
		))
		if err != nil {
			return err
		}
	}
	sessions, err := e.createSessions(ctx, (n+runsPerTimerSession-1)/runsPerTimerSession)
	if err != nil {
		return err
	}
	idleBefore, measured := e.serverUsage()
	began := time.Now()
	var made atomic.Int64
	err = parallel(ctx, n, 16, func(ctx context.Context, i int) error {
		// Round-robin over the sessions: the clients setting delays at once
		// never queue on one session's lock.
		_, err := e.trigger(ctx, workflows[i%slots], sessions[i%len(sessions)].id, map[string]any{"name": "Ada", "order": fmt.Sprint(i)})
		if c := made.Add(1); c%10000 == 0 {
			e.progress("%d delays set", c)
		}
		return err
	})
	if err != nil {
		return err
	}
	setIn := time.Since(began)
	firstDue := began.Add(e.opts.TimersLead)
	e.progress("%d delays set in %.1f s; the first comes due in %.0f s", n, setIn.Seconds(), time.Until(firstDue).Seconds())
	r.add("set_per_s", "delays/s", float64(n)/setIn.Seconds())
	if !e.opts.Smoke { // a smoke run's lead is a few seconds: it only checks that delays fire
		r.check("every delay set before the first came due", setIn < e.opts.TimersLead,
			"set in %.0f s with a lead of %s; otherwise lateness is measured while delays are still being set: give a longer --timers-lead", setIn.Seconds(), e.opts.TimersLead)
	}
	r.note("%d delays over %d workflows (programmatic -> delay %d..%d s -> send message -> end), %d per session; the first is due %s after the first was set",
		n, slots, lead, int(lead)+slots-1, runsPerTimerSession, e.opts.TimersLead)

	// Idle: every delay set, none due yet.
	if window := time.Until(firstDue) - time.Second; window > 2*time.Second && measured {
		time.Sleep(min(window/4, settle))
		a, _ := e.serverUsage()
		time.Sleep(min(max(time.Until(firstDue)-time.Second, time.Second), 20*time.Second))
		b, _ := e.serverUsage()
		r.add("idle_cpu", "% of a core", 100*cpuShare(a, b))
		r.add("idle_rss", "MiB", b.rssMiB)
		r.add("rss_before_delays", "MiB", idleBefore.rssMiB)
		e.progress("idle with %d pending: CPU %.2f%% of a core over %.0f s, RSS %.0f MiB", n, 100*cpuShare(a, b), b.at.Sub(a.at).Seconds(), b.rssMiB)
	} else {
		r.note("setting the delays took longer than the lead: no idle window was measured")
	}

	for {
		var ended int
		if err := e.db.QueryRow(ctx, `SELECT count(*) FROM runs WHERE workflow_id = ANY($1::uuid[]) AND status IN ('completed', 'failed', 'cancelled')`,
			uuidsOf(workflows)).Scan(&ended); err != nil {
			return err
		}
		if ended == n {
			break
		}
		if time.Since(firstDue) > e.opts.TimersSpread+setIn+2*time.Minute {
			return fmt.Errorf("only %d of %d delayed runs ended", ended, n)
		}
		time.Sleep(250 * time.Millisecond)
	}

	// Lateness: when the step after the delay started, against the due
	// time the delay step recorded.
	var p50, p99, worst float64
	var fired, messages int
	err = e.db.QueryRow(ctx, `
		SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY late), 0), coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY late), 0),
		       coalesce(max(late), 0), count(*), count(*) FILTER (WHERE text = 'Hello Ada, your order ' || ord || ' has shipped.')
		FROM (
			SELECT extract(epoch FROM g.started_at - (d.output->>'wake_at')::timestamptz) * 1000 AS late, r.variables->>'order' AS ord,
			       (SELECT ev.payload->'message'->>'text' FROM session_events ev
			         WHERE ev.workspace_id = r.workspace_id AND ev.session_id = r.session_id AND ev.cause_run_id = r.id AND ev.kind = 'message') AS text
			FROM runs r
			JOIN run_steps d ON d.workspace_id = r.workspace_id AND d.run_id = r.id AND d.kind = 'delay'
			JOIN run_steps g ON g.workspace_id = r.workspace_id AND g.run_id = r.id AND g.index = d.index + 1
			WHERE r.workflow_id = ANY($1::uuid[]) AND r.status = 'completed'
		) x`, uuidsOf(workflows)).Scan(&p50, &p99, &worst, &fired, &messages)
	if err != nil {
		return err
	}
	e.progress("lateness of %d timers: p50 %.0f ms, p99 %.0f ms, max %.0f ms", fired, p50, p99, worst)
	r.add("lateness_p50", "ms", p50)
	r.add("lateness_p99", "ms", p99)
	r.add("lateness_max", "ms", worst)
	r.target("lateness_p99", "<= 1000 ms")
	r.target("idle_cpu", "near 0")
	r.check("every delay fired once", fired == n, "%d of %d delayed runs completed with their next step", fired, n)
	r.check("every delayed message posted", messages == n, "%d of %d messages with the run's own variables", messages, n)
	return nil
}

func uuidsOf(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = uuidOf(id)
	}
	return out
}
