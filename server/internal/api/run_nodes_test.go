package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/mail"
	"github.com/parleyhq/parley/server/internal/mail/mailtest"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// Over-the-wire tests of every non-trigger node kind: each starts a run on
// a real session and checks both what the session's event log shows and
// what the run's steps record.

// --- Helpers (named apart from run_test.go's and run_triggers_test.go's) ---

// wiredGraph is nodes with edges written as {from, port, to}.
func wiredGraph(nodes []*workflowv1.Node, edges ...[3]string) *workflowv1.Graph {
	g := &workflowv1.Graph{Nodes: nodes}
	for _, e := range edges {
		g.Edges = append(g.Edges, workflowtest.NewEdge(e[0], e[1], e[2]))
	}
	return g
}

// seconds is a duration of n seconds as a builder enters it.
func seconds(n int32) *workflowv1.Duration {
	return &workflowv1.Duration{Amount: n, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}
}

func say(id, text string) *workflowv1.Node {
	return node(id, &workflowv1.SendMessageAction{Text: text})
}

// stepOf returns the last step a run executed at a node.
func stepOf(t testing.TB, r *workflowv1.Run, nodeID string) *workflowv1.Step {
	t.Helper()
	for i := len(r.GetSteps()) - 1; i >= 0; i-- {
		if st := r.GetSteps()[i]; st.GetNodeId() == nodeID {
			return st
		}
	}
	t.Fatalf("run %s has no step at node %q; steps %v", r.GetId(), nodeID, stepKinds(r))
	return nil
}

// out is a field of a step's output (nil when absent).
func out(st *workflowv1.Step, key string) *structpb.Value { return st.GetOutput().GetFields()[key] }

// valueIs reports whether v holds want (a string, number, bool, nil or
// []any).
func valueIs(v *structpb.Value, want any) bool {
	w, err := structpb.NewValue(want)
	return err == nil && proto.Equal(v, w)
}

// strs is a list value as strings.
func strs(v *structpb.Value) []string {
	var o []string
	for _, e := range v.GetListValue().GetValues() {
		o = append(o, e.GetStringValue())
	}
	return o
}

// seqs is a list value of event sequences.
func seqs(v *structpb.Value) []int64 {
	var o []int64
	for _, e := range v.GetListValue().GetValues() {
		o = append(o, int64(e.GetNumberValue()))
	}
	return o
}

// wantStep checks a step's kind, status and port.
func wantStep(t testing.TB, st *workflowv1.Step, kind string, status workflowv1.StepStatus, port string) {
	t.Helper()
	if st.GetKind() != kind || st.GetStatus() != status || st.GetPort() != port {
		t.Errorf("step %d at %s: kind %q status %v port %q (error %q), want %q %v %q",
			st.GetIndex(), st.GetNodeId(), st.GetKind(), st.GetStatus(), st.GetPort(), st.GetError(), kind, status, port)
	}
}

// wantKinds checks the kinds and statuses of a run's steps.
func wantKinds(t testing.TB, r *workflowv1.Run, want ...string) {
	t.Helper()
	if got := stepKinds(r); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}

// causedBy returns the session's events that run caused, checking on the
// way the invariant of every session's log: an event a run caused is the
// bot's, every bot event names the run that caused it, and no other event
// names a run.
func (b *testBundle) causedBy(t testing.TB, sessionID, runID string) []*sessionv1.SessionEvent {
	t.Helper()
	var evs []*sessionv1.SessionEvent
	for _, ev := range b.events(t, sessionID) {
		bot := ev.GetActor() == sessionv1.Actor_ACTOR_BOT
		if bot != (ev.GetCauseRunId() != "") {
			t.Errorf("event %d (%s) by %v has cause run id %q", ev.GetSequence(), eventString(ev), ev.GetActor(), ev.GetCauseRunId())
		}
		if ev.GetCauseRunId() == runID {
			evs = append(evs, ev)
		}
	}
	return evs
}

// wantCaused checks the events a run caused on a session, described by
// eventString, and returns them.
func (b *testBundle) wantCaused(t testing.TB, sessionID, runID string, want ...string) []*sessionv1.SessionEvent {
	t.Helper()
	evs := b.causedBy(t, sessionID, runID)
	got := make([]string, len(evs))
	for i, ev := range evs {
		got[i] = eventString(ev)
	}
	if !slices.Equal(got, want) {
		t.Errorf("run %s caused events\n  %q\nwant\n  %q", runID, got, want)
	}
	return evs
}

// eventString describes an event's payload in one line.
func eventString(ev *sessionv1.SessionEvent) string {
	switch p := ev.GetPayload().(type) {
	case *sessionv1.SessionEvent_SessionCreated:
		return "session_created"
	case *sessionv1.SessionEvent_Message:
		return "message " + p.Message.GetText()
	case *sessionv1.SessionEvent_Note:
		return "note " + p.Note.GetText()
	case *sessionv1.SessionEvent_ButtonPicker:
		var bs []string
		for _, b := range p.ButtonPicker.GetButtons() {
			bs = append(bs, b.GetLabel()+"="+b.GetValue())
		}
		return fmt.Sprintf("button_picker %s %v", p.ButtonPicker.GetText(), bs)
	case *sessionv1.SessionEvent_ButtonChosen:
		return "button_chosen " + p.ButtonChosen.GetButton().GetValue()
	case *sessionv1.SessionEvent_InputRequested:
		r := p.InputRequested
		return fmt.Sprintf("input_requested %s %v %q", r.GetText(), r.GetKind(), r.GetPlaceholder())
	case *sessionv1.SessionEvent_InputAnswered:
		return "input_answered " + p.InputAnswered.GetValue()
	case *sessionv1.SessionEvent_DataSet:
		d := p.DataSet
		return fmt.Sprintf("data_set %s=%v unchanged=%v", d.GetKey(), d.GetValue().AsInterface(), d.GetUnchanged())
	case *sessionv1.SessionEvent_LabelAdded:
		return "label_added " + p.LabelAdded.GetLabel()
	case *sessionv1.SessionEvent_LabelRemoved:
		return "label_removed " + p.LabelRemoved.GetLabel()
	case *sessionv1.SessionEvent_SegmentAdded:
		return "segment_added " + p.SegmentAdded.GetSegment()
	case *sessionv1.SessionEvent_SegmentRemoved:
		return "segment_removed " + p.SegmentRemoved.GetSegment()
	case *sessionv1.SessionEvent_StatusChanged:
		return "status " + p.StatusChanged.GetStatus().String()
	case *sessionv1.SessionEvent_StarChanged:
		return fmt.Sprintf("starred %v", p.StarChanged.GetStarred())
	case *sessionv1.SessionEvent_AssigneeChanged:
		a := p.AssigneeChanged.GetAssignee()
		return "assignee " + a.GetOperatorId() + a.GetPersonaId()
	case *sessionv1.SessionEvent_AgentStateChanged:
		s := p.AgentStateChanged.GetState()
		return fmt.Sprintf("agent active=%v instruction=%q paused=%q", s.GetActive(), s.GetInstruction(), s.GetPausedReason())
	case *sessionv1.SessionEvent_LeadChanged:
		l := p.LeadChanged
		return fmt.Sprintf("lead %s %d created=%v", l.GetLead().GetStage(), l.GetLead().GetExpectedAmountMinor(), l.GetCreated())
	case *sessionv1.SessionEvent_NotificationSent:
		n := p.NotificationSent
		return fmt.Sprintf("notification %q %q %v", n.GetTitle(), n.GetBody(), n.GetOperatorIds())
	}
	return fmt.Sprintf("%T", ev.GetPayload())
}

func (b *testBundle) getSession(t testing.TB, id string) *sessionv1.Session {
	t.Helper()
	res, err := b.sessionClient(b.all).GetSession(context.Background(), connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: id}))
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	return res.Msg.GetSession()
}

// tryTrigger starts a programmatic workflow and returns the error.
func (b *testBundle) tryTrigger(workflowID, sessionID string) error {
	_, err := b.workflows(b.all).TriggerWorkflow(context.Background(), connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: workflowID, SessionId: sessionID,
	}))
	return err
}

func (b *testBundle) operator(t testing.TB, name string, available bool) string {
	t.Helper()
	res, err := b.sessionClient(b.all).CreateOperator(context.Background(), connect.NewRequest(&sessionv1.CreateOperatorRequest{
		Name: name, Email: strings.ToLower(name) + "@example.com", Available: available,
	}))
	if err != nil {
		t.Fatalf("CreateOperator: %v", err)
	}
	return res.Msg.GetOperator().GetId()
}

// sendText sends a text message on a session with token: a widget token
// writes as the visitor, an API token as an operator.
func sendText(t testing.TB, b *testBundle, token, sessionID, text string) *sessionv1.SessionEvent {
	t.Helper()
	res, err := b.sessionClient(token).SendMessage(context.Background(), connect.NewRequest(&sessionv1.SendMessageRequest{
		SessionId: sessionID, Content: &sessionv1.SendMessageRequest_Text{Text: text},
	}))
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	return res.Msg.GetEvent()
}

// callSink is a loopback HTTP receiver for fetch API and webhook steps. It
// records every request and answers with respond(n, request), n counting
// requests from 1.
type callSink struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []sinkRequest
}

type sinkRequest struct {
	method, path, query string
	header              http.Header
	body                []byte
	at                  time.Time
}

