package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// withHeartbeat sets how often idle streams get a heartbeat.
func withHeartbeat(d time.Duration) setupOption {
	return func(c *setupConfig) { c.heartbeat = d }
}

func (b *testBundle) sessionClient(token string) sessionv1connect.SessionServiceClient {
	return sessionv1connect.NewSessionServiceClient(b.h2c, b.url, bearer(token))
}

// widgetSession opens a session the way a browser widget does: with the
// workspace's public key and no token. It returns the session and its token.
func (b *testBundle) widgetSession(t testing.TB) (*sessionv1.Session, string) {
	t.Helper()
	res, err := b.sessionClient("").CreateSession(context.Background(), connect.NewRequest(&sessionv1.CreateSessionRequest{
		PublicKey: b.ws.PublicKey, Visitor: &sessionv1.Visitor{Name: "Ada"},
	}))
	if err != nil {
		t.Fatalf("CreateSession with the public key: %v", err)
	}
	if res.Msg.GetSessionToken() == "" {
		t.Fatal("a widget got no session token")
	}
	return res.Msg.GetSession(), res.Msg.GetSessionToken()
}

func TestWidgetTokenReachesOnlyItsOwnSession(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	mine, token := b.widgetSession(t)
	other, _ := b.widgetSession(t)
	if mine.GetChannel() != sessionv1.Channel_CHANNEL_WEBCHAT || mine.GetLastSequence() != 1 {
		t.Fatalf("a new widget session: %v", mine)
	}
	w := b.sessionClient(token)

	// Its own session: read, write as the visitor.
	if _, err := w.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: mine.GetId()})); err != nil {
		t.Fatalf("GetSession of its own session: %v", err)
	}
	sent, err := w.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: mine.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: "hello"}}))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Msg.GetEvent().GetActor() != sessionv1.Actor_ACTOR_VISITOR {
		t.Errorf("a widget message is by %v, want the visitor", sent.Msg.GetEvent().GetActor())
	}

	// Another session: refused, whatever the call.
	otherCalls := map[string]func() error{
		"GetSession": func() error {
			_, err := w.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: other.GetId()}))
			return err
		},
		"SendMessage": func() error {
			_, err := w.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: other.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: "hi"}}))
			return err
		},
		"ListEvents": func() error {
			_, err := w.ListEvents(ctx, connect.NewRequest(&sessionv1.ListEventsRequest{SessionId: other.GetId()}))
			return err
		},
		"SetData": func() error {
			_, err := w.SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{SessionId: other.GetId(), Key: "k", Value: structpb.NewStringValue("v")}))
			return err
		},
		"Subscribe": func() error {
			stream, err := w.Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: other.GetId()}))
			if err != nil {
				return err
			}
			defer stream.Close()
			for stream.Receive() {
			}
			return stream.Err()
		},
	}
	for name, call := range otherCalls {
		t.Run("other session "+name, func(t *testing.T) { wantCode(t, call(), connect.CodePermissionDenied) })
	}

	// Backend-only calls: refused even on its own session.
	backendCalls := map[string]func() error{
		"ListSessions": func() error {
			_, err := w.ListSessions(ctx, connect.NewRequest(&sessionv1.ListSessionsRequest{}))
			return err
		},
		"UpdateLabels": func() error {
			_, err := w.UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: mine.GetId(), Add: []string{"vip"}}))
			return err
		},
		"SetStatus": func() error {
			_, err := w.SetStatus(ctx, connect.NewRequest(&sessionv1.SetStatusRequest{SessionId: mine.GetId(), Status: sessionv1.Status_STATUS_RESOLVED}))
			return err
		},
		"Assign": func() error {
			_, err := w.Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: mine.GetId(), Target: &sessionv1.AssignRequest_Unassign{Unassign: true}}))
			return err
		},
		"CreateOperator": func() error {
			_, err := w.CreateOperator(ctx, connect.NewRequest(&sessionv1.CreateOperatorRequest{Name: "Eve", Email: "eve@example.com"}))
			return err
		},
		"SubscribeWorkspace": func() error {
			stream, err := w.SubscribeWorkspace(ctx, connect.NewRequest(&sessionv1.SubscribeWorkspaceRequest{}))
			if err != nil {
				return err
			}
			defer stream.Close()
			for stream.Receive() {
			}
			return stream.Err()
		},
		"private note": func() error {
			_, err := w.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: mine.GetId(), Content: &sessionv1.SendMessageRequest_Note{Note: "psst"}}))
			return err
		},
		"WorkflowService": func() error {
			_, err := b.workflows(token).ListWorkflows(ctx, connect.NewRequest(&workflowv1.ListWorkflowsRequest{}))
			return err
		},
	}
	for name, call := range backendCalls {
		t.Run("backend only "+name, func(t *testing.T) { wantCode(t, call(), connect.CodePermissionDenied) })
	}

	// Nothing above wrote to either session.
	for _, s := range []*sessionv1.Session{mine, other} {
		got, err := b.sessionClient(b.all).GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: s.GetId()}))
		if err != nil {
			t.Fatal(err)
		}
		want := int64(1)
		if s == mine {
			want = 2 // created, hello
		}
		if got.Msg.GetSession().GetLastSequence() != want {
			t.Errorf("session %s has %d events, want %d", s.GetId(), got.Msg.GetSession().GetLastSequence(), want)
		}
	}

	t.Run("unknown public key", func(t *testing.T) {
		_, err := b.sessionClient("").CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{PublicKey: "pk_nosuchkey"}))
		wantCode(t, err, connect.CodeNotFound)
	})
	t.Run("no key and no token", func(t *testing.T) {
		_, err := b.sessionClient("").CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{}))
		wantCode(t, err, connect.CodeInvalidArgument)
	})
	t.Run("another workspace's API token", func(t *testing.T) {
		tok2 := b.otherWorkspaceToken(t)
		_, err := b.sessionClient(tok2).GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: mine.GetId()}))
		wantCode(t, err, connect.CodeNotFound)
	})
}

