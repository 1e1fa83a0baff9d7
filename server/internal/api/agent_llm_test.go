package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// fakeLLM is an OpenAI-compatible chat completions server on loopback. It
// records each request and answers the way behave says: "stream" streams
// tokens as server-sent events, "stall" streams the first token and then
// hangs, "fail" answers 500.
type fakeLLM struct {
	*httptest.Server
	behave string
	tokens []string
	// complete answers requests that do not stream: the assistant message.
	complete func(llmRequest) map[string]any
	mu       sync.Mutex
	reqs     []llmRequest
	auth     []string
}

type llmRequest struct {
	Model          string            `json:"model"`
	Stream         bool              `json:"stream"`
	ResponseFormat map[string]string `json:"response_format"`
	ToolChoice     json.RawMessage   `json:"tool_choice"`
	Tools          []struct {
		Type     string `json:"type"`
		Function struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

func newFakeLLM(t testing.TB, behave string, tokens ...string) *fakeLLM {
	f := &fakeLLM{behave: behave, tokens: tokens}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	var req llmRequest
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "not a chat completion", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if f.behave == "fail" {
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusInternalServerError)
		return
	}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"index": 0, "message": f.complete(req)}}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for i, tok := range f.tokens {
		chunk, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": tok}}}})
		fmt.Fprintf(w, "data: %s\n\n", chunk)
		w.(http.Flusher).Flush()
		if f.behave == "stall" && i == 0 {
			<-r.Context().Done() // until the client gives up
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func (f *fakeLLM) requests() []llmRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]llmRequest(nil), f.reqs...)
}