func newCallSink(t testing.TB, respond func(n int, r sinkRequest) (int, string)) *callSink {
	t.Helper()
	s := &callSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r := sinkRequest{method: req.Method, path: req.URL.Path, query: req.URL.RawQuery, header: req.Header.Clone(), body: body, at: time.Now()}
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		n := len(s.reqs)
		s.mu.Unlock()
		status, text := respond(n, r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Shop", "parley-test")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *callSink) requests() []sinkRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *sinkRequest) headerValues(name string) string { return s.header.Get(name) }

// --- Messages and notes ---

func TestNodeSendMessageAndPrivateNoteRenderTagsAsTheBot(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	s, token := b.widgetSession(t)
	if _, err := b.sessionClient(b.all).SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{
		SessionId: s.GetId(), Key: "plan", Value: structpb.NewStringValue("pro"),
	})); err != nil {
		t.Fatal(err)
	}
	w := b.publish(t, "tags", workflowtest.ChainGraph(programmatic(),
		say("msg", "Hi {{ visitor.name }}: order {{ order_id }} x{{ qty }} via {{ trigger }}, plan {{ plan }}/{{ data.plan }}, "+
			"{{ session.status }} on {{ session.channel }}.{{ nope }}{{ visitor.email }}"),
		node("note", &workflowv1.PrivateNoteAction{Text: "VIP {{ visitor.name }} on {{plan}}{{ nope }}"}),
	))
	id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"order_id": "A-17", "qty": 3})
	r := b.waitRun(t, id, completed)

	text := "Hi Ada: order A-17 x3 via programmatic, plan pro/pro, open on webchat."
	evs := b.wantCaused(t, s.GetId(), id, "message "+text, "note VIP Ada on pro")
	if got := b.botTexts(t, s.GetId()); !slices.Equal(got, []string{text}) {
		t.Errorf("bot messages %q, want only the message (a note is not a message)", got)
	}
	// The widget reads the log with its own token: it gets the message but
	// never the private note (session.proto: "visible to operators, never
	// to the visitor").
	seen, err := b.sessionClient(token).ListEvents(ctx, connect.NewRequest(&sessionv1.ListEventsRequest{SessionId: s.GetId(), PageSize: 500}))
	if err != nil {
		t.Fatal(err)
	}
	var widgetSees []string
	for _, ev := range seen.Msg.GetEvents() {
		if ev.GetCauseRunId() == id {
			widgetSees = append(widgetSees, eventString(ev))
		}
	}
	if !slices.Equal(widgetSees, []string{"message " + text}) {
		t.Errorf("the visitor's widget reads the run's events %q, want only the message: a private note is not for the visitor", widgetSees)
	}

	wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED",
		"private_note:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
	trig := stepOf(t, r, "start")
	wantStep(t, trig, "programmatic", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if !valueIs(trig.GetInput().GetFields()["trigger"], "programmatic") {
		t.Errorf("trigger step input %v, want the trigger data", trig.GetInput())
	}
	msg := stepOf(t, r, "msg")
	wantStep(t, msg, "send_message", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if got := msg.GetInput().GetFields()["text"].GetStringValue(); got != text {
		t.Errorf("send_message input text %q, want %q", got, text)
	}
	if got := seqs(out(msg, "event_sequences")); len(evs) != 2 || !slices.Equal(got, []int64{evs[0].GetSequence()}) {
		t.Errorf("send_message event_sequences %v, want the message's sequence", got)
	}
	if got := strs(out(msg, "missing_tags.text")); !slices.Equal(got, []string{"nope", "visitor.email"}) {
		t.Errorf("missing_tags.text %q, want [nope visitor.email]", got)
	}
	note := stepOf(t, r, "note")
	wantStep(t, note, "private_note", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if got := strs(out(note, "missing_tags.text")); !slices.Equal(got, []string{"nope"}) {
		t.Errorf("private_note missing_tags.text %q, want [nope]", got)
	}
	if len(evs) == 2 && !slices.Equal(seqs(out(note, "event_sequences")), []int64{evs[1].GetSequence()}) {
		t.Errorf("private_note event_sequences %v, want [%d]", seqs(out(note, "event_sequences")), evs[1].GetSequence())
	}
}

// --- Questions: button picker and field input ---

func TestNodeButtonPickerWaitsAndLeavesThroughTheChosenButtonsPort(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	picker := node("ask", &workflowv1.ButtonPickerAction{Text: "Did that help, {{ visitor.name }}?", Variable: "helped", Buttons: []*sessionv1.Button{
		{Label: "Yes {{ emoji }}", Value: "yes"}, {Label: "No", Value: "no"},
	}})
	w := b.publish(t, "picker", wiredGraph(
		[]*workflowv1.Node{programmatic(), picker, say("thanks", "Glad it helped ({{ helped }})"), say("sorry", "Sorry, you said {{ helped }}"), workflowtest.EndNode()},
		[3]string{"start", "", "ask"}, [3]string{"ask", "button:yes", "thanks"}, [3]string{"ask", "next", "sorry"},
		[3]string{"thanks", "", "end"}, [3]string{"sorry", "", "end"},
	))
	for _, tc := range []struct{ value, label, port, reply string }{
		{"yes", "Yes :)", "button:yes", "Glad it helped (yes)"}, // its own port is wired
		{"no", "No", "next", "Sorry, you said no"},              // no port of its own: next
	} {
		t.Run(tc.value, func(t *testing.T) {
			s, token := b.widgetSession(t)
			id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"emoji": ":)"})
			r := b.waitRun(t, id, waiting)
			if r.GetCurrentNodeId() != "ask" || r.GetFinishedAt() != nil {
				t.Errorf("waiting run at %q, finished %v", r.GetCurrentNodeId(), r.GetFinishedAt())
			}
			st := stepOf(t, r, "ask")
			wantStep(t, st, "button_picker", workflowv1.StepStatus_STEP_STATUS_WAITING, "")
			if st.GetFinishedAt() != nil {
				t.Errorf("a waiting step has finished_at %v", st.GetFinishedAt())
			}
			evs := b.wantCaused(t, s.GetId(), id, "button_picker Did that help, Ada? [Yes :)=yes No=no]")
			if len(evs) != 1 {
				t.FailNow()
			}
			pickerSeq := evs[0].GetSequence()
			if got := seqs(out(st, "event_sequences")); !slices.Equal(got, []int64{pickerSeq}) {
				t.Errorf("waiting step event_sequences %v, want [%d]", got, pickerSeq)
			}
			if got := b.botTexts(t, s.GetId()); len(got) != 0 {
				t.Errorf("the run went on before the answer: bot said %q", got)
			}

			res, err := b.sessionClient(token).SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(),
				Content: &sessionv1.SendMessageRequest_Button{Button: &sessionv1.ButtonChoice{PickerSequence: pickerSeq, Value: tc.value}}}))
			if err != nil {
				t.Fatal(err)
			}
			chosen := res.Msg.GetEvent()
			if chosen.GetActor() != sessionv1.Actor_ACTOR_VISITOR || chosen.GetCauseRunId() != "" || chosen.GetButtonChosen().GetButton().GetLabel() != tc.label {
				t.Errorf("button chosen event %v", chosen)
			}
			r = b.waitRun(t, id, completed)
			wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "button_picker:STEP_STATUS_COMPLETED",
				"send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
			st = stepOf(t, r, "ask")
			wantStep(t, st, "button_picker", workflowv1.StepStatus_STEP_STATUS_COMPLETED, tc.port)
			if !valueIs(out(st, "value"), tc.value) || !valueIs(out(st, "answer_sequence"), float64(chosen.GetSequence())) || st.GetFinishedAt() == nil {
				t.Errorf("answered step output %v finished %v, want value %q answer_sequence %d", st.GetOutput(), st.GetFinishedAt(), tc.value, chosen.GetSequence())
			}
			// The answered step keeps what it recorded while it waited.
			if got := seqs(out(st, "event_sequences")); !slices.Equal(got, []int64{pickerSeq}) {
				t.Errorf("answered step event_sequences %v, want still [%d]", got, pickerSeq)
			}
			if !valueIs(r.GetVariables().GetFields()["helped"], tc.value) {
				t.Errorf("variables %v, want helped=%q", r.GetVariables(), tc.value)
			}
			b.wantCaused(t, s.GetId(), id, "button_picker Did that help, Ada? [Yes :)=yes No=no]", "message "+tc.reply)
		})
	}
}

func TestNodeFieldInputWaitsForAValidAnswerAndStoresIt(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	w := b.publish(t, "email", workflowtest.ChainGraph(programmatic(),
		node("ask", &workflowv1.FieldInputAction{Text: "Your email, {{ visitor.name }}?", Kind: sessionv1.InputKind_INPUT_KIND_EMAIL,
			Placeholder: "you@example.com", Variable: "email"}),
		say("ok", "We will write to {{ email }}."),
	))
	s, token := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, waiting)
	wantStep(t, stepOf(t, r, "ask"), "field_input", workflowv1.StepStatus_STEP_STATUS_WAITING, "")
	evs := b.wantCaused(t, s.GetId(), id, `input_requested Your email, Ada? INPUT_KIND_EMAIL "you@example.com"`)
	if len(evs) != 1 {
		t.FailNow()
	}
	answer := func(v string) (*connect.Response[sessionv1.SendMessageResponse], error) {
		return b.sessionClient(token).SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(),
			Content: &sessionv1.SendMessageRequest_Input{Input: &sessionv1.InputAnswer{RequestSequence: evs[0].GetSequence(), Value: v}}}))
	}
	_, err := answer("not an email")
	wantCode(t, err, connect.CodeInvalidArgument)
	if got := b.getRun(t, id).GetStatus(); got != waiting {
		t.Fatalf("a refused answer moved the run to %v", got)
	}
	res, err := answer("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	r = b.waitRun(t, id, completed)
	st := stepOf(t, r, "ask")
	wantStep(t, st, "field_input", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if !valueIs(out(st, "value"), "ada@example.com") || !valueIs(out(st, "answer_sequence"), float64(res.Msg.GetEvent().GetSequence())) {
		t.Errorf("field_input output %v", st.GetOutput())
	}
	if !valueIs(r.GetVariables().GetFields()["email"], "ada@example.com") {
		t.Errorf("variables %v, want email", r.GetVariables())
	}
	b.wantCaused(t, s.GetId(), id, `input_requested Your email, Ada? INPUT_KIND_EMAIL "you@example.com"`, "message We will write to ada@example.com.")
}

// --- Data ---

func TestNodeSetDataOnTheSessionEmitsAnEventEvenForTheSameValue(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	s, _ := b.widgetSession(t)
	if _, err := b.sessionClient(b.all).SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{
		SessionId: s.GetId(), Key: "plan", Value: structpb.NewStringValue("pro"),
	})); err != nil {
		t.Fatal(err)
	}
	set := func(id, key, value string, vt workflowv1.ValueType) *workflowv1.Node {
		return node(id, &workflowv1.SetDataAction{Key: key, Value: value, Scope: workflowv1.DataScope_DATA_SCOPE_SESSION, ValueType: vt})
	}
	w := b.publish(t, "set data", workflowtest.ChainGraph(programmatic(),
		set("same", "plan", "{{ plan_in }}", workflowv1.ValueType_VALUE_TYPE_UNSPECIFIED),
		set("again", "plan", "{{ plan_in }}", workflowv1.ValueType_VALUE_TYPE_STRING),
		set("seats", "seats", "{{ seats_in }}", workflowv1.ValueType_VALUE_TYPE_NUMBER),
		set("vip", "vip", "true", workflowv1.ValueType_VALUE_TYPE_BOOL),
	))
	id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"plan_in": "pro", "seats_in": " 12.5 "})
	r := b.waitRun(t, id, completed)
	b.wantCaused(t, s.GetId(), id,
		"data_set plan=pro unchanged=true", "data_set plan=pro unchanged=true",
		"data_set seats=12.5 unchanged=false", "data_set vip=true unchanged=false")

	data := b.getSession(t, s.GetId()).GetData().GetFields()
	if !valueIs(data["plan"], "pro") || !valueIs(data["seats"], 12.5) || !valueIs(data["vip"], true) {
		t.Errorf("session data %v, want plan=pro, seats=12.5 (a number), vip=true (a bool)", data)
	}
	for _, c := range []struct {
		node, key string
		value     any
	}{{"same", "plan", "pro"}, {"again", "plan", "pro"}, {"seats", "seats", 12.5}, {"vip", "vip", true}} {
		st := stepOf(t, r, c.node)
		wantStep(t, st, "set_data", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		if !valueIs(out(st, "key"), c.key) || !valueIs(out(st, "value"), c.value) || len(seqs(out(st, "event_sequences"))) != 1 {
			t.Errorf("step %s output %v, want key %s value %v and one event", c.node, st.GetOutput(), c.key, c.value)
		}
	}
}

