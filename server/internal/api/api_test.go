package api_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/structpb"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/api"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/store"
	"github.com/parleyhq/parley/server/internal/workflow"
)

type testBundle struct {
	store    *store.Store
	dbURL    string
	tokens   *auth.Tokens
	sessions *session.Service
	url      string
	// h2c speaks cleartext HTTP/2, as gRPC needs.
	h2c *http.Client
	ws  domain.Workspace
	// all is a token of ws with every scope.
	all string
}

// setupOption changes how setup builds the server.
type setupOption func(*setupConfig)

type setupConfig struct {
	aiConfigured bool
	heartbeat    time.Duration
	resync       time.Duration
	engine       engine.Options
	agent        agent.ResponderOptions
}

// withProvider makes the AI agent answer with p instead of the built-in
// knowledge-base provider.
func withProvider(p agent.Provider) setupOption {
	return func(c *setupConfig) { c.agent.Provider = p }
}

// withEngine changes the workflow engine's options.
func withEngine(f func(*engine.Options)) setupOption {
	return func(c *setupConfig) { f(&c.engine) }
}

// withAI builds a server that has an LLM provider configured, so the
// validator accepts AI nodes.
func withAI(c *setupConfig) { c.aiConfigured = true }

func setup(t testing.TB, opts ...setupOption) *testBundle {
	t.Helper()
	cfg := setupConfig{engine: engine.Options{
		Log:           slog.New(slog.NewTextHandler(io.Discard, nil)),
		OutboundAllow: []string{"127.0.0.1", "::1"}, // the tests' receivers
		WakeInterval:  20 * time.Millisecond,
		RetryBase:     20 * time.Millisecond,
	}}
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	tokens := auth.NewTokens(st)
	ws, _, err := tokens.EnsureWorkspace(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	_, all, err := tokens.Create(ctx, ws.ID, "all", domain.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.NewService(st, session.HubOptions{Heartbeat: cfg.heartbeat, Resync: cfg.resync})
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); sessions.Hub().Run(hubCtx) }()
	t.Cleanup(func() { stopHub(); <-hubDone })
	kb := agent.NewService(st)
	cfg.agent.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	responder := agent.NewResponder(sessions, kb, cfg.agent)
	cfg.engine.Jobs = []store.JobSet{responder.Jobs()}
	runs, err := engine.New(st, sessions, cfg.engine)
	if err != nil {
		t.Fatal(err)
	}
	responder.Attach(runs.Queue())
	runUntilCleanup(t, "engine", runs.Run)
	authn := auth.NewAuthenticator(st)
	authn.SetSessionTokenResolver(sessions)
	h := api.NewHandler(api.Deps{
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:   api.NewMetrics(),
		Authn:     authn,
		Workflows: workflow.NewService(st, cfg.aiConfigured),
		Sessions:  sessions,
		Agent:     kb,
		Engine:    runs,
		Ping:      st.Ping,
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{
		Protocols:       protocols,
		TLSClientConfig: &tls.Config{},
		DialContext:     (&net.Dialer{}).DialContext,
	}}
	return &testBundle{store: st, dbURL: dbURL, tokens: tokens, sessions: sessions, url: srv.URL, h2c: h2c, ws: ws, all: all}
}

// runUntilCleanup runs a background service (the engine and its jobs) until
// the test ends, then stops it, giving running jobs 5 s.
func runUntilCleanup(t testing.TB, name string, run func(ctx context.Context, stopTimeout time.Duration) error) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, 5*time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	})
}

// bearer returns a client option that sends the token on unary and
// streaming calls.
func bearer(token string) connect.ClientOption {
	return connect.WithInterceptors(bearerInterceptor(token))
}

type bearerInterceptor string

func (b bearerInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if b != "" {
			req.Header().Set("Authorization", "Bearer "+string(b))
		}
		return next(ctx, req)
	}
}

func (b bearerInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		if b != "" {
			conn.RequestHeader().Set("Authorization", "Bearer "+string(b))
		}
		return conn
	}
}

