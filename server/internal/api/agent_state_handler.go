package api

import (
	"context"

	"connectrpc.com/connect"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/session"
)

// pausedManually is the reason of a pause that gave none.
const pausedManually = "manual"

// TriggerAgent starts the AI agent on a session, with an optional
// instruction and persona (seed 001's POST /api/agent/trigger/).
func (h *AgentHandler) TriggerAgent(ctx context.Context, req *connect.Request[agentv1.TriggerAgentRequest]) (*connect.Response[agentv1.TriggerAgentResponse], error) {
	m := req.Msg
	var change session.Change = session.SetAgent{Active: true, Instruction: m.GetInstruction()}
	if m.GetPersonaId() != "" {
		pid, err := domain.PrefixPersona.Parse("persona_id", m.GetPersonaId())
		if err != nil {
			return nil, err
		}
		change = session.All{session.Assign{PersonaID: &pid}, change}
	}
	st, err := h.setAgent(ctx, m.GetSessionId(), change)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.TriggerAgentResponse{SessionId: m.GetSessionId(), State: st}), nil
}

// PauseAgent stops the agent answering; the instruction is kept for
// ResumeAgent.
func (h *AgentHandler) PauseAgent(ctx context.Context, req *connect.Request[agentv1.PauseAgentRequest]) (*connect.Response[agentv1.PauseAgentResponse], error) {
	reason := req.Msg.GetReason()
	if reason == "" {
		reason = pausedManually
	}
	st, err := h.setAgent(ctx, req.Msg.GetSessionId(), session.SetAgent{PausedReason: reason})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.PauseAgentResponse{State: st}), nil
}

// ResumeAgent starts the agent again with the instruction it had.
func (h *AgentHandler) ResumeAgent(ctx context.Context, req *connect.Request[agentv1.ResumeAgentRequest]) (*connect.Response[agentv1.ResumeAgentResponse], error) {
	st, err := h.setAgent(ctx, req.Msg.GetSessionId(), session.SetAgent{Active: true, Resume: true})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.ResumeAgentResponse{State: st}), nil
}

// GetAgentState says whether the agent answers a session.
func (h *AgentHandler) GetAgentState(ctx context.Context, req *connect.Request[agentv1.GetAgentStateRequest]) (*connect.Response[agentv1.GetAgentStateResponse], error) {
	p, id, err := sessionTarget(ctx, req.Msg.GetSessionId())
	if err != nil {
		return nil, err
	}
	sess, err := h.sessions.Get(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.GetAgentStateResponse{State: session.AgentStateOf(sess)}), nil
}

// setAgent applies an agent change to a session as the caller and returns
// the agent's new state.
func (h *AgentHandler) setAgent(ctx context.Context, sessionID string, c session.Change) (*sessionv1.AgentState, error) {
	p, id, err := sessionTarget(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	sess, _, err := h.sessions.Apply(ctx, p.WorkspaceID, id, actorOf(p), c)
	if err != nil {
		return nil, err
	}
	return session.AgentStateOf(sess), nil
}