func TestNodeSetDataMemorizesAVariableOverTheTriggersOne(t *testing.T) {
	b := setup(t)
	mem := func(id, key, value string, vt workflowv1.ValueType) *workflowv1.Node {
		return node(id, &workflowv1.SetDataAction{Key: key, Value: value, Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: vt})
	}
	w := b.publish(t, "memorize", workflowtest.ChainGraph(programmatic(),
		mem("greet", "greeting", "Bonjour {{ visitor.name }}", workflowv1.ValueType_VALUE_TYPE_STRING),
		mem("count", "count", "{{ n }}", workflowv1.ValueType_VALUE_TYPE_NUMBER),
		mem("flag", "ok", "false", workflowv1.ValueType_VALUE_TYPE_BOOL),
		say("say", "{{ greeting }} ({{ count }}, {{ ok }})"),
	))
	s, _ := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"greeting": "Hello", "n": "41"})
	r := b.waitRun(t, id, completed)

	b.wantCaused(t, s.GetId(), id, "message Bonjour Ada (41, false)")
	vars := r.GetVariables().GetFields()
	if !valueIs(vars["greeting"], "Bonjour Ada") || !valueIs(vars["count"], 41.0) || !valueIs(vars["ok"], false) || !valueIs(vars["n"], "41") {
		t.Errorf("run variables %v, want greeting overwritten, count a number, ok a bool", vars)
	}
	if data := b.getSession(t, s.GetId()).GetData().GetFields(); len(data) != 0 {
		t.Errorf("memorizing wrote session data %v", data)
	}
	st := stepOf(t, r, "greet")
	wantStep(t, st, "set_data", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if !valueIs(out(st, "key"), "greeting") || !valueIs(out(st, "value"), "Bonjour Ada") || out(st, "event_sequences") != nil {
		t.Errorf("memorize step output %v", st.GetOutput())
	}
}