func (b bearerInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// msg is the message of a response, nil when the call failed.
func msg[T any](r *connect.Response[T]) *T {
	if r == nil {
		return nil
	}
	return r.Msg
}

func (b *testBundle) workflows(token string, opts ...connect.ClientOption) workflowv1connect.WorkflowServiceClient {
	return workflowv1connect.NewWorkflowServiceClient(b.h2c, b.url, append(opts, bearer(token))...)
}

func createWorkflow(t *testing.T, c workflowv1connect.WorkflowServiceClient, name string) *workflowv1.Workflow {
	t.Helper()
	res, err := c.CreateWorkflow(context.Background(), connect.NewRequest(&workflowv1.CreateWorkflowRequest{
		Name: name,
		Draft: &workflowv1.Graph{Nodes: []*workflowv1.Node{{
			Id: "start", Config: &workflowv1.Node_Programmatic{Programmatic: &workflowv1.ProgrammaticTrigger{}},
		}}},
	}))
	if err != nil {
		t.Fatalf("CreateWorkflow: %v", err)
	}
	return res.Msg.GetWorkflow()
}

func wantCode(t *testing.T, err error, code connect.Code) {
	t.Helper()
	if got := connect.CodeOf(err); got != code {
		t.Fatalf("got code %v (%v), want %v", got, err, code)
	}
}

func TestEveryProtocolCreatesAndReadsAWorkflow(t *testing.T) {
	b := setup(t)
	for name, opt := range map[string]connect.ClientOption{
		"connect":  connect.WithProtoJSON(),
		"grpc":     connect.WithGRPC(),
		"grpc-web": connect.WithGRPCWeb(),
	} {
		t.Run(name, func(t *testing.T) {
			c := b.workflows(b.all, opt)
			w := createWorkflow(t, c, "Welcome via "+name)
			if !strings.HasPrefix(w.GetId(), "scenario_") || w.GetStatus() != workflowv1.WorkflowStatus_WORKFLOW_STATUS_DRAFT {
				t.Fatalf("created %v", w)
			}
			if w.GetTriggerKind() != workflowv1.TriggerKind_TRIGGER_KIND_PROGRAMMATIC {
				t.Errorf("trigger kind %v, want programmatic", w.GetTriggerKind())
			}
			got, err := c.GetWorkflow(context.Background(), connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
			if err != nil {
				t.Fatal(err)
			}
			if got.Msg.GetWorkflow().GetName() != "Welcome via "+name || len(got.Msg.GetWorkflow().GetDraft().GetNodes()) != 1 {
				t.Fatalf("got %v", got.Msg.GetWorkflow())
			}
		})
	}
}

func TestAuthMatrix(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	w := createWorkflow(t, b.workflows(b.all), "Secret plan")
	get := func(token string) error {
		_, err := b.workflows(token).GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
		return err
	}

	t.Run("no token", func(t *testing.T) { wantCode(t, get(""), connect.CodeUnauthenticated) })
	t.Run("wrong token", func(t *testing.T) { wantCode(t, get("prl_not-a-real-token-at-all"), connect.CodeUnauthenticated) })
	t.Run("malformed header", func(t *testing.T) {
		c := workflowv1connect.NewWorkflowServiceClient(b.h2c, b.url, connect.WithInterceptors(connect.UnaryInterceptorFunc(
			func(next connect.UnaryFunc) connect.UnaryFunc {
				return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
					req.Header().Set("Authorization", "Basic dXNlcjpwYXNz")
					return next(ctx, req)
				}
			})))
		_, err := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
		wantCode(t, err, connect.CodeUnauthenticated)
	})
	t.Run("revoked token", func(t *testing.T) {
		tok, secret, err := b.tokens.Create(ctx, b.ws.ID, "to revoke", domain.AllScopes)
		if err != nil {
			t.Fatal(err)
		}
		if err := get(secret); err != nil {
			t.Fatalf("before revoking: %v", err)
		}
		if _, err := b.tokens.Revoke(ctx, b.ws.ID, tok.ID.String()); err != nil {
			t.Fatal(err)
		}
		wantCode(t, get(secret), connect.CodeUnauthenticated)
	})
	t.Run("missing scope", func(t *testing.T) {
		_, readOnly, err := b.tokens.Create(ctx, b.ws.ID, "read only", []domain.Scope{domain.ScopeWorkflowsRead})
		if err != nil {
			t.Fatal(err)
		}
		if err := get(readOnly); err != nil {
			t.Fatalf("read with workflows:read: %v", err)
		}
		_, err = b.workflows(readOnly).CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "x"}))
		wantCode(t, err, connect.CodePermissionDenied)
		if !strings.Contains(err.Error(), "workflows:write") {
			t.Errorf("error %q does not name the missing scope", err)
		}
		_, sessionsOnly, err := b.tokens.Create(ctx, b.ws.ID, "sessions", []domain.Scope{domain.ScopeSessionsRead})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, get(sessionsOnly), connect.CodePermissionDenied)
	})
	t.Run("other workspace", func(t *testing.T) {
		otherToken := b.otherWorkspaceToken(t)
		err := get(otherToken)
		wantCode(t, err, connect.CodeNotFound)
		if strings.Contains(err.Error(), "Secret plan") {
			t.Errorf("not-found error leaks the workflow: %v", err)
		}
		_, err = b.workflows(otherToken).DeleteWorkflow(ctx, connect.NewRequest(&workflowv1.DeleteWorkflowRequest{WorkflowId: w.GetId()}))
		wantCode(t, err, connect.CodeNotFound)
		if err := get(b.all); err != nil {
			t.Fatalf("the owner lost its workflow: %v", err)
		}
		// The other workspace's own workflows stay its own.
		mine := createWorkflow(t, b.workflows(otherToken), "Theirs")
		_, err = b.workflows(b.all).GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: mine.GetId()}))
		wantCode(t, err, connect.CodeNotFound)
	})
	t.Run("session token of nobody", func(t *testing.T) {
		wantCode(t, get("pst_unknown-session-token-value"), connect.CodeUnauthenticated)
	})
}

