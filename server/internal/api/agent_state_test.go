package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
)

func TestAgentStartPauseResumeOnASession(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	ac := b.agentClient(b.all)
	s, widgetToken := b.widgetSession(t)
	persona, err := ac.CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: "Hugo"}))
	if err != nil {
		t.Fatal(err)
	}
	pid := persona.Msg.GetPersona().GetId()

	res, err := ac.TriggerAgent(ctx, connect.NewRequest(&agentv1.TriggerAgentRequest{
		SessionId: s.GetId(), Instruction: "The user is a VIP customer, provide premium support", PersonaId: pid,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Msg.GetState(); !st.GetActive() || st.GetInstruction() != "The user is a VIP customer, provide premium support" || res.Msg.GetSessionId() != s.GetId() {
		t.Errorf("TriggerAgent: %v", res.Msg)
	}
	if got := b.getSession(t, s.GetId()).GetAssignee().GetPersonaId(); got != pid {
		t.Errorf("assignee persona %q, want %q", got, pid)
	}

	paused, err := ac.PauseAgent(ctx, connect.NewRequest(&agentv1.PauseAgentRequest{SessionId: s.GetId(), Reason: "operator"}))
	if err != nil {
		t.Fatal(err)
	}
	if st := paused.Msg.GetState(); st.GetActive() || st.GetPausedReason() != "operator" || st.GetInstruction() == "" {
		t.Errorf("PauseAgent: %v (the instruction is kept for resume)", st)
	}
	resumed, err := ac.ResumeAgent(ctx, connect.NewRequest(&agentv1.ResumeAgentRequest{SessionId: s.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	if st := resumed.Msg.GetState(); !st.GetActive() || st.GetInstruction() != "The user is a VIP customer, provide premium support" || st.GetPausedReason() != "" {
		t.Errorf("ResumeAgent: %v", st)
	}
	got, err := ac.GetAgentState(ctx, connect.NewRequest(&agentv1.GetAgentStateRequest{SessionId: s.GetId()}))
	if err != nil || !got.Msg.GetState().GetActive() {
		t.Errorf("GetAgentState: %v, %v", got, err)
	}

	// Each change is one AgentStateChanged event on the session's log.
	var states []bool
	for _, ev := range b.events(t, s.GetId()) {
		if c := ev.GetAgentStateChanged(); c != nil {
			states = append(states, c.GetState().GetActive())
		}
	}
	if len(states) != 3 || !states[0] || states[1] || !states[2] {
		t.Errorf("agent events active=%v, want [true false true]", states)
	}

	// A persona that does not exist changes nothing.
	_, err = ac.TriggerAgent(ctx, connect.NewRequest(&agentv1.TriggerAgentRequest{
		SessionId: s.GetId(), PersonaId: "persona_00000000-0000-0000-0000-000000000000",
	}))
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("unknown persona: %v, want not_found", err)
	}
	// A widget's session token cannot start the agent.
	_, err = b.agentClient(widgetToken).TriggerAgent(ctx, connect.NewRequest(&agentv1.TriggerAgentRequest{SessionId: s.GetId()}))
	if code := connect.CodeOf(err); code != connect.CodePermissionDenied && code != connect.CodeUnauthenticated {
		t.Errorf("widget token: %v, want permission_denied", err)
	}
}

func TestCORSLetsPagesCallTheRPCsButNotTheTriggerEndpoints(t *testing.T) {
	b := setup(t)
	preflight := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, b.url+path, nil)
		req.Header.Set("Origin", "https://shop.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, connect-protocol-version")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := preflight("/parley.session.v1.SessionService/CreateSession")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("RPC preflight: %d, allow-origin %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}
	for _, h := range []string{"Authorization", "Connect-Protocol-Version", "Content-Type"} {
		if !containsFold(res.Header.Get("Access-Control-Allow-Headers"), h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", res.Header.Get("Access-Control-Allow-Headers"), h)
		}
	}
	if res := preflight("/api/scenario/x/trigger/"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the trigger endpoint answered a browser preflight: API tokens belong on servers")
	}

	// A cross-origin call carries the CORS headers on its answer.
	c := b.sessionClient("")
	req := connect.NewRequest(&sessionv1.CreateSessionRequest{PublicKey: b.ws.PublicKey})
	req.Header().Set("Origin", "https://shop.example")
	out, err := c.CreateSession(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if out.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CreateSession from another origin: allow-origin %q", out.Header().Get("Access-Control-Allow-Origin"))
	}
}

func containsFold(list, item string) bool {
	return strings.Contains(strings.ToLower(list), strings.ToLower(item))
}