func TestNodeSetDataFailsTheRunOnAValueOfTheWrongType(t *testing.T) {
	b := setup(t)
	for _, tc := range []struct {
		name    string
		vt      workflowv1.ValueType
		scope   workflowv1.DataScope
		value   string
		message string
	}{
		{"number", workflowv1.ValueType_VALUE_TYPE_NUMBER, workflowv1.DataScope_DATA_SCOPE_SESSION, "lots", `"lots" is not a number`},
		{"bool", workflowv1.ValueType_VALUE_TYPE_BOOL, workflowv1.DataScope_DATA_SCOPE_VARIABLE, "maybe", `"maybe" is not true or false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := b.publish(t, "typed "+tc.name, workflowtest.ChainGraph(programmatic(),
				node("typed", &workflowv1.SetDataAction{Key: "qty", Value: "{{ raw }}", Scope: tc.scope, ValueType: tc.vt}),
				say("after", "never"),
			))
			s, _ := b.widgetSession(t)
			id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"raw": tc.value})
			r := b.waitRun(t, id, failed)
			if !strings.Contains(r.GetError(), tc.message) || !strings.Contains(r.GetError(), "typed") {
				t.Errorf("run error %q, want the node and %s", r.GetError(), tc.message)
			}
			wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "set_data:STEP_STATUS_FAILED")
			if st := stepOf(t, r, "typed"); !strings.Contains(st.GetError(), tc.message) || st.GetPort() != "" {
				t.Errorf("step error %q port %q, want %s and no port", st.GetError(), st.GetPort(), tc.message)
			}
			if r.GetFinishedAt() == nil || r.GetVariables().GetFields()["qty"] != nil {
				t.Errorf("failed run finished %v variables %v", r.GetFinishedAt(), r.GetVariables())
			}
			b.wantCaused(t, s.GetId(), id)
			if data := b.getSession(t, s.GetId()).GetData().GetFields(); len(data) != 0 {
				t.Errorf("a refused value was stored: %v", data)
			}
		})
	}
}

// --- Session state actions ---

func TestNodeLabelsSegmentsStatusStarAndLeadStage(t *testing.T) {
	b := setup(t)
	w := b.publish(t, "state", workflowtest.ChainGraph(programmatic(),
		node("addl", &workflowv1.AddLabelAction{Labels: []string{"vip", "billing"}}),
		node("addl2", &workflowv1.AddLabelAction{Labels: []string{"vip"}}),
		node("rml", &workflowv1.RemoveLabelAction{Labels: []string{"billing", "absent"}}),
		node("adds", &workflowv1.AddSegmentAction{Segments: []string{"customers", "beta"}}),
		node("rms", &workflowv1.RemoveSegmentAction{Segments: []string{"beta"}}),
		node("resolve", &workflowv1.ResolveConversationAction{}),
		node("open", &workflowv1.OpenConversationAction{}),
		node("star", &workflowv1.StarConversationAction{}),
		node("unstar", &workflowv1.UnstarConversationAction{}),
		node("lead1", &workflowv1.ChangeLeadStageAction{Stage: "qualified", ExpectedAmountMinor: 150000}),
		node("lead2", &workflowv1.ChangeLeadStageAction{Stage: "won"}),
	))
	s, _ := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, completed)
	b.wantCaused(t, s.GetId(), id,
		"label_added vip", "label_added billing", "label_removed billing",
		"segment_added customers", "segment_added beta", "segment_removed beta",
		"status STATUS_RESOLVED", "status STATUS_OPEN", "starred true", "starred false",
		"lead qualified 150000 created=true", "lead won 150000 created=false")

	got := b.getSession(t, s.GetId())
	if !slices.Equal(got.GetLabels(), []string{"vip"}) || !slices.Equal(got.GetSegments(), []string{"customers"}) ||
		got.GetStatus() != sessionv1.Status_STATUS_OPEN || got.GetStarred() ||
		got.GetLead().GetStage() != "won" || got.GetLead().GetExpectedAmountMinor() != 150000 {
		t.Errorf("session after the run: %v", got)
	}
	for _, c := range []struct {
		node, kind string
		events     int
	}{
		{"addl", "add_label", 2}, {"addl2", "add_label", 0}, {"rml", "remove_label", 1}, {"adds", "add_segment", 2},
		{"rms", "remove_segment", 1}, {"resolve", "resolve_conversation", 1}, {"open", "open_conversation", 1},
		{"star", "star_conversation", 1}, {"unstar", "unstar_conversation", 1}, {"lead1", "change_lead_stage", 1},
		{"lead2", "change_lead_stage", 1},
	} {
		st := stepOf(t, r, c.node)
		wantStep(t, st, c.kind, workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		if v := out(st, "event_sequences"); v.GetListValue() == nil || len(seqs(v)) != c.events {
			t.Errorf("step %s recorded event_sequences %v, want %d", c.node, v, c.events)
		}
	}
}

func TestNodeAssignUserToASpecificOperator(t *testing.T) {
	b := setup(t)
	op := b.operator(t, "Olga", true)
	w := b.publish(t, "assign", workflowtest.ChainGraph(programmatic(),
		node("assign", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC, OperatorId: op})))
	s, _ := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, completed)
	b.wantCaused(t, s.GetId(), id, "assignee "+op)
	if got := b.getSession(t, s.GetId()).GetAssignee().GetOperatorId(); got != op {
		t.Errorf("session assignee %q, want %q", got, op)
	}
	st := stepOf(t, r, "assign")
	wantStep(t, st, "assign_user", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if !valueIs(out(st, "operator_id"), op) {
		t.Errorf("step output %v, want operator_id %s", st.GetOutput(), op)
	}

	t.Run("an operator that does not exist fails the run", func(t *testing.T) {
		w := b.publish(t, "assign ghost", workflowtest.ChainGraph(programmatic(),
			node("assign", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC, OperatorId: workflowtest.ValidOperatorID})))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, failed)
		st := stepOf(t, r, "assign")
		wantStep(t, st, "assign_user", workflowv1.StepStatus_STEP_STATUS_FAILED, "")
		if !strings.Contains(st.GetError(), workflowtest.ValidOperatorID) || !strings.Contains(r.GetError(), "not found") {
			t.Errorf("step error %q, run error %q: want the missing operator named", st.GetError(), r.GetError())
		}
		b.wantCaused(t, s.GetId(), id)
	})
}

func TestNodeAssignUserRoundRobinAlternatesOverAvailableOperators(t *testing.T) {
	b := setup(t)
	w := b.publish(t, "round robin", workflowtest.ChainGraph(programmatic(),
		node("assign", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_ROUND_ROBIN})))

	// Nobody available: the step completes, says so, and assigns nobody.
	s, _ := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, completed)
	st := stepOf(t, r, "assign")
	wantStep(t, st, "assign_user", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if !strings.Contains(st.GetError(), "no operator is available") || out(st, "operator_id") != nil {
		t.Errorf("with nobody available: step error %q output %v", st.GetError(), st.GetOutput())
	}
	b.wantCaused(t, s.GetId(), id)

	a := b.operator(t, "Ann", true)
	away := b.operator(t, "Away", false)
	c := b.operator(t, "Cid", true)
	var got []string
	for range 4 {
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, completed)
		op := out(stepOf(t, r, "assign"), "operator_id").GetStringValue()
		b.wantCaused(t, s.GetId(), id, "assignee "+op)
		if sa := b.getSession(t, s.GetId()).GetAssignee().GetOperatorId(); sa != op {
			t.Errorf("session assigned to %q, step says %q", sa, op)
		}
		got = append(got, op)
	}
	pair := []string{got[0], got[1]}
	slices.Sort(pair)
	want := []string{a, c}
	slices.Sort(want)
	if !slices.Equal(pair, want) || got[2] != got[0] || got[3] != got[1] || slices.Contains(got, away) {
		t.Errorf("consecutive runs assigned %v, want %s and %s alternating (never the away %s)", got, a, c, away)
	}
}

// Last responding: over the wire an operator's message (SendMessage with an
// API token) carries no operator id, because an API token is not a person,
// so no operator can become the last responder that way. The step then
// completes and leaves the session unassigned. The in-process part posts
// messages as identified operators through the session service to check
// the engine's side.
func TestNodeAssignUserToTheLastRespondingOperator(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	olga, bob := b.operator(t, "Olga", true), b.operator(t, "Bob", true)
	w := b.publish(t, "last responder", workflowtest.ChainGraph(programmatic(),
		node("assign", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_LAST_RESPONDING})))

	t.Run("over the wire", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		ev := sendText(t, b, b.all, s.GetId(), "Hi, how can I help?")
		if ev.GetActor() != sessionv1.Actor_ACTOR_OPERATOR || ev.GetOperatorId() != "" {
			t.Errorf("API token message: actor %v operator %q", ev.GetActor(), ev.GetOperatorId())
		}
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, completed)
		st := stepOf(t, r, "assign")
		wantStep(t, st, "assign_user", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		if !strings.Contains(st.GetError(), "no operator has replied") {
			t.Errorf("step error %q", st.GetError())
		}
		b.wantCaused(t, s.GetId(), id)
		if a := b.getSession(t, s.GetId()).GetAssignee(); a.GetKind() != nil {
			t.Errorf("session assigned to %v", a)
		}
	})

	t.Run("identified operators", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		sid, err := domain.PrefixSession.Parse("id", s.GetId())
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{olga, bob} {
			oid, err := domain.PrefixOperator.Parse("id", op)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.sessions.Apply(ctx, b.ws.ID, sid, session.Actor{Kind: sessionv1.Actor_ACTOR_OPERATOR, OperatorID: &oid},
				session.PostMessage{Text: "On it"}); err != nil {
				t.Fatal(err)
			}
		}
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, completed)
		if got := out(stepOf(t, r, "assign"), "operator_id"); !valueIs(got, bob) {
			t.Errorf("assigned %v, want the last to reply, %s", got, bob)
		}
		b.wantCaused(t, s.GetId(), id, "assignee "+bob)
	})
}

func TestNodeAssignAIReplacesTheOperator(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	p, err := b.agentClient(b.all).CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: "Nova", Instructions: "Be brief."}))
	if err != nil {
		t.Fatal(err)
	}
	persona := p.Msg.GetPersona().GetId()
	op := b.operator(t, "Olga", true)
	s, _ := b.widgetSession(t)
	if _, err := b.sessionClient(b.all).Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: s.GetId(),
		Target: &sessionv1.AssignRequest_OperatorId{OperatorId: op}})); err != nil {
		t.Fatal(err)
	}
	w := b.publish(t, "assign ai", workflowtest.ChainGraph(programmatic(), node("ai", &workflowv1.AssignAiAction{PersonaId: persona})))
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, completed)
	wantStep(t, stepOf(t, r, "ai"), "assign_ai", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	b.wantCaused(t, s.GetId(), id, "assignee "+persona)
	if a := b.getSession(t, s.GetId()).GetAssignee(); a.GetPersonaId() != persona || a.GetOperatorId() != "" {
		t.Errorf("session assignee %v, want persona %s alone", a, persona)
	}

	t.Run("a persona that does not exist fails the run", func(t *testing.T) {
		w := b.publish(t, "assign ghost ai", workflowtest.ChainGraph(programmatic(), node("ai", &workflowv1.AssignAiAction{PersonaId: workflowtest.ValidPersonaID})))
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, failed)
		wantStep(t, stepOf(t, r, "ai"), "assign_ai", workflowv1.StepStatus_STEP_STATUS_FAILED, "")
		if !strings.Contains(r.GetError(), workflowtest.ValidPersonaID) {
			t.Errorf("run error %q, want the persona named", r.GetError())
		}
		b.wantCaused(t, s.GetId(), id)
	})
}

func TestNodeStartAndPauseAgent(t *testing.T) {
	b := setup(t)
	start := b.publish(t, "start agent", workflowtest.ChainGraph(programmatic(),
		node("go", &workflowv1.StartAgentAction{Instruction: "Help {{ visitor.name }} track order {{ order_id }}."})))
	pause := b.publish(t, "pause agent", workflowtest.ChainGraph(programmatic(), node("stop", &workflowv1.PauseAgentAction{})))
	s, _ := b.widgetSession(t)
	instruction := "Help Ada track order 42."

	id := b.trigger(t, start.GetId(), s.GetId(), map[string]any{"order_id": 42})
	r := b.waitRun(t, id, completed)
	st := stepOf(t, r, "go")
	wantStep(t, st, "start_agent", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if got := st.GetInput().GetFields()["instruction"].GetStringValue(); got != instruction {
		t.Errorf("start_agent input instruction %q", got)
	}
	b.wantCaused(t, s.GetId(), id, fmt.Sprintf("agent active=true instruction=%q paused=\"\"", instruction))
	if a := b.getSession(t, s.GetId()).GetAgent(); !a.GetActive() || a.GetInstruction() != instruction {
		t.Errorf("agent after start: %v", a)
	}

	id = b.trigger(t, pause.GetId(), s.GetId(), nil)
	r = b.waitRun(t, id, completed)
	wantStep(t, stepOf(t, r, "stop"), "pause_agent", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	b.wantCaused(t, s.GetId(), id, fmt.Sprintf("agent active=false instruction=%q paused=\"paused by a workflow\"", instruction))
	if a := b.getSession(t, s.GetId()).GetAgent(); a.GetActive() || a.GetPausedReason() == "" {
		t.Errorf("agent after pause: %v", a)
	}
}

func TestNodeSendNotificationToChosenOrAvailableOperators(t *testing.T) {
	b := setup(t)
	a, c := b.operator(t, "Ann", true), b.operator(t, "Cid", true)
	away := b.operator(t, "Away", false)
	s, _ := b.widgetSession(t)

	chosen := b.publish(t, "notify chosen", workflowtest.ChainGraph(programmatic(),
		node("notify", &workflowv1.SendNotificationAction{OperatorIds: []string{away}, Title: "VIP {{ visitor.name }}", Body: "Plan: {{ plan }}"})))
	id := b.trigger(t, chosen.GetId(), s.GetId(), map[string]any{"plan": "pro"})
	r := b.waitRun(t, id, completed)
	st := stepOf(t, r, "notify")
	wantStep(t, st, "send_notification", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if in := st.GetInput().GetFields(); !valueIs(in["title"], "VIP Ada") || !valueIs(in["body"], "Plan: pro") {
		t.Errorf("send_notification input %v", st.GetInput())
	}
	b.wantCaused(t, s.GetId(), id, fmt.Sprintf("notification %q %q %v", "VIP Ada", "Plan: pro", []string{away}))

	everyone := b.publish(t, "notify all", workflowtest.ChainGraph(programmatic(),
		node("notify", &workflowv1.SendNotificationAction{Title: "New chat"})))
	id = b.trigger(t, everyone.GetId(), s.GetId(), nil)
	b.waitRun(t, id, completed)
	evs := b.causedBy(t, s.GetId(), id)
	if len(evs) != 1 || evs[0].GetNotificationSent() == nil {
		t.Fatalf("events %v, want one notification", evs)
	}
	ids := slices.Clone(evs[0].GetNotificationSent().GetOperatorIds())
	slices.Sort(ids)
	want := []string{a, c}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("notified %v, want every available operator %v", ids, want)
	}
}

func TestNodeSendNotificationEmailsWhenSMTPIsConfigured(t *testing.T) {
	relay := mailtest.Start(t)
	sender, err := mail.New(relay.URL(), "Parley <parley@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, withEngine(func(o *engine.Options) { o.Mail = sender }))
	ann, cid := b.operator(t, "Ann", true), b.operator(t, "Cid", true)
	s, _ := b.widgetSession(t)
	wf := b.publish(t, "email", workflowtest.ChainGraph(programmatic(),
		node("notify", &workflowv1.SendNotificationAction{
			OperatorIds: []string{ann, cid, "operator_00000000-0000-0000-0000-000000000001"},
			Title:       "VIP {{ visitor.name }}", Body: "Order {{ order_id }} needs a look.", Email: true,
		})))

	relay.FailNext(1, 451) // the first delivery is deferred and retried
	id := b.trigger(t, wf.GetId(), s.GetId(), map[string]any{"order_id": "12345"})
	st := stepOf(t, b.waitRun(t, id, completed), "notify")
	wantStep(t, st, "send_notification", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	emailed := st.GetOutput().GetFields()["emailed"].GetListValue().AsSlice()
	slices.SortFunc(emailed, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	if !slices.Equal(emailed, []any{"ann@example.com", "cid@example.com"}) {
		t.Errorf("step output emailed %v, want both operators' addresses", emailed)
	}
	if !strings.Contains(st.GetError(), "no operator operator_00000000-0000-0000-0000-000000000001") {
		t.Errorf("step error %q does not name the unknown operator", st.GetError())
	}

	got := map[string]string{}
	for _, m := range relay.Wait(t, 2) {
		if m.Header.Get("Subject") != "VIP Ada" || !strings.Contains(m.Body, "Order 12345 needs a look.") ||
			!strings.Contains(m.Body, s.GetId()) {
			t.Errorf("email to %v: subject %q body %q", m.To, m.Header.Get("Subject"), m.Body)
		}
		got[m.To[0]] = m.Header.Get("Message-ID")
	}
	if len(got) != 2 || got["ann@example.com"] == "" || got["cid@example.com"] == "" || got["ann@example.com"] == got["cid@example.com"] {
		t.Errorf("emails %v, want one to each operator with its own Message-ID", got)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(relay.Messages()); n != 2 {
		t.Errorf("%d emails accepted, want 2 (the deferred one retried once)", n)
	}
}

func TestNodeSendNotificationWithoutSMTPSaysSo(t *testing.T) {
	b := setup(t)
	b.operator(t, "Ann", true)
	s, _ := b.widgetSession(t)
	wf := b.publish(t, "no smtp", workflowtest.ChainGraph(programmatic(),
		node("notify", &workflowv1.SendNotificationAction{Title: "New chat", Email: true})))
	id := b.trigger(t, wf.GetId(), s.GetId(), nil)
	st := stepOf(t, b.waitRun(t, id, completed), "notify")
	if got := st.GetOutput().GetFields()["email"].GetStringValue(); !strings.Contains(got, "SMTP is not configured") {
		t.Errorf("step output email %q, want it to say SMTP is not configured", got)
	}
	if evs := b.causedBy(t, s.GetId(), id); len(evs) != 1 || evs[0].GetNotificationSent() == nil {
		t.Errorf("events %v, want the notification on the workspace stream all the same", evs)
	}
}

// --- Flow control ---

func TestNodeDecisionCombinesConditionsAndRecordsEachOne(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	sc := b.sessionClient(b.all)
	s, _ := b.widgetSession(t)
	if _, err := sc.UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: s.GetId(), Add: []string{"vip"}})); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]*structpb.Value{"plan": structpb.NewStringValue("pro"), "seats": structpb.NewNumberValue(12)} {
		if _, err := sc.SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{SessionId: s.GetId(), Key: k, Value: v})); err != nil {
			t.Fatal(err)
		}
	}
	const (
		labels   = workflowv1.ConditionField_CONDITION_FIELD_LABELS
		data     = workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA
		variable = workflowv1.ConditionField_CONDITION_FIELD_VARIABLE
	)
	cond := func(f workflowv1.ConditionField, key string, op workflowv1.Operator, values ...string) *workflowv1.Condition {
		return &workflowv1.Condition{Field: f, Key: key, Operator: op, Values: values}
	}
	type want struct {
		actual   any
		expected []string
		result   bool
		err      string
	}
	decisions := []struct {
		id     string
		match  workflowv1.Match
		conds  []*workflowv1.Condition
		wants  []want
		result bool
	}{
		{"and_true", workflowv1.Match_MATCH_ALL, []*workflowv1.Condition{
			cond(labels, "", workflowv1.Operator_OPERATOR_CONTAINS_ANY, "vip", "{{ extra }}"),
			cond(data, "plan", workflowv1.Operator_OPERATOR_EQUALS, "PRO"),
			cond(variable, "tier", workflowv1.Operator_OPERATOR_EQUALS, "{{ wanted }}"),
			cond(data, "seats", workflowv1.Operator_OPERATOR_GREATER_THAN, "10"),
			cond(variable, "budget", workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL, "{{ limit }}"),
		}, []want{
			{[]any{"vip"}, []string{"vip", "x"}, true, ""},
			{"pro", []string{"PRO"}, true, ""},
			{"gold", []string{"GOLD"}, true, ""},
			{12.0, []string{"10"}, true, ""},
			{100.0, []string{"150"}, true, ""},
		}, true},
		{"or_true", workflowv1.Match_MATCH_ANY, []*workflowv1.Condition{
			cond(labels, "", workflowv1.Operator_OPERATOR_CONTAINS, "spam"),
			cond(data, "missing", workflowv1.Operator_OPERATOR_IS_SET),
			cond(variable, "budget", workflowv1.Operator_OPERATOR_GREATER_THAN, "99.5"),
		}, []want{
			{[]any{"vip"}, []string{"spam"}, false, ""},
			{nil, []string{}, false, ""},
			{100.0, []string{"99.5"}, true, ""},
		}, true},
		{"and_false", workflowv1.Match_MATCH_ALL, []*workflowv1.Condition{
			cond(labels, "", workflowv1.Operator_OPERATOR_CONTAINS_ALL, "vip", "billing"),
			cond(data, "plan", workflowv1.Operator_OPERATOR_STARTS_WITH, "pr"),
		}, []want{
			{[]any{"vip"}, []string{"vip", "billing"}, false, ""},
			{"pro", []string{"pr"}, true, ""},
		}, false},
		{"or_false", workflowv1.Match_MATCH_ANY, []*workflowv1.Condition{
			cond(variable, "tier", workflowv1.Operator_OPERATOR_GREATER_THAN, "3"),
			cond(data, "plan", workflowv1.Operator_OPERATOR_NOT_EQUALS, "pro"),
			cond(labels, "", workflowv1.Operator_OPERATOR_CONTAINS_NONE, "vip"),
		}, []want{
			{"gold", []string{"3"}, false, `"gold" is not a number`},
			{"pro", []string{"pro"}, false, ""},
			{[]any{"vip"}, []string{"vip"}, false, ""},
		}, false},
	}
	// and_true -true-> or_true -true-> and_false -false-> or_false -false->
	// done; every other port leads to "wrong".
	nodes := []*workflowv1.Node{programmatic(), say("done", "every decision went the right way"), say("wrong", "wrong port"), workflowtest.EndNode()}
	edges := [][3]string{{"start", "", "and_true"}, {"done", "", "end"}, {"wrong", "", "end"}}
	for i, d := range decisions {
		nodes = append(nodes, node(d.id, &workflowv1.DecisionNode{Match: d.match, Conditions: d.conds}))
		next := "done"
		if i+1 < len(decisions) {
			next = decisions[i+1].id
		}
		right, wrong := strconv.FormatBool(d.result), strconv.FormatBool(!d.result)
		edges = append(edges, [3]string{d.id, right, next}, [3]string{d.id, wrong, "wrong"})
	}
	w := b.publish(t, "decisions", wiredGraph(nodes, edges...))
	id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"tier": "gold", "wanted": "GOLD", "extra": "x", "budget": 100, "limit": "150"})
	r := b.waitRun(t, id, completed)

	b.wantCaused(t, s.GetId(), id, "message every decision went the right way")
	for _, d := range decisions {
		st := stepOf(t, r, d.id)
		wantStep(t, st, "decision", workflowv1.StepStatus_STEP_STATUS_COMPLETED, strconv.FormatBool(d.result))
		if !valueIs(out(st, "result"), d.result) {
			t.Errorf("%s: output %v, want result %v", d.id, st.GetOutput(), d.result)
		}
		if len(st.GetConditions()) != len(d.wants) {
			t.Errorf("%s: %d condition results, want %d", d.id, len(st.GetConditions()), len(d.wants))
			continue
		}
		for i, c := range st.GetConditions() {
			wc := d.wants[i]
			expected := c.GetExpected()
			if expected == nil {
				expected = []string{}
			}
			if c.GetIndex() != int32(i) || !proto.Equal(c.GetCondition(), d.conds[i]) || !valueIs(c.GetActual(), wc.actual) ||
				!slices.Equal(expected, wc.expected) || c.GetResult() != wc.result ||
				(wc.err == "") != (c.GetError() == "") || !strings.Contains(c.GetError(), wc.err) {
				t.Errorf("%s condition %d: got index %d actual %v expected %q result %v error %q; want actual %v expected %q result %v error %q",
					d.id, i, c.GetIndex(), c.GetActual().AsInterface(), c.GetExpected(), c.GetResult(), c.GetError(), wc.actual, wc.expected, wc.result, wc.err)
			}
		}
	}
}

func TestNodeDelayWaitsDurablyAndFiresNoEarlierThanItsDueTime(t *testing.T) {
	b := setup(t)
	w := b.publish(t, "delay", workflowtest.ChainGraph(programmatic(),
		node("pause", &workflowv1.DelayNode{Duration: seconds(1)}), say("later", "One second later")))
	s, _ := b.widgetSession(t)
	before := time.Now()
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, waiting)
	if r.GetWakeAt() == nil {
		t.Fatal("a delayed run has no wake_at")
	}
	wake := r.GetWakeAt().AsTime()
	if wake.Before(before.Add(time.Second)) || wake.After(time.Now().Add(time.Second)) {
		t.Errorf("wake_at %v, want one second after the step (triggered at %v)", wake, before)
	}
	st := stepOf(t, r, "pause")
	wantStep(t, st, "delay", workflowv1.StepStatus_STEP_STATUS_WAITING, "")
	if !valueIs(st.GetInput().GetFields()["seconds"], 1.0) {
		t.Errorf("delay input %v, want seconds 1", st.GetInput())
	}
	if at, err := time.Parse(time.RFC3339Nano, out(st, "wake_at").GetStringValue()); err != nil || at.Sub(wake).Abs() > time.Millisecond {
		t.Errorf("delay output wake_at %v (%v), run wake_at %v", out(st, "wake_at"), err, wake)
	}
	if got := b.botTexts(t, s.GetId()); len(got) != 0 {
		t.Errorf("the message came before the delay: %q", got)
	}

	r = b.waitRun(t, id, completed)
	if r.GetWakeAt() != nil {
		t.Errorf("a finished run keeps wake_at %v", r.GetWakeAt())
	}
	wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "delay:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
	wantStep(t, stepOf(t, r, "pause"), "delay", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
	if st := stepOf(t, r, "pause"); out(st, "wake_at") == nil || !valueIs(st.GetInput().GetFields()["seconds"], 1.0) ||
		!st.GetStartedAt().AsTime().Before(wake) {
		t.Errorf("the finished delay step lost its record: started %v input %v output %v", st.GetStartedAt().AsTime(), st.GetInput(), st.GetOutput())
	}
	if fin := stepOf(t, r, "pause").GetFinishedAt().AsTime(); fin.Before(wake) {
		t.Errorf("the delay step finished at %v, before its due time %v", fin, wake)
	}
	if started := stepOf(t, r, "later").GetStartedAt().AsTime(); started.Before(wake) {
		t.Errorf("the step after the delay started at %v, before the due time %v", started, wake)
	}
	evs := b.wantCaused(t, s.GetId(), id, "message One second later")
	if len(evs) == 1 && evs[0].GetCreatedAt().AsTime().Before(wake) {
		t.Errorf("the message was posted at %v, before the due time %v", evs[0].GetCreatedAt().AsTime(), wake)
	}
}

func TestNodeWaitForEvent(t *testing.T) {
	b := setup(t)
	build := func(name string, timeout *workflowv1.Duration, cancel bool) *workflowv1.Workflow {
		return b.publish(t, name, wiredGraph(
			[]*workflowv1.Node{programmatic(), say("ask", "Anything else?"),
				node("wait", &workflowv1.WaitForEventNode{Event: workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE, Timeout: timeout,
					Variable: "reply", CancelOnOperatorReply: cancel}),
				say("got", "You said: {{ reply }}"), say("late", "Still there?"), workflowtest.EndNode()},
			[3]string{"start", "", "ask"}, [3]string{"ask", "", "wait"}, [3]string{"wait", "next", "got"},
			[3]string{"wait", "timeout", "late"}, [3]string{"got", "", "end"}, [3]string{"late", "", "end"},
		))
	}
	minute := &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_MINUTES}

	t.Run("a visitor message leaves through next", func(t *testing.T) {
		w := build("wait message", minute, false)
		s, token := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, waiting)
		st := stepOf(t, r, "wait")
		wantStep(t, st, "wait_for_event", workflowv1.StepStatus_STEP_STATUS_WAITING, "")
		if r.GetWakeAt() == nil || out(st, "timeout_at") == nil {
			t.Errorf("waiting run wake_at %v, step output %v: want the timeout", r.GetWakeAt(), st.GetOutput())
		}
		// An operator's reply is not what the node waits for, and it does
		// not cancel a wait that did not ask for that.
		sendText(t, b, b.all, s.GetId(), "Olga here")
		if got := b.getRun(t, id).GetStatus(); got != waiting {
			t.Fatalf("after an operator reply the run is %v, want still waiting", got)
		}
		ev := sendText(t, b, token, s.GetId(), "I need an invoice")
		r = b.waitRun(t, id, completed)
		wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED",
			"wait_for_event:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
		st = stepOf(t, r, "wait")
		wantStep(t, st, "wait_for_event", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		if !valueIs(out(st, "value"), "I need an invoice") || !valueIs(out(st, "answer_sequence"), float64(ev.GetSequence())) {
			t.Errorf("wait step output %v", st.GetOutput())
		}
		if !valueIs(r.GetVariables().GetFields()["reply"], "I need an invoice") {
			t.Errorf("variables %v, want reply", r.GetVariables())
		}
		b.wantCaused(t, s.GetId(), id, "message Anything else?", "message You said: I need an invoice")
	})

	t.Run("the timeout leaves through timeout", func(t *testing.T) {
		w := build("wait timeout", seconds(1), false)
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, waiting)
		began := stepOf(t, r, "wait").GetStartedAt().AsTime()
		r = b.waitRun(t, id, completed)
		st := stepOf(t, r, "wait")
		wantStep(t, st, "wait_for_event", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "timeout")
		if !valueIs(out(st, "timed_out"), true) || out(st, "timeout_at") == nil || r.GetVariables().GetFields()["reply"] != nil {
			t.Errorf("timed-out step output %v, variables %v", st.GetOutput(), r.GetVariables())
		}
		evs := b.wantCaused(t, s.GetId(), id, "message Anything else?", "message Still there?")
		if len(evs) == 2 && evs[1].GetCreatedAt().AsTime().Before(began.Add(time.Second)) {
			t.Errorf("the timeout fired at %v, less than a second after the wait began at %v", evs[1].GetCreatedAt().AsTime(), began)
		}
	})

	t.Run("an operator reply cancels the run", func(t *testing.T) {
		w := build("wait cancel", minute, true)
		s, token := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		b.waitRun(t, id, waiting)
		ev := sendText(t, b, b.all, s.GetId(), "Olga here, I'll take it")
		r := b.waitRun(t, id, cancelled)
		wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "wait_for_event:STEP_STATUS_SKIPPED")
		st := stepOf(t, r, "wait")
		if !strings.Contains(st.GetError(), "operator replied") || !valueIs(out(st, "operator_reply_sequence"), float64(ev.GetSequence())) {
			t.Errorf("cancelled step error %q output %v", st.GetError(), st.GetOutput())
		}
		if !strings.Contains(r.GetError(), "operator replied") || r.GetFinishedAt() == nil {
			t.Errorf("cancelled run error %q finished %v", r.GetError(), r.GetFinishedAt())
		}
		// The visitor's message no longer resumes it.
		sendText(t, b, token, s.GetId(), "hello?")
		if r := b.getRun(t, id); r.GetStatus() != cancelled || len(r.GetSteps()) != 3 {
			t.Errorf("after a visitor message the cancelled run is %v with steps %v", r.GetStatus(), stepKinds(r))
		}
		b.wantCaused(t, s.GetId(), id, "message Anything else?")
	})
}

func TestNodeStopWorkflowRefusesEveryWorkflowDuringTheCooldown(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	stop := b.publish(t, "stop", workflowtest.ChainGraph(programmatic(), say("bye", "Handing over to a human"),
		node("stop", &workflowv1.StopWorkflowNode{Cooldown: seconds(2)})))
	other := b.publish(t, "other", workflowtest.ChainGraph(programmatic(), say("hi", "other workflow")))
	onLabel := b.publish(t, "on label", workflowtest.ChainGraph(node("start", &workflowv1.LabelAddedTrigger{Labels: []string{"vip"}}), say("hi", "label workflow")))
	s, token := b.widgetSession(t)
	s2, _ := b.widgetSession(t)

	id := b.trigger(t, stop.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, completed)
	wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "stop_workflow:STEP_STATUS_COMPLETED")
	st := stepOf(t, r, "stop")
	wantStep(t, st, "stop_workflow", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "")
	until, err := time.Parse(time.RFC3339Nano, out(st, "workflows_stopped_until").GetStringValue())
	if err != nil {
		t.Fatalf("stop step output %v: %v", st.GetOutput(), err)
	}
	if r.GetFinishedAt() == nil || until.Before(r.GetFinishedAt().AsTime().Add(time.Second)) {
		t.Errorf("stopped until %v, run finished %v: want a two-second cooldown", until, r.GetFinishedAt())
	}
	b.wantCaused(t, s.GetId(), id, "message Handing over to a human")

	for name, wid := range map[string]string{"the same workflow": stop.GetId(), "another workflow": other.GetId()} {
		err := b.tryTrigger(wid, s.GetId())
		wantCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "stopped") {
			t.Errorf("%s: error %v does not say workflows are stopped", name, err)
		}
	}
	_, err = b.sessionClient(token).RunWorkflow(ctx, connect.NewRequest(&sessionv1.RunWorkflowRequest{SessionId: s.GetId(), WorkflowId: other.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition)
	// Event triggers start nothing on the stopped session either, while
	// another session is unaffected.
	for _, sid := range []string{s.GetId(), s2.GetId()} {
		if _, err := b.sessionClient(b.all).UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: sid, Add: []string{"vip"}})); err != nil {
			t.Fatal(err)
		}
	}
	runsOn := func(sid string) []*workflowv1.Run {
		res, err := b.workflows(b.all).ListRuns(ctx, connect.NewRequest(&workflowv1.ListRunsRequest{WorkflowId: onLabel.GetId(), SessionId: sid}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetRuns()
	}
	if runs := runsOn(s.GetId()); len(runs) != 0 {
		t.Errorf("a label trigger started %d runs on the stopped session", len(runs))
	}
	if runs := runsOn(s2.GetId()); len(runs) != 1 {
		t.Errorf("the label trigger started %d runs on another session, want 1", len(runs))
	}
	if err := b.tryTrigger(other.GetId(), s2.GetId()); err != nil {
		t.Errorf("another session is not stopped: %v", err)
	}

	// Once the cooldown ends, workflows start again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := b.tryTrigger(other.GetId(), s.GetId())
		if err == nil {
			if now := time.Now(); now.Before(until) {
				t.Errorf("a workflow started at %v, before the cooldown ended at %v", now, until)
			}
			break
		}
		wantCode(t, err, connect.CodeFailedPrecondition)
		if time.Now().After(deadline) {
			t.Fatalf("workflows are still stopped %v after the cooldown ended: %v", time.Since(until), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNodeEndCompletesTheRun(t *testing.T) {
	b := setup(t)
	w := b.publish(t, "end", wiredGraph(
		[]*workflowv1.Node{programmatic(), node("note", &workflowv1.PrivateNoteAction{Text: "closing"}), node("fin", &workflowv1.EndNode{})},
		[3]string{"start", "", "note"}, [3]string{"note", "", "fin"},
	))
	s, _ := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, completed)
	wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "private_note:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
	st := stepOf(t, r, "fin")
	wantStep(t, st, "end", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "")
	if r.GetCurrentNodeId() != "fin" || r.GetFinishedAt() == nil || r.GetError() != "" || st.GetFinishedAt() == nil {
		t.Errorf("ended run at %q finished %v error %q", r.GetCurrentNodeId(), r.GetFinishedAt(), r.GetError())
	}
	b.wantCaused(t, s.GetId(), id, "note closing")
}

// --- Integration: fetch API and webhooks ---

func TestNodeFetchAPI(t *testing.T) {
	b := setup(t)
	fetch := func(url string, retries int32, mods ...func(*workflowv1.FetchApiNode)) *workflowv1.Node {
		f := &workflowv1.FetchApiNode{Method: workflowv1.HttpMethod_HTTP_METHOD_GET, Url: url, MaxRetries: retries, ResponseVariable: "resp"}
		for _, m := range mods {
			m(f)
		}
		return node("call", f)
	}

	t.Run("templated request and mapped response", func(t *testing.T) {
		sink := newCallSink(t, func(int, sinkRequest) (int, string) {
			return 200, `{"data": {"plan": "pro", "seats": 5, "tags": ["a", "b"], "active": true}}`
		})
		w := b.publish(t, "fetch", workflowtest.ChainGraph(programmatic(),
			fetch(sink.URL+"/orders/{{ order_id }}?lang={{ lang }}", 0, func(f *workflowv1.FetchApiNode) {
				f.Method = workflowv1.HttpMethod_HTTP_METHOD_POST
				f.Headers = []*workflowv1.Header{{Name: "Authorization", Value: "Bearer {{ token }}"}, {Name: "X-Visitor", Value: "{{ visitor.name }}"}}
				f.Body = `{"note": "{{ note }}", "count": {{ count }}, "who": "{{ visitor.name }}"}`
				f.Mappings = []*workflowv1.ResponseMapping{
					{Path: "data.plan", Variable: "plan"}, {Path: "data.seats", Variable: "seats"},
					{Path: "data.tags", Variable: "tags"}, {Path: "data.nothing", Variable: "nothing"},
				}
			}),
			say("say", "Plan {{ plan }}, {{ seats }} seats, status {{ resp.status }}"),
		))
		s, _ := b.widgetSession(t)
		note := `He said "hi" \ bye`
		id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"order_id": "A-17", "lang": "fr", "token": "s3cret", "note": note, "count": 2})
		r := b.waitRun(t, id, completed)

		reqs := sink.requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests, want 1", len(reqs))
		}
		q := reqs[0]
		if q.method != http.MethodPost || q.path != "/orders/A-17" || q.query != "lang=fr" ||
			q.headerValues("Authorization") != "Bearer s3cret" || q.headerValues("X-Visitor") != "Ada" ||
			q.headerValues("Content-Type") != "application/json" {
			t.Errorf("request %s %s?%s headers %v", q.method, q.path, q.query, q.header)
		}
		var body map[string]any
		if err := json.Unmarshal(q.body, &body); err != nil {
			t.Fatalf("the body is not valid JSON (%v): %s", err, q.body)
		}
		if body["note"] != note || body["count"] != 2.0 || body["who"] != "Ada" {
			t.Errorf("body %v, want the note with its quote intact, count a number", body)
		}
		delivery := q.headerValues("Parley-Delivery")
		if !strings.HasPrefix(delivery, id+":") || q.headerValues("Parley-Attempt") != "1" {
			t.Errorf("Parley-Delivery %q Parley-Attempt %q, want a delivery id of run %s and attempt 1", delivery, q.headerValues("Parley-Attempt"), id)
		}

		vars := r.GetVariables().GetFields()
		if !valueIs(vars["plan"], "pro") || !valueIs(vars["seats"], 5.0) || !valueIs(vars["tags"], `["a","b"]`) ||
			!valueIs(vars["resp.status"], 200.0) || !valueIs(vars["resp.headers.x-shop"], "parley-test") || vars["nothing"] != nil {
			t.Errorf("variables %v", vars)
		}
		b.wantCaused(t, s.GetId(), id, "message Plan pro, 5 seats, status 200")
		st := stepOf(t, r, "call")
		wantStep(t, st, "fetch_api", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		in := st.GetInput().GetFields()
		if st.GetAttempt() != 1 || !valueIs(in["method"], "POST") || !valueIs(in["url"], sink.URL+"/orders/A-17?lang=fr") ||
			!valueIs(in["delivery_id"], delivery) || !valueIs(in["body"], string(q.body)) {
			t.Errorf("step attempt %d input %v", st.GetAttempt(), st.GetInput())
		}
		mapped := out(st, "mapped").GetStructValue().GetFields()
		if !valueIs(out(st, "status"), 200.0) || len(mapped) != 3 || !valueIs(mapped["plan"], "pro") {
			t.Errorf("step output %v", st.GetOutput())
		}
		if !strings.Contains(st.GetError(), `path "data.nothing" is not in the response`) {
			t.Errorf("step error %q, want the unmapped path noted", st.GetError())
		}
	})

	t.Run("a 500 is retried with the same delivery id", func(t *testing.T) {
		sink := newCallSink(t, func(n int, _ sinkRequest) (int, string) {
			if n == 1 {
				return 500, `{"error": "busy"}`
			}
			return 200, `{"data": {"plan": "team"}}`
		})
		w := b.publish(t, "fetch retry", workflowtest.ChainGraph(programmatic(),
			fetch(sink.URL+"/plan", 2, func(f *workflowv1.FetchApiNode) {
				f.Mappings = []*workflowv1.ResponseMapping{{Path: "data.plan", Variable: "plan"}}
			}),
			say("say", "Plan {{ plan }}"),
		))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, completed)
		reqs := sink.requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		d1, d2 := reqs[0].headerValues("Parley-Delivery"), reqs[1].headerValues("Parley-Delivery")
		if d1 == "" || d1 != d2 || reqs[0].headerValues("Parley-Attempt") != "1" || reqs[1].headerValues("Parley-Attempt") != "2" {
			t.Errorf("deliveries %q %q attempts %q %q, want one delivery id and attempts 1, 2", d1, d2,
				reqs[0].headerValues("Parley-Attempt"), reqs[1].headerValues("Parley-Attempt"))
		}
		wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "fetch_api:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
		st := stepOf(t, r, "call")
		wantStep(t, st, "fetch_api", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		if st.GetAttempt() != 2 || !valueIs(out(st, "status"), 200.0) || !valueIs(st.GetInput().GetFields()["delivery_id"], d1) {
			t.Errorf("step attempt %d input %v output %v", st.GetAttempt(), st.GetInput(), st.GetOutput())
		}
		b.wantCaused(t, s.GetId(), id, "message Plan team")
	})

	t.Run("a persistent failure takes the error port", func(t *testing.T) {
		sink := newCallSink(t, func(int, sinkRequest) (int, string) { return 500, `{"error": "down"}` })
		w := b.publish(t, "fetch error port", wiredGraph(
			[]*workflowv1.Node{programmatic(), fetch(sink.URL+"/plan", 1), say("ok", "fine"),
				say("fallback", "Sorry, the shop is down ({{ resp.status }})"), workflowtest.EndNode()},
			[3]string{"start", "", "call"}, [3]string{"call", "next", "ok"}, [3]string{"call", "error", "fallback"},
			[3]string{"ok", "", "end"}, [3]string{"fallback", "", "end"},
		))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, completed)
		if n := len(sink.requests()); n != 2 {
			t.Errorf("%d requests, want 2 (one retry)", n)
		}
		st := stepOf(t, r, "call")
		wantStep(t, st, "fetch_api", workflowv1.StepStatus_STEP_STATUS_FAILED, "error")
		if st.GetAttempt() != 2 || !strings.Contains(st.GetError(), "answered 500") || !strings.Contains(st.GetError(), "after 2 attempts") {
			t.Errorf("step attempt %d error %q", st.GetAttempt(), st.GetError())
		}
		if r.GetError() != "" {
			t.Errorf("a run that took the error port has error %q", r.GetError())
		}
		b.wantCaused(t, s.GetId(), id, "message Sorry, the shop is down (500)")
	})

	t.Run("a persistent failure without the error port fails the run", func(t *testing.T) {
		sink := newCallSink(t, func(int, sinkRequest) (int, string) { return 502, `bad gateway` })
		w := b.publish(t, "fetch fail", workflowtest.ChainGraph(programmatic(), fetch(sink.URL+"/plan", 1), say("say", "never")))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, failed)
		if n := len(sink.requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
		wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "fetch_api:STEP_STATUS_FAILED")
		if st := stepOf(t, r, "call"); st.GetAttempt() != 2 || st.GetPort() != "" {
			t.Errorf("step attempt %d port %q", st.GetAttempt(), st.GetPort())
		}
		if !strings.Contains(r.GetError(), "call") || !strings.Contains(r.GetError(), "answered 502") || !strings.Contains(r.GetError(), "after 2 attempts") {
			t.Errorf("run error %q, want the node, the status and the attempts", r.GetError())
		}
		b.wantCaused(t, s.GetId(), id)
	})

	t.Run("a 4xx is not retried", func(t *testing.T) {
		sink := newCallSink(t, func(int, sinkRequest) (int, string) { return 404, `{"error": "no such order"}` })
		w := b.publish(t, "fetch 404", workflowtest.ChainGraph(programmatic(), fetch(sink.URL+"/orders/9", 3)))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), nil)
		r := b.waitRun(t, id, failed)
		if n := len(sink.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
		if st := stepOf(t, r, "call"); st.GetAttempt() != 1 || !strings.Contains(st.GetError(), "answered 404") {
			t.Errorf("step attempt %d error %q", st.GetAttempt(), st.GetError())
		}
	})

	for _, target := range []string{"http://10.255.255.1/orders", "http://169.254.169.254/latest/meta-data/"} {
		t.Run("refuses "+target, func(t *testing.T) {
			w := b.publish(t, "fetch "+target, workflowtest.ChainGraph(programmatic(), fetch(target, 3)))
			s, _ := b.widgetSession(t)
			id := b.trigger(t, w.GetId(), s.GetId(), nil)
			r := b.waitRun(t, id, failed)
			st := stepOf(t, r, "call")
			wantStep(t, st, "fetch_api", workflowv1.StepStatus_STEP_STATUS_FAILED, "")
			if st.GetAttempt() != 1 || !strings.Contains(st.GetError(), "refused to call") || strings.Contains(st.GetError(), "attempts") {
				t.Errorf("step attempt %d error %q, want a refusal without retries", st.GetAttempt(), st.GetError())
			}
			if !strings.Contains(r.GetError(), "refused to call") {
				t.Errorf("run error %q", r.GetError())
			}
		})
	}
}

func TestNodeSendWebhookSignsItsDeliveriesAndRetries(t *testing.T) {
	b := setup(t)
	if b.ws.WebhookSecret == "" {
		t.Fatal("the workspace has no webhook secret")
	}
	verify := func(t *testing.T, q sinkRequest) {
		t.Helper()
		ts := q.headerValues("Parley-Timestamp")
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
			t.Errorf("Parley-Timestamp %q is not the time of sending", ts)
		}
		mac := hmac.New(sha256.New, []byte(b.ws.WebhookSecret))
		mac.Write([]byte(ts + "." + string(q.body)))
		if want := "v1=" + hex.EncodeToString(mac.Sum(nil)); q.headerValues("Parley-Signature") != want {
			t.Errorf("Parley-Signature %q, want %q", q.headerValues("Parley-Signature"), want)
		}
		if q.method != http.MethodPost || q.headerValues("Content-Type") != "application/json" {
			t.Errorf("webhook %s with content type %q", q.method, q.headerValues("Content-Type"))
		}
	}

	t.Run("default body, 503 then 200", func(t *testing.T) {
		sink := newCallSink(t, func(n int, _ sinkRequest) (int, string) {
			if n == 1 {
				return 503, "try later"
			}
			return 200, "ok"
		})
		w := b.publish(t, "webhook", workflowtest.ChainGraph(programmatic(),
			node("hook", &workflowv1.SendWebhookAction{Url: sink.URL + "/hooks/{{ order_id }}", Headers: []*workflowv1.Header{{Name: "X-Api-Key", Value: "{{ key }}"}}}),
			say("done", "sent")))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"order_id": "A-17", "key": "k-1"})
		r := b.waitRun(t, id, completed)

		reqs := sink.requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		for i, q := range reqs {
			verify(t, q)
			if q.path != "/hooks/A-17" || q.headerValues("X-Api-Key") != "k-1" || q.headerValues("Parley-Attempt") != strconv.Itoa(i+1) {
				t.Errorf("request %d: %s headers %v", i+1, q.path, q.header)
			}
		}
		delivery := reqs[0].headerValues("Parley-Delivery")
		if !strings.HasPrefix(delivery, id+":") || reqs[1].headerValues("Parley-Delivery") != delivery {
			t.Errorf("deliveries %q and %q, want the same id of run %s", delivery, reqs[1].headerValues("Parley-Delivery"), id)
		}
		var body struct {
			DeliveryID string         `json:"delivery_id"`
			RunID      string         `json:"run_id"`
			WorkflowID string         `json:"workflow_id"`
			Trigger    string         `json:"trigger"`
			Variables  map[string]any `json:"variables"`
			Session    struct {
				ID      string `json:"id"`
				Channel string `json:"channel"`
				Status  string `json:"status"`
				Visitor struct {
					Name string `json:"name"`
				} `json:"visitor"`
			} `json:"session"`
		}
		if err := json.Unmarshal(reqs[1].body, &body); err != nil {
			t.Fatalf("body %s: %v", reqs[1].body, err)
		}
		if body.DeliveryID != delivery || body.RunID != id || body.WorkflowID != w.GetId() || body.Trigger != "programmatic" ||
			body.Variables["order_id"] != "A-17" || body.Session.ID != s.GetId() || body.Session.Visitor.Name != "Ada" ||
			body.Session.Channel != "webchat" || body.Session.Status != "open" {
			t.Errorf("default body %s", reqs[1].body)
		}
		st := stepOf(t, r, "hook")
		wantStep(t, st, "send_webhook", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "next")
		if st.GetAttempt() != 2 || !valueIs(out(st, "status"), 200.0) || !valueIs(st.GetInput().GetFields()["delivery_id"], delivery) {
			t.Errorf("step attempt %d input %v output %v", st.GetAttempt(), st.GetInput(), st.GetOutput())
		}
		b.wantCaused(t, s.GetId(), id, "message sent")
	})

	t.Run("templated body", func(t *testing.T) {
		sink := newCallSink(t, func(int, sinkRequest) (int, string) { return 204, "" })
		w := b.publish(t, "webhook body", workflowtest.ChainGraph(programmatic(),
			node("hook", &workflowv1.SendWebhookAction{Url: sink.URL + "/hooks", Body: `{"order": "{{ order_id }}", "who": "{{ visitor.name }}"}`})))
		s, _ := b.widgetSession(t)
		id := b.trigger(t, w.GetId(), s.GetId(), map[string]any{"order_id": `A"17`})
		r := b.waitRun(t, id, completed)
		reqs := sink.requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests, want 1", len(reqs))
		}
		verify(t, reqs[0])
		var body map[string]any
		if err := json.Unmarshal(reqs[0].body, &body); err != nil || body["order"] != `A"17` || body["who"] != "Ada" {
			t.Errorf("body %s (%v)", reqs[0].body, err)
		}
		if st := stepOf(t, r, "hook"); st.GetAttempt() != 1 || !valueIs(out(st, "status"), 204.0) {
			t.Errorf("step attempt %d output %v", st.GetAttempt(), st.GetOutput())
		}
	})
}

