package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// This file tests, over the wire and on real sessions, what starts runs:
// every trigger kind and its filter, the published-only rule, the runtime
// guards (cascade depth, own workflow, per-session cap, run once, stop
// workflow cooldown), idempotent programmatic starts, the run history and
// the widget's bot:scenario:run.

// trListRuns returns every run ListRuns returns for req, following pages.
func (b *testBundle) trListRuns(t testing.TB, req *workflowv1.ListRunsRequest) []*workflowv1.Run {
	t.Helper()
	req = proto.Clone(req).(*workflowv1.ListRunsRequest)
	var out []*workflowv1.Run
	for {
		res, err := b.workflows(b.all).ListRuns(context.Background(), connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListRuns(%v): %v", req, err)
		}
		out = append(out, res.Msg.GetRuns()...)
		if res.Msg.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = res.Msg.GetNextPageToken()
	}
}

// trRunsOf returns every run of a workflow, newest first.
func (b *testBundle) trRunsOf(t testing.TB, workflowID string) []*workflowv1.Run {
	t.Helper()
	return b.trListRuns(t, &workflowv1.ListRunsRequest{WorkflowId: workflowID})
}

// trWantRunCount fails unless the workflow has exactly n runs.
func (b *testBundle) trWantRunCount(t testing.TB, w *workflowv1.Workflow, n int, why string) []*workflowv1.Run {
	t.Helper()
	runs := b.trRunsOf(t, w.GetId())
	if len(runs) != n {
		t.Fatalf("%s: workflow %q has %d runs, want %d: %v", why, w.GetName(), len(runs), n, runs)
	}
	return runs
}

// trPublishSay publishes "trigger -> send_message text -> end".
func (b *testBundle) trPublishSay(t testing.TB, name string, trigger proto.Message, text string, settings ...*workflowv1.WorkflowSettings) *workflowv1.Workflow {
	t.Helper()
	return b.publish(t, name, workflowtest.ChainGraph(node("t", trigger), node("say", &workflowv1.SendMessageAction{Text: text})), settings...)
}

// trSayGraph is the graph trPublishSay publishes.
func trSayGraph(trigger proto.Message, text string) *workflowv1.Graph {
	return workflowtest.ChainGraph(node("t", trigger), node("say", &workflowv1.SendMessageAction{Text: text}))
}

// trFinish waits until a run has finished and fails unless it completed.
func (b *testBundle) trFinish(t testing.TB, id string) *workflowv1.Run {
	t.Helper()
	r := b.waitRun(t, id, completed, failed, cancelled)
	if r.GetStatus() != completed {
		t.Fatalf("run %s is %v (error %q), want completed; steps %v", id, r.GetStatus(), r.GetError(), stepKinds(r))
	}
	return r
}

// trSaidBy returns the texts of the bot messages a run caused on a session.
func (b *testBundle) trSaidBy(t testing.TB, sessionID, runID string) []string {
	t.Helper()
	var out []string
	for _, ev := range b.events(t, sessionID) {
		if ev.GetCauseRunId() == runID && ev.GetMessage() != nil {
			if ev.GetActor() != sessionv1.Actor_ACTOR_BOT {
				t.Errorf("message %d caused by run %s is by %v, want the bot", ev.GetSequence(), runID, ev.GetActor())
			}
			out = append(out, ev.GetMessage().GetText())
		}
	}
	return out
}

// trWantSaid fails unless the run caused exactly one bot message, want.
func (b *testBundle) trWantSaid(t testing.TB, sessionID, runID, want string) {
	t.Helper()
	if got := b.trSaidBy(t, sessionID, runID); !slices.Equal(got, []string{want}) {
		t.Fatalf("run %s said %q on the session, want [%q]", runID, got, want)
	}
}

// trCheckFired checks that an event started exactly one production run of
// w on the session, that it completed, and that its message (with cause
// the run) reads want.
func (b *testBundle) trCheckFired(t testing.TB, w *workflowv1.Workflow, sessionID, kind, want string) *workflowv1.Run {
	t.Helper()
	runs := b.trWantRunCount(t, w, 1, "after the matching event")
	id := runs[0].GetId()
	bySession := b.trListRuns(t, &workflowv1.ListRunsRequest{SessionId: sessionID})
	found := false
	for _, r := range bySession {
		if r.GetSessionId() != sessionID {
			t.Fatalf("ListRuns(session_id=%s) returned run %s of session %s", sessionID, r.GetId(), r.GetSessionId())
		}
		found = found || r.GetId() == id
	}
	if !found {
		t.Fatalf("ListRuns(session_id=%s) does not list run %s: %v", sessionID, id, bySession)
	}
	r := b.trFinish(t, id)
	switch {
	case r.GetTrigger() != kind:
		t.Fatalf("run trigger %q, want %q", r.GetTrigger(), kind)
	case r.GetMode() != workflowv1.RunMode_RUN_MODE_PRODUCTION:
		t.Fatalf("run mode %v, want production", r.GetMode())
	case r.GetWorkflowId() != w.GetId() || r.GetSessionId() != sessionID:
		t.Fatalf("run of workflow %s on session %s, want %s on %s", r.GetWorkflowId(), r.GetSessionId(), w.GetId(), sessionID)
	case r.GetVersion() != w.GetPublishedVersion() || r.GetVersion() == 0:
		t.Fatalf("run version %d, want the published %d", r.GetVersion(), w.GetPublishedVersion())
	case r.GetDepth() != 0:
		t.Fatalf("run depth %d, want 0 for an outside event", r.GetDepth())
	case r.GetTriggerData().GetFields()["trigger"].GetStringValue() != kind:
		t.Fatalf("trigger data %v does not name %q", r.GetTriggerData(), kind)
	case r.GetCreatedAt() == nil || r.GetStartedAt() == nil || r.GetFinishedAt() == nil:
		t.Fatalf("run timestamps missing: %v", r)
	}
	if got, want := stepKinds(r), []string{kind + ":STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED"}; !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	b.trWantSaid(t, sessionID, id, want)
	return r
}

// trFixture is one trigger case's world: a server, a widget session and
// clients acting as its visitor (widget token) and as an operator (API
// token).
type trFixture struct {
	t     *testing.T
	b     *testBundle
	ctx   context.Context
	api   sessionv1connect.SessionServiceClient
	sess  *sessionv1.Session
	token string
	// ids holds what a case's prepare made (operators, personas).
	ids map[string]string
	// asker is a programmatic workflow whose run posts a question.
	asker *workflowv1.Workflow
}

func newTrFixture(t *testing.T) *trFixture {
	b := setup(t)
	return &trFixture{t: t, b: b, ctx: context.Background(), api: b.sessionClient(b.all), ids: map[string]string{}}
}

func (f *trFixture) widget() sessionv1connect.SessionServiceClient { return f.b.sessionClient(f.token) }

func (f *trFixture) must(what string, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: %v", what, err)
	}
}

func (f *trFixture) send(c sessionv1connect.SessionServiceClient, content *sessionv1.SendMessageRequest) {
	f.t.Helper()
	content.SessionId = f.sess.GetId()
	_, err := c.SendMessage(f.ctx, connect.NewRequest(content))
	f.must("SendMessage", err)
}

func (f *trFixture) visitorSays(text string) {
	f.t.Helper()
	f.send(f.widget(), &sessionv1.SendMessageRequest{Content: &sessionv1.SendMessageRequest_Text{Text: text}})
}

func (f *trFixture) operatorSays(text string) {
	f.t.Helper()
	f.send(f.api, &sessionv1.SendMessageRequest{Content: &sessionv1.SendMessageRequest_Text{Text: text}})
}

func (f *trFixture) choose(seq int64, value string) {
	f.t.Helper()
	f.send(f.widget(), &sessionv1.SendMessageRequest{Content: &sessionv1.SendMessageRequest_Button{Button: &sessionv1.ButtonChoice{PickerSequence: seq, Value: value}}})
}

func (f *trFixture) answer(seq int64, value string) {
	f.t.Helper()
	f.send(f.widget(), &sessionv1.SendMessageRequest{Content: &sessionv1.SendMessageRequest_Input{Input: &sessionv1.InputAnswer{RequestSequence: seq, Value: value}}})
}

func (f *trFixture) labels(add, remove []string) {
	f.t.Helper()
	_, err := f.api.UpdateLabels(f.ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: f.sess.GetId(), Add: add, Remove: remove}))
	f.must("UpdateLabels", err)
}

func (f *trFixture) segments(add, remove []string) {
	f.t.Helper()
	_, err := f.widget().UpdateSegments(f.ctx, connect.NewRequest(&sessionv1.UpdateSegmentsRequest{SessionId: f.sess.GetId(), Add: add, Remove: remove}))
	f.must("UpdateSegments", err)
}

func (f *trFixture) status(s sessionv1.Status) {
	f.t.Helper()
	_, err := f.api.SetStatus(f.ctx, connect.NewRequest(&sessionv1.SetStatusRequest{SessionId: f.sess.GetId(), Status: s}))
	f.must("SetStatus", err)
}

func (f *trFixture) star(starred bool) {
	f.t.Helper()
	_, err := f.api.SetStarred(f.ctx, connect.NewRequest(&sessionv1.SetStarredRequest{SessionId: f.sess.GetId(), Starred: starred}))
	f.must("SetStarred", err)
}

func (f *trFixture) assign(target *sessionv1.AssignRequest) {
	f.t.Helper()
	target.SessionId = f.sess.GetId()
	_, err := f.api.Assign(f.ctx, connect.NewRequest(target))
	f.must("Assign", err)
}