// mutation is one call that must append exactly want events.
type mutation struct {
	name string
	want int
	call func(ctx context.Context) ([]*sessionv1.SessionEvent, error)
}

func TestEveryMutationAppendsItsEventsWithTheNextSequence(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.sessionClient(b.all)
	created, err := c.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{
		Channel: sessionv1.Channel_CHANNEL_WHATSAPP, Visitor: &sessionv1.Visitor{Name: "Bo"},
		Data: mustStruct(t, map[string]any{"plan": "pro"}), Segments: []string{"trial"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if created.Msg.GetSessionToken() != "" {
		t.Error("a backend-created session returned a session token")
	}
	id := created.Msg.GetSession().GetId()
	op, err := c.CreateOperator(ctx, connect.NewRequest(&sessionv1.CreateOperatorRequest{Name: "Olga", Email: "olga@example.com", Available: true}))
	if err != nil {
		t.Fatal(err)
	}
	one := func(ev *sessionv1.SessionEvent, err error) ([]*sessionv1.SessionEvent, error) {
		if ev == nil {
			return nil, err
		}
		return []*sessionv1.SessionEvent{ev}, err
	}
	setData := func(v *structpb.Value) func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
		return func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{SessionId: id, Key: "plan", Value: v}))
			return one(msg(r).GetEvent(), err)
		}
	}
	send := func(content *sessionv1.SendMessageRequest) func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
		return func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			content.SessionId = id
			r, err := c.SendMessage(ctx, connect.NewRequest(content))
			return one(msg(r).GetEvent(), err)
		}
	}
	mutations := []mutation{
		{"operator message", 1, send(&sessionv1.SendMessageRequest{Content: &sessionv1.SendMessageRequest_Text{Text: "Hi, how can I help?"}})},
		{"private note", 1, send(&sessionv1.SendMessageRequest{Content: &sessionv1.SendMessageRequest_Note{Note: "VIP"}})},
		{"set data", 1, setData(structpb.NewStringValue("enterprise"))},
		{"set the same data again", 1, setData(structpb.NewStringValue("enterprise"))},
		{"set a number", 1, setData(structpb.NewNumberValue(3))},
		{"add two labels", 2, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: id, Add: []string{"vip", "billing"}}))
			return msg(r).GetEvents(), err
		}},
		{"add a present label, remove one", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: id, Add: []string{"vip"}, Remove: []string{"billing"}}))
			return msg(r).GetEvents(), err
		}},
		{"segments", 2, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.UpdateSegments(ctx, connect.NewRequest(&sessionv1.UpdateSegmentsRequest{SessionId: id, Add: []string{"customers"}, Remove: []string{"trial"}}))
			return msg(r).GetEvents(), err
		}},
		{"resolve", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.SetStatus(ctx, connect.NewRequest(&sessionv1.SetStatusRequest{SessionId: id, Status: sessionv1.Status_STATUS_RESOLVED}))
			return one(msg(r).GetEvent(), err)
		}},
		{"resolve again changes nothing", 0, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.SetStatus(ctx, connect.NewRequest(&sessionv1.SetStatusRequest{SessionId: id, Status: sessionv1.Status_STATUS_RESOLVED}))
			return one(msg(r).GetEvent(), err)
		}},
		{"star", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.SetStarred(ctx, connect.NewRequest(&sessionv1.SetStarredRequest{SessionId: id, Starred: true}))
			return one(msg(r).GetEvent(), err)
		}},
		{"assign an operator", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: id, Target: &sessionv1.AssignRequest_OperatorId{OperatorId: op.Msg.GetOperator().GetId()}}))
			return one(msg(r).GetEvent(), err)
		}},
		{"create a lead", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.SetLead(ctx, connect.NewRequest(&sessionv1.SetLeadRequest{SessionId: id, Stage: "qualified", ExpectedAmountMinor: 120000}))
			return one(msg(r).GetEvent(), err)
		}},
		{"move the lead", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.SetLead(ctx, connect.NewRequest(&sessionv1.SetLeadRequest{SessionId: id, Stage: "won"}))
			return one(msg(r).GetEvent(), err)
		}},
		{"visitor details", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.UpdateVisitor(ctx, connect.NewRequest(&sessionv1.UpdateVisitorRequest{SessionId: id, Visitor: &sessionv1.Visitor{Email: "bo@example.com"}}))
			return one(msg(r).GetEvent(), err)
		}},
		{"unassign", 1, func(ctx context.Context) ([]*sessionv1.SessionEvent, error) {
			r, err := c.Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: id, Target: &sessionv1.AssignRequest_Unassign{Unassign: true}}))
			return one(msg(r).GetEvent(), err)
		}},
	}
	next := int64(2) // 1 is session_created
	for _, m := range mutations {
		evs, err := m.call(ctx)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if len(evs) != m.want {
			t.Fatalf("%s: %d events, want %d: %v", m.name, len(evs), m.want, evs)
		}
		for _, ev := range evs {
			if ev.GetSequence() != next || ev.GetSessionId() != id || ev.GetCreatedAt() == nil {
				t.Fatalf("%s: event %v, want sequence %d of %s", m.name, ev, next, id)
			}
			next++
		}
	}

	// The log holds exactly those events, gap-free, readable in pages.
	var all []*sessionv1.SessionEvent
	for after := int64(0); ; {
		page, err := c.ListEvents(ctx, connect.NewRequest(&sessionv1.ListEventsRequest{SessionId: id, AfterSequence: after, PageSize: 4}))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Msg.GetEvents()...)
		if !page.Msg.GetHasMore() {
			break
		}
		after = page.Msg.GetEvents()[len(page.Msg.GetEvents())-1].GetSequence()
	}
	if int64(len(all)) != next-1 {
		t.Fatalf("log holds %d events, want %d", len(all), next-1)
	}
	for i, ev := range all {
		if ev.GetSequence() != int64(i+1) {
			t.Fatalf("event %d has sequence %d", i, ev.GetSequence())
		}
	}
	// Setting the value a key holds still logs an event, marked unchanged.
	var sets []*sessionv1.DataSet
	for _, ev := range all {
		if d := ev.GetDataSet(); d != nil {
			sets = append(sets, d)
		}
	}
	if len(sets) != 3 || sets[0].GetUnchanged() || !sets[1].GetUnchanged() || sets[2].GetUnchanged() {
		t.Errorf("data events: %v", sets)
	}

	got, err := c.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: id}))
	if err != nil {
		t.Fatal(err)
	}
	s := got.Msg.GetSession()
	if s.GetLastSequence() != next-1 || s.GetStatus() != sessionv1.Status_STATUS_RESOLVED || !s.GetStarred() ||
		!slices.Equal(s.GetLabels(), []string{"vip"}) || !slices.Equal(s.GetSegments(), []string{"customers"}) ||
		s.GetData().GetFields()["plan"].GetNumberValue() != 3 || s.GetLead().GetStage() != "won" ||
		s.GetLead().GetExpectedAmountMinor() != 120000 || s.GetVisitor().GetEmail() != "bo@example.com" ||
		s.GetVisitor().GetName() != "Bo" || s.GetAssignee().GetKind() != nil || s.GetMessageCount() != 1 {
		t.Errorf("state after the mutations: %v", s)
	}
}

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestButtonAndInputAnswers(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	s, token := b.widgetSession(t)
	id, err := domain.PrefixSession.Parse("id", s.GetId())
	if err != nil {
		t.Fatal(err)
	}
	// A workflow step posts the picker and the input request.
	_, picker, err := b.sessions.Apply(ctx, b.ws.ID, id, session.Actor{Kind: sessionv1.Actor_ACTOR_BOT}, session.PostButtonPicker{
		Text: "Did that help?", Buttons: []*sessionv1.Button{{Label: "Yes", Value: "yes"}, {Label: "No", Value: "no"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, input, err := b.sessions.Apply(ctx, b.ws.ID, id, session.Actor{Kind: sessionv1.Actor_ACTOR_BOT}, session.RequestInput{
		Text: "Your email?", Kind: sessionv1.InputKind_INPUT_KIND_EMAIL,
	})
	if err != nil {
		t.Fatal(err)
	}
	w := b.sessionClient(token)
	choose := func(seq int64, value string) (*sessionv1.SessionEvent, error) {
		r, err := w.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(),
			Content: &sessionv1.SendMessageRequest_Button{Button: &sessionv1.ButtonChoice{PickerSequence: seq, Value: value}}}))
		return msg(r).GetEvent(), err
	}
	answer := func(seq int64, value string) (*sessionv1.SessionEvent, error) {
		r, err := w.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(),
			Content: &sessionv1.SendMessageRequest_Input{Input: &sessionv1.InputAnswer{RequestSequence: seq, Value: value}}}))
		return msg(r).GetEvent(), err
	}
	pickerSeq, inputSeq := picker[0].GetSequence(), input[0].GetSequence()

	_, err = choose(pickerSeq, "maybe")
	wantField(t, err, connect.CodeInvalidArgument, "button.value")
	_, err = choose(inputSeq, "yes")
	wantField(t, err, connect.CodeInvalidArgument, "button.picker_sequence")
	ev, err := choose(pickerSeq, "yes")
	if err != nil {
		t.Fatal(err)
	}
	if ev.GetButtonChosen().GetButton().GetLabel() != "Yes" || ev.GetActor() != sessionv1.Actor_ACTOR_VISITOR {
		t.Errorf("button chosen: %v", ev)
	}
	_, err = choose(pickerSeq, "no")
	wantCode(t, err, connect.CodeFailedPrecondition)

	_, err = answer(inputSeq, "not an email")
	wantField(t, err, connect.CodeInvalidArgument, "input.value")
	if ev, err = answer(inputSeq, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if ev.GetInputAnswered().GetValue() != "ada@example.com" || ev.GetInputAnswered().GetRequestSequence() != inputSeq {
		t.Errorf("input answered: %v", ev)
	}
	_, err = answer(inputSeq, "ada@example.com")
	wantCode(t, err, connect.CodeFailedPrecondition)
}

