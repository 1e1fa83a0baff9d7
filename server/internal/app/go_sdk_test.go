package app_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/parleyhq/parley/clients/go/parley"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/pgtest"
)

// The Go SDK (clients/go/parley) against the real binary, used only
// through its public API, as a customer's backend would: over the Connect
// protocol and over gRPC, both on cleartext HTTP/2.

const (
	sdkTemplate = "Your {{ plan }} plan linked to order {{ order_id }}."
	sdkRendered = "Your pro plan linked to order 12345."
)

// sdkTarget is a real server for an SDK scenario: its URL, an all-scopes
// token, and a reader token that may read sessions but not start
// workflows (for permission_denied).
type sdkTarget struct {
	url, token, reader string
}

func startSDKTarget(t *testing.T, readerName string) sdkTarget {
	t.Helper()
	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	s := startServer(t, "DATABASE_URL="+dbURL, "PARLEY_BOOTSTRAP_TOKEN="+boot)
	waitServing(t, s)
	cmd := exec.Command(binary, "token", "create", "--name", readerName, "--scopes", "sessions:read")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	return sdkTarget{url: s.url, token: boot, reader: strings.TrimSpace(string(out))}
}

func TestGoSDKScenario(t *testing.T) {
	target := startSDKTarget(t, "go-sdk-reader")
	for _, p := range []struct {
		name string
		opts []parley.Option
	}{
		{"connect", nil},
		{"grpc", []parley.Option{parley.WithGRPC()}},
	} {
		t.Run(p.name, func(t *testing.T) { goSDKScenario(t, target.url, target.token, target.reader, p.opts...) })
	}
}