// withLLM makes the agent answer through f with the given timeout.
func withLLM(t testing.TB, f *fakeLLM, timeout time.Duration) setupOption {
	llm, err := agent.NewLLM(agent.LLMConfig{BaseURL: f.URL + "/v1", Model: "test-model", APIKey: "test-key", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return withProvider(agent.NewOpenAI(llm))
}

// streamItems subscribes to a session and collects every item but the
// heartbeats, in the order received.
type streamItems struct {
	mu    sync.Mutex
	items []*sessionv1.SubscribeResponse
}

func (b *testBundle) collect(t testing.TB, token, sessionID string, after int64) *streamItems {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := b.sessionClient(token).Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: sessionID, AfterSequence: after}))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Receive() || stream.Msg().GetHeartbeat() == nil {
		t.Fatalf("the stream did not open with a heartbeat: %v", stream.Err())
	}
	s := &streamItems{}
	go func() {
		defer stream.Close()
		for stream.Receive() {
			if stream.Msg().GetHeartbeat() == nil {
				s.mu.Lock()
				s.items = append(s.items, stream.Msg())
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// until waits for an item that satisfies match and returns every item so
// far.
func (s *streamItems) until(t testing.TB, what string, match func(*sessionv1.SubscribeResponse) bool) []*sessionv1.SubscribeResponse {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		items := append([]*sessionv1.SubscribeResponse(nil), s.items...)
		s.mu.Unlock()
		for _, it := range items {
			if match(it) {
				return items
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream never delivered %s; got %v", what, items)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLLMAgentPromptAndStreamedAnswer(t *testing.T) {
	tokens := []string{"Open the sign-in page", ", choose Forgot password", " and follow the emailed link", ", Ada."}
	llm := newFakeLLM(t, "stream", tokens...)
	b := setup(t, withLLM(t, llm, 10*time.Second))
	b.seedHelpCenter(t)
	ctx := context.Background()
	persona, err := b.agentClient(b.all).CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{
		Name: "Nova", Instructions: "Always greet the visitor by name.", Tone: "warm",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s, widget := b.widgetSession(t)
	sid := s.GetId()
	sendText(t, b, widget, sid, "Hello there")
	sendText(t, b, b.all, sid, "Hi Ada, how can I help?")
	b.startAgent(t, sid, "The user is a VIP customer, provide premium support", persona.Msg.GetPersona().GetId())

	stream := b.collect(t, widget, sid, b.getSession(t, sid).GetLastSequence())
	sendText(t, b, widget, sid, "How do I reset my password?")
	items := stream.until(t, "the agent's message", func(it *sessionv1.SubscribeResponse) bool { return agentMessage(it.GetEvent()) })

	// The tokens arrive as deltas, in order, before the message that
	// completes them and names their stream.
	var deltas []*sessionv1.MessageDelta
	var final *sessionv1.SessionEvent
	for _, it := range items {
		if d := it.GetDelta(); d != nil {
			if final != nil {
				t.Errorf("delta %v after the final message", d)
			}
			deltas = append(deltas, d)
		}
		if agentMessage(it.GetEvent()) {
			final = it.GetEvent()
		}
	}
	if len(deltas) != len(tokens) {
		t.Fatalf("got %d deltas, want %d (one per token): %v", len(deltas), len(tokens), deltas)
	}
	for i, d := range deltas {
		if d.GetIndex() != int32(i) || d.GetText() != tokens[i] || d.GetStreamId() != deltas[0].GetStreamId() {
			t.Errorf("delta %d = %v, want index %d text %q on one stream", i, d, i, tokens[i])
		}
	}
	if final.GetMessage().GetText() != strings.Join(tokens, "") || final.GetMessage().GetStreamId() != deltas[0].GetStreamId() {
		t.Errorf("final message %v, want the joined tokens on stream %s", final.GetMessage(), deltas[0].GetStreamId())
	}

	// The prompt: persona, instruction, retrieved passages, recent turns.
	reqs := llm.requests()
	if len(reqs) != 1 {
		t.Fatalf("the LLM got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "test-model" || !r.Stream || llm.auth[0] != "Bearer test-key" {
		t.Errorf("request model %q stream %v auth %q", r.Model, r.Stream, llm.auth[0])
	}
	system := r.Messages[0]
	for _, want := range []string{"Nova", "Always greet the visitor by name.", "warm", "The user is a VIP customer, provide premium support",
		"Resetting your password", "choose Forgot password"} {
		if system.Role != "system" || !strings.Contains(system.Content, want) {
			t.Errorf("the system prompt lacks %q:\n%s", want, system.Content)
		}
	}
	if strings.Contains(system.Content, "Orders ship within two business days") {
		t.Errorf("the prompt carries an article that does not match the question:\n%s", system.Content)
	}
	var turns []string
	for _, m := range r.Messages[1:] {
		turns = append(turns, m.Role+": "+m.Content)
	}
	wantTurns := []string{"user: Hello there", "assistant: (a member of the team wrote) Hi Ada, how can I help?", "user: " + "How do I reset my password?"}
	if strings.Join(turns, "\n") != strings.Join(wantTurns, "\n") {
		t.Errorf("turns:\n%s\nwant:\n%s", strings.Join(turns, "\n"), strings.Join(wantTurns, "\n"))
	}
}

func TestLLMFailuresEndInAHandOff(t *testing.T) {
	for _, c := range []struct{ name, behave string }{
		{"timeout mid-stream", "stall"},
		{"500", "fail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			llm := newFakeLLM(t, c.behave, "Let me check")
			b := setup(t, withLLM(t, llm, 700*time.Millisecond))
			grace := b.operator(t, "Grace", true)
			s, widget := b.widgetSession(t)
			b.startAgent(t, s.GetId(), "", "")
			q := sendText(t, b, widget, s.GetId(), "Where is my order?")
			signal := b.waitEvent(t, s.GetId(), q.GetSequence(), "hand-off signal", func(ev *sessionv1.SessionEvent) bool { return ev.GetDataSet() != nil })
			if v := signal.GetDataSet().GetValue().GetStringValue(); signal.GetDataSet().GetKey() != "agent" || v != "paused:error" {
				t.Errorf("signal %v, want agent = paused:error", signal.GetDataSet())
			}
			got := b.getSession(t, s.GetId())
			if got.GetAgent().GetActive() || got.GetAgent().GetPausedReason() != "error" || got.GetAssignee().GetOperatorId() != grace {
				t.Errorf("after the failure: agent %v, assignee %v; want paused and assigned to %s", got.GetAgent(), got.GetAssignee(), grace)
			}
			var said []string
			for _, ev := range b.events(t, s.GetId()) {
				if agentMessage(ev) {
					said = append(said, ev.GetMessage().GetText())
				}
			}
			if len(said) != 1 || !strings.HasPrefix(said[0], "Sorry, I can't answer that right now.") {
				t.Errorf("the agent said %q, want one apology and hand-off", said)
			}
			if n := len(llm.requests()); n != 1 {
				t.Errorf("the LLM got %d requests, want 1: a failure hands off rather than retrying", n)
			}
		})
	}
}

// AI extraction and custom skill steps run through the configured LLM: the
// extraction's labels, sentiment and fields land on the session and the
// run; the skill's arguments come from the model and its URL's answer is
// in the output variable.
func TestAIStepsRunThroughTheLLM(t *testing.T) {
	llm := newFakeLLM(t, "stream")
	llm.complete = func(r llmRequest) map[string]any {
		if len(r.Tools) > 0 {
			return map[string]any{"role": "assistant", "tool_calls": []any{map[string]any{
				"id": "call_1", "type": "function", "function": map[string]any{"name": r.Tools[0].Function.Name, "arguments": `{"order_id":"A-1042"}`},
			}}}
		}
		return map[string]any{"role": "assistant", "content": `{"labels":["billing","Spam"],"sentiment":"Negative","fields":{"order_id":"A-1042","amount":42.5,"vip":"true","phone":null}}`}
	}
	client, err := agent.NewLLM(agent.LLMConfig{BaseURL: llm.URL + "/v1", Model: "test-model", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, withAI, withEngine(func(o *engine.Options) { o.LLM = client }))
	shop := newCallSink(t, func(int, sinkRequest) (int, string) { return 200, `{"status":"shipped","eta_days":2}` })
	w := b.publish(t, "triage", workflowtest.ChainGraph(programmatic(),
		node("x", &workflowv1.AiExtractionAction{Labels: []string{"billing", "bug"}, SentimentVariable: "mood", Fields: []*workflowv1.ExtractionField{
			{Key: "order_id", Description: "the order number", Type: workflowv1.ValueType_VALUE_TYPE_STRING},
			{Key: "amount", Description: "the amount charged", Type: workflowv1.ValueType_VALUE_TYPE_NUMBER},
			{Key: "vip", Description: "whether the visitor says they are a VIP", Type: workflowv1.ValueType_VALUE_TYPE_BOOL},
			{Key: "phone", Description: "the visitor's phone number", Type: workflowv1.ValueType_VALUE_TYPE_STRING},
		}}),
		node("s", &workflowv1.CustomSkillAction{Name: "lookup_order", Description: "Looks up an order.", Url: shop.URL + "/orders",
			InputSchema: `{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}`, OutputVariable: "order"}),
		say("m", "You sound {{ mood }}. Order {{ order.status }}, arriving in {{ order.eta_days }} days."),
	))
	s, widget := b.widgetSession(t)
	sendText(t, b, widget, s.GetId(), "I was charged twice for order A-1042 (42.50 EUR)! I'm a VIP.")
	r := b.waitRun(t, b.trigger(t, w.GetId(), s.GetId(), nil), workflowv1.RunStatus_RUN_STATUS_COMPLETED)

	got := b.getSession(t, s.GetId())
	if !slices.Equal(got.GetLabels(), []string{"billing"}) {
		t.Errorf("labels %v, want [billing] (Spam is not one of the step's labels)", got.GetLabels())
	}
	data := got.GetData().AsMap()
	if data["order_id"] != "A-1042" || data["amount"] != 42.5 || data["vip"] != true {
		t.Errorf("custom data %v, want order_id A-1042, amount 42.5, vip true", data)
	}
	if _, set := data["phone"]; set {
		t.Error("a field the model did not find was set")
	}
	if st := stepOf(t, r, "x"); !strings.Contains(st.GetError(), `"Spam" is not one of the step's labels`) || !strings.Contains(st.GetError(), "phone was not found") {
		t.Errorf("extraction step notes %q", st.GetError())
	}
	if texts := b.botTexts(t, s.GetId()); !slices.Contains(texts, "You sound negative. Order shipped, arriving in 2 days.") {
		t.Errorf("bot said %q", texts)
	}

	reqs := llm.requests()
	if len(reqs) != 2 {
		t.Fatalf("the LLM got %d requests, want 2", len(reqs))
	}
	extract, skill := reqs[0], reqs[1]
	if extract.ResponseFormat["type"] != "json_object" || !strings.Contains(extract.Messages[0].Content, `["billing","bug"]`) ||
		!strings.Contains(extract.Messages[1].Content, "Visitor: I was charged twice for order A-1042") {
		t.Errorf("extraction request: %+v", extract)
	}
	if len(skill.Tools) != 1 || skill.Tools[0].Function.Name != "lookup_order" || !strings.Contains(string(skill.ToolChoice), "lookup_order") ||
		!strings.Contains(string(skill.Tools[0].Function.Parameters), `"order_id"`) {
		t.Errorf("skill request: %+v", skill)
	}
	calls := shop.requests()
	if len(calls) != 1 || calls[0].method != http.MethodPost || string(calls[0].body) != `{"order_id":"A-1042"}` || calls[0].headerValues("Parley-Signature") == "" {
		t.Fatalf("the skill's URL got %+v, want one signed POST of the model's arguments", calls)
	}
}