// wantField checks the code and that a violation names field.
func wantField(t *testing.T, err error, code connect.Code, field string) {
	t.Helper()
	wantCode(t, err, code)
	if fields := violationFields(t, err); !slices.Contains(fields, field) {
		t.Fatalf("violations name %v, want %s (%v)", fields, field, err)
	}
}

func TestTriggerSinkSeesTriggerEventsInTheSameTransaction(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	var (
		mu   sync.Mutex
		got  []workflowv1.TriggerKind
		fail bool
	)
	b.sessions.AddTriggerSink(session.TriggerSinkFunc(func(ctx context.Context, tr session.Trigger) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("engine down")
		}
		got = append(got, tr.Kinds...)
		return nil
	}))
	s, token := b.widgetSession(t)
	w, c := b.sessionClient(token), b.sessionClient(b.all)
	text := func(cl sessionv1connect.SessionServiceClient, msg string) {
		t.Helper()
		if _, err := cl.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: msg}})); err != nil {
			t.Fatal(err)
		}
	}
	text(w, "hi")    // new conversation + message received
	text(c, "hello") // operator: nothing
	text(w, "again") // message received
	if _, err := c.SetStatus(ctx, connect.NewRequest(&sessionv1.SetStatusRequest{SessionId: s.GetId(), Status: sessionv1.Status_STATUS_RESOLVED})); err != nil {
		t.Fatal(err)
	}
	text(w, "one more") // reopens: opened, new conversation, message received
	if _, err := c.UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: s.GetId(), Add: []string{"vip"}})); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{SessionId: s.GetId(), Key: "plan", Value: structpb.NewStringValue("pro")})); err != nil {
		t.Fatal(err)
	}
	k := func(s string) workflowv1.TriggerKind {
		return workflowv1.TriggerKind(workflowv1.TriggerKind_value["TRIGGER_KIND_"+s])
	}
	want := []workflowv1.TriggerKind{
		k("NEW_SESSION"), k("NEW_CONVERSATION"), k("MESSAGE_RECEIVED"), k("MESSAGE_RECEIVED"),
		k("CONVERSATION_RESOLVED"), k("CONVERSATION_OPENED"), k("NEW_CONVERSATION"), k("MESSAGE_RECEIVED"),
		k("LABEL_ADDED"), k("CUSTOM_DATA_UPDATED"),
	}
	mu.Lock()
	if !slices.Equal(got, want) {
		t.Errorf("triggers\n got %v\nwant %v", got, want)
	}
	fail = true
	mu.Unlock()

	// A failing sink undoes the whole change: no event, no state.
	_, err := c.UpdateLabels(ctx, connect.NewRequest(&sessionv1.UpdateLabelsRequest{SessionId: s.GetId(), Add: []string{"lost"}}))
	wantCode(t, err, connect.CodeInternal)
	after, err := c.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: s.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(after.Msg.GetSession().GetLabels(), "lost") || after.Msg.GetSession().GetLastSequence() != 9 {
		t.Errorf("a failed trigger left a half-written change: %v", after.Msg.GetSession())
	}
}