// --- Cancelling runs ---

func TestCancelRunOfADelayedRunStopsItForGood(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := b.publish(t, "delay", workflowtest.ChainGraph(programmatic(),
		node("pause", &workflowv1.DelayNode{Duration: seconds(1)}), say("late", "too late")))
	s, _ := b.widgetSession(t)
	id := b.trigger(t, w.GetId(), s.GetId(), nil)
	r := b.waitRun(t, id, waiting)
	wake := r.GetWakeAt().AsTime()

	res, err := c.CancelRun(ctx, connect.NewRequest(&workflowv1.CancelRunRequest{RunId: id}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Msg.GetRun(); got.GetStatus() != cancelled || got.GetFinishedAt() == nil || got.GetWakeAt() != nil {
		t.Errorf("CancelRun returned %v", got)
	}
	check := func(when string) {
		t.Helper()
		r := b.getRun(t, id)
		if r.GetStatus() != cancelled || r.GetError() == "" {
			t.Errorf("%s: run %v error %q", when, r.GetStatus(), r.GetError())
		}
		wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "delay:STEP_STATUS_SKIPPED")
		if st := stepOf(t, r, "pause"); !strings.Contains(st.GetError(), "cancelled") || st.GetFinishedAt() == nil {
			t.Errorf("%s: delay step error %q finished %v", when, st.GetError(), st.GetFinishedAt())
		}
		if got := b.botTexts(t, s.GetId()); len(got) != 0 {
			t.Errorf("%s: the cancelled run said %q", when, got)
		}
	}
	check("at once")
	// Timing is the point here: wait past the delay's due time.
	time.Sleep(time.Until(wake) + 500*time.Millisecond)
	check("after the due time")

	_, err = c.CancelRun(ctx, connect.NewRequest(&workflowv1.CancelRunRequest{RunId: id}))
	wantCode(t, err, connect.CodeFailedPrecondition)

	t.Run("a finished run cannot be cancelled", func(t *testing.T) {
		quick := b.publish(t, "quick", workflowtest.ChainGraph(programmatic(), say("hi", "hi")))
		id := b.trigger(t, quick.GetId(), s.GetId(), nil)
		b.waitRun(t, id, completed)
		_, err := c.CancelRun(ctx, connect.NewRequest(&workflowv1.CancelRunRequest{RunId: id}))
		wantCode(t, err, connect.CodeFailedPrecondition)
		if r := b.getRun(t, id); r.GetStatus() != completed {
			t.Errorf("refused cancel left the run %v", r.GetStatus())
		}
	})

	t.Run("a cancelled question ignores its answer", func(t *testing.T) {
		picker := b.publish(t, "picker", workflowtest.ChainGraph(programmatic(),
			node("ask", &workflowv1.ButtonPickerAction{Text: "Ok?", Buttons: []*sessionv1.Button{{Label: "Yes", Value: "yes"}}}), say("after", "after")))
		s, token := b.widgetSession(t)
		id := b.trigger(t, picker.GetId(), s.GetId(), nil)
		b.waitRun(t, id, waiting)
		if _, err := c.CancelRun(ctx, connect.NewRequest(&workflowv1.CancelRunRequest{RunId: id})); err != nil {
			t.Fatal(err)
		}
		evs := b.causedBy(t, s.GetId(), id)
		if len(evs) != 1 {
			t.Fatalf("events %v", evs)
		}
		if _, err := b.sessionClient(token).SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(),
			Content: &sessionv1.SendMessageRequest_Button{Button: &sessionv1.ButtonChoice{PickerSequence: evs[0].GetSequence(), Value: "yes"}}})); err != nil {
			t.Fatal(err)
		}
		r := b.getRun(t, id)
		if r.GetStatus() != cancelled {
			t.Errorf("the answer moved the cancelled run to %v", r.GetStatus())
		}
		wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", "button_picker:STEP_STATUS_SKIPPED")
	})
}