func (f *trFixture) assignOperator(id string) {
	f.t.Helper()
	f.assign(&sessionv1.AssignRequest{Target: &sessionv1.AssignRequest_OperatorId{OperatorId: id}})
}

func (f *trFixture) assignPersona(id string) {
	f.t.Helper()
	f.assign(&sessionv1.AssignRequest{Target: &sessionv1.AssignRequest_PersonaId{PersonaId: id}})
}

func (f *trFixture) setData(key string, v *structpb.Value) *sessionv1.SessionEvent {
	f.t.Helper()
	res, err := f.widget().SetData(f.ctx, connect.NewRequest(&sessionv1.SetDataRequest{SessionId: f.sess.GetId(), Key: key, Value: v}))
	f.must("SetData", err)
	return res.Msg.GetEvent()
}

func (f *trFixture) lead(stage string) {
	f.t.Helper()
	_, err := f.api.SetLead(f.ctx, connect.NewRequest(&sessionv1.SetLeadRequest{SessionId: f.sess.GetId(), Stage: stage}))
	f.must("SetLead", err)
}

func (f *trFixture) operator(key, name string) {
	f.t.Helper()
	res, err := f.api.CreateOperator(f.ctx, connect.NewRequest(&sessionv1.CreateOperatorRequest{Name: name, Email: strings.ToLower(name) + "@example.com", Available: true}))
	f.must("CreateOperator", err)
	f.ids[key] = res.Msg.GetOperator().GetId()
}

func (f *trFixture) persona(key, name string) {
	f.t.Helper()
	res, err := f.b.agentClient(f.b.all).CreatePersona(f.ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: name}))
	f.must("CreatePersona", err)
	f.ids[key] = res.Msg.GetPersona().GetId()
}

// publishAsker publishes the programmatic workflow whose runs post the
// question step (button picker or field input) and wait for the answer:
// only runs post questions.
func (f *trFixture) publishAsker(step proto.Message) {
	f.t.Helper()
	f.asker = f.b.publish(f.t, "asker", workflowtest.ChainGraph(programmatic(), node("ask", step)))
}

// ask starts the asker on the session and returns the sequence of the
// question its run posted.
func (f *trFixture) ask() int64 {
	f.t.Helper()
	id := f.b.trigger(f.t, f.asker.GetId(), f.sess.GetId(), nil)
	f.b.waitRun(f.t, id, waiting)
	for _, ev := range slices.Backward(f.b.events(f.t, f.sess.GetId())) {
		if ev.GetCauseRunId() == id && (ev.GetButtonPicker() != nil || ev.GetInputRequested() != nil) {
			return ev.GetSequence()
		}
	}
	f.t.Fatalf("the asker's run %s posted no question", id)
	return 0
}

// trCase is one trigger kind: the workflow "trigger -> send_message text ->
// end", an event its filter refuses, and one that fires it.
type trCase struct {
	name, kind string
	// newSession: hit creates the session (there is none before).
	newSession bool
	// prepare runs on the session before the workflow is published.
	prepare func(f *trFixture)
	trigger func(f *trFixture) proto.Message
	text    string
	// miss causes events that must start no run, before the hit.
	miss func(f *trFixture)
	hit  func(f *trFixture, w *workflowv1.Workflow)
	want func(f *trFixture) string
	// after causes more events once the hit's run is checked, and checks
	// what they start.
	after func(f *trFixture, w *workflowv1.Workflow)
}

func wantText(s string) func(*trFixture) string { return func(*trFixture) string { return s } }

func trTrigger(m proto.Message) func(*trFixture) proto.Message {
	return func(*trFixture) proto.Message { return m }
}

// stillOne is an after that checks a later event started no second run.
func stillOne(cause func(f *trFixture)) func(f *trFixture, w *workflowv1.Workflow) {
	return func(f *trFixture, w *workflowv1.Workflow) {
		f.t.Helper()
		cause(f)
		f.b.trWantRunCount(f.t, w, 1, "after a non-matching event")
	}
}

