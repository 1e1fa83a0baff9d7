package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// publish creates a workflow with graph g and publishes it.
func (b *testBundle) publish(t testing.TB, name string, g *workflowv1.Graph, settings ...*workflowv1.WorkflowSettings) *workflowv1.Workflow {
	t.Helper()
	ctx := context.Background()
	c := b.workflows(b.all)
	req := &workflowv1.CreateWorkflowRequest{Name: name, Draft: g}
	if len(settings) > 0 {
		req.Settings = settings[0]
	}
	w, err := c.CreateWorkflow(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatalf("CreateWorkflow: %v", err)
	}
	p, err := c.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: w.Msg.GetWorkflow().GetId()}))
	if err != nil {
		t.Fatalf("PublishWorkflow: %v", err)
	}
	return p.Msg.GetWorkflow()
}

// trigger starts a programmatic workflow and returns the run id.
func (b *testBundle) trigger(t testing.TB, workflowID, sessionID string, vars map[string]any) string {
	t.Helper()
	res, err := b.workflows(b.all).TriggerWorkflow(context.Background(), connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: workflowID, SessionId: sessionID, Variables: mustStruct(t, vars),
	}))
	if err != nil {
		t.Fatalf("TriggerWorkflow: %v", err)
	}
	return res.Msg.GetRunId()
}

func (b *testBundle) getRun(t testing.TB, id string) *workflowv1.Run {
	t.Helper()
	res, err := b.workflows(b.all).GetRun(context.Background(), connect.NewRequest(&workflowv1.GetRunRequest{RunId: id}))
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	return res.Msg.GetRun()
}

// waitRun polls a run until its status is one of want.
func (b *testBundle) waitRun(t testing.TB, id string, want ...workflowv1.RunStatus) *workflowv1.Run {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := b.getRun(t, id)
		if slices.Contains(want, r.GetStatus()) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s is %v (error %q, at node %q), want one of %v; steps:\n%v", id, r.GetStatus(), r.GetError(), r.GetCurrentNodeId(), want, r.GetSteps())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// events returns a session's whole event log.
func (b *testBundle) events(t testing.TB, sessionID string) []*sessionv1.SessionEvent {
	t.Helper()
	res, err := b.sessionClient(b.all).ListEvents(context.Background(), connect.NewRequest(&sessionv1.ListEventsRequest{SessionId: sessionID, PageSize: 500}))
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	return res.Msg.GetEvents()
}

// botTexts are the texts of the bot's messages in a session, in order.
func (b *testBundle) botTexts(t testing.TB, sessionID string) []string {
	t.Helper()
	var out []string
	for _, ev := range b.events(t, sessionID) {
		if ev.GetActor() == sessionv1.Actor_ACTOR_BOT && ev.GetMessage() != nil {
			out = append(out, ev.GetMessage().GetText())
		}
	}
	return out
}

func stepKinds(r *workflowv1.Run) []string {
	var out []string
	for _, s := range r.GetSteps() {
		out = append(out, s.GetKind()+":"+s.GetStatus().String())
	}
	return out
}

var (
	completed = workflowv1.RunStatus_RUN_STATUS_COMPLETED
	failed    = workflowv1.RunStatus_RUN_STATUS_FAILED
	waiting   = workflowv1.RunStatus_RUN_STATUS_WAITING
	cancelled = workflowv1.RunStatus_RUN_STATUS_CANCELLED
)

func node(id string, cfg proto.Message) *workflowv1.Node { return workflow.NewNode(id, cfg) }

func programmatic() *workflowv1.Node { return node("start", &workflowv1.ProgrammaticTrigger{}) }

func TestProgrammaticRunSendsTheSeedMessageWithItsVariables(t *testing.T) {
	b := setup(t)
	s, _ := b.widgetSession(t)
	w := b.publish(t, "renewal", workflowtest.ChainGraph(
		programmatic(),
		node("msg", &workflowv1.SendMessageAction{Text: "Your {{ plan }} plan linked to order {{ order_id }} renews on {{ renewal_date }}.{{ nope }}"}),
	))
	id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"order_id": "12345", "plan": "pro", "renewal_date": "2026-06-01"})
	r := b.waitRun(t, id, completed)
	if got, want := b.botTexts(t, s.GetId()), []string{"Your pro plan linked to order 12345 renews on 2026-06-01."}; !slices.Equal(got, want) {
		t.Fatalf("bot said %q, want %q", got, want)
	}
	if got, want := stepKinds(r), []string{"programmatic:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED"}; !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	missing := r.GetSteps()[1].GetOutput().GetFields()["missing_tags.text"].GetListValue().GetValues()
	if len(missing) != 1 || missing[0].GetStringValue() != "nope" {
		t.Fatalf("missing tags recorded as %v, want [nope]", missing)
	}
	if r.GetMode() != workflowv1.RunMode_RUN_MODE_PRODUCTION || r.GetTrigger() != "programmatic" {
		t.Fatalf("run mode %v trigger %q", r.GetMode(), r.GetTrigger())
	}
}