// receiver reads a Subscribe stream in the background.
type receiver struct {
	mu     sync.Mutex
	events []*sessionv1.SessionEvent
	beats  int
	done   chan error
}

func subscribe(ctx context.Context, t testing.TB, c sessionv1connect.SessionServiceClient, id string, after int64) *receiver {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel) // before the server closes: it waits for open streams
	stream, err := c.Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: id, AfterSequence: after}))
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{done: make(chan error, 1)}
	go func() {
		defer stream.Close()
		for stream.Receive() {
			r.mu.Lock()
			if ev := stream.Msg().GetEvent(); ev != nil {
				r.events = append(r.events, ev)
			} else if stream.Msg().GetHeartbeat() != nil {
				r.beats++
			}
			r.mu.Unlock()
		}
		r.done <- stream.Err()
	}()
	return r
}

// waitFor waits until the receiver holds n events, and fails if it holds
// more.
func (r *receiver) waitFor(t testing.TB, n int) []*sessionv1.SessionEvent {
	t.Helper()
	r.waitUntilCount(t, n)
	r.mu.Lock()
	got := slices.Clone(r.events)
	r.mu.Unlock()
	if len(got) != n {
		t.Fatalf("received %d events, want %d", len(got), n)
	}
	return got
}

// waitUntilCount waits until r holds at least n events.
func (r *receiver) waitUntilCount(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r.mu.Lock()
		got := len(r.events)
		r.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d events, want %d", got, n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (r *receiver) heartbeats() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.beats
}

