package api

import (
	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
)

// AgentHandler serves parley.agent.v1.AgentService.
type AgentHandler struct {
	agentv1connect.UnimplementedAgentServiceHandler
}