func trCases() []trCase {
	return []trCase{
		{
			name: "new_conversation", kind: "new_conversation",
			trigger: trTrigger(&workflowv1.NewConversationTrigger{}),
			text:    "new_conversation fired for {{ visitor.name }}",
			miss:    func(f *trFixture) { f.operatorSays("Hello from support") },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.visitorSays("hi") },
			want:    wantText("new_conversation fired for Ada"),
			after: func(f *trFixture, w *workflowv1.Workflow) {
				f.visitorSays("still the same conversation")
				f.b.trWantRunCount(f.t, w, 1, "after a second visitor message")
				// Resolved, then the visitor writes again: a new conversation.
				f.status(sessionv1.Status_STATUS_RESOLVED)
				f.visitorSays("me again")
				runs := f.b.trWantRunCount(f.t, w, 2, "after a message into the resolved conversation")
				f.b.trFinish(f.t, runs[0].GetId())
			},
		},
		{
			name: "new_session", kind: "new_session", newSession: true,
			trigger: trTrigger(&workflowv1.NewSessionTrigger{}),
			text:    "new_session fired for {{ visitor.name }}",
			// A test run on a new test session: the system made that
			// session, and system changes start no workflows.
			miss: func(f *trFixture) {
				probe := f.b.trCreateDraft(f.t, "probe", trSayGraph(&workflowv1.ProgrammaticTrigger{}, "probe"))
				res, err := f.b.workflows(f.b.all).TestWorkflow(f.ctx, connect.NewRequest(&workflowv1.TestWorkflowRequest{WorkflowId: probe.GetId()}))
				f.must("TestWorkflow", err)
				f.b.trFinish(f.t, res.Msg.GetRun().GetId())
			},
			hit: func(f *trFixture, _ *workflowv1.Workflow) {
				f.sess, f.token = f.b.widgetSession(f.t)
			},
			want:  wantText("new_session fired for Ada"),
			after: stillOne(func(f *trFixture) { f.visitorSays("hi"); f.operatorSays("hello") }),
		},
		{
			name: "message_received", kind: "message_received",
			trigger: trTrigger(&workflowv1.MessageReceivedTrigger{}),
			text:    "message_received fired: {{ message_text }}",
			miss:    func(f *trFixture) { f.operatorSays("an operator's message is not received") },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.visitorSays("where is my parcel?") },
			want:    wantText("message_received fired: where is my parcel?"),
		},
		{
			name: "message_received with a text match", kind: "message_received",
			trigger: trTrigger(&workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
				Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Value: `^order\s+\d+$`,
			}}),
			text: "message_received fired: {{ message_text }}",
			miss: func(f *trFixture) { f.visitorSays("my order is late") },
			hit:  func(f *trFixture, _ *workflowv1.Workflow) { f.visitorSays("order 4217") },
			want: wantText("message_received fired: order 4217"),
			after: func(f *trFixture, w *workflowv1.Workflow) {
				f.visitorSays("order 4217 please")
				f.b.trWantRunCount(f.t, w, 1, "a message the pattern does not match")
				// Matching is case-insensitive unless case_sensitive is set.
				f.visitorSays("ORDER 99")
				runs := f.b.trWantRunCount(f.t, w, 2, "a match in capitals")
				f.b.trFinish(f.t, runs[0].GetId())
				f.b.trWantSaid(f.t, f.sess.GetId(), runs[0].GetId(), "message_received fired: ORDER 99")
			},
		},
		{
			name: "button_answered with a value", kind: "button_answered",
			prepare: func(f *trFixture) {
				f.publishAsker(&workflowv1.ButtonPickerAction{Text: "Did that help?", Buttons: []*sessionv1.Button{
					{Label: "Yes!", Value: "yes"}, {Label: "Not really", Value: "no"},
				}})
			},
			trigger: trTrigger(&workflowv1.ButtonAnsweredTrigger{Value: "yes"}),
			text:    "button_answered fired: {{ button_value }} ({{ button_label }})",
			miss:    func(f *trFixture) { f.choose(f.ask(), "no") },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.choose(f.ask(), "yes") },
			want:    wantText("button_answered fired: yes (Yes!)"),
		},
		{
			name: "input_answered", kind: "input_answered",
			prepare: func(f *trFixture) {
				f.publishAsker(&workflowv1.FieldInputAction{Text: "Your street?", Kind: sessionv1.InputKind_INPUT_KIND_TEXT, Variable: "street"})
			},
			trigger: trTrigger(&workflowv1.InputAnsweredTrigger{}),
			text:    "input_answered fired: {{ answer }}",
			miss:    func(f *trFixture) { f.visitorSays("221B Baker Street") }, // a message is not an answer
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.answer(f.ask(), "221B Baker Street") },
			want:    wantText("input_answered fired: 221B Baker Street"),
		},
		{
			name: "ai_agent_assigned with a persona", kind: "ai_agent_assigned",
			prepare: func(f *trFixture) { f.persona("nova", "Nova"); f.persona("atlas", "Atlas") },
			trigger: func(f *trFixture) proto.Message {
				return &workflowv1.AiAgentAssignedTrigger{PersonaId: f.ids["atlas"]}
			},
			text: "ai_agent_assigned fired: {{ persona_id }}",
			miss: func(f *trFixture) { f.assignPersona(f.ids["nova"]) },
			hit:  func(f *trFixture, _ *workflowv1.Workflow) { f.assignPersona(f.ids["atlas"]) },
			want: func(f *trFixture) string { return "ai_agent_assigned fired: " + f.ids["atlas"] },
		},
		{
			name: "human_agent_assigned with an operator", kind: "human_agent_assigned",
			prepare: func(f *trFixture) { f.operator("olga", "Olga"); f.operator("piet", "Piet") },
			trigger: func(f *trFixture) proto.Message {
				return &workflowv1.HumanAgentAssignedTrigger{OperatorId: f.ids["piet"]}
			},
			text: "human_agent_assigned fired: {{ operator_id }}",
			miss: func(f *trFixture) { f.assignOperator(f.ids["olga"]) },
			hit:  func(f *trFixture, _ *workflowv1.Workflow) { f.assignOperator(f.ids["piet"]) },
			want: func(f *trFixture) string { return "human_agent_assigned fired: " + f.ids["piet"] },
		},
		{
			name: "conversation_opened", kind: "conversation_opened",
			trigger: trTrigger(&workflowv1.ConversationOpenedTrigger{}),
			text:    "conversation_opened fired: {{ status }}",
			miss:    func(f *trFixture) { f.status(sessionv1.Status_STATUS_RESOLVED) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.status(sessionv1.Status_STATUS_OPEN) },
			want:    wantText("conversation_opened fired: open"),
		},
		{
			name: "conversation_resolved", kind: "conversation_resolved",
			trigger: trTrigger(&workflowv1.ConversationResolvedTrigger{}),
			text:    "conversation_resolved fired: {{ status }}",
			miss:    func(f *trFixture) { f.star(true) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.status(sessionv1.Status_STATUS_RESOLVED) },
			want:    wantText("conversation_resolved fired: resolved"),
			after:   stillOne(func(f *trFixture) { f.visitorSays("reopening") }),
		},
		{
			name: "conversation_starred", kind: "conversation_starred",
			trigger: trTrigger(&workflowv1.ConversationStarredTrigger{}),
			text:    "conversation_starred fired for {{ visitor.name }}",
			miss:    func(f *trFixture) { f.status(sessionv1.Status_STATUS_RESOLVED) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.star(true) },
			want:    wantText("conversation_starred fired for Ada"),
			after:   stillOne(func(f *trFixture) { f.star(false) }),
		},
		{
			name: "label_added with labels", kind: "label_added",
			trigger: trTrigger(&workflowv1.LabelAddedTrigger{Labels: []string{"vip", "gold"}}),
			text:    "label_added fired: {{ label }}",
			miss:    func(f *trFixture) { f.labels([]string{"billing"}, nil) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.labels([]string{"vip"}, nil) },
			want:    wantText("label_added fired: vip"),
			after:   stillOne(func(f *trFixture) { f.labels(nil, []string{"vip"}) }),
		},
		{
			name: "label_removed with labels", kind: "label_removed",
			prepare: func(f *trFixture) { f.labels([]string{"vip", "billing"}, nil) },
			trigger: trTrigger(&workflowv1.LabelRemovedTrigger{Labels: []string{"vip"}}),
			text:    "label_removed fired: {{ label }}",
			miss:    func(f *trFixture) { f.labels([]string{"new"}, []string{"billing"}) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.labels(nil, []string{"vip"}) },
			want:    wantText("label_removed fired: vip"),
			after:   stillOne(func(f *trFixture) { f.labels([]string{"vip"}, nil) }),
		},
		{
			name: "segment_updated with segments", kind: "segment_updated",
			trigger: trTrigger(&workflowv1.SegmentUpdatedTrigger{Segments: []string{"customers"}}),
			text:    "segment_updated fired: {{ segment }} {{ segment_change }}",
			miss:    func(f *trFixture) { f.segments([]string{"trial"}, nil) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.segments([]string{"customers"}, nil) },
			want:    wantText("segment_updated fired: customers added"),
			after: func(f *trFixture, w *workflowv1.Workflow) {
				// Removing the segment is an update too.
				f.segments(nil, []string{"customers", "trial"})
				runs := f.b.trWantRunCount(f.t, w, 2, "after removing the segment")
				f.b.trFinish(f.t, runs[0].GetId())
				f.b.trWantSaid(f.t, f.sess.GetId(), runs[0].GetId(), "segment_updated fired: customers removed")
			},
		},
		{
			name: "custom_data_updated with a key", kind: "custom_data_updated",
			trigger: trTrigger(&workflowv1.CustomDataUpdatedTrigger{Key: "plan"}),
			text:    "custom_data_updated fired: {{ key }}={{ value }}",
			miss:    func(f *trFixture) { f.setData("color", structpb.NewStringValue("blue")) },
			hit: func(f *trFixture, _ *workflowv1.Workflow) {
				f.setData("plan", structpb.NewStringValue("pro"))
			},
			want: wantText("custom_data_updated fired: plan=pro"),
			after: func(f *trFixture, w *workflowv1.Workflow) {
				// The same value again still emits the event and starts a run.
				ev := f.setData("plan", structpb.NewStringValue("pro"))
				if !ev.GetDataSet().GetUnchanged() {
					f.t.Errorf("setting the value the key holds: event %v is not marked unchanged", ev)
				}
				runs := f.b.trWantRunCount(f.t, w, 2, "after setting the same value again")
				f.b.trFinish(f.t, runs[0].GetId())
				f.b.trWantSaid(f.t, f.sess.GetId(), runs[0].GetId(), "custom_data_updated fired: plan=pro")
			},
		},
		{
			name: "lead_created", kind: "lead_created",
			trigger: trTrigger(&workflowv1.LeadCreatedTrigger{}),
			text:    "lead_created fired: {{ lead_stage }}",
			miss:    func(f *trFixture) { f.labels([]string{"prospect"}, nil) },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.lead("qualified") },
			want:    wantText("lead_created fired: qualified"),
			after:   stillOne(func(f *trFixture) { f.lead("won") }),
		},
		{
			name: "lead_stage_changed with a stage", kind: "lead_stage_changed",
			prepare: func(f *trFixture) { f.lead("new") },
			trigger: trTrigger(&workflowv1.LeadStageChangedTrigger{Stage: "won"}),
			text:    "lead_stage_changed fired: {{ lead_stage }}",
			miss:    func(f *trFixture) { f.lead("negotiation") },
			hit:     func(f *trFixture, _ *workflowv1.Workflow) { f.lead("won") },
			want:    wantText("lead_stage_changed fired: won"),
			after:   stillOne(func(f *trFixture) { f.lead("lost") }),
		},
		{
			name: "programmatic", kind: "programmatic",
			trigger: trTrigger(&workflowv1.ProgrammaticTrigger{}),
			text:    "programmatic fired: {{ plan }}",
			// Events never start a programmatic workflow.
			miss: func(f *trFixture) {
				f.visitorSays("hi")
				f.labels([]string{"vip"}, nil)
				f.setData("plan", structpb.NewStringValue("basic"))
			},
			hit: func(f *trFixture, w *workflowv1.Workflow) {
				f.b.trigger(f.t, w.GetId(), f.sess.GetId(), map[string]any{"plan": "pro"})
			},
			want: wantText("programmatic fired: pro"),
		},
	}
}

func TestEveryTriggerKindStartsItsWorkflowOnARealSession(t *testing.T) {
	kinds := map[string]bool{}
	for _, tc := range trCases() {
		kinds[tc.kind] = true
		t.Run(tc.name, func(t *testing.T) {
			f := newTrFixture(t)
			if !tc.newSession {
				f.sess, f.token = f.b.widgetSession(t)
			}
			if tc.prepare != nil {
				tc.prepare(f)
			}
			w := f.b.trPublishSay(t, tc.name, tc.trigger(f), tc.text)
			if w.GetTriggerKind().String() != "TRIGGER_KIND_"+strings.ToUpper(tc.kind) {
				t.Fatalf("published workflow's trigger kind %v, want %s", w.GetTriggerKind(), tc.kind)
			}
			if tc.miss != nil {
				tc.miss(f)
				f.b.trWantRunCount(t, w, 0, "after an event the trigger does not match")
			}
			tc.hit(f, w)
			f.b.trCheckFired(t, w, f.sess.GetId(), tc.kind, tc.want(f))
			if tc.after != nil {
				tc.after(f, w)
			}
		})
	}
	// The table covers every trigger kind of the API.
	for name := range workflowtest.ValidTriggers {
		if !kinds[string(name)] {
			t.Errorf("trigger kind %s has no case", name)
		}
	}
}

// trLifecycle runs a lifecycle RPC (pause, resume, archive) on a workflow.
func (b *testBundle) trLifecycle(t testing.TB, id string, call func(ctx context.Context, c workflowv1connect.WorkflowServiceClient) error) {
	t.Helper()
	if err := call(context.Background(), b.workflows(b.all)); err != nil {
		t.Fatalf("lifecycle call on %s: %v", id, err)
	}
}

func (b *testBundle) trPause(t testing.TB, id string) {
	t.Helper()
	b.trLifecycle(t, id, func(ctx context.Context, c workflowv1connect.WorkflowServiceClient) error {
		_, err := c.PauseWorkflow(ctx, connect.NewRequest(&workflowv1.PauseWorkflowRequest{WorkflowId: id}))
		return err
	})
}

func (b *testBundle) trResume(t testing.TB, id string) {
	t.Helper()
	b.trLifecycle(t, id, func(ctx context.Context, c workflowv1connect.WorkflowServiceClient) error {
		_, err := c.ResumeWorkflow(ctx, connect.NewRequest(&workflowv1.ResumeWorkflowRequest{WorkflowId: id}))
		return err
	})
}

func (b *testBundle) trArchive(t testing.TB, id string) {
	t.Helper()
	b.trLifecycle(t, id, func(ctx context.Context, c workflowv1connect.WorkflowServiceClient) error {
		_, err := c.ArchiveWorkflow(ctx, connect.NewRequest(&workflowv1.ArchiveWorkflowRequest{WorkflowId: id}))
		return err
	})
}