func sequences(evs []*sessionv1.SessionEvent) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.GetSequence()
	}
	return out
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestSubscribeResumesAfterADroppedConnectionWithNoGapAndNoDuplicate(t *testing.T) {
	b := setup(t, withHeartbeat(150*time.Millisecond))
	ctx := context.Background()
	s, token := b.widgetSession(t)
	c := b.sessionClient(b.all)
	say := func(n int) {
		t.Helper()
		for i := range n {
			if _, err := c.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: fmt.Sprint("m", i)}})); err != nil {
				t.Fatal(err)
			}
		}
	}
	say(4) // events 2..5

	// The widget subscribes from the start: it replays 1..5, then gets 6..8 live.
	streamCtx, drop := context.WithCancel(ctx)
	first := subscribe(streamCtx, t, b.sessionClient(token), s.GetId(), 0)
	first.waitFor(t, 5)
	say(3)
	seen := first.waitFor(t, 8)
	if !slices.Equal(sequences(seen), seqRange(1, 8)) {
		t.Fatalf("first connection got %v", sequences(seen))
	}
	drop() // the connection dies
	if err := <-first.done; connect.CodeOf(err) != connect.CodeCanceled {
		t.Fatalf("dropped stream ended with %v", err)
	}

	say(5) // 9..13 happen while the widget is away

	again := subscribe(ctx, t, b.sessionClient(token), s.GetId(), seen[len(seen)-1].GetSequence())
	got := again.waitFor(t, 5)
	if !slices.Equal(sequences(got), seqRange(9, 13)) {
		t.Fatalf("after reconnecting got %v, want 9..13", sequences(got))
	}
	// Idle, it gets heartbeats and nothing else.
	deadline := time.Now().Add(5 * time.Second)
	for again.heartbeats() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if again.heartbeats() < 2 {
		t.Fatal("an idle stream got no heartbeats")
	}
	again.waitFor(t, 5)

	t.Run("after_sequence past the end", func(t *testing.T) {
		stream, err := c.Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: s.GetId(), AfterSequence: 99}))
		if err != nil {
			t.Fatal(err)
		}
		for stream.Receive() {
		}
		wantField(t, stream.Err(), connect.CodeInvalidArgument, "after_sequence")
	})
	t.Run("another workspace's session", func(t *testing.T) {
		tok2 := b.otherWorkspaceToken(t)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // a stream opened by mistake ends with the test
		stream, err := b.sessionClient(tok2).Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: s.GetId()}))
		if err != nil {
			t.Fatal(err)
		}
		if stream.Receive() {
			t.Fatalf("a token of another workspace got %v from the session's stream", stream.Msg())
		}
		wantCode(t, stream.Err(), connect.CodeNotFound)
	})
}

