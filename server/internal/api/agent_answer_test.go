package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// helpCenter is the knowledge base the agent tests answer from.
var helpCenter = []struct{ title, body string }{
	{"Resetting your password", "To reset your password, open the sign-in page and choose Forgot password. We email you a reset link that is valid for 24 hours."},
	{"Shipping times", "Orders ship within two business days. Standard delivery takes three to five days; express delivery arrives the next day."},
	{"Refund policy", "You can return any item within 30 days for a full refund. Refunds reach your card within a week of us receiving the parcel."},
}

func (b *testBundle) seedHelpCenter(t testing.TB) {
	t.Helper()
	for _, a := range helpCenter {
		if _, err := b.agentClient(b.all).UpsertArticle(context.Background(), connect.NewRequest(&agentv1.UpsertArticleRequest{Title: a.title, Body: a.body})); err != nil {
			t.Fatalf("UpsertArticle: %v", err)
		}
	}
}

// startAgent starts the agent on a session by RPC.
func (b *testBundle) startAgent(t testing.TB, sessionID, instruction, personaID string) {
	t.Helper()
	_, err := b.agentClient(b.all).TriggerAgent(context.Background(), connect.NewRequest(&agentv1.TriggerAgentRequest{
		SessionId: sessionID, Instruction: instruction, PersonaId: personaID,
	}))
	if err != nil {
		t.Fatalf("TriggerAgent: %v", err)
	}
}