// trCreateDraft creates a workflow with a draft and never publishes it.
func (b *testBundle) trCreateDraft(t testing.TB, name string, g *workflowv1.Graph) *workflowv1.Workflow {
	t.Helper()
	res, err := b.workflows(b.all).CreateWorkflow(context.Background(), connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: name, Draft: g}))
	if err != nil {
		t.Fatalf("CreateWorkflow: %v", err)
	}
	return res.Msg.GetWorkflow()
}

// trTriggerErr is a TriggerWorkflow expected to be refused.
func (b *testBundle) trTriggerErr(workflowID, sessionID string, vars *structpb.Struct) error {
	_, err := b.workflows(b.all).TriggerWorkflow(context.Background(), connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: workflowID, SessionId: sessionID, Variables: vars,
	}))
	return err
}

// newTrSessionFixture is a fixture with its widget session open.
func newTrSessionFixture(t *testing.T, opts ...setupOption) *trFixture {
	b := setup(t, opts...)
	f := &trFixture{t: t, b: b, ctx: context.Background(), api: b.sessionClient(b.all), ids: map[string]string{}}
	f.sess, f.token = b.widgetSession(t)
	return f
}

func TestOnlyThePublishedVersionOfAnActiveWorkflowRuns(t *testing.T) {
	t.Run("a draft never published starts nothing", func(t *testing.T) {
		f := newTrSessionFixture(t)
		draft := f.b.trCreateDraft(t, "draft", trSayGraph(&workflowv1.LabelAddedTrigger{}, "draft fired {{ label }}"))
		control := f.b.trPublishSay(t, "control", &workflowv1.LabelAddedTrigger{}, "control fired {{ label }}")
		f.labels([]string{"vip"}, nil)
		f.b.trWantRunCount(t, draft, 0, "a label was added, the workflow was never published")
		f.b.trCheckFired(t, control, f.sess.GetId(), "label_added", "control fired vip")

		prog := f.b.trCreateDraft(t, "draft programmatic", trSayGraph(&workflowv1.ProgrammaticTrigger{}, "hi"))
		err := f.b.trTriggerErr(prog.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "publish") {
			t.Errorf("refusal %q does not say to publish", err)
		}
		f.b.trWantRunCount(t, prog, 0, "a refused trigger")
	})

	t.Run("a paused workflow starts nothing until resumed", func(t *testing.T) {
		f := newTrSessionFixture(t)
		w := f.b.trPublishSay(t, "paused", &workflowv1.LabelAddedTrigger{}, "paused fired {{ label }}")
		prog := f.b.trPublishSay(t, "paused programmatic", &workflowv1.ProgrammaticTrigger{}, "prog fired")
		f.b.trPause(t, w.GetId())
		f.b.trPause(t, prog.GetId())
		f.labels([]string{"while-paused"}, nil)
		f.b.trWantRunCount(t, w, 0, "a label was added while the workflow was paused")
		err := f.b.trTriggerErr(prog.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "paused") {
			t.Errorf("refusal %q does not say the workflow is paused", err)
		}
		f.b.trWantRunCount(t, prog, 0, "a refused trigger")

		f.b.trResume(t, w.GetId())
		f.b.trResume(t, prog.GetId())
		f.labels([]string{"after-resume"}, nil)
		f.b.trCheckFired(t, w, f.sess.GetId(), "label_added", "paused fired after-resume")
		f.b.trFinish(t, f.b.trigger(t, prog.GetId(), f.sess.GetId(), nil))
	})

	t.Run("an archived workflow starts nothing", func(t *testing.T) {
		f := newTrSessionFixture(t)
		w := f.b.trPublishSay(t, "archived", &workflowv1.LabelAddedTrigger{}, "archived fired {{ label }}")
		prog := f.b.trPublishSay(t, "archived programmatic", &workflowv1.ProgrammaticTrigger{}, "prog fired")
		draft := f.b.trCreateDraft(t, "archived draft", trSayGraph(&workflowv1.ProgrammaticTrigger{}, "hi"))
		f.b.trArchive(t, w.GetId())
		f.b.trArchive(t, prog.GetId())
		f.b.trArchive(t, draft.GetId())
		f.labels([]string{"vip"}, nil)
		f.b.trWantRunCount(t, w, 0, "a label was added after archiving")
		err := f.b.trTriggerErr(prog.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		// An archived workflow cannot be resumed: the refusal must not say to.
		if !strings.Contains(err.Error(), "archived") || strings.Contains(err.Error(), "resume") {
			t.Errorf("refusal %q should say the workflow is archived, without suggesting to resume it", err)
		}
		f.b.trWantRunCount(t, prog, 0, "a refused trigger")
		wantCode(t, f.b.trTriggerErr(draft.GetId(), f.sess.GetId(), nil), connect.CodeFailedPrecondition)
	})

	t.Run("draft edits do not run until published", func(t *testing.T) {
		f := newTrSessionFixture(t)
		c := f.b.workflows(f.b.all)
		w := f.b.trPublishSay(t, "versioned", &workflowv1.LabelAddedTrigger{}, "v1 saw {{ label }}")
		prog := f.b.trPublishSay(t, "versioned programmatic", &workflowv1.ProgrammaticTrigger{}, "v1 says {{ word }}")
		for _, id := range []string{w.GetId(), prog.GetId()} {
			g := trSayGraph(&workflowv1.LabelAddedTrigger{}, "v2 saw {{ label }}")
			if id == prog.GetId() {
				g = trSayGraph(&workflowv1.ProgrammaticTrigger{}, "v2 says {{ word }}")
			}
			up, err := c.UpdateDraft(f.ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{WorkflowId: id, Draft: g}))
			if err != nil {
				t.Fatal(err)
			}
			if up.Msg.GetWorkflow().GetPublishedVersion() != 1 || up.Msg.GetWorkflow().GetStatus() != workflowv1.WorkflowStatus_WORKFLOW_STATUS_ACTIVE {
				t.Fatalf("saving the draft changed what runs: %v", up.Msg.GetWorkflow())
			}
		}
		f.labels([]string{"first"}, nil)
		r := f.b.trCheckFired(t, w, f.sess.GetId(), "label_added", "v1 saw first")
		if r.GetVersion() != 1 {
			t.Fatalf("run version %d, want 1", r.GetVersion())
		}
		pr := f.b.trFinish(t, f.b.trigger(t, prog.GetId(), f.sess.GetId(), map[string]any{"word": "hello"}))
		if pr.GetVersion() != 1 {
			t.Fatalf("programmatic run version %d, want 1", pr.GetVersion())
		}
		f.b.trWantSaid(t, f.sess.GetId(), pr.GetId(), "v1 says hello")

		// Published, the edit runs.
		for _, id := range []string{w.GetId(), prog.GetId()} {
			if _, err := c.PublishWorkflow(f.ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: id})); err != nil {
				t.Fatal(err)
			}
		}
		f.labels([]string{"second"}, nil)
		runs := f.b.trWantRunCount(t, w, 2, "after the second label")
		r = f.b.trFinish(t, runs[0].GetId())
		if r.GetVersion() != 2 {
			t.Fatalf("run after republishing has version %d, want 2", r.GetVersion())
		}
		f.b.trWantSaid(t, f.sess.GetId(), r.GetId(), "v2 saw second")
		pr = f.b.trFinish(t, f.b.trigger(t, prog.GetId(), f.sess.GetId(), map[string]any{"word": "again"}))
		if pr.GetVersion() != 2 {
			t.Fatalf("programmatic run version %d, want 2", pr.GetVersion())
		}
		f.b.trWantSaid(t, f.sess.GetId(), pr.GetId(), "v2 says again")
	})

	t.Run("a draft's new trigger kind does not apply until published", func(t *testing.T) {
		f := newTrSessionFixture(t)
		c := f.b.workflows(f.b.all)
		w := f.b.trPublishSay(t, "switching", &workflowv1.LabelAddedTrigger{}, "v1 saw {{ label }}")
		if _, err := c.UpdateDraft(f.ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
			WorkflowId: w.GetId(), Draft: trSayGraph(&workflowv1.ProgrammaticTrigger{}, "v2 from code"),
		})); err != nil {
			t.Fatal(err)
		}
		err := f.b.trTriggerErr(w.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		f.labels([]string{"vip"}, nil)
		f.b.trCheckFired(t, w, f.sess.GetId(), "label_added", "v1 saw vip")

		if _, err := c.PublishWorkflow(f.ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: w.GetId()})); err != nil {
			t.Fatal(err)
		}
		f.labels([]string{"gold"}, nil)
		f.b.trWantRunCount(t, w, 1, "a label after publishing a programmatic version")
		r := f.b.trFinish(t, f.b.trigger(t, w.GetId(), f.sess.GetId(), nil))
		if r.GetVersion() != 2 || r.GetTrigger() != "programmatic" {
			t.Fatalf("run version %d trigger %q, want 2 programmatic", r.GetVersion(), r.GetTrigger())
		}
		f.b.trWantSaid(t, f.sess.GetId(), r.GetId(), "v2 from code")
	})

	t.Run("trigger refusals", func(t *testing.T) {
		f := newTrSessionFixture(t)
		labelled := f.b.trPublishSay(t, "event workflow", &workflowv1.LabelAddedTrigger{}, "hi")
		prog := f.b.trPublishSay(t, "programmatic", &workflowv1.ProgrammaticTrigger{}, "hi")

		err := f.b.trTriggerErr(labelled.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "label_added") {
			t.Errorf("refusal %q does not name the workflow's trigger", err)
		}
		err = f.b.trTriggerErr(prog.GetId(), "session_00000000-0000-4000-8000-000000000000", nil)
		wantCode(t, err, connect.CodeNotFound)
		err = f.b.trTriggerErr("scenario_00000000-0000-4000-8000-000000000000", f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeNotFound)
		nested, _ := structpb.NewStruct(map[string]any{"ok": "yes", "cart": map[string]any{"total": 3}})
		err = f.b.trTriggerErr(prog.GetId(), f.sess.GetId(), nested)
		wantCode(t, err, connect.CodeInvalidArgument)
		if !strings.Contains(err.Error(), "cart") {
			t.Errorf("refusal %q does not name the variable", err)
		}
		if runs := f.b.trListRuns(t, &workflowv1.ListRunsRequest{}); len(runs) != 0 {
			t.Fatalf("refused triggers started runs: %v", runs)
		}
	})
}