func TestThousandSubscribersOfOneSessionAllReceiveAnEvent(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, token := b.widgetSession(t)
	const n = 1000
	receivers := make([]*receiver, n)
	for i := range receivers {
		receivers[i] = subscribe(ctx, t, b.sessionClient(token), s.GetId(), s.GetLastSequence())
	}
	if _, err := b.sessionClient(b.all).SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: "to everyone"}})); err != nil {
		t.Fatal(err)
	}
	for i, r := range receivers {
		got := r.waitFor(t, 1)
		if got[0].GetMessage().GetText() != "to everyone" || got[0].GetSequence() != 2 {
			t.Fatalf("subscriber %d got %v", i, got[0])
		}
	}
}

func TestSubscribeWorkspaceStreamsEverySessionAndResumesFromACursor(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.sessionClient(b.all)
	before, _ := b.widgetSession(t) // not streamed: it precedes the live subscription

	streamCtx, drop := context.WithCancel(ctx)
	t.Cleanup(drop) // a failed assertion must not leave the stream holding the server open
	stream, err := c.SubscribeWorkspace(streamCtx, connect.NewRequest(&sessionv1.SubscribeWorkspaceRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := b.widgetSession(t)
	s2, _ := b.widgetSession(t)
	for _, s := range []*sessionv1.Session{s1, s2, before} {
		if _, err := c.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: s.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: "hi " + s.GetId()}})); err != nil {
			t.Fatal(err)
		}
	}
	// Expect: s1 created, s2 created, then the three messages. A live
	// stream may also repeat "before"'s creation when another writer (the
	// workflow engine's job queue) was running as it opened: skip it.
	var got []*sessionv1.WorkspaceEvent
	for len(got) < 5 && stream.Receive() {
		ev := stream.Msg().GetEvent()
		if ev == nil || (ev.GetEvent().GetSessionId() == before.GetId() && ev.GetEvent().GetSequence() == 1) {
			continue
		}
		got = append(got, ev)
	}
	if len(got) != 5 {
		t.Fatalf("workspace stream: %v (%v)", got, stream.Err())
	}
	want := []string{s1.GetId() + " 1", s2.GetId() + " 1", s1.GetId() + " 2", s2.GetId() + " 2", before.GetId() + " 2"}
	for i, ev := range got {
		if key := fmt.Sprintf("%s %d", ev.GetEvent().GetSessionId(), ev.GetEvent().GetSequence()); key != want[i] {
			t.Fatalf("event %d is %s, want %s", i, key, want[i])
		}
	}
	drop()
	stream.Close()

	// Resume after the second event: exactly the last three again.
	resumed, err := c.SubscribeWorkspace(ctx, connect.NewRequest(&sessionv1.SubscribeWorkspaceRequest{AfterCursor: got[1].GetCursor()}))
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	for i := 2; i < 5; i++ {
		for resumed.Receive() && resumed.Msg().GetEvent() == nil {
		}
		if ev := resumed.Msg().GetEvent(); ev.GetCursor() != got[i].GetCursor() {
			t.Fatalf("resumed event %d: %v, want %v", i, ev, got[i])
		}
	}

	t.Run("bad cursor", func(t *testing.T) {
		bad, err := c.SubscribeWorkspace(ctx, connect.NewRequest(&sessionv1.SubscribeWorkspaceRequest{AfterCursor: "nonsense!"}))
		if err != nil {
			t.Fatal(err)
		}
		for bad.Receive() {
		}
		wantField(t, bad.Err(), connect.CodeInvalidArgument, "after_cursor")
	})
}