// violationFields returns the field paths named by protovalidate details.
func violationFields(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a connect error: %v", err)
	}
	var fields []string
	for _, d := range ce.Details() {
		msg, derr := d.Value()
		if derr != nil {
			t.Fatal(derr)
		}
		if v, ok := msg.(*validate.Violations); ok {
			for _, viol := range v.GetViolations() {
				var parts []string
				for _, e := range viol.GetField().GetElements() {
					parts = append(parts, e.GetFieldName())
				}
				fields = append(fields, strings.Join(parts, "."))
			}
		}
	}
	return fields
}

func TestInvalidRequestsNameTheField(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	tooLong := strings.Repeat("a", 2001)
	nested, _ := structpb.NewStruct(map[string]any{"plan": "pro", "cart": map[string]any{"total": 3}})
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"empty workflow name", func() error {
			_, err := b.workflows(b.all).CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{}))
			return err
		}, "name"},
		{"malformed workflow id", func() error {
			_, err := b.workflows(b.all).GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: "scenario_123"}))
			return err
		}, "workflow_id"},
		{"non-scalar variable", func() error {
			_, err := b.workflows(b.all).TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
				WorkflowId: "scenario_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19",
				SessionId:  "session_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19",
				Variables:  nested,
			}))
			return err
		}, "variables"},
		{"instruction over 2000 characters", func() error {
			c := agentv1connect.NewAgentServiceClient(b.h2c, b.url, bearer(b.all))
			_, err := c.TriggerAgent(ctx, connect.NewRequest(&agentv1.TriggerAgentRequest{
				SessionId: "session_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19", Instruction: tooLong,
			}))
			return err
		}, "instruction"},
		{"unknown channel", func() error {
			c := sessionv1connect.NewSessionServiceClient(b.h2c, b.url, bearer(b.all))
			_, err := c.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{Channel: 99}))
			return err
		}, "channel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantCode(t, err, connect.CodeInvalidArgument)
			fields := violationFields(t, err)
			if len(fields) == 0 || fields[0] != tc.field {
				t.Fatalf("violations name %v, want %q (error %v)", fields, tc.field, err)
			}
		})
	}
}

func TestNonScalarVariableMessageNamesTheRule(t *testing.T) {
	b := setup(t)
	nested, _ := structpb.NewStruct(map[string]any{"cart": []any{1, 2}})
	_, err := b.workflows(b.all).TriggerWorkflow(context.Background(), connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: "scenario_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19",
		SessionId:  "session_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19",
		Variables:  nested,
	}))
	wantCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "cart") {
		t.Errorf("error %q does not name the offending key", err)
	}
}

func TestOversizedRequestIsRefused(t *testing.T) {
	b := setup(t)
	_, err := b.workflows(b.all).CreateWorkflow(context.Background(), connect.NewRequest(&workflowv1.CreateWorkflowRequest{
		Name: "big", Description: strings.Repeat("x", api.MaxRequestBytes),
	}))
	wantCode(t, err, connect.CodeResourceExhausted)
}

func TestHealthAndReflection(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	health := grpchealth.NewClient(b.h2c, b.url, connect.WithGRPC())
	for _, svc := range append([]string{""}, api.ServiceNames...) {
		res, err := health.Check(ctx, &grpchealth.CheckRequest{Service: svc})
		if err != nil || res.Status != grpchealth.StatusServing {
			t.Fatalf("health of %q: %v %v", svc, res, err)
		}
	}
	stream := grpcreflect.NewClient(b.h2c, b.url).NewStream(ctx)
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, n := range names {
		listed[string(n)] = true
	}
	for _, want := range api.ServiceNames {
		if !listed[want] {
			t.Errorf("reflection does not list %s (got %v)", want, names)
		}
	}
}

func TestMetricsCountRequestsByProcedureAndCode(t *testing.T) {
	b := setup(t)
	createWorkflow(t, b.workflows(b.all), "counted")
	_, err := b.workflows("").CreateWorkflow(context.Background(), connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "x"}))
	wantCode(t, err, connect.CodeUnauthenticated)
	body := b.metrics(t)
	for _, want := range []string{
		`parley_rpc_requests_total{code="ok",procedure="/parley.workflow.v1.WorkflowService/CreateWorkflow"} 1`,
		`parley_rpc_requests_total{code="unauthenticated",procedure="/parley.workflow.v1.WorkflowService/CreateWorkflow"} 1`,
		`parley_rpc_duration_seconds_bucket{code="ok",procedure="/parley.workflow.v1.WorkflowService/CreateWorkflow"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// metrics is the server's /metrics page.
func (b *testBundle) metrics(t *testing.T) string {
	t.Helper()
	res, err := http.Get(b.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestDeleteRemovesADraftWorkflow(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := createWorkflow(t, c, "short-lived")
	if _, err := c.DeleteWorkflow(ctx, connect.NewRequest(&workflowv1.DeleteWorkflowRequest{WorkflowId: w.GetId()})); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
	wantCode(t, err, connect.CodeNotFound)
}

// db is a connection of its own to the test's database, closed when the
// test ends, for what the API does not show (River's jobs) or cannot do
// (hold a row lock, disable a trigger).
func (b *testBundle) db(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), b.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