// trWaitAllFinished polls the runs req lists until there are at least n and
// none is unfinished, and returns them. A run caused by a step is created
// in that step's transaction, so once every run listed has finished no
// further run can appear.
func (b *testBundle) trWaitAllFinished(t testing.TB, req *workflowv1.ListRunsRequest, n int) []*workflowv1.Run {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runs := b.trListRuns(t, req)
		done := len(runs) >= n
		for _, r := range runs {
			switch r.GetStatus() {
			case completed, failed, cancelled:
			default:
				done = false
			}
		}
		if done {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs did not all finish (want at least %d): %v", n, runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// trStepErrors returns the error texts of a run's steps, by step kind.
func trStepErrors(r *workflowv1.Run) map[string]string {
	out := map[string]string{}
	for _, s := range r.GetSteps() {
		if s.GetError() != "" {
			out[s.GetKind()] += s.GetError()
		}
	}
	return out
}

func TestRuntimeGuards(t *testing.T) {
	t.Run("a cascade through other workflows stops at the maximum depth", func(t *testing.T) {
		// A label-added workflow may not add a label (validation's loop
		// pairs), so the loop goes through custom data: A, on label x,
		// removes x and sets "ping"; B, on "ping", adds x back.
		f := newTrSessionFixture(t)
		a := f.b.publish(t, "A", workflowtest.ChainGraph(
			node("t", &workflowv1.LabelAddedTrigger{Labels: []string{"x"}}),
			node("unlabel", &workflowv1.RemoveLabelAction{Labels: []string{"x"}}),
			node("ping", &workflowv1.SetDataAction{Key: "ping", Value: "{{ label }}", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION}),
		))
		bw := f.b.publish(t, "B", workflowtest.ChainGraph(
			node("t", &workflowv1.CustomDataUpdatedTrigger{Key: "ping"}),
			node("label", &workflowv1.AddLabelAction{Labels: []string{"x"}}),
		))
		f.labels([]string{"x"}, nil)
		runs := f.b.trWaitAllFinished(t, &workflowv1.ListRunsRequest{SessionId: f.sess.GetId()}, 4)
		if len(runs) != 4 {
			t.Fatalf("the cascade made %d runs, want 4 (depths 0 to 3): %v", len(runs), runs)
		}
		slices.Reverse(runs) // oldest first
		wantWorkflows := []string{a.GetId(), bw.GetId(), a.GetId(), bw.GetId()}
		for i, r := range runs {
			if r.GetDepth() != int32(i) || r.GetWorkflowId() != wantWorkflows[i] || r.GetStatus() != completed {
				t.Fatalf("run %d: workflow %s depth %d status %v, want workflow %s depth %d completed", i, r.GetWorkflowId(), r.GetDepth(), r.GetStatus(), wantWorkflows[i], i)
			}
		}
		// The step of the depth-3 run that would have started a depth-4 run
		// says why it did not.
		last := f.b.getRun(t, runs[3].GetId())
		if msg := trStepErrors(last)["add_label"]; !strings.Contains(msg, "cascade stopped") || !strings.Contains(msg, `"A"`) {
			t.Fatalf("the stopping step's error is %q, want it to say the cascade stopped and name A; steps %v", msg, last.GetSteps())
		}
		for _, r := range runs[:3] {
			if errs := trStepErrors(f.b.getRun(t, r.GetId())); len(errs) != 0 {
				t.Errorf("run at depth %d has step errors %v", r.GetDepth(), errs)
			}
		}
		// Each caused event names the run that caused it.
		var causes []string
		for _, ev := range f.b.events(t, f.sess.GetId()) {
			if ev.GetLabelAdded().GetLabel() == "x" {
				causes = append(causes, ev.GetCauseRunId())
			}
		}
		if want := []string{"", runs[1].GetId(), runs[3].GetId()}; !slices.Equal(causes, want) {
			t.Errorf("label x was added by runs %q, want %q", causes, want)
		}
	})

	t.Run("a run never re-triggers its own workflow", func(t *testing.T) {
		// The validator refuses a custom-data workflow that sets its own
		// key, so the run that sets it is one of an earlier version: W v1
		// (programmatic) waits, W v2 (on "k") is published, then the v1
		// run sets "k". V, also on "k", shows the event does start runs.
		f := newTrSessionFixture(t)
		c := f.b.workflows(f.b.all)
		w := f.b.publish(t, "W", workflowtest.ChainGraph(
			programmatic(),
			node("ask", &workflowv1.SendMessageAction{Text: "Tell me"}),
			node("wait", &workflowv1.WaitForEventNode{Event: workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE, Variable: "reply",
				Timeout: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_HOURS}}),
			node("set", &workflowv1.SetDataAction{Key: "k", Value: "{{ reply }}", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION}),
		))
		v := f.b.trPublishSay(t, "V", &workflowv1.CustomDataUpdatedTrigger{Key: "k"}, "V saw {{ value }}")
		first := f.b.trigger(t, w.GetId(), f.sess.GetId(), nil)
		f.b.waitRun(t, first, waiting)
		if _, err := c.UpdateDraft(f.ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
			WorkflowId: w.GetId(), Draft: trSayGraph(&workflowv1.CustomDataUpdatedTrigger{Key: "k"}, "W saw {{ value }}"),
		})); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PublishWorkflow(f.ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: w.GetId()})); err != nil {
			t.Fatal(err)
		}
		f.visitorSays("from the run")
		f.b.trFinish(t, first)
		vRuns := f.b.trWantRunCount(t, v, 1, "the W run set k")
		vr := f.b.trFinish(t, vRuns[0].GetId())
		if vr.GetDepth() != 1 {
			t.Fatalf("V's run has depth %d, want 1 (caused by W's run)", vr.GetDepth())
		}
		f.b.trWantSaid(t, f.sess.GetId(), vr.GetId(), "V saw from the run")
		f.b.trWantRunCount(t, w, 1, "W's own run set k, which W v2 watches")

		// An outside change of k starts W once.
		f.setData("k", structpb.NewStringValue("outside"))
		wRuns := f.b.trWantRunCount(t, w, 2, "k changed from outside")
		wr := f.b.trFinish(t, wRuns[0].GetId())
		if wr.GetVersion() != 2 || wr.GetDepth() != 0 || wr.GetTrigger() != "custom_data_updated" {
			t.Fatalf("W's run on the outside change: version %d depth %d trigger %q", wr.GetVersion(), wr.GetDepth(), wr.GetTrigger())
		}
		f.b.trWantSaid(t, f.sess.GetId(), wr.GetId(), "W saw outside")
		f.b.trWaitAllFinished(t, &workflowv1.ListRunsRequest{SessionId: f.sess.GetId()}, 4)
		f.b.trWantRunCount(t, w, 2, "after everything finished")
		f.b.trWantRunCount(t, v, 2, "after everything finished")
	})

	t.Run("one event starts its matching workflows only up to the cap", func(t *testing.T) {
		f := newTrSessionFixture(t)
		day := &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_DAYS}}
		sleeper := f.b.publish(t, "sleeper", workflowtest.ChainGraph(programmatic(), node("sleep", day)))
		onLabel := func(name string) *workflowv1.Workflow {
			return f.b.publish(t, name, workflowtest.ChainGraph(node("start", &workflowv1.LabelAddedTrigger{}), node("sleep", day)))
		}
		first, second := onLabel("first on label"), onLabel("second on label")
		for range 9 {
			f.b.waitRun(t, f.b.trigger(t, sleeper.GetId(), f.sess.GetId(), nil), waiting)
		}
		f.labels([]string{"vip"}, nil) // both match; one place is left
		if got := len(f.b.trRunsOf(t, first.GetId())) + len(f.b.trRunsOf(t, second.GetId())); got != 1 {
			t.Fatalf("the label started %d runs on a session one run short of its cap, want 1", got)
		}
	})

	t.Run("a session has at most 10 unfinished runs", func(t *testing.T) {
		f := newTrSessionFixture(t)
		sleeper := f.b.publish(t, "sleeper", workflowtest.ChainGraph(programmatic(),
			node("sleep", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_DAYS}})))
		labelled := f.b.trPublishSay(t, "on label", &workflowv1.LabelAddedTrigger{}, "saw {{ label }}")
		var ids []string
		for range 10 {
			ids = append(ids, f.b.trigger(t, sleeper.GetId(), f.sess.GetId(), nil))
		}
		for _, id := range ids {
			f.b.waitRun(t, id, waiting)
		}
		err := f.b.trTriggerErr(sleeper.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeResourceExhausted)
		if !strings.Contains(err.Error(), "10") {
			t.Errorf("refusal %q does not give the limit", err)
		}
		f.b.trWantRunCount(t, sleeper, 10, "the 11th start was refused")
		// Events start nothing on the full session either.
		f.labels([]string{"vip"}, nil)
		f.b.trWantRunCount(t, labelled, 0, "a label was added on a session at its cap")

		// The cap is per session.
		other, _ := f.b.widgetSession(t)
		f.b.waitRun(t, f.b.trigger(t, sleeper.GetId(), other.GetId(), nil), waiting)

		// A finished run frees a place.
		if _, err := f.b.workflows(f.b.all).CancelRun(f.ctx, connect.NewRequest(&workflowv1.CancelRunRequest{RunId: ids[0]})); err != nil {
			t.Fatal(err)
		}
		f.b.waitRun(t, f.b.trigger(t, sleeper.GetId(), f.sess.GetId(), nil), waiting)
		unfinished := f.b.trListRuns(t, &workflowv1.ListRunsRequest{SessionId: f.sess.GetId(), Statuses: []workflowv1.RunStatus{
			workflowv1.RunStatus_RUN_STATUS_PENDING, workflowv1.RunStatus_RUN_STATUS_RUNNING, waiting,
		}})
		if len(unfinished) != 10 {
			t.Fatalf("session has %d unfinished runs, want 10", len(unfinished))
		}
		wantCode(t, f.b.trTriggerErr(sleeper.GetId(), f.sess.GetId(), nil), connect.CodeResourceExhausted)
	})

	t.Run("run once per session: a second trigger is refused", func(t *testing.T) {
		f := newTrSessionFixture(t)
		once := &workflowv1.WorkflowSettings{RunOncePerSession: true}
		w := f.b.trPublishSay(t, "once", &workflowv1.ProgrammaticTrigger{}, "once for {{ visitor.name }}", once)
		f.b.trFinish(t, f.b.trigger(t, w.GetId(), f.sess.GetId(), nil))
		err := f.b.trTriggerErr(w.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "once") {
			t.Errorf("refusal %q does not say the workflow runs once", err)
		}
		f.b.trWantRunCount(t, w, 1, "the second start was refused")
		other, _ := f.b.widgetSession(t)
		f.b.trFinish(t, f.b.trigger(t, w.GetId(), other.GetId(), nil))
		f.b.trWantRunCount(t, w, 2, "a start on another session")
	})

	t.Run("run once per session: a second matching event starts nothing", func(t *testing.T) {
		f := newTrSessionFixture(t)
		once := &workflowv1.WorkflowSettings{RunOncePerSession: true}
		w := f.b.trPublishSay(t, "once", &workflowv1.LabelAddedTrigger{}, "once saw {{ label }}", once)
		f.labels([]string{"first"}, nil)
		f.b.trCheckFired(t, w, f.sess.GetId(), "label_added", "once saw first")
		f.labels([]string{"second"}, nil)
		f.b.trWantRunCount(t, w, 1, "a second matching event on the same session")
		other, _ := f.b.widgetSession(t)
		if _, err := f.api.UpdateLabels(f.ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: other.GetId(), Add: []string{"first"}})); err != nil {
			t.Fatal(err)
		}
		f.b.trWantRunCount(t, w, 2, "the event on another session")
	})

	t.Run("stop workflow: nothing starts during the cooldown", func(t *testing.T) {
		f := newTrSessionFixture(t)
		stopper := f.b.publish(t, "stopper", workflowtest.ChainGraph(programmatic(),
			node("stop", &workflowv1.StopWorkflowNode{Cooldown: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_HOURS}})))
		labelled := f.b.trPublishSay(t, "on label", &workflowv1.LabelAddedTrigger{}, "saw {{ label }}")
		prog := f.b.trPublishSay(t, "programmatic", &workflowv1.ProgrammaticTrigger{}, "hi")
		r := f.b.trFinish(t, f.b.trigger(t, stopper.GetId(), f.sess.GetId(), nil))
		if until := r.GetSteps()[1].GetOutput().GetFields()["workflows_stopped_until"].GetStringValue(); until == "" {
			t.Fatalf("the stop step records no end of cooldown: %v", r.GetSteps()[1])
		}
		f.labels([]string{"vip"}, nil)
		f.b.trWantRunCount(t, labelled, 0, "a label was added during the cooldown")
		err := f.b.trTriggerErr(prog.GetId(), f.sess.GetId(), nil)
		wantCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "stopped") {
			t.Errorf("refusal %q does not say workflows are stopped", err)
		}
		// Other sessions are not stopped.
		other, _ := f.b.widgetSession(t)
		if _, err := f.api.UpdateLabels(f.ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: other.GetId(), Add: []string{"vip"}})); err != nil {
			t.Fatal(err)
		}
		f.b.trCheckFired(t, labelled, other.GetId(), "label_added", "saw vip")
	})

	t.Run("stop workflow: workflows start again after the cooldown", func(t *testing.T) {
		f := newTrSessionFixture(t)
		stopper := f.b.publish(t, "stopper", workflowtest.ChainGraph(programmatic(),
			node("stop", &workflowv1.StopWorkflowNode{Cooldown: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}})))
		labelled := f.b.trPublishSay(t, "on label", &workflowv1.LabelAddedTrigger{}, "saw {{ label }}")
		r := f.b.trFinish(t, f.b.trigger(t, stopper.GetId(), f.sess.GetId(), nil))
		f.labels([]string{"during"}, nil)
		f.b.trWantRunCount(t, labelled, 0, "a label was added during the cooldown")
		until, err := time.Parse(time.RFC3339Nano, r.GetSteps()[1].GetOutput().GetFields()["workflows_stopped_until"].GetStringValue())
		if err != nil {
			t.Fatalf("end of cooldown: %v", err)
		}
		if d := time.Until(until); d > 2*time.Second {
			t.Fatalf("a 1 s cooldown ends in %v", d)
		}
		time.Sleep(time.Until(until) + 100*time.Millisecond) // a wall-clock cooldown: nothing to poll
		f.labels([]string{"after"}, nil)
		f.b.trCheckFired(t, labelled, f.sess.GetId(), "label_added", "saw after")
	})
}