// TestStreamCatchesUpWithoutANotification: an event nobody was told of
// (written by a replica whose announcement was lost) still reaches an open
// stream at the next resync.
func TestStreamCatchesUpWithoutANotification(t *testing.T) {
	b := setup(t, func(c *setupConfig) { c.resync = 200 * time.Millisecond })
	ctx := context.Background()
	s, tok := b.widgetSession(t)
	r := subscribe(ctx, t, b.sessionClient(tok), s.GetId(), s.GetLastSequence())
	for r.heartbeats() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	insertUnannounced(t, b.db(t), s.GetId(), "hello while nobody is told")
	if got := r.waitFor(t, 1)[0]; got.GetMessage().GetText() != "hello while nobody is told" || got.GetSequence() != s.GetLastSequence()+1 {
		t.Fatalf("the stream got %v", got)
	}
}

// insertUnannounced appends a visitor message to a session in SQL, as a
// replica whose announcement of it was lost leaves it: stored, and no
// stream told.
func insertUnannounced(t testing.TB, conn *pgx.Conn, sessionID, text string) {
	t.Helper()
	id, err := domain.PrefixSession.Parse("session_id", sessionID)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]any{"message": map[string]any{"text": text}})
	_, err = conn.Exec(context.Background(), `
		WITH s AS (
			UPDATE sessions SET last_sequence = last_sequence + 1, message_count = message_count + 1
			WHERE id = $1 RETURNING workspace_id, id, last_sequence
		)
		INSERT INTO session_events (workspace_id, session_id, sequence, kind, actor, payload)
		SELECT workspace_id, id, last_sequence, 'message', 'visitor', $2 FROM s`, id, payload)
	if err != nil {
		t.Fatal(err)
	}
}