// --- Test runs ---

// followUpGraph is seed 003's 24-hour follow-up: a greeting, a day's wait
// for the visitor, and "Just checking in" when none comes.
func followUpGraph() *workflowv1.Graph {
	return wiredGraph(
		[]*workflowv1.Node{node("t", &workflowv1.NewConversationTrigger{}), say("hello", "Thanks for reaching out, {{ visitor.name }}!"),
			node("wait", &workflowv1.WaitForEventNode{Event: workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE, Variable: "reply",
				Timeout: &workflowv1.Duration{Amount: 24, Unit: workflowv1.TimeUnit_TIME_UNIT_HOURS}}),
			say("followup", "Just checking in"), workflowtest.EndNode()},
		[3]string{"t", "", "hello"}, [3]string{"hello", "", "wait"}, [3]string{"wait", "next", "end"},
		[3]string{"wait", "timeout", "followup"}, [3]string{"followup", "", "end"},
	)
}

func TestTestWorkflowFastForwardsTheDayLongFollowUp(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	created, err := c.CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "24h follow-up", Draft: followUpGraph()}))
	if err != nil {
		t.Fatal(err)
	}
	wid := created.Msg.GetWorkflow().GetId()
	test := func(t *testing.T, req *workflowv1.TestWorkflowRequest) *workflowv1.Run {
		t.Helper()
		req.WorkflowId = wid
		res, err := c.TestWorkflow(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatalf("TestWorkflow: %v", err)
		}
		return res.Msg.GetRun()
	}
	checkFollowUp := func(t *testing.T, r *workflowv1.Run, visitor string) {
		t.Helper()
		wantKinds(t, r, "new_conversation:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED",
			"wait_for_event:STEP_STATUS_COMPLETED", "send_message:STEP_STATUS_COMPLETED", "end:STEP_STATUS_COMPLETED")
		wantStep(t, stepOf(t, r, "wait"), "wait_for_event", workflowv1.StepStatus_STEP_STATUS_COMPLETED, "timeout")
		b.wantCaused(t, r.GetSessionId(), r.GetId(), "message Thanks for reaching out, "+visitor+"!", "message Just checking in")
	}

	t.Run("fast forward on a new test session", func(t *testing.T) {
		began := time.Now()
		started := test(t, &workflowv1.TestWorkflowRequest{FastForward: true, TriggerData: mustStruct(t, map[string]any{
			"visitor_name": "Grace", "channel": "whatsapp",
		})})
		if started.GetMode() != workflowv1.RunMode_RUN_MODE_TEST || started.GetVersion() != 0 || started.GetSessionId() == "" ||
			started.GetTrigger() != "new_conversation" {
			t.Errorf("test run %v", started)
		}
		r := b.waitRun(t, started.GetId(), completed)
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("a fast-forwarded day took %v", d)
		}
		checkFollowUp(t, r, "Grace")
		sess := b.getSession(t, r.GetSessionId())
		if sess.GetVisitor().GetName() != "Grace" || sess.GetChannel() != sessionv1.Channel_CHANNEL_WHATSAPP {
			t.Errorf("test session %v, want it made from the trigger data", sess)
		}
	})

	t.Run("manual on an existing session", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		started := test(t, &workflowv1.TestWorkflowRequest{SessionId: s.GetId(), FastForward: true, Manual: true})
		if started.GetMode() != workflowv1.RunMode_RUN_MODE_MANUAL || started.GetSessionId() != s.GetId() {
			t.Errorf("manual run mode %v on %s", started.GetMode(), started.GetSessionId())
		}
		checkFollowUp(t, b.waitRun(t, started.GetId(), completed), "Ada")
	})

	t.Run("without fast forward the timeout is a day away", func(t *testing.T) {
		started := test(t, &workflowv1.TestWorkflowRequest{})
		r := b.waitRun(t, started.GetId(), waiting)
		if d := time.Until(r.GetWakeAt().AsTime()); d < 23*time.Hour {
			t.Errorf("the wait wakes in %v, want 24 hours", d)
		}
		if _, err := c.CancelRun(ctx, connect.NewRequest(&workflowv1.CancelRunRequest{RunId: started.GetId()})); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTestWorkflowRunsTheDraftOrAVersion(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := b.publish(t, "versions", workflowtest.ChainGraph(programmatic(), say("msg", "published text")))
	if _, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{WorkflowId: w.GetId(),
		Draft: workflowtest.ChainGraph(programmatic(), say("msg", "draft text"))})); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, version int32, sessionID string) *workflowv1.Run {
		t.Helper()
		res, err := c.TestWorkflow(ctx, connect.NewRequest(&workflowv1.TestWorkflowRequest{WorkflowId: w.GetId(), Version: version, SessionId: sessionID}))
		if err != nil {
			t.Fatalf("TestWorkflow version %d: %v", version, err)
		}
		return b.waitRun(t, res.Msg.GetRun().GetId(), completed)
	}
	for _, tc := range []struct {
		version int32
		text    string
	}{{0, "draft text"}, {1, "published text"}} {
		s, _ := b.widgetSession(t)
		r := run(t, tc.version, s.GetId())
		if r.GetVersion() != tc.version || r.GetMode() != workflowv1.RunMode_RUN_MODE_TEST {
			t.Errorf("version %d: run version %d mode %v", tc.version, r.GetVersion(), r.GetMode())
		}
		b.wantCaused(t, s.GetId(), r.GetId(), "message "+tc.text)
	}
	// Production still runs the published version.
	s, _ := b.widgetSession(t)
	r := b.waitRun(t, b.trigger(t, w.GetId(), s.GetId(), nil), completed)
	if r.GetVersion() != 1 || r.GetMode() != workflowv1.RunMode_RUN_MODE_PRODUCTION {
		t.Errorf("production run version %d mode %v", r.GetVersion(), r.GetMode())
	}
	b.wantCaused(t, s.GetId(), r.GetId(), "message published text")

	_, err := c.TestWorkflow(ctx, connect.NewRequest(&workflowv1.TestWorkflowRequest{WorkflowId: w.GetId(), Version: 7}))
	wantCode(t, err, connect.CodeNotFound)
	// A draft that cannot run is refused, naming the problem; versions
	// still run.
	if _, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{WorkflowId: w.GetId(),
		Draft: workflowtest.ChainGraph(programmatic(), say("msg", ""))})); err != nil {
		t.Fatal(err)
	}
	_, err = c.TestWorkflow(ctx, connect.NewRequest(&workflowv1.TestWorkflowRequest{WorkflowId: w.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition)
	if !strings.Contains(err.Error(), "msg") {
		t.Errorf("error %v does not name the node", err)
	}
	run(t, 1, "")
}

// --- AI steps ---

// The engine has no LLM client: on a server whose validator accepts AI
// steps, a run that reaches one fails with a clear error and changes
// nothing on the session.
func TestNodeAIStepsFailTheRunWithoutAnLLM(t *testing.T) {
	b := setup(t, withAI)
	for _, kind := range []string{"ai_extraction", "custom_skill"} {
		t.Run(kind, func(t *testing.T) {
			w := b.publish(t, kind, workflowtest.ChainGraph(programmatic(), workflowtest.ValidNode("ai", protoName(kind)), say("after", "never")))
			s, _ := b.widgetSession(t)
			id := b.trigger(t, w.GetId(), s.GetId(), nil)
			r := b.waitRun(t, id, failed)
			wantKinds(t, r, "programmatic:STEP_STATUS_COMPLETED", kind+":STEP_STATUS_FAILED")
			if st := stepOf(t, r, "ai"); !strings.Contains(st.GetError(), "LLM provider") || !strings.Contains(r.GetError(), "ai ("+kind+")") {
				t.Errorf("step error %q, run error %q", st.GetError(), r.GetError())
			}
			b.wantCaused(t, s.GetId(), id)
		})
	}
}

func protoName(s string) protoreflect.Name { return protoreflect.Name(s) }