// trTriggerKey is a TriggerWorkflow with an idempotency key.
func (b *testBundle) trTriggerKey(t testing.TB, workflowID, sessionID, key string, vars map[string]any) (*workflowv1.TriggerWorkflowResponse, error) {
	t.Helper()
	res, err := b.workflows(b.all).TriggerWorkflow(context.Background(), connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: workflowID, SessionId: sessionID, Variables: mustStruct(t, vars), IdempotencyKey: key,
	}))
	return msg(res), err
}

func TestTriggerIdempotencyKey(t *testing.T) {
	f := newTrSessionFixture(t)
	w := f.b.trPublishSay(t, "receipt", &workflowv1.ProgrammaticTrigger{}, "Order {{ order_id }} received")
	other := f.b.trPublishSay(t, "other", &workflowv1.ProgrammaticTrigger{}, "Other {{ order_id }}")
	vars := map[string]any{"order_id": "A-1", "total": 12.5, "gift": true}

	first, err := f.b.trTriggerKey(t, w.GetId(), f.sess.GetId(), "order-A-1", vars)
	if err != nil {
		t.Fatal(err)
	}
	if first.GetRunId() == "" || first.GetRun().GetId() != first.GetRunId() {
		t.Fatalf("first trigger returned %v", first)
	}
	f.b.trFinish(t, first.GetRunId())

	t.Run("same key, same request: the same run", func(t *testing.T) {
		again, err := f.b.trTriggerKey(t, w.GetId(), f.sess.GetId(), "order-A-1", map[string]any{"gift": true, "total": 12.5, "order_id": "A-1"})
		if err != nil {
			t.Fatal(err)
		}
		if again.GetRunId() != first.GetRunId() {
			t.Fatalf("a repeated trigger made run %s, want the first run %s", again.GetRunId(), first.GetRunId())
		}
		f.b.trWantRunCount(t, w, 1, "a repeated trigger")
		f.b.trWantSaid(t, f.sess.GetId(), first.GetRunId(), "Order A-1 received")
		if got := f.b.botTexts(t, f.sess.GetId()); len(got) != 1 {
			t.Fatalf("the bot said %q, want one message", got)
		}
	})

	t.Run("same key, other variables: already exists", func(t *testing.T) {
		_, err := f.b.trTriggerKey(t, w.GetId(), f.sess.GetId(), "order-A-1", map[string]any{"order_id": "A-2"})
		wantCode(t, err, connect.CodeAlreadyExists)
		if !strings.Contains(err.Error(), "order-A-1") {
			t.Errorf("refusal %q does not name the key", err)
		}
		f.b.trWantRunCount(t, w, 1, "a refused trigger")
	})

	t.Run("same key, other session: already exists", func(t *testing.T) {
		s2, _ := f.b.widgetSession(t)
		_, err := f.b.trTriggerKey(t, w.GetId(), s2.GetId(), "order-A-1", vars)
		wantCode(t, err, connect.CodeAlreadyExists)
		f.b.trWantRunCount(t, w, 1, "a refused trigger")
	})

	t.Run("another key starts another run", func(t *testing.T) {
		res, err := f.b.trTriggerKey(t, w.GetId(), f.sess.GetId(), "order-A-1-retry", vars)
		if err != nil {
			t.Fatal(err)
		}
		if res.GetRunId() == first.GetRunId() {
			t.Fatal("another key returned the first run")
		}
		f.b.trFinish(t, res.GetRunId())
		f.b.trWantRunCount(t, w, 2, "a trigger with another key")
	})

	t.Run("keys belong to one workflow", func(t *testing.T) {
		res, err := f.b.trTriggerKey(t, other.GetId(), f.sess.GetId(), "order-A-1", vars)
		if err != nil {
			t.Fatal(err)
		}
		f.b.trFinish(t, res.GetRunId())
		f.b.trWantRunCount(t, other, 1, "the same key on another workflow")
	})

	t.Run("no key: every trigger starts a run", func(t *testing.T) {
		f.b.trigger(t, w.GetId(), f.sess.GetId(), vars)
		f.b.trigger(t, w.GetId(), f.sess.GetId(), vars)
		f.b.trWantRunCount(t, w, 4, "two triggers without a key")
	})
}

