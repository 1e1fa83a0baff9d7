package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"connectrpc.com/validate"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// MaxRequestBytes bounds every request message.
const MaxRequestBytes = 4 << 20

// Deps are what the API edge needs from the rest of the server.
type Deps struct {
	Log       *slog.Logger
	Metrics   *Metrics
	Authn     *auth.Authenticator
	Workflows *workflow.Service
	Sessions  *session.Service
	Agent     *agent.Service
	Engine    *engine.Engine
	// PublicURL is the base URL clients reach the server at.
	PublicURL string
	// Ping reports whether the server can serve (database reachable); it
	// backs grpc.health.v1.
	Ping func(context.Context) error
	// UnaryTimeout bounds unary calls without a deadline; 0 means 30 s.
	UnaryTimeout time.Duration
}

// ServiceNames lists the services the server exposes, for health and
// reflection.
var ServiceNames = []string{
	workflowv1connect.WorkflowServiceName,
	agentv1connect.AgentServiceName,
	sessionv1connect.SessionServiceName,
}

// compressMinBytes is the smallest response an RPC compresses when the
// client accepts it.
const compressMinBytes = 1024

// NewHandler returns the HTTP handler serving every RPC (Connect, gRPC and
// gRPC-Web), health, reflection and /metrics.
func NewHandler(d Deps) http.Handler {
	if d.UnaryTimeout == 0 {
		d.UnaryTimeout = 30 * time.Second
	}
	rpc := &interceptors{
		log:      d.Log,
		observe:  &observeInterceptor{log: d.Log, metrics: d.Metrics, unaryTimeout: d.UnaryTimeout},
		auth:     &authInterceptor{authn: d.Authn, access: procedureAccess()},
		validate: validate.NewInterceptor(),
	}
	opts := append(rpc.options(),
		connect.WithReadMaxBytes(MaxRequestBytes),
		// Compressing a small response costs more than sending it: for a
		// client that accepts gzip, a gzip writer's setup alone was 6 % of
		// the CPU of a trigger.
		connect.WithCompressMinBytes(compressMinBytes),
	)
	workflows := &WorkflowHandler{workflows: d.Workflows, engine: d.Engine, publicURL: d.PublicURL}
	agent := &AgentHandler{agent: d.Agent, sessions: d.Sessions}
	mux := http.NewServeMux()
	mux.Handle(workflowv1connect.NewWorkflowServiceHandler(workflows, opts...))
	mux.Handle(agentv1connect.NewAgentServiceHandler(agent, opts...))
	mux.Handle(sessionv1connect.NewSessionServiceHandler(&SessionHandler{sessions: d.Sessions, engine: d.Engine}, opts...))

	registerREST(mux, &restEndpoints{rpc: rpc, workflows: workflows, agent: agent, log: d.Log}, d.PublicURL)

	mux.Handle(grpchealth.NewHandler(&healthChecker{ping: d.Ping}))
	reflector := grpcreflect.NewStaticReflector(append([]string{grpchealth.HealthV1ServiceName}, ServiceNames...)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{}))
	return withCORS(mux)
}

// healthChecker answers SERVING while the database answers.
type healthChecker struct {
	ping func(context.Context) error
}

func (c *healthChecker) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	known := req.Service == ""
	for _, name := range ServiceNames {
		known = known || req.Service == name
	}
	if !known {
		return nil, connect.NewError(connect.CodeNotFound, nil)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.ping(ctx); err != nil {
		return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
}