// waitEvent polls the session's log until an event after sequence after
// satisfies match, and returns it.
func (b *testBundle) waitEvent(t testing.TB, sessionID string, after int64, what string, match func(*sessionv1.SessionEvent) bool) *sessionv1.SessionEvent {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, ev := range b.events(t, sessionID) {
			if ev.GetSequence() > after && match(ev) {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s on session %s after event %d; log: %v", what, sessionID, after, b.events(t, sessionID))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func byAgent(ev *sessionv1.SessionEvent) bool { return ev.GetActor() == sessionv1.Actor_ACTOR_AGENT }

func agentMessage(ev *sessionv1.SessionEvent) bool { return byAgent(ev) && ev.GetMessage() != nil }

func agentPicker(ev *sessionv1.SessionEvent) bool { return byAgent(ev) && ev.GetButtonPicker() != nil }

// agentState is the session's agent state now.
func (b *testBundle) agentState(t testing.TB, sessionID string) *sessionv1.AgentState {
	t.Helper()
	res, err := b.agentClient(b.all).GetAgentState(context.Background(), connect.NewRequest(&agentv1.GetAgentStateRequest{SessionId: sessionID}))
	if err != nil {
		t.Fatalf("GetAgentState: %v", err)
	}
	return res.Msg.GetState()
}

func TestBuiltInAgentAnswersFromTheKnowledgeBase(t *testing.T) {
	b := setup(t)
	b.seedHelpCenter(t)
	s, widget := b.widgetSession(t)
	b.startAgent(t, s.GetId(), "", "")

	cases := []struct {
		question, title, phrase string
	}{
		{"How do I reset my password?", "Resetting your password", "Forgot password"},
		{"when will my order ship", "Shipping times", "two business days"},
		{"Can I get a refund for an item?", "Refund policy", "30 days"},
	}
	for _, c := range cases {
		q := sendText(t, b, widget, s.GetId(), c.question)
		answer := b.waitEvent(t, s.GetId(), q.GetSequence(), "answer to "+c.question, func(ev *sessionv1.SessionEvent) bool { return byAgent(ev) })
		text := answer.GetMessage().GetText()
		if answer.GetMessage() == nil || !strings.Contains(text, c.phrase) || !strings.Contains(text, "“"+c.title+"”") {
			t.Errorf("%q: the agent answered %v, want the passage with %q and the title %q", c.question, answer, c.phrase, c.title)
		}
	}

	// Nothing matches: the agent says so and offers a person.
	q := sendText(t, b, widget, s.GetId(), "What is the weather like on Jupiter?")
	offer := b.waitEvent(t, s.GetId(), q.GetSequence(), "offer of a person", byAgent)
	picker := offer.GetButtonPicker()
	if picker == nil || !strings.Contains(picker.GetText(), "couldn't find") || len(picker.GetButtons()) != 1 ||
		picker.GetButtons()[0].GetValue() != "agent:human" || picker.GetButtons()[0].GetLabel() != "Talk to a person" {
		t.Fatalf("unmatched question: the agent answered %v, want a picker offering a person", offer)
	}

	// A question that shares one word of several with an article is not
	// answered with it: the agent asks which article the visitor means.
	q = sendText(t, b, widget, s.GetId(), "my neighbour's parrot keeps stealing parcel stickers")
	clarify := b.waitEvent(t, s.GetId(), q.GetSequence(), "clarifying question", byAgent)
	if p := clarify.GetButtonPicker(); p == nil || !strings.Contains(p.GetText(), "“Refund policy”") || !strings.Contains(p.GetText(), "not sure") {
		t.Errorf("weak match: the agent answered %v, want a clarifying question naming “Refund policy”", clarify)
	}

	// Clicking "Talk to a person" hands the conversation off.
	if _, err := b.sessionClient(widget).SendMessage(context.Background(), connect.NewRequest(&sessionv1.SendMessageRequest{
		SessionId: s.GetId(), Content: &sessionv1.SendMessageRequest_Button{Button: &sessionv1.ButtonChoice{PickerSequence: offer.GetSequence(), Value: "agent:human"}},
	})); err != nil {
		t.Fatal(err)
	}
	b.waitEvent(t, s.GetId(), clarify.GetSequence(), "hand-off signal", func(ev *sessionv1.SessionEvent) bool {
		return ev.GetDataSet().GetKey() == "agent" && ev.GetDataSet().GetValue().GetStringValue() == "paused:human"
	})
	if st := b.agentState(t, s.GetId()); st.GetActive() || st.GetPausedReason() != "human" {
		t.Errorf("after the button: agent %v, want paused for a human", st)
	}
}

func TestAgentHandsOffToAnAvailableHumanAndWorkflowsSeeTheSignal(t *testing.T) {
	b := setup(t)
	b.seedHelpCenter(t)
	b.operator(t, "Away", false)
	available := b.operator(t, "Grace", true)
	// A workflow reacts to the agent's signal, as seed 002's Crisp
	// workflow reacts to "chatbot_paused:human".
	b.publish(t, "after the hand-off", workflowtest.GraphAroundTrigger(
		node("t", &workflowv1.CustomDataUpdatedTrigger{Key: "agent"}),
		node("m", &workflowv1.SendMessageAction{Text: "The agent says {{ data.agent }}."}),
	))
	s, widget := b.widgetSession(t)
	b.startAgent(t, s.GetId(), "", "")

	q := sendText(t, b, widget, s.GetId(), "I want to talk to a human")
	signal := b.waitEvent(t, s.GetId(), q.GetSequence(), "paused:human", func(ev *sessionv1.SessionEvent) bool { return ev.GetDataSet() != nil })
	if !byAgent(signal) || signal.GetDataSet().GetKey() != "agent" || signal.GetDataSet().GetValue().GetStringValue() != "paused:human" {
		t.Errorf("signal %v, want agent = paused:human set by the agent", signal)
	}
	got := b.getSession(t, s.GetId())
	if got.GetAssignee().GetOperatorId() != available {
		t.Errorf("assigned to %v, want the available operator %s", got.GetAssignee(), available)
	}
	if st := got.GetAgent(); st.GetActive() || st.GetPausedReason() != "human" {
		t.Errorf("agent %v, want paused with reason human", st)
	}
	// The agent told the visitor, before the signal, and nothing else.
	var said []string
	for _, ev := range b.events(t, s.GetId()) {
		if agentMessage(ev) {
			said = append(said, ev.GetMessage().GetText())
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "passed the conversation to our team") {
		t.Errorf("the agent said %q, want one hand-off message", said)
	}
	b.waitEvent(t, s.GetId(), signal.GetSequence(), "the workflow's message", func(ev *sessionv1.SessionEvent) bool {
		return ev.GetMessage().GetText() == "The agent says paused:human."
	})

	// Paused, the agent answers nothing more.
	next := sendText(t, b, widget, s.GetId(), "How do I reset my password?")
	marker := sendText(t, b, b.all, s.GetId(), "Hi, Grace here.")
	time.Sleep(300 * time.Millisecond) // an answer would be queued before the operator's message
	for _, ev := range b.events(t, s.GetId()) {
		if ev.GetSequence() > next.GetSequence() && byAgent(ev) {
			t.Errorf("the paused agent wrote %v (operator's message at %d)", ev, marker.GetSequence())
		}
	}
}

func TestHandOffWithNobodyAvailableLeavesTheSessionUnassigned(t *testing.T) {
	b := setup(t)
	b.operator(t, "Away", false)
	s, widget := b.widgetSession(t)
	b.startAgent(t, s.GetId(), "", "")
	q := sendText(t, b, widget, s.GetId(), "Can I speak to someone please?")
	msg := b.waitEvent(t, s.GetId(), q.GetSequence(), "hand-off message", agentMessage)
	if !strings.Contains(msg.GetMessage().GetText(), "Nobody from our team is available") {
		t.Errorf("hand-off message %q, want it to say nobody is available", msg.GetMessage().GetText())
	}
	b.waitEvent(t, s.GetId(), q.GetSequence(), "paused:human", func(ev *sessionv1.SessionEvent) bool {
		return ev.GetDataSet().GetValue().GetStringValue() == "paused:human"
	})
	if a := b.getSession(t, s.GetId()).GetAssignee(); a.GetKind() != nil {
		t.Errorf("assignee %v, want none", a)
	}
}

// Seed 002: the agent starts and pauses by RPC, by session data, by a
// button's value and by workflow steps.
func TestAgentStartsAndPausesOnEachSignal(t *testing.T) {
	b := setup(t)
	b.seedHelpCenter(t)
	ctx := context.Background()
	picker := b.publish(t, "agent buttons", workflowtest.GraphAroundTrigger(programmatic(), node("p", &workflowv1.ButtonPickerAction{
		Text: "Who should answer?", Buttons: []*sessionv1.Button{{Label: "The assistant", Value: "agent:start"}, {Label: "Stop the assistant", Value: "agent:pause"}},
	})))
	startFlow := b.publish(t, "start agent", workflowtest.GraphAroundTrigger(programmatic(), node("a", &workflowv1.StartAgentAction{Instruction: "Be brief."})))
	pauseFlow := b.publish(t, "pause agent", workflowtest.GraphAroundTrigger(programmatic(), node("a", &workflowv1.PauseAgentAction{})))
	s, widget := b.widgetSession(t)
	sid := s.GetId()

	want := func(how string, active bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for b.agentState(t, sid).GetActive() != active {
			if time.Now().After(deadline) {
				t.Fatalf("%s: agent active=%v, want %v", how, !active, active)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// answers checks the agent is really answering, not just marked so.
	answers := func(how string) {
		t.Helper()
		q := sendText(t, b, widget, sid, "How do I reset my password?")
		if ev := b.waitEvent(t, sid, q.GetSequence(), "answer after "+how, byAgent); !strings.Contains(ev.GetMessage().GetText(), "Forgot password") {
			t.Errorf("after %s the agent answered %v", how, ev)
		}
	}
	setData := func(value string) {
		t.Helper()
		v, _ := structpb.NewValue(value)
		if _, err := b.sessionClient(widget).SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{SessionId: sid, Key: "agent", Value: v})); err != nil {
			t.Fatal(err)
		}
	}
	choose := func(value string) {
		t.Helper()
		run := b.trigger(t, picker.GetId(), sid, nil)
		shown := b.waitEvent(t, sid, 0, "picker of run "+run, func(ev *sessionv1.SessionEvent) bool {
			return ev.GetCauseRunId() == run && ev.GetButtonPicker() != nil
		})
		if _, err := b.sessionClient(widget).SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{
			SessionId: sid, Content: &sessionv1.SendMessageRequest_Button{Button: &sessionv1.ButtonChoice{PickerSequence: shown.GetSequence(), Value: value}},
		})); err != nil {
			t.Fatal(err)
		}
	}

	b.startAgent(t, sid, "", "")
	want("TriggerAgent", true)
	if _, err := b.agentClient(b.all).PauseAgent(ctx, connect.NewRequest(&agentv1.PauseAgentRequest{SessionId: sid})); err != nil {
		t.Fatal(err)
	}
	want("PauseAgent", false)

	setData("start")
	want("session data agent=start", true)
	answers("session data agent=start")
	setData("pause")
	want("session data agent=pause", false)

	choose("agent:start")
	want("button agent:start", true)
	answers("button agent:start")
	choose("agent:pause")
	want("button agent:pause", false)

	b.waitRun(t, b.trigger(t, startFlow.GetId(), sid, nil), workflowv1.RunStatus_RUN_STATUS_COMPLETED)
	want("Start AI agent step", true)
	if st := b.agentState(t, sid); st.GetInstruction() != "Be brief." {
		t.Errorf("the step's instruction: %q", st.GetInstruction())
	}
	answers("Start AI agent step")
	b.waitRun(t, b.trigger(t, pauseFlow.GetId(), sid, nil), workflowv1.RunStatus_RUN_STATUS_COMPLETED)
	want("Pause AI agent step", false)

	// Other values of the key are plain data.
	setData("paused:human")
	setData("begin")
	if b.agentState(t, sid).GetActive() {
		t.Error("agent=begin started the agent")
	}
}