// trExecutions returns the execution counts of a workflow and of one of
// its versions.
func (b *testBundle) trExecutions(t testing.TB, workflowID string, version int32) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	c := b.workflows(b.all)
	w, err := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: workflowID}))
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.GetVersion(ctx, connect.NewRequest(&workflowv1.GetVersionRequest{WorkflowId: workflowID, Number: version}))
	if err != nil {
		t.Fatal(err)
	}
	return w.Msg.GetWorkflow().GetExecutionCount(), v.Msg.GetVersion().GetExecutionCount()
}

func trRunIDs(runs []*workflowv1.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.GetId()
	}
	return out
}

func TestRunHistory(t *testing.T) {
	f := newTrSessionFixture(t)
	c := f.b.workflows(f.b.all)
	s1 := f.sess.GetId()
	s2Session, _ := f.b.widgetSession(t)
	s2 := s2Session.GetId()
	p := f.b.trPublishSay(t, "P", &workflowv1.ProgrammaticTrigger{}, "P run {{ n }}")
	sleeper := f.b.publish(t, "D", workflowtest.ChainGraph(programmatic(),
		node("sleep", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_DAYS}})))

	// Five production runs of P, alternating sessions, each counted once.
	var prod []*workflowv1.Run // oldest first
	for i := range 5 {
		sess := []string{s1, s2}[i%2]
		prod = append(prod, f.b.trFinish(t, f.b.trigger(t, p.GetId(), sess, map[string]any{"n": float64(i + 1)})))
		wc, vc := f.b.trExecutions(t, p.GetId(), 1)
		if wc != int64(i+1) || vc != int64(i+1) {
			t.Fatalf("after %d production runs: workflow execution_count %d, version %d", i+1, wc, vc)
		}
	}
	// A waiting run of D, and a test run of P that is not counted.
	d := f.b.waitRun(t, f.b.trigger(t, sleeper.GetId(), s1, nil), waiting)
	tr, err := c.TestWorkflow(f.ctx, connect.NewRequest(&workflowv1.TestWorkflowRequest{WorkflowId: p.GetId(), Version: 1, SessionId: s1,
		Variables: mustStruct(t, map[string]any{"n": "test"})}))
	if err != nil {
		t.Fatal(err)
	}
	test := f.b.trFinish(t, tr.Msg.GetRun().GetId())
	if test.GetMode() != workflowv1.RunMode_RUN_MODE_TEST {
		t.Fatalf("test run mode %v", test.GetMode())
	}
	if wc, vc := f.b.trExecutions(t, p.GetId(), 1); wc != 5 || vc != 5 {
		t.Fatalf("a test run was counted: workflow execution_count %d, version %d, want 5", wc, vc)
	}
	if wc, vc := f.b.trExecutions(t, sleeper.GetId(), 1); wc != 1 || vc != 1 {
		t.Fatalf("D execution counts %d, %d, want 1", wc, vc)
	}

	ids := func(runs ...*workflowv1.Run) []string { return trRunIDs(runs) }
	newestFirst := func(runs ...*workflowv1.Run) []string {
		out := ids(runs...)
		slices.Reverse(out)
		return out
	}
	production := workflowv1.RunMode_RUN_MODE_PRODUCTION
	filters := []struct {
		name string
		req  *workflowv1.ListRunsRequest
		want []string
	}{
		{"everything", &workflowv1.ListRunsRequest{}, newestFirst(append(prod, d, test)...)},
		{"workflow", &workflowv1.ListRunsRequest{WorkflowId: p.GetId()}, newestFirst(append(prod, test)...)},
		{"workflow and production", &workflowv1.ListRunsRequest{WorkflowId: p.GetId(), Mode: production}, newestFirst(prod...)},
		{"test mode", &workflowv1.ListRunsRequest{Mode: workflowv1.RunMode_RUN_MODE_TEST}, ids(test)},
		{"manual mode", &workflowv1.ListRunsRequest{Mode: workflowv1.RunMode_RUN_MODE_MANUAL}, nil},
		{"waiting", &workflowv1.ListRunsRequest{Statuses: []workflowv1.RunStatus{waiting}}, ids(d)},
		{"completed or waiting", &workflowv1.ListRunsRequest{Statuses: []workflowv1.RunStatus{completed, waiting}}, newestFirst(append(prod, d, test)...)},
		{"failed", &workflowv1.ListRunsRequest{Statuses: []workflowv1.RunStatus{failed}}, nil},
		{"session 2", &workflowv1.ListRunsRequest{SessionId: s2}, newestFirst(prod[1], prod[3])},
		{"session 1, production", &workflowv1.ListRunsRequest{SessionId: s1, Mode: production}, newestFirst(prod[0], prod[2], prod[4], d)},
		{"session 1 and workflow D", &workflowv1.ListRunsRequest{SessionId: s1, WorkflowId: sleeper.GetId()}, ids(d)},
		{"session 2 and workflow D", &workflowv1.ListRunsRequest{SessionId: s2, WorkflowId: sleeper.GetId()}, nil},
		{"created after run 3", &workflowv1.ListRunsRequest{WorkflowId: p.GetId(), Mode: production, CreatedAfter: prod[2].GetCreatedAt()}, newestFirst(prod[2:]...)},
		{"created before run 3", &workflowv1.ListRunsRequest{WorkflowId: p.GetId(), CreatedBefore: prod[2].GetCreatedAt()}, newestFirst(prod[:2]...)},
		{"created between runs 2 and 4", &workflowv1.ListRunsRequest{WorkflowId: p.GetId(), CreatedAfter: prod[1].GetCreatedAt(), CreatedBefore: prod[3].GetCreatedAt()}, newestFirst(prod[1:3]...)},
	}
	for _, tc := range filters {
		t.Run("filter "+tc.name, func(t *testing.T) {
			if got := trRunIDs(f.b.trListRuns(t, tc.req)); !slices.Equal(got, tc.want) {
				t.Fatalf("ListRuns(%v)\n got %v\nwant %v", tc.req, got, tc.want)
			}
		})
	}

	t.Run("pages of 2", func(t *testing.T) {
		req := &workflowv1.ListRunsRequest{WorkflowId: p.GetId(), Mode: production, PageSize: 2}
		var seen []string
		var sizes []int
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatalf("paging does not end: %v", seen)
			}
			res, err := c.ListRuns(f.ctx, connect.NewRequest(req))
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(res.Msg.GetRuns()))
			for _, r := range res.Msg.GetRuns() {
				if slices.Contains(seen, r.GetId()) {
					t.Fatalf("run %s listed twice", r.GetId())
				}
				if len(r.GetSteps()) != 0 {
					t.Errorf("a listed run carries its steps")
				}
				seen = append(seen, r.GetId())
			}
			if res.Msg.GetNextPageToken() == "" {
				break
			}
			req.PageToken = res.Msg.GetNextPageToken()
		}
		if !slices.Equal(sizes, []int{2, 2, 1}) {
			t.Errorf("page sizes %v, want [2 2 1]", sizes)
		}
		if want := newestFirst(prod...); !slices.Equal(seen, want) {
			t.Fatalf("paged runs\n got %v\nwant %v (newest first)", seen, want)
		}
	})

	t.Run("a bad page token is refused", func(t *testing.T) {
		_, err := c.ListRuns(f.ctx, connect.NewRequest(&workflowv1.ListRunsRequest{PageToken: "not-a-token"}))
		wantCode(t, err, connect.CodeInvalidArgument)
	})

	t.Run("GetRun returns the steps in order with their times", func(t *testing.T) {
		r := f.b.getRun(t, prod[0].GetId())
		if got, want := stepKinds(r), []string{"programmatic:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED"}; !slices.Equal(got, want) {
			t.Fatalf("steps %v, want %v", got, want)
		}
		if r.GetCreatedAt() == nil || r.GetStartedAt() == nil || r.GetFinishedAt() == nil || r.GetFinishedAt().AsTime().Before(r.GetStartedAt().AsTime()) {
			t.Fatalf("run times: created %v started %v finished %v", r.GetCreatedAt(), r.GetStartedAt(), r.GetFinishedAt())
		}
		var prev time.Time
		for i, s := range r.GetSteps() {
			if s.GetIndex() != int32(i) {
				t.Fatalf("step %d has index %d", i, s.GetIndex())
			}
			if s.GetStartedAt() == nil || s.GetFinishedAt() == nil {
				t.Fatalf("step %d (%s) lacks times: %v", i, s.GetKind(), s)
			}
			start, end := s.GetStartedAt().AsTime(), s.GetFinishedAt().AsTime()
			if end.Before(start) || start.Before(prev) || start.Before(r.GetStartedAt().AsTime()) || end.After(r.GetFinishedAt().AsTime()) {
				t.Fatalf("step %d (%s) runs %v..%v after %v, run %v..%v", i, s.GetKind(), start, end, prev, r.GetStartedAt().AsTime(), r.GetFinishedAt().AsTime())
			}
			prev = end
		}
		if got := r.GetSteps()[1].GetInput().GetFields()["text"].GetStringValue(); got != "P run 1" {
			t.Errorf("send_message input text %q, want the rendered text", got)
		}
		f.b.trWantSaid(t, s1, r.GetId(), "P run 1")

		waitingRun := f.b.getRun(t, d.GetId())
		if got, want := stepKinds(waitingRun), []string{"programmatic:STEP_STATUS_COMPLETED", "delay:STEP_STATUS_WAITING"}; !slices.Equal(got, want) {
			t.Fatalf("waiting run steps %v, want %v", got, want)
		}
		if waitingRun.GetSteps()[1].GetFinishedAt() != nil || waitingRun.GetFinishedAt() != nil || waitingRun.GetWakeAt() == nil {
			t.Fatalf("a waiting step or run has finished, or no wake time: %v", waitingRun)
		}
		if wake := waitingRun.GetWakeAt().AsTime(); time.Until(wake) < 23*time.Hour {
			t.Errorf("a one-day delay wakes at %v", wake)
		}
	})
}