// TestDelayFiresOnTime: a 2 s delay ends no earlier than its due time and
// within 1 s after it.
func TestDelayFiresOnTime(t *testing.T) {
	b := setup(t, withEngine(func(o *engine.Options) { o.WakeInterval = 200 * time.Millisecond })) // the server's default
	s, _ := b.widgetSession(t)
	w := b.publish(t, "delay", workflowtest.ChainGraph(
		programmatic(),
		node("wait", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 2, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}}),
		node("after", &workflowv1.SendMessageAction{Text: "two seconds later"}),
	))
	r := b.waitRun(t, b.trigger(t, w.GetId(), s.GetId(), nil), completed)
	delay := r.GetSteps()[1]
	if delay.GetKind() != "delay" || delay.GetStatus() != workflowv1.StepStatus_STEP_STATUS_COMPLETED {
		t.Fatalf("step 1 is %s %v", delay.GetKind(), delay.GetStatus())
	}
	due := delay.GetStartedAt().AsTime().Add(2 * time.Second)
	fired := r.GetSteps()[2].GetStartedAt().AsTime()
	if late := fired.Sub(due); late < 0 || late > time.Second {
		t.Fatalf("the delay fired %v after its due time, want within [0, 1s]", late)
	}
	t.Logf("a 2 s delay fired %v after its due time", fired.Sub(due))
	if n := b.advanceJobs(t, r.GetId()); n != 0 {
		t.Errorf("the due run went through %d jobs, want none: the waker goes on with it in its own transaction", n)
	}
}

// advanceJobs counts the River jobs that advanced a run.
func (b *testBundle) advanceJobs(t *testing.T, runID string) int {
	t.Helper()
	id, err := domain.PrefixRun.Parse("run_id", runID)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.db(t).QueryRow(context.Background(),
		`SELECT count(*) FROM river_job WHERE kind = 'parley_run_advance' AND args->>'run_id' = $1`, id.String()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDueRunOfABusySessionGoesOnInAJob: when its delay ends while another
// transaction holds the session, the waker does not wait for it (it holds
// the other runs it claimed); a job takes the run over, waits for the
// session, and the run goes on exactly once.
func TestDueRunOfABusySessionGoesOnInAJob(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	s, _ := b.widgetSession(t)
	w := b.publish(t, "delay", workflowtest.ChainGraph(
		programmatic(),
		node("wait", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}}),
		node("after", &workflowv1.SendMessageAction{Text: "after the busy second"}),
	))
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	b.waitRun(t, id, waiting)

	sid, err := domain.PrefixSession.Parse("session_id", s.GetId())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := b.db(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE`, sid); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); b.advanceJobs(t, id) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) { // the delay came due 9 s ago
			t.Fatal("the due run of a busy session was not handed to a job")
		}
	}
	time.Sleep(300 * time.Millisecond)
	if got := b.botTexts(t, s.GetId()); len(got) != 0 {
		t.Fatalf("the run went on while its session was held: %q", got)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	r := b.waitRun(t, id, completed)
	wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "delay:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
	b.wantCaused(t, s.GetId(), id, "message after the busy second")
}