// TestStreamIsWokenByThisServersCommits: a stream gets the events its own
// server commits at once, not at the next periodic re-read (a minute away
// here), and with no round trip through the database's notifications.
func TestStreamIsWokenByThisServersCommits(t *testing.T) {
	b := setup(t, func(c *setupConfig) { c.heartbeat, c.resync = time.Minute, time.Minute })
	ctx := context.Background()
	s, tok := b.widgetSession(t)
	r := subscribe(ctx, t, b.sessionClient(tok), s.GetId(), s.GetLastSequence())
	for r.heartbeats() == 0 { // the stream is open and has read the log
		time.Sleep(10 * time.Millisecond)
	}
	sendText(t, b, tok, s.GetId(), "hello at once")
	if got := r.waitFor(t, 1)[0]; got.GetMessage().GetText() != "hello at once" {
		t.Fatalf("the stream got %v", got)
	}
}

// TestStreamedEventsOfThisServerAreTheStoredOnes: the events a server
// commits reach its streams from memory, several from one transaction, and
// each is exactly what the log stores (ListEvents), down to its time.
func TestStreamedEventsOfThisServerAreTheStoredOnes(t *testing.T) {
	b := setup(t, func(c *setupConfig) { c.heartbeat, c.resync = time.Minute, time.Minute })
	ctx := context.Background()
	wf := b.publish(t, "three events", workflowtest.ChainGraph(programmatic(),
		node("one", &workflowv1.SendMessageAction{Text: "first"}),
		node("label", &workflowv1.AddLabelAction{Labels: []string{"greeted"}}),
		node("two", &workflowv1.SendMessageAction{Text: "second"})))
	s, tok := b.widgetSession(t)
	r := subscribe(ctx, t, b.sessionClient(tok), s.GetId(), s.GetLastSequence())
	for r.heartbeats() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	b.trigger(t, wf.GetId(), s.GetId(), nil)
	streamed := r.waitFor(t, 3)
	res, err := b.sessionClient(b.all).ListEvents(ctx, connect.NewRequest(&sessionv1.ListEventsRequest{
		SessionId: s.GetId(), AfterSequence: s.GetLastSequence(),
	}))
	if err != nil {
		t.Fatal(err)
	}
	stored := res.Msg.GetEvents()
	if len(stored) != 3 {
		t.Fatalf("stored %d events after the trigger, want 3", len(stored))
	}
	for i := range stored {
		if !proto.Equal(streamed[i], stored[i]) {
			t.Errorf("event %d streamed as %v, stored as %v", i, streamed[i], stored[i])
		}
	}
}