func goSDKScenario(t *testing.T, baseURL, token, readerToken string, opts ...parley.Option) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := parley.NewClient(baseURL, token, opts...)
	if err != nil {
		t.Fatal(err)
	}

	created, err := c.Sessions.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{Channel: sessionv1.Channel_CHANNEL_API}))
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	sessionID := created.Msg.GetSession().GetId()

	// programmatic trigger -> send message -> end, built as a user would.
	graph := &workflowv1.Graph{
		Nodes: []*workflowv1.Node{
			{Id: "start", Position: &workflowv1.Position{X: 0, Y: 0},
				Config: &workflowv1.Node_Programmatic{Programmatic: &workflowv1.ProgrammaticTrigger{}}},
			{Id: "confirm", Position: &workflowv1.Position{X: 0, Y: 150},
				Config: &workflowv1.Node_SendMessage{SendMessage: &workflowv1.SendMessageAction{Text: sdkTemplate}}},
			{Id: "done", Position: &workflowv1.Position{X: 0, Y: 300},
				Config: &workflowv1.Node_End{End: &workflowv1.EndNode{}}},
		},
		Edges: []*workflowv1.Edge{
			{FromNode: "start", ToNode: "confirm"},
			{FromNode: "confirm", FromPort: "next", ToNode: "done"},
		},
	}
	wf, err := c.Workflows.CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "Go SDK order confirmation", Draft: graph}))
	if err != nil {
		t.Fatalf("CreateWorkflow: %v", err)
	}
	workflowID := wf.Msg.GetWorkflow().GetId()
	if _, err := c.Workflows.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: workflowID})); err != nil {
		t.Fatalf("PublishWorkflow: %v", err)
	}

	// Subscribe, and once the stream delivers (session_created, so it is
	// live) trigger the workflow; the rendered message arrives on it.
	vars, err := parley.Variables(map[string]any{"plan": "pro", "order_id": 12345})
	if err != nil {
		t.Fatal(err)
	}
	subCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	sub := c.Subscribe(subCtx, sessionID, 0)
	var (
		runID string
		last  int64
		bot   *sessionv1.SessionEvent
	)
	for ev, err := range sub.Events() {
		if err != nil {
			t.Fatalf("subscription stopped (after %d, run %q): %v", sub.LastSequence(), runID, err)
		}
		if ev.GetSequence() <= last || ev.GetSessionId() != sessionID {
			t.Fatalf("event %d of %s after %d", ev.GetSequence(), ev.GetSessionId(), last)
		}
		last = ev.GetSequence()
		if runID == "" {
			res, err := c.Workflows.TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
				WorkflowId: workflowID, SessionId: sessionID, Variables: vars,
			}))
			if err != nil {
				t.Fatalf("TriggerWorkflow: %v", err)
			}
			runID = res.Msg.GetRunId()
		}
		if ev.GetActor() == sessionv1.Actor_ACTOR_BOT && ev.GetMessage() != nil {
			bot = ev
			break
		}
	}
	if got := bot.GetMessage().GetText(); got != sdkRendered {
		t.Fatalf("bot message %q, want %q", got, sdkRendered)
	}
	if bot.GetCauseRunId() != runID || sub.Err() != nil || sub.LastSequence() != bot.GetSequence() {
		t.Fatalf("bot message caused by %q (run %q); Err() %v; LastSequence %d of %d",
			bot.GetCauseRunId(), runID, sub.Err(), sub.LastSequence(), bot.GetSequence())
	}

	// invalid_argument, with the field named: a nested variable built by
	// hand (parley.Variables refuses it), and a malformed session id.
	nested := &structpb.Struct{Fields: map[string]*structpb.Value{
		"plan": structpb.NewStringValue("pro"),
		"meta": structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"a": structpb.NewNumberValue(1)}}),
	}}
	_, err = c.Workflows.TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: workflowID, SessionId: sessionID, Variables: nested,
	}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(parley.FieldViolations(err)["variables"], "'meta'") {
		t.Fatalf("nested variable: %v; violations %v", err, parley.FieldViolations(err))
	}
	if _, verr := parley.Variables(map[string]any{"meta": map[string]any{"a": 1}}); verr == nil {
		t.Fatal("parley.Variables accepted a nested map")
	}
	_, err = c.Sessions.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: "order-12345"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || parley.FieldViolations(err)["session_id"] == "" {
		t.Fatalf("bad session id: %v; violations %v", err, parley.FieldViolations(err))
	}

	// A subscription the server refuses for good stops with that error
	// instead of retrying: a position past the end of the log (checked by
	// the server, not by request validation) and a session that does not
	// exist.
	assertStops := func(what string, sub *parley.Subscription, code connect.Code) error {
		t.Helper()
		n := 0
		var last error
		for ev, err := range sub.Events() {
			n++
			if ev != nil {
				t.Fatalf("%s: delivered event %d", what, ev.GetSequence())
			}
			last = err
		}
		if n != 1 || connect.CodeOf(last) != code || connect.CodeOf(sub.Err()) != code {
			t.Fatalf("%s: %d pairs, last error %v, Err() %v; want one %v error", what, n, last, sub.Err(), code)
		}
		return last
	}
	err = assertStops("after_sequence past the end", c.Subscribe(subCtx, sessionID, last+1000), connect.CodeInvalidArgument)
	if parley.FieldViolations(err)["after_sequence"] == "" {
		t.Fatalf("after_sequence past the end: violations %v of %v", parley.FieldViolations(err), err)
	}
	assertStops("unknown session", c.Subscribe(subCtx, "session_00000000-0000-4000-8000-000000000000", 0), connect.CodeNotFound)

	// A token with sessions:read only: reads the stream, may not trigger.
	r, err := parley.NewClient(baseURL, readerToken, append(opts, parley.WithUserAgent("go-sdk-e2e/1"))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Workflows.TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: workflowID, SessionId: sessionID, Variables: vars,
	}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("TriggerWorkflow with a sessions:read token: %v", err)
	}
	seen := false
	for ev, err := range r.Subscribe(subCtx, sessionID, bot.GetSequence()-1).Events() {
		if err != nil {
			t.Fatalf("reader subscription: %v", err)
		}
		if ev.GetSequence() != bot.GetSequence() || ev.GetMessage().GetText() != sdkRendered {
			t.Fatalf("reader got event %d %v, want the bot message %d", ev.GetSequence(), ev, bot.GetSequence())
		}
		seen = true
		break
	}
	if !seen {
		t.Fatal("reader subscription ended without the bot message")
	}

	// An unknown token is refused on calls and stops a subscription.
	bad, err := parley.NewClient(baseURL, auth.NewAPISecret(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Sessions.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: sessionID})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("GetSession with an unknown token: %v", err)
	}
	assertStops("unknown token", bad.Subscribe(subCtx, sessionID, 0), connect.CodeUnauthenticated)
}
