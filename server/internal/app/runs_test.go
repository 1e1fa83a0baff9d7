package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/mail/mailtest"
	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// kill ends a server with SIGKILL, as a crash would, and reaps it.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

// publishGraph creates and publishes a workflow.
func publishGraph(t *testing.T, s *server, token, name string, g *workflowv1.Graph) string {
	t.Helper()
	ctx := context.Background()
	c := workflows(s, token)
	w, err := c.CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: name, Draft: g}))
	if err != nil {
		t.Fatalf("CreateWorkflow: %v", err)
	}
	if _, err := c.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: w.Msg.GetWorkflow().GetId()})); err != nil {
		t.Fatalf("PublishWorkflow: %v", err)
	}
	return w.Msg.GetWorkflow().GetId()
}

// startRuns opens n sessions and triggers one run of workflowID on each,
// spreading the calls over servers; run i gets variable n = i.
func startRuns(t *testing.T, servers []*server, token, workflowID string, n int) []string {
	t.Helper()
	sessions := make([]string, n)
	var g errgroup.Group
	g.SetLimit(16)
	for i := range n {
		s := servers[i%len(servers)]
		g.Go(func() error {
			ctx := context.Background()
			created, err := sessionsClient(s, token).CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{}))
			if err != nil {
				return fmt.Errorf("CreateSession: %w", err)
			}
			sessions[i] = created.Msg.GetSession().GetId()
			vars, _ := structpb.NewStruct(map[string]any{"n": float64(i)})
			_, err = workflows(s, token).TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
				WorkflowId: workflowID, SessionId: sessions[i], Variables: vars,
			}))
			if err != nil {
				return fmt.Errorf("TriggerWorkflow %d: %w", i, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return sessions
}

// waitAllRuns waits until every run of a workflow has finished and
// returns them.
func waitAllRuns(t *testing.T, s *server, token, workflowID string, n int, timeout time.Duration) []*workflowv1.Run {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var (
			runs   []*workflowv1.Run
			token2 string
		)
		for {
			res, err := workflows(s, token).ListRuns(context.Background(), connect.NewRequest(&workflowv1.ListRunsRequest{
				WorkflowId: workflowID, PageSize: 500, PageToken: token2,
			}))
			if err != nil {
				t.Fatalf("ListRuns: %v", err)
			}
			runs = append(runs, res.Msg.GetRuns()...)
			if token2 = res.Msg.GetNextPageToken(); token2 == "" {
				break
			}
		}
		done := 0
		for _, r := range runs {
			switch r.GetStatus() {
			case workflowv1.RunStatus_RUN_STATUS_COMPLETED:
				done++
			case workflowv1.RunStatus_RUN_STATUS_FAILED, workflowv1.RunStatus_RUN_STATUS_CANCELLED:
				t.Fatalf("run %s ended %v: %s", r.GetId(), r.GetStatus(), r.GetError())
			}
		}
		if len(runs) == n && done == n {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d runs, %d completed, want %d completed", timeout, len(runs), done, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// botMessages counts each bot message text of a session.
func botMessages(t *testing.T, s *server, token, sessionID string) map[string]int {
	t.Helper()
	res, err := sessionsClient(s, token).ListEvents(context.Background(), connect.NewRequest(&sessionv1.ListEventsRequest{SessionId: sessionID, PageSize: 500}))
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	out := map[string]int{}
	for _, ev := range res.Msg.GetEvents() {
		if ev.GetActor() == sessionv1.Actor_ACTOR_BOT && ev.GetMessage() != nil {
			out[ev.GetMessage().GetText()]++
		}
	}
	return out
}

// webhookReceiver is a partner's endpoint: it verifies signatures, acts on
// each delivery id once and counts every attempt.
type webhookReceiver struct {
	secret []byte
	// firstDelay holds each delivery's first attempt open that long.
	firstDelay time.Duration

	mu       sync.Mutex
	inFlight int
	attempts map[string]int
	acted    map[string]int
	bad      []string
}

func (rc *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get("Parley-Delivery")
	mac := hmac.New(sha256.New, rc.secret)
	mac.Write([]byte(r.Header.Get("Parley-Timestamp") + "."))
	mac.Write(body)
	ok := r.Header.Get("Parley-Signature") == "v1="+hex.EncodeToString(mac.Sum(nil))
	rc.mu.Lock()
	rc.attempts[id]++
	first := rc.attempts[id] == 1
	if !ok {
		rc.bad = append(rc.bad, id)
	} else if rc.acted[id] == 0 {
		rc.acted[id]++ // the receiver's de-duplication: act once per delivery id
	}
	rc.inFlight++
	rc.mu.Unlock()
	if first {
		time.Sleep(rc.firstDelay)
	}
	rc.mu.Lock()
	rc.inFlight--
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func webhookSecret(t *testing.T, dbURL string) []byte {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var secret string
	if err := conn.QueryRow(context.Background(), `SELECT webhook_secret FROM workspaces WHERE slug = 'default'`).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	return []byte(secret)
}

// TestRunsSurviveACrash kills the server with SIGKILL while runs are in
// their messages, webhooks, delays and waits, and restarts it: every run
// completes, every message appears exactly once, and each webhook delivery
// id reaches the receiver at least once and is acted on once.
func TestRunsSurviveACrash(t *testing.T) {
	const n = 40
	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	env := []string{"DATABASE_URL=" + dbURL, "PARLEY_BOOTSTRAP_TOKEN=" + boot, "PARLEY_OUTBOUND_ALLOW=127.0.0.1", "PARLEY_JOB_TIMEOUT=2s"}
	a := startServer(t, env...)
	waitServing(t, a)

	rc := &webhookReceiver{secret: webhookSecret(t, dbURL), firstDelay: 1500 * time.Millisecond, attempts: map[string]int{}, acted: map[string]int{}}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)

	g := workflowtest.ChainGraph(
		workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
		workflow.NewNode("hello", &workflowv1.SendMessageAction{Text: "hello {{ n }}"}),
		workflow.NewNode("hook", &workflowv1.SendWebhookAction{Url: hook.URL + "/hook"}),
		workflow.NewNode("delay", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 2, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}}),
		workflow.NewNode("after", &workflowv1.SendMessageAction{Text: "after delay {{ n }}"}),
		workflow.NewNode("wait", &workflowv1.WaitForEventNode{
			Event: workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE, Timeout: &workflowv1.Duration{Amount: 2, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS},
		}),
		workflow.NewNode("bye", &workflowv1.SendMessageAction{Text: "bye {{ n }}"}),
	)
	for _, e := range g.GetEdges() { // nobody writes: the wait times out into "bye"
		if e.GetFromNode() == "wait" {
			e.ToNode = map[string]string{"next": "end", "timeout": "bye"}[e.GetFromPort()]
		}
	}
	wf := publishGraph(t, a, boot, "crash", g)
	sessions := startRuns(t, []*server{a}, boot, wf, n)
	// Crash while webhooks are in flight (and other runs sit in delays).
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		inFlight := rc.inFlight
		rc.mu.Unlock()
		if inFlight >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no webhook call was in flight within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.kill(t)

	b := startServer(t, env...)
	waitServing(t, b)
	waitAllRuns(t, b, boot, wf, n, 3*time.Minute)

	for i, sid := range sessions {
		got := botMessages(t, b, boot, sid)
		for _, text := range []string{"hello %d", "after delay %d", "bye %d"} {
			text = fmt.Sprintf(text, i)
			if got[text] != 1 {
				t.Errorf("session %d: %q appears %d times, want exactly once (all: %v)", i, text, got[text], got)
			}
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("deliveries with a bad signature: %v", rc.bad)
	}
	if len(rc.acted) != n {
		t.Errorf("receiver acted on %d distinct deliveries, want %d", len(rc.acted), n)
	}
	retried := 0
	for id, c := range rc.attempts {
		if !strings.HasPrefix(id, "run_") {
			t.Errorf("delivery id %q does not name its run", id)
		}
		if c > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no webhook delivery was attempted twice, though calls were in flight at the crash")
	}
	t.Logf("%d runs survived SIGKILL; %d of %d webhook deliveries were attempted more than once", n, retried, len(rc.attempts))
}

// TestTwoReplicasShareRunsWithoutDoingOneTwice runs 1000 runs on two
// servers sharing a database: each runs once, and both do work. The runs
// call a webhook first, so they go on in the jobs the replicas share, and
// then wait a second, so their timers are shared too.
func TestTwoReplicasShareRunsWithoutDoingOneTwice(t *testing.T) {
	const n = 1000
	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	env := []string{"DATABASE_URL=" + dbURL, "PARLEY_BOOTSTRAP_TOKEN=" + boot, "PARLEY_OUTBOUND_ALLOW=127.0.0.1"}
	a := startServer(t, env...)
	waitServing(t, a)
	b := startServer(t, env...)
	waitServing(t, b)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	wf := publishGraph(t, a, boot, "shared", workflowtest.ChainGraph(
		workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
		workflow.NewNode("hook", &workflowv1.SendWebhookAction{Url: hook.URL + "/hook"}),
		workflow.NewNode("pause", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_SECONDS}}),
		workflow.NewNode("msg", &workflowv1.SendMessageAction{Text: "run {{ n }}"}),
		workflow.NewNode("mark", &workflowv1.SetDataAction{Key: "done", Value: "{{ n }}", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION}),
	))
	sessions := startRuns(t, []*server{a, b}, boot, wf, n)
	runs := waitAllRuns(t, b, boot, wf, n, 3*time.Minute)

	for i, sid := range sessions {
		if got := botMessages(t, a, boot, sid); got[fmt.Sprintf("run %d", i)] != 1 || len(got) != 1 {
			t.Fatalf("session %d got bot messages %v, want exactly one %q", i, got, fmt.Sprintf("run %d", i))
		}
	}
	for _, r := range runs[:50] { // a sample: each step recorded once
		full, err := workflows(a, boot).GetRun(context.Background(), connect.NewRequest(&workflowv1.GetRunRequest{RunId: r.GetId()}))
		if err != nil {
			t.Fatal(err)
		}
		if steps := len(full.Msg.GetRun().GetSteps()); steps != 6 {
			t.Fatalf("run %s has %d steps, want 6 (trigger, webhook, delay, message, set data, end)", r.GetId(), steps)
		}
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var workers, twice int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(DISTINCT attempted_by[1]), count(*) FILTER (WHERE attempt > 1) FROM river_job WHERE kind = 'parley_run_advance'`).Scan(&workers, &twice); err != nil {
		t.Fatal(err)
	}
	if workers != 2 {
		t.Errorf("jobs were worked by %d replicas, want both", workers)
	}
	t.Logf("%d runs on 2 replicas; %d jobs needed a second attempt", n, twice)
}

func TestNotificationEmailGoesThroughTheConfiguredRelay(t *testing.T) {
	relay := mailtest.Start(t)
	boot := auth.NewAPISecret()
	s := startServer(t, "DATABASE_URL="+pgtest.URL(t), "PARLEY_BOOTSTRAP_TOKEN="+boot,
		"PARLEY_SMTP_URL="+relay.URL(), "PARLEY_SMTP_FROM=Parley <parley@example.com>")
	waitServing(t, s)
	ctx := context.Background()
	sc := sessionsClient(s, boot)
	if _, err := sc.CreateOperator(ctx, connect.NewRequest(&sessionv1.CreateOperatorRequest{Name: "Ann", Email: "ann@example.com", Available: true})); err != nil {
		t.Fatal(err)
	}
	wf := publishGraph(t, s, boot, "email", workflowtest.ChainGraph(
		workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
		workflow.NewNode("notify", &workflowv1.SendNotificationAction{Title: "Order {{ n }}", Body: "Please look.", Email: true}),
	))
	startRuns(t, []*server{s}, boot, wf, 1)
	m := relay.Wait(t, 1)[0]
	if m.From != "parley@example.com" || len(m.To) != 1 || m.To[0] != "ann@example.com" || m.Header.Get("Subject") != "Order 0" {
		t.Errorf("email from %q to %v subject %q", m.From, m.To, m.Header.Get("Subject"))
	}
}