func TestWidgetRunWorkflowStartsARunOnItsOwnSessionOnly(t *testing.T) {
	f := newTrSessionFixture(t)
	w := f.b.trPublishSay(t, "widget", &workflowv1.ProgrammaticTrigger{}, "Hello {{ visitor.name }}, page {{ page }}, cart {{ items }}")
	widget := f.widget()
	res, err := widget.RunWorkflow(f.ctx, connect.NewRequest(&sessionv1.RunWorkflowRequest{
		SessionId: f.sess.GetId(), WorkflowId: w.GetId(), Variables: mustStruct(t, map[string]any{"page": "/pricing", "items": float64(3)}),
	}))
	if err != nil {
		t.Fatalf("RunWorkflow with the widget token: %v", err)
	}
	r := f.b.trCheckFired(t, w, f.sess.GetId(), "programmatic", "Hello Ada, page /pricing, cart 3")
	if r.GetId() != res.Msg.GetRunId() {
		t.Fatalf("RunWorkflow returned run %s, the workflow's run is %s", res.Msg.GetRunId(), r.GetId())
	}
	if got := r.GetVariables().GetFields()["page"].GetStringValue(); got != "/pricing" {
		t.Errorf("run variables %v", r.GetVariables())
	}

	t.Run("another session's id is refused", func(t *testing.T) {
		other, _ := f.b.widgetSession(t)
		_, err := widget.RunWorkflow(f.ctx, connect.NewRequest(&sessionv1.RunWorkflowRequest{SessionId: other.GetId(), WorkflowId: w.GetId()}))
		wantCode(t, err, connect.CodePermissionDenied)
		if runs := f.b.trListRuns(t, &workflowv1.ListRunsRequest{SessionId: other.GetId()}); len(runs) != 0 {
			t.Fatalf("a refused RunWorkflow started runs on the other session: %v", runs)
		}
		f.b.trWantRunCount(t, w, 1, "a refused RunWorkflow")
	})

	t.Run("the same refusals as TriggerWorkflow", func(t *testing.T) {
		labelled := f.b.trPublishSay(t, "event workflow", &workflowv1.LabelAddedTrigger{}, "hi")
		_, err := widget.RunWorkflow(f.ctx, connect.NewRequest(&sessionv1.RunWorkflowRequest{SessionId: f.sess.GetId(), WorkflowId: labelled.GetId()}))
		wantCode(t, err, connect.CodeFailedPrecondition)
		nested, _ := structpb.NewStruct(map[string]any{"cart": []any{"a"}})
		_, err = widget.RunWorkflow(f.ctx, connect.NewRequest(&sessionv1.RunWorkflowRequest{SessionId: f.sess.GetId(), WorkflowId: w.GetId(), Variables: nested}))
		wantCode(t, err, connect.CodeInvalidArgument)
		f.b.trWantRunCount(t, w, 1, "refused RunWorkflow calls")
	})

	t.Run("a widget token cannot call TriggerWorkflow", func(t *testing.T) {
		_, err := f.b.workflows(f.token).TriggerWorkflow(f.ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{WorkflowId: w.GetId(), SessionId: f.sess.GetId()}))
		wantCode(t, err, connect.CodePermissionDenied)
		f.b.trWantRunCount(t, w, 1, "a refused TriggerWorkflow")
	})
}

func TestConcurrentTriggersWithOneKeyMakeOneRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings *workflowv1.WorkflowSettings
	}{
		{"plain workflow", nil},
		// The retries must get the run, not "already ran on this session".
		{"run once per session", &workflowv1.WorkflowSettings{RunOncePerSession: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTrSessionFixture(t)
			w := f.b.trPublishSay(t, "receipt", &workflowv1.ProgrammaticTrigger{}, "Order {{ order_id }} received", tc.settings)
			const n = 8
			ids := make([]string, n)
			errs := make([]error, n)
			c := f.b.workflows(f.b.all)
			req := &workflowv1.TriggerWorkflowRequest{
				WorkflowId: w.GetId(), SessionId: f.sess.GetId(), Variables: mustStruct(t, map[string]any{"order_id": "7"}), IdempotencyKey: "order-7",
			}
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := c.TriggerWorkflow(f.ctx, connect.NewRequest(proto.Clone(req).(*workflowv1.TriggerWorkflowRequest)))
					ids[i], errs[i] = msg(res).GetRunId(), err
				}()
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("call %d of %d with the same key: %v", i+1, n, errs[i])
				}
				if ids[i] != ids[0] {
					t.Fatalf("calls with one key returned runs %v", ids)
				}
			}
			f.b.trWantRunCount(t, w, 1, "concurrent calls with one key")
			f.b.trFinish(t, ids[0])
			f.b.trWantSaid(t, f.sess.GetId(), ids[0], "Order 7 received")
		})
	}
}

func TestListRunsPagesThroughRunsCreatedTogether(t *testing.T) {
	// One event starts several workflows in one transaction: their runs
	// list in the order they started, and paging lists each exactly once.
	f := newTrSessionFixture(t)
	const n = 4
	for i := range n {
		f.b.trPublishSay(t, fmt.Sprintf("on label %d", i), &workflowv1.LabelAddedTrigger{}, fmt.Sprintf("workflow %d saw {{ label }}", i))
	}
	f.labels([]string{"vip"}, nil)
	all := f.b.trListRuns(t, &workflowv1.ListRunsRequest{SessionId: f.sess.GetId()})
	if len(all) != n {
		t.Fatalf("one event started %d runs, want %d", len(all), n)
	}
	for i := 1; i < n; i++ {
		if !all[i].GetCreatedAt().AsTime().Before(all[i-1].GetCreatedAt().AsTime()) {
			t.Fatalf("runs of one event are not listed newest first by the time each started: %v", all)
		}
	}
	paged := f.b.trListRuns(t, &workflowv1.ListRunsRequest{SessionId: f.sess.GetId(), PageSize: 1})
	if got, want := trRunIDs(paged), trRunIDs(all); !slices.Equal(got, want) {
		t.Fatalf("pages of one list\n got %v\nwant %v", got, want)
	}
	for _, r := range f.b.trWaitAllFinished(t, &workflowv1.ListRunsRequest{SessionId: f.sess.GetId()}, n) {
		if r.GetStatus() != completed {
			t.Errorf("run %s is %v", r.GetId(), r.GetStatus())
		}
	}
	if got := f.b.botTexts(t, f.sess.GetId()); len(got) != n {
		t.Errorf("the bot said %q, want one message per workflow", got)
	}
}

// Starts that arrive together are committed together, several to a
// transaction: each still gets its own answer, a refused one takes nothing
// of the others with it, and starts on one session see each other's
// messages in order.
func TestConcurrentTriggersAreCommittedTogether(t *testing.T) {
	f := newTrSessionFixture(t)
	w := f.b.trPublishSay(t, "receipt", &workflowv1.ProgrammaticTrigger{}, "Order {{ n }} received")
	draft := f.b.trCreateDraft(t, "never published", trSayGraph(&workflowv1.ProgrammaticTrigger{}, "draft"))
	sessions := []string{f.sess.GetId()}
	for range 3 {
		s, _ := f.b.widgetSession(t)
		sessions = append(sessions, s.GetId())
	}
	const n = 48
	ids, errs := make([]string, n), make([]error, n)
	refused := func(i int) bool { return i%6 == 5 }
	c := f.b.workflows(f.b.all)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := &workflowv1.TriggerWorkflowRequest{
				WorkflowId: w.GetId(), SessionId: sessions[i%len(sessions)], Variables: mustStruct(t, map[string]any{"n": i}),
			}
			if refused(i) {
				req.WorkflowId = draft.GetId()
			}
			res, err := c.TriggerWorkflow(f.ctx, connect.NewRequest(req))
			ids[i], errs[i] = msg(res).GetRunId(), err
		})
	}
	wg.Wait()
	started := 0
	for i := range n {
		if refused(i) {
			wantCode(t, errs[i], connect.CodeFailedPrecondition)
			continue
		}
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		f.b.trFinish(t, ids[i])
		f.b.trWantSaid(t, sessions[i%len(sessions)], ids[i], fmt.Sprintf("Order %d received", i))
		started++
	}
	f.b.trWantRunCount(t, w, started, "concurrent starts")
	f.b.trWantRunCount(t, draft, 0, "starts of a workflow never published")
	for _, s := range sessions {
		for i, ev := range f.b.events(t, s) {
			if ev.GetSequence() != int64(i+1) {
				t.Fatalf("session %s: event %d has sequence %d", s, i+1, ev.GetSequence())
			}
		}
	}
	conn, err := pgx.Connect(f.ctx, f.b.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(f.ctx)
	var txs int
	if err := conn.QueryRow(f.ctx, `SELECT count(DISTINCT xmin::text) FROM runs`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if txs >= started {
		t.Errorf("%d concurrent starts were committed in %d transactions, want fewer", started, txs)
	}
}
