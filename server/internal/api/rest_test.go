package api_test

// Over-the-wire tests of the JSON trigger endpoints (rest.go) and of their
// OpenAPI document: plain net/http requests against a real server, as a
// customer's backend sends them.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"google.golang.org/protobuf/encoding/protojson"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/api"
	"github.com/parleyhq/parley/server/internal/api/openapi"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// restReq is one request to a JSON endpoint.
type restReq struct {
	method string // "" is POST
	path   string // below the server's URL, already escaped
	// token is sent as "Authorization: Bearer <token>"; "" sends none.
	token string
	// auth, when set, is the whole Authorization header instead.
	auth string
	// ctype is the Content-Type; "" is application/json, "-" sends none.
	ctype  string
	body   string
	header map[string]string
}

// restRes is what the server answered.
type restRes struct {
	status int
	header http.Header
	body   []byte
}

func (r restRes) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// httpRequest builds the request for base (the server's URL or the
// document's server).
func (q restReq) httpRequest(t testing.TB, base string) *http.Request {
	t.Helper()
	method := q.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+q.path, strings.NewReader(q.body))
	if err != nil {
		t.Fatal(err)
	}
	switch q.ctype {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		req.Header.Set("Content-Type", q.ctype)
	}
	switch {
	case q.auth != "":
		req.Header.Set("Authorization", q.auth)
	case q.token != "":
		req.Header.Set("Authorization", "Bearer "+q.token)
	}
	for k, v := range q.header {
		req.Header.Set(k, v)
	}
	return req
}

var restClient = &http.Client{Timeout: 30 * time.Second}

// rest sends q to the test server.
func (b *testBundle) rest(t testing.TB, q restReq) restRes {
	t.Helper()
	res, err := restClient.Do(q.httpRequest(t, b.url))
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return restRes{status: res.StatusCode, header: res.Header, body: body}
}

func scenarioPath(workflowID string) string { return "/api/scenario/" + workflowID + "/trigger/" }

const agentPath = "/api/agent/trigger/"

// jsonBody marshals v.
func jsonBody(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantJSON fails unless r is a JSON response.
func wantJSON(t testing.TB, r restRes) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json (%v)", ct, r)
	}
	if !json.Valid(r.body) {
		t.Errorf("the body is not JSON: %v", r)
	}
}

// wantRESTError fails unless r is the JSON error {code, message, field?}
// with status and code, field ("" means absent), and a message mentioning
// each of mentions.
func wantRESTError(t testing.TB, r restRes, status int, code, field string, mentions ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %v, want %d", r, status)
	}
	wantJSON(t, r)
	var e map[string]any
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body: %v (%v)", err, r)
	}
	for k := range e {
		if k != "code" && k != "message" && k != "field" {
			t.Errorf("error body has an unexpected member %q: %v", k, r)
		}
	}
	if e["code"] != code {
		t.Errorf("code %v, want %q (%v)", e["code"], code, r)
	}
	msg, _ := e["message"].(string)
	if msg == "" {
		t.Errorf("no message: %v", r)
	}
	for _, m := range mentions {
		if !strings.Contains(msg, m) {
			t.Errorf("message %q does not mention %q", msg, m)
		}
	}
	got, has := e["field"]
	switch {
	case field == "" && has:
		t.Errorf("field %v, want none (%v)", got, r)
	case field != "" && got != field:
		t.Errorf("field %v, want %q (%v)", got, field, r)
	case field != "" && !strings.Contains(msg, field):
		t.Errorf("message %q does not name the field %q", msg, field)
	}
}

// triggered decodes a 200 from the workflow endpoint.
func triggered(t testing.TB, r restRes) *workflowv1.TriggerWorkflowResponse {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("trigger: %v, want 200", r)
	}
	wantJSON(t, r)
	var out workflowv1.TriggerWorkflowResponse
	if err := protojson.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("the 200 body is not a TriggerWorkflowResponse: %v (%v)", err, r)
	}
	if out.GetRunId() == "" || out.GetRunId() != out.GetRun().GetId() {
		t.Fatalf("run_id %q, run.id %q (%v)", out.GetRunId(), out.GetRun().GetId(), r)
	}
	return &out
}

// runsOn lists the runs of a session (any workflow, any mode).
func (b *testBundle) runsOn(t testing.TB, sessionID string) []*workflowv1.Run {
	t.Helper()
	return b.trListRuns(t, &workflowv1.ListRunsRequest{SessionId: sessionID})
}

// scopedToken makes an API token of b's workspace with the given scopes.
func (b *testBundle) scopedToken(t testing.TB, scopes ...domain.Scope) string {
	t.Helper()
	_, secret, err := b.tokens.Create(context.Background(), b.ws.ID, "rest "+fmt.Sprint(scopes), scopes)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// otherWorkspaceToken is an API token with every scope, of another
// workspace than b's.
func (b *testBundle) otherWorkspaceToken(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	other, _, err := b.tokens.EnsureWorkspace(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := b.tokens.Create(ctx, other.ID, "other", domain.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// sayGraph is "programmatic -> send_message text -> end".
func sayGraph(text string) *workflowv1.Graph {
	return workflowtest.ChainGraph(programmatic(), node("say", &workflowv1.SendMessageAction{Text: text}))
}

// waitingGraph starts a run that waits an hour: it stays unfinished.
func waitingGraph() *workflowv1.Graph {
	return workflowtest.ChainGraph(programmatic(),
		node("wait", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_HOURS}}),
		node("say", &workflowv1.SendMessageAction{Text: "an hour later"}))
}

// unknownSession and unknownWorkflow are well-formed ids of nothing.
const (
	unknownSession  = "session_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19"
	unknownWorkflow = "scenario_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19"
	unknownPersona  = "persona_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19"
)

// TestRESTTriggerWorkflowRefusals sends every kind of bad request to the
// workflow endpoint: each gets its status, a JSON error naming the field or
// problem, and starts nothing.
func TestRESTTriggerWorkflowRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	s, widgetToken := b.widgetSession(t)
	sid := s.GetId()
	live := b.publish(t, "live", sayGraph("hello"))
	draft := b.trCreateDraft(t, "draft only", sayGraph("draft"))
	paused := b.publish(t, "paused", sayGraph("paused"))
	if _, err := b.workflows(b.all).PauseWorkflow(ctx, connect.NewRequest(&workflowv1.PauseWorkflowRequest{WorkflowId: paused.GetId()})); err != nil {
		t.Fatal(err)
	}
	starred := b.trPublishSay(t, "on star", &workflowv1.ConversationStarredTrigger{}, "starred")
	readOnly := b.scopedToken(t, domain.ScopeWorkflowsRead)
	agentOnly := b.scopedToken(t, domain.ScopeAgentTrigger)
	otherToken := b.otherWorkspaceToken(t)
	ok := jsonBody(t, map[string]any{"session_id": sid, "variables": map[string]any{"plan": "pro"}})
	livePath := scenarioPath(live.GetId())
	// Over 64 KiB, and valid JSON: only the size is wrong.
	tooBig := jsonBody(t, map[string]any{"session_id": sid, "variables": map[string]any{"pad": strings.Repeat("x", 64<<10)}})

	cases := []struct {
		name   string
		req    restReq
		status int
		code   string
		field  string
		says   []string
	}{
		// 400: the body.
		{"invalid JSON", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid}, 400, "invalid_argument", "", []string{"JSON object", "invalid JSON"}},
		{"empty body", restReq{path: livePath, token: b.all}, 400, "invalid_argument", "", []string{"JSON object"}},
		{"JSON array", restReq{path: livePath, token: b.all, body: `[{"session_id": "` + sid + `"}]`}, 400, "invalid_argument", "", []string{"JSON object", "array"}},
		{"JSON null", restReq{path: livePath, token: b.all, body: `null`}, 400, "invalid_argument", "", []string{"JSON object", "null"}},
		{"trailing garbage", restReq{path: livePath, token: b.all, body: ok + ` {}`}, 400, "invalid_argument", "", []string{"JSON object"}},
		{"unknown field", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "vars": {"plan": "pro"}}`}, 400, "invalid_argument", "vars", []string{"unknown field", "session_id", "variables"}},
		{"field in another case", restReq{path: livePath, token: b.all, body: `{"Session_ID": "` + sid + `"}`}, 400, "invalid_argument", "Session_ID", []string{"unknown field"}},
		{"session_id not a string", restReq{path: livePath, token: b.all, body: `{"session_id": 5}`}, 400, "invalid_argument", "session_id", []string{"must be a string"}},
		{"variables not an object", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "variables": ["pro"]}`}, 400, "invalid_argument", "variables", []string{"object"}},
		{"variables a string", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "variables": "plan=pro"}`}, 400, "invalid_argument", "variables", []string{"object"}},
		{"no session_id", restReq{path: livePath, token: b.all, body: `{"variables": {"plan": "pro"}}`}, 400, "invalid_argument", "session_id", []string{"required"}},
		{"empty session_id", restReq{path: livePath, token: b.all, body: `{"session_id": ""}`}, 400, "invalid_argument", "session_id", []string{"required"}},
		{"malformed session_id", restReq{path: livePath, token: b.all, body: `{"session_id": "session_123"}`}, 400, "invalid_argument", "session_id", nil},
		{"session_id in uppercase", restReq{path: livePath, token: b.all, body: `{"session_id": "` + strings.ToUpper(sid) + `"}`}, 400, "invalid_argument", "session_id", nil},
		{"non-scalar variable", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "variables": {"plan": "pro", "cart": {"total": 3}}}`}, 400, "invalid_argument", "variables", []string{"cart"}},
		{"Idempotency-Key over 200 characters", restReq{path: livePath, token: b.all, body: ok, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}}, 400, "invalid_argument", "Idempotency-Key", []string{"200"}},
		// 400: the workflow id in the path.
		{"malformed workflow id", restReq{path: scenarioPath("scenario_123"), token: b.all, body: ok}, 400, "invalid_argument", "workflow_id", nil},
		{"workflow id in uppercase", restReq{path: scenarioPath(strings.ToUpper(live.GetId())), token: b.all, body: ok}, 400, "invalid_argument", "workflow_id", nil},
		{"uuid in uppercase", restReq{path: scenarioPath("scenario_" + strings.ToUpper(strings.TrimPrefix(live.GetId(), "scenario_"))), token: b.all, body: ok}, 400, "invalid_argument", "workflow_id", []string{"lowercase"}},
		{"~ and not base64", restReq{path: scenarioPath("~not*base64"), token: b.all, body: ok}, 400, "invalid_argument", "workflow_id", nil},
		{"~ and nothing", restReq{path: scenarioPath("~"), token: b.all, body: ok}, 400, "invalid_argument", "workflow_id", nil},
		{"~ and base64 of something else", restReq{path: scenarioPath("~" + base64.RawURLEncoding.EncodeToString([]byte("hello"))), token: b.all, body: ok}, 400, "invalid_argument", "workflow_id", nil},
		// 401, 403.
		{"no token", restReq{path: livePath, body: ok}, 401, "unauthenticated", "", []string{"Authorization"}},
		{"unknown token", restReq{path: livePath, token: "prl_not-a-real-token-at-all", body: ok}, 401, "unauthenticated", "", nil},
		{"basic auth", restReq{path: livePath, auth: "Basic dXNlcjpwYXNz", body: ok}, 401, "unauthenticated", "", nil},
		{"empty bearer", restReq{path: livePath, auth: "Bearer ", body: ok}, 401, "unauthenticated", "", nil},
		{"token without workflows:trigger", restReq{path: livePath, token: readOnly, body: ok}, 403, "permission_denied", "", []string{"workflows:trigger"}},
		{"agent-only token", restReq{path: livePath, token: agentOnly, body: ok}, 403, "permission_denied", "", []string{"workflows:trigger"}},
		{"widget session token", restReq{path: livePath, token: widgetToken, body: ok}, 403, "permission_denied", "", []string{"session token"}},
		// 404.
		{"unknown workflow", restReq{path: scenarioPath(unknownWorkflow), token: b.all, body: ok}, 404, "not_found", "", []string{unknownWorkflow}},
		{"unknown session", restReq{path: livePath, token: b.all, body: `{"session_id": "` + unknownSession + `"}`}, 404, "not_found", "", []string{unknownSession}},
		{"another workspace's token", restReq{path: livePath, token: otherToken, body: ok}, 404, "not_found", "", nil},
		// 405.
		{"GET", restReq{method: http.MethodGet, path: livePath, token: b.all}, 405, "method_not_allowed", "", []string{"GET", "POST"}},
		{"PUT", restReq{method: http.MethodPut, path: livePath, token: b.all, body: ok}, 405, "method_not_allowed", "", []string{"PUT", "POST"}},
		// 412.
		{"draft never published", restReq{path: scenarioPath(draft.GetId()), token: b.all, body: ok}, 412, "failed_precondition", "", []string{"not published", "draft changes do not run in production"}},
		{"paused workflow", restReq{path: scenarioPath(paused.GetId()), token: b.all, body: ok}, 412, "failed_precondition", "", []string{"paused"}},
		{"trigger not programmatic", restReq{path: scenarioPath(starred.GetId()), token: b.all, body: ok}, 412, "failed_precondition", "", []string{"Programmatic"}},
		// 413.
		{"body over 64 KiB", restReq{path: livePath, token: b.all, body: tooBig}, 413, "payload_too_large", "", []string{"65536"}},
		// 415.
		{"text/plain", restReq{path: livePath, token: b.all, ctype: "text/plain", body: ok}, 415, "unsupported_media_type", "", []string{"text/plain", "application/json"}},
		{"form", restReq{path: livePath, token: b.all, ctype: "application/x-www-form-urlencoded", body: "session_id=" + sid}, 415, "unsupported_media_type", "", []string{"application/json"}},
		{"no Content-Type", restReq{path: livePath, token: b.all, ctype: "-", body: ok}, 415, "unsupported_media_type", "", []string{"application/json"}},
		{"malformed Content-Type", restReq{path: livePath, token: b.all, ctype: "application/json; charset", body: ok}, 415, "unsupported_media_type", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.rest(t, tc.req)
			wantRESTError(t, r, tc.status, tc.code, tc.field, tc.says...)
			if tc.status == http.StatusUnauthorized {
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
				}
			} else if got := r.header.Get("WWW-Authenticate"); got != "" {
				t.Errorf("WWW-Authenticate %q on a %d", got, r.status)
			}
			if tc.status == http.StatusMethodNotAllowed {
				if got := r.header.Get("Allow"); got != http.MethodPost {
					t.Errorf("Allow %q, want POST", got)
				}
			}
		})
	}

	t.Run("nothing started", func(t *testing.T) {
		if runs := b.runsOn(t, sid); len(runs) != 0 {
			t.Fatalf("refused requests started %d runs on the session: %v", len(runs), runs)
		}
		for _, w := range []*workflowv1.Workflow{live, draft, paused, starred} {
			if runs := b.trRunsOf(t, w.GetId()); len(runs) != 0 {
				t.Errorf("workflow %q has %d runs: %v", w.GetName(), len(runs), runs)
			}
		}
		if got := b.botTexts(t, sid); len(got) != 0 {
			t.Errorf("the bot said %q", got)
		}
	})

	// The same workflow and session do start once asked properly, so the
	// refusals above were about what each case changed.
	t.Run("the well-formed request starts a run", func(t *testing.T) {
		res := triggered(t, b.rest(t, restReq{path: livePath, token: b.all, body: ok}))
		b.waitRun(t, res.GetRunId(), completed)
		if got := b.botTexts(t, sid); !slices.Equal(got, []string{"hello"}) {
			t.Fatalf("bot said %q", got)
		}
	})
}

// TestRESTTriggerWorkflowRequestEdges: what the endpoint accepts at the
// edges of its rules.
func TestRESTTriggerWorkflowRequestEdges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.publish(t, "edges", sayGraph("edge {{ n }}"))
	path := scenarioPath(w.GetId())
	run := func(t *testing.T, q restReq, n string) {
		t.Helper()
		res := triggered(t, b.rest(t, q))
		b.waitRun(t, res.GetRunId(), completed)
		if got := b.botTexts(t, res.GetRun().GetSessionId()); !slices.Equal(got, []string{"edge " + n}) {
			t.Fatalf("bot said %q, want %q", got, "edge "+n)
		}
	}
	t.Run("a body of exactly 64 KiB", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		body := `{"session_id": "` + s.GetId() + `", "variables": {"n": "64k"}}`
		body += strings.Repeat(" ", 64<<10-len(body))
		run(t, restReq{path: path, token: b.all, body: body}, "64k")
	})
	t.Run("one byte more", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		body := `{"session_id": "` + s.GetId() + `", "variables": {"n": "64k"}}`
		body += strings.Repeat(" ", 64<<10+1-len(body))
		wantRESTError(t, b.rest(t, restReq{path: path, token: b.all, body: body}), 413, "payload_too_large", "")
		if runs := b.runsOn(t, s.GetId()); len(runs) != 0 {
			t.Fatalf("a refused body started %v", runs)
		}
	})
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"} {
		t.Run("Content-Type "+ct, func(t *testing.T) {
			s, _ := b.widgetSession(t)
			run(t, restReq{path: path, token: b.all, ctype: ct, body: `{"session_id": "` + s.GetId() + `", "variables": {"n": "ct"}}`}, "ct")
		})
	}
	t.Run("variables null is no variables", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		run(t, restReq{path: path, token: b.all, body: `{"session_id": "` + s.GetId() + `", "variables": null}`}, "")
	})
	t.Run("lower-case bearer scheme", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		r := b.rest(t, restReq{path: path, auth: "bearer " + b.all, body: `{"session_id": "` + s.GetId() + `", "variables": {"n": "b"}}`})
		// RFC 9110 makes the scheme case-insensitive; either answer must be
		// a proper one.
		if r.status != http.StatusOK {
			wantRESTError(t, r, 401, "unauthenticated", "")
			t.Logf("a lower-case bearer scheme is refused: %v", r)
		}
	})
}

// TestRESTWorkflowIDForms: the path's workflow id as scenario_<uuid> or ~
// and its base64; each accepted form starts a run whose message reaches the
// session.
func TestRESTWorkflowIDForms(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.publish(t, "forms", sayGraph("started by {{ form }}"))
	id := w.GetId()
	if len(id) != 45 {
		t.Fatalf("workflow id %q is %d bytes, this test assumes 45", id, len(id))
	}
	// A 45-byte id encodes to 60 characters with no padding, so the padded
	// and unpadded encodings are the same string. And its bytes (ASCII
	// "scenario_", hex digits and dashes) never make a 6-bit group of 62 or
	// 63 (none in 200,000 random uuids), so the standard and URL-safe
	// alphabets agree too: every real id has one base64 form, with no "/",
	// "+", "-" or "_". The asserts keep this true; the alphabet-specific
	// decoding is tested below with ids that decode to garbage.
	enc := base64.StdEncoding.EncodeToString([]byte(id))
	for name, e := range map[string]*base64.Encoding{
		"RawStd": base64.RawStdEncoding, "URL": base64.URLEncoding, "RawURL": base64.RawURLEncoding,
	} {
		if got := e.EncodeToString([]byte(id)); got != enc {
			t.Fatalf("%s encoding %q differs from the standard %q: test it as its own form", name, got, enc)
		}
	}
	if strings.ContainsAny(enc, "/+-_=") {
		t.Fatalf("%q has alphabet-specific characters or padding: test them with a real id", enc)
	}

	forms := []struct{ name, pathID string }{
		{"plain", id},
		{"~ base64 (standard, URL-safe, padded or not: one string)", "~" + enc},
		{"~ base64 with its ~ escaped", "%7E" + enc},
		{"plain with an escaped letter", "%73cenario_" + strings.TrimPrefix(id, "scenario_")},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			s, _ := b.widgetSession(t)
			res := triggered(t, b.rest(t, restReq{path: scenarioPath(f.pathID), token: b.all,
				body: jsonBody(t, map[string]any{"session_id": s.GetId(), "variables": map[string]any{"form": f.name}})}))
			if res.GetRun().GetWorkflowId() != id || res.GetRun().GetSessionId() != s.GetId() {
				t.Fatalf("started %v", res.GetRun())
			}
			b.waitRun(t, res.GetRunId(), completed)
			if got, want := b.botTexts(t, s.GetId()), []string{"started by " + f.name}; !slices.Equal(got, want) {
				t.Fatalf("bot said %q, want %q", got, want)
			}
		})
	}

	// garbage is 45 bytes whose standard encoding has "/" and "+" (and so
	// its URL-safe one "_" and "-"), and which is no workflow id.
	garbage := []byte(strings.Repeat("\xfb\xff\xbf", 15))
	std := base64.StdEncoding.EncodeToString(garbage)
	url := base64.URLEncoding.EncodeToString(garbage)
	if !strings.Contains(std, "/") || !strings.Contains(std, "+") || !strings.Contains(url, "_") || !strings.Contains(url, "-") {
		t.Fatalf("garbage encodes as %q and %q", std, url)
	}
	refused := []struct{ name, pathID string }{
		// The handler, not the router, answers: a %2F stays in the segment
		// and is decoded before the base64.
		{"~ standard base64 with / sent as %2F", "~" + strings.ReplaceAll(std, "/", "%2F")},
		{"~ standard base64 with / sent as %2f", "~" + strings.ReplaceAll(std, "/", "%2f")},
		{"~ URL-safe base64", "~" + url},
		{"~ base64 with wrong padding", "~" + enc + "=="},
		{"~ base64 of the id in uppercase", "~" + base64.RawURLEncoding.EncodeToString([]byte(strings.ToUpper(id)))},
		{"~ base64 of the uuid in uppercase", "~" + base64.RawURLEncoding.EncodeToString([]byte("scenario_"+strings.ToUpper(strings.TrimPrefix(id, "scenario_"))))},
		{"~ base64 of ~ base64", "~" + base64.RawURLEncoding.EncodeToString([]byte("~"+enc))},
		{"uuid in uppercase", "scenario_" + strings.ToUpper(strings.TrimPrefix(id, "scenario_"))},
		{"~ base64 with a line break", "~" + enc[:30] + "%0A" + enc[30:]},
		{"~ base64 with a space", "~" + enc[:30] + "%20" + enc[30:]},
		{"id with a trailing space", id + "%20"},
	}
	s, _ := b.widgetSession(t)
	body := jsonBody(t, map[string]any{"session_id": s.GetId()})
	for _, f := range refused {
		t.Run(f.name, func(t *testing.T) {
			wantRESTError(t, b.rest(t, restReq{path: scenarioPath(f.pathID), token: b.all, body: body}), 400, "invalid_argument", "workflow_id")
		})
	}
	t.Run("a raw / splits the path", func(t *testing.T) {
		// Why a standard-alphabet / must be escaped: unescaped, the id is
		// two segments and no endpoint matches.
		r := b.rest(t, restReq{path: scenarioPath("~" + std), token: b.all, body: body})
		if r.status != http.StatusNotFound {
			t.Fatalf("got %v, want the router's 404", r)
		}
	})
	if runs := b.runsOn(t, s.GetId()); len(runs) != 0 {
		t.Fatalf("refused ids started %v", runs)
	}
}

// TestRESTVariables: string, number and boolean variables reach the run
// and its {{ key }} tags; null, objects and arrays are refused, naming the
// key, and start nothing.
func TestRESTVariables(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.publish(t, "vars", sayGraph("s={{ s }} u={{ u }} n={{ n }} f={{ f }} neg={{ neg }} big={{ big }} zero={{ zero }} t={{ t }} no={{ no }} empty=[{{ empty }}] missing=[{{ missing }}]"))
	path := scenarioPath(w.GetId())

	s, _ := b.widgetSession(t)
	body := `{"session_id": "` + s.GetId() + `", "variables": {"s": "pro", "u": "Zoë ✓", "n": 42, "f": 2.5, "neg": -3, "big": 12345678901, "zero": 0, "t": true, "no": false, "empty": ""}}`
	res := triggered(t, b.rest(t, restReq{path: path, token: b.all, body: body}))
	wantVars := map[string]any{"s": "pro", "u": "Zoë ✓", "n": 42.0, "f": 2.5, "neg": -3.0, "big": 12345678901.0, "zero": 0.0, "t": true, "no": false, "empty": ""}
	if got := res.GetRun().GetVariables().AsMap(); !reflect.DeepEqual(got, wantVars) {
		t.Errorf("the response's run has variables %v, want %v", got, wantVars)
	}
	r := b.waitRun(t, res.GetRunId(), completed)
	if got := r.GetVariables().AsMap(); !reflect.DeepEqual(got, wantVars) {
		t.Errorf("the run has variables %v, want %v", got, wantVars)
	}
	want := "s=pro u=Zoë ✓ n=42 f=2.5 neg=-3 big=12345678901 zero=0 t=true no=false empty=[] missing=[]"
	if got := b.botTexts(t, s.GetId()); !slices.Equal(got, []string{want}) {
		t.Fatalf("bot said %q, want %q", got, want)
	}

	refused := []struct{ name, vars, key string }{
		{"null", `{"plan": "pro", "gone": null}`, "gone"},
		{"object", `{"plan": "pro", "cart": {"total": 3}}`, "cart"},
		{"empty object", `{"plan": "pro", "box": {}}`, "box"},
		{"array", `{"plan": "pro", "items": [1, 2]}`, "items"},
		{"empty array", `{"plan": "pro", "none": []}`, "none"},
	}
	s2, _ := b.widgetSession(t)
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := b.rest(t, restReq{path: path, token: b.all, body: `{"session_id": "` + s2.GetId() + `", "variables": ` + tc.vars + `}`})
			wantRESTError(t, r, 400, "invalid_argument", "variables", "'"+tc.key+"'", "string, number or boolean")
		})
	}
	if runs := b.runsOn(t, s2.GetId()); len(runs) != 0 {
		t.Fatalf("refused variables started %v", runs)
	}
}

// TestRESTIdempotencyKey: a repeated key with the same body answers the
// first run and starts nothing; with another body it is 409; other keys
// start other runs.
func TestRESTIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.publish(t, "once", sayGraph("order {{ order }}"))
	path := scenarioPath(w.GetId())
	s, _ := b.widgetSession(t)
	sid := s.GetId()
	send := func(key, body string) restRes {
		return b.rest(t, restReq{path: path, token: b.all, body: body, header: map[string]string{"Idempotency-Key": key}})
	}
	body := `{"session_id": "` + sid + `", "variables": {"order": "A1", "n": 1}}`

	first := triggered(t, send("order-A1", body))
	b.waitRun(t, first.GetRunId(), completed)
	for _, again := range []struct{ name, path, body string }{
		{"same bytes", path, body},
		{"same body, other key order and spacing", path, `{ "variables" : { "n" : 1.0, "order" : "A1" }, "session_id" : "` + sid + `" }`},
		{"same body, ~ base64 workflow id", scenarioPath("~" + base64.RawURLEncoding.EncodeToString([]byte(w.GetId()))), body},
		{"same body, no trailing slash", strings.TrimSuffix(path, "/"), body},
	} {
		t.Run(again.name, func(t *testing.T) {
			res := triggered(t, b.rest(t, restReq{path: again.path, token: b.all, body: again.body, header: map[string]string{"Idempotency-Key": "order-A1"}}))
			if res.GetRunId() != first.GetRunId() {
				t.Fatalf("run %s, want the first request's %s", res.GetRunId(), first.GetRunId())
			}
		})
	}
	t.Run("different body", func(t *testing.T) {
		other := `{"session_id": "` + sid + `", "variables": {"order": "B2", "n": 1}}`
		wantRESTError(t, send("order-A1", other), 409, "already_exists", "Idempotency-Key", "order-A1", first.GetRunId())
		wantRESTError(t, send("order-A1", `{"session_id": "`+sid+`"}`), 409, "already_exists", "Idempotency-Key")
	})
	t.Run("different session", func(t *testing.T) {
		s2, _ := b.widgetSession(t)
		wantRESTError(t, send("order-A1", `{"session_id": "`+s2.GetId()+`", "variables": {"order": "A1", "n": 1}}`), 409, "already_exists", "Idempotency-Key")
		if runs := b.runsOn(t, s2.GetId()); len(runs) != 0 {
			t.Fatalf("a refused key started %v", runs)
		}
	})
	if runs := b.trRunsOf(t, w.GetId()); len(runs) != 1 {
		t.Fatalf("one key made %d runs: %v", len(runs), runs)
	}
	if got := b.botTexts(t, sid); !slices.Equal(got, []string{"order A1"}) {
		t.Fatalf("bot said %q, want one message", got)
	}

	t.Run("different keys", func(t *testing.T) {
		a := triggered(t, send("k-1", body))
		c := triggered(t, send("k-2", body))
		d := triggered(t, b.rest(t, restReq{path: path, token: b.all, body: body})) // no key
		if a.GetRunId() == c.GetRunId() || a.GetRunId() == d.GetRunId() || c.GetRunId() == first.GetRunId() {
			t.Fatalf("runs %s %s %s (first %s), want all different", a.GetRunId(), c.GetRunId(), d.GetRunId(), first.GetRunId())
		}
		for _, r := range []string{a.GetRunId(), c.GetRunId(), d.GetRunId()} {
			b.waitRun(t, r, completed)
		}
		if runs := b.trRunsOf(t, w.GetId()); len(runs) != 4 {
			t.Fatalf("%d runs, want 4", len(runs))
		}
		if got := b.botTexts(t, sid); len(got) != 4 {
			t.Fatalf("bot said %q, want 4 messages", got)
		}
	})

	t.Run("the limit is 200 characters", func(t *testing.T) {
		// The document (maxLength 200) and the RPC (max_len 200) count
		// characters; a header value may carry UTF-8 (obs-text).
		s4, _ := b.widgetSession(t)
		body := `{"session_id": "` + s4.GetId() + `"}`
		for _, key := range []string{strings.Repeat("k", 200), strings.Repeat("é", 200)} {
			a := triggered(t, send(key, body))
			if again := triggered(t, send(key, body)); again.GetRunId() != a.GetRunId() {
				t.Errorf("a %d-byte key replayed as another run", len(key))
			}
		}
		wantRESTError(t, send(strings.Repeat("é", 201), body), 400, "invalid_argument", "Idempotency-Key", "200")
		if runs := b.runsOn(t, s4.GetId()); len(runs) != 2 {
			t.Errorf("%d runs, want 2", len(runs))
		}
	})

	t.Run("concurrent requests with one key", func(t *testing.T) {
		s3, _ := b.widgetSession(t)
		body := `{"session_id": "` + s3.GetId() + `", "variables": {"order": "C3"}}`
		const n = 8
		results := make([]restRes, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i] = send("race", body) })
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, r := range results {
			ids[triggered(t, r).GetRunId()] = true
		}
		if len(ids) != 1 {
			t.Fatalf("%d concurrent requests with one key made runs %v", n, slices.Collect(maps.Keys(ids)))
		}
		if runs := b.runsOn(t, s3.GetId()); len(runs) != 1 {
			t.Fatalf("%d runs on the session, want 1", len(runs))
		}
	})
}

// TestRESTSessionRunCap: the eleventh unfinished run of a session is 429,
// and starts nothing; a replay of an earlier key still answers its run.
func TestRESTSessionRunCap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.publish(t, "waits an hour", waitingGraph())
	path := scenarioPath(w.GetId())
	s, _ := b.widgetSession(t)
	body := `{"session_id": "` + s.GetId() + `"}`
	var first string
	for i := range 10 {
		res := triggered(t, b.rest(t, restReq{path: path, token: b.all, body: body, header: map[string]string{"Idempotency-Key": fmt.Sprint("run-", i)}}))
		if i == 0 {
			first = res.GetRunId()
		}
	}
	for _, key := range []string{"", "run-10"} {
		r := b.rest(t, restReq{path: path, token: b.all, body: body, header: map[string]string{"Idempotency-Key": key}})
		wantRESTError(t, r, 429, "resource_exhausted", "", s.GetId(), "10 unfinished runs", "limit is 10")
	}
	if runs := b.runsOn(t, s.GetId()); len(runs) != 10 {
		t.Fatalf("%d runs on the session, want 10", len(runs))
	}
	// Another session is not limited by this one's runs.
	other, _ := b.widgetSession(t)
	triggered(t, b.rest(t, restReq{path: path, token: b.all, body: `{"session_id": "` + other.GetId() + `"}`}))
	// A replay starts nothing, so the cap does not refuse it.
	res := triggered(t, b.rest(t, restReq{path: path, token: b.all, body: body, header: map[string]string{"Idempotency-Key": "run-0"}}))
	if res.GetRunId() != first {
		t.Fatalf("the replay answered %s, want %s", res.GetRunId(), first)
	}
}

// TestRESTTrailingSlash: both endpoints answer with and without the
// trailing slash, the same way.
func TestRESTTrailingSlash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.publish(t, "slash", sayGraph("via {{ path }}"))
	for _, p := range []string{scenarioPath(w.GetId()), strings.TrimSuffix(scenarioPath(w.GetId()), "/")} {
		t.Run(p, func(t *testing.T) {
			s, _ := b.widgetSession(t)
			res := triggered(t, b.rest(t, restReq{path: p, token: b.all, body: jsonBody(t, map[string]any{"session_id": s.GetId(), "variables": map[string]any{"path": p}})}))
			b.waitRun(t, res.GetRunId(), completed)
			if got := b.botTexts(t, s.GetId()); !slices.Equal(got, []string{"via " + p}) {
				t.Fatalf("bot said %q", got)
			}
			wantRESTError(t, b.rest(t, restReq{method: http.MethodGet, path: p, token: b.all}), 405, "method_not_allowed", "")
			wantRESTError(t, b.rest(t, restReq{path: p, token: b.all, body: `{"session_id": "` + s.GetId() + `", "x": 1}`}), 400, "invalid_argument", "x", "unknown field")
		})
	}
	for _, p := range []string{agentPath, strings.TrimSuffix(agentPath, "/")} {
		t.Run(p, func(t *testing.T) {
			s, _ := b.widgetSession(t)
			r := b.rest(t, restReq{path: p, token: b.all, body: jsonBody(t, map[string]any{"session_id": s.GetId(), "instruction": "via " + p})})
			if r.status != http.StatusOK {
				t.Fatalf("got %v", r)
			}
			if got := b.getSession(t, s.GetId()).GetAgent(); !got.GetActive() || got.GetInstruction() != "via "+p {
				t.Fatalf("agent state %v", got)
			}
			wantRESTError(t, b.rest(t, restReq{method: http.MethodGet, path: p, token: b.all}), 405, "method_not_allowed", "")
			wantRESTError(t, b.rest(t, restReq{path: p, token: b.all, body: `{"session_id": "` + s.GetId() + `", "x": 1}`}), 400, "invalid_argument", "x", "unknown field")
		})
	}
	t.Run("other paths are not endpoints", func(t *testing.T) {
		s, _ := b.widgetSession(t)
		body := `{"session_id": "` + s.GetId() + `"}`
		for _, p := range []string{"/api/agent/trigger/x", "/api/agent/triggers", scenarioPath(w.GetId()) + "x", "/api/scenario/" + w.GetId(), "/api/scenario/trigger/"} {
			if r := b.rest(t, restReq{path: p, token: b.all, body: body}); r.status != http.StatusNotFound {
				t.Errorf("POST %s: %v, want 404", p, r)
			}
		}
		if runs := b.runsOn(t, s.GetId()); len(runs) != 0 {
			t.Fatalf("started %v", runs)
		}
	})
}

// TestRESTCallsAreCountedAsTheirRPCs: the JSON endpoints go through the
// RPCs' interceptors, so /metrics counts each call under its RPC's
// procedure with the code it ended with: accepted, refused for want of a
// token, and refused by the RPC's validation.
func TestRESTCallsAreCountedAsTheirRPCs(t *testing.T) {
	b := setup(t)
	w := b.publish(t, "counted", sayGraph("hi"))
	s, _ := b.widgetSession(t)
	path := scenarioPath(w.GetId())
	triggered(t, b.rest(t, restReq{path: path, token: b.all, body: `{"session_id": "` + s.GetId() + `"}`}))
	wantRESTError(t, b.rest(t, restReq{path: path, body: `{"session_id": "` + s.GetId() + `"}`}), 401, "unauthenticated", "")
	wantRESTError(t, b.rest(t, restReq{path: path, token: b.all, body: `{"session_id": "` + s.GetId() + `", "variables": {"cart": []}}`}),
		400, "invalid_argument", "variables")
	if r := b.rest(t, restReq{path: agentPath, token: b.all, body: `{"session_id": "` + s.GetId() + `", "instruction": "hello"}`}); r.status != http.StatusOK {
		t.Fatalf("agent trigger: %v", r)
	}
	body := b.metrics(t)
	for _, want := range []string{
		`parley_rpc_requests_total{code="ok",procedure="/parley.workflow.v1.WorkflowService/TriggerWorkflow"} 1`,
		`parley_rpc_requests_total{code="unauthenticated",procedure="/parley.workflow.v1.WorkflowService/TriggerWorkflow"} 1`,
		`parley_rpc_requests_total{code="invalid_argument",procedure="/parley.workflow.v1.WorkflowService/TriggerWorkflow"} 1`,
		`parley_rpc_requests_total{code="ok",procedure="/parley.agent.v1.AgentService/TriggerAgent"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestRESTTriggerAgent: the agent endpoint makes the agent active with the
// instruction (as the session API shows), and refuses bad requests without
// touching the session.
func TestRESTTriggerAgent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	persona, err := b.agentClient(b.all).CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: "Nova"}))
	if err != nil {
		t.Fatal(err)
	}
	personaID := persona.Msg.GetPersona().GetId()
	s, widgetToken := b.widgetSession(t)
	sid := s.GetId()
	workflowsOnly := b.scopedToken(t, domain.ScopeWorkflowsTrigger, domain.ScopeSessionsRead, domain.ScopeSessionsWrite)
	ok := jsonBody(t, map[string]any{"session_id": sid, "instruction": "Be kind"})

	cases := []struct {
		name   string
		req    restReq
		status int
		code   string
		field  string
		says   []string
	}{
		{"invalid JSON", restReq{path: agentPath, token: b.all, body: `{"session_id": `}, 400, "invalid_argument", "", []string{"JSON object"}},
		{"JSON string", restReq{path: agentPath, token: b.all, body: `"` + sid + `"`}, 400, "invalid_argument", "", []string{"JSON object", "string"}},
		{"unknown field", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "variables": {}}`}, 400, "invalid_argument", "variables", []string{"unknown field", "instruction", "persona_id", "session_id"}},
		{"instruction not a string", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "instruction": ["be kind"]}`}, 400, "invalid_argument", "instruction", []string{"must be a string"}},
		{"persona_id not a string", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "persona_id": 7}`}, 400, "invalid_argument", "persona_id", []string{"must be a string"}},
		{"no session_id", restReq{path: agentPath, token: b.all, body: `{"instruction": "Be kind"}`}, 400, "invalid_argument", "session_id", []string{"required"}},
		{"malformed session_id", restReq{path: agentPath, token: b.all, body: `{"session_id": "sess"}`}, 400, "invalid_argument", "session_id", nil},
		{"malformed persona_id", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "persona_id": "nova"}`}, 400, "invalid_argument", "persona_id", nil},
		{"instruction of 2001 characters", restReq{path: agentPath, token: b.all, body: jsonBody(t, map[string]any{"session_id": sid, "instruction": strings.Repeat("a", 2001)})}, 400, "invalid_argument", "instruction", []string{"2000"}},
		{"instruction of 2001 two-byte characters", restReq{path: agentPath, token: b.all, body: jsonBody(t, map[string]any{"session_id": sid, "instruction": strings.Repeat("é", 2001)})}, 400, "invalid_argument", "instruction", []string{"2000"}},
		{"no token", restReq{path: agentPath, body: ok}, 401, "unauthenticated", "", []string{"Authorization"}},
		{"unknown token", restReq{path: agentPath, token: "prl_nope-nope-nope", body: ok}, 401, "unauthenticated", "", nil},
		{"token without agent:trigger", restReq{path: agentPath, token: workflowsOnly, body: ok}, 403, "permission_denied", "", []string{"agent:trigger"}},
		{"widget session token", restReq{path: agentPath, token: widgetToken, body: ok}, 403, "permission_denied", "", nil},
		{"unknown session", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + unknownSession + `"}`}, 404, "not_found", "", []string{unknownSession}},
		{"unknown persona", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "persona_id": "` + unknownPersona + `"}`}, 404, "not_found", "", []string{unknownPersona}},
		{"GET", restReq{method: http.MethodGet, path: agentPath, token: b.all}, 405, "method_not_allowed", "", []string{"POST"}},
		{"DELETE", restReq{method: http.MethodDelete, path: agentPath, token: b.all}, 405, "method_not_allowed", "", []string{"POST"}},
		{"body over 64 KiB", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `"}` + strings.Repeat(" ", 64<<10)}, 413, "payload_too_large", "", nil},
		{"text/plain", restReq{path: agentPath, token: b.all, ctype: "text/plain", body: ok}, 415, "unsupported_media_type", "", []string{"application/json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.rest(t, tc.req)
			wantRESTError(t, r, tc.status, tc.code, tc.field, tc.says...)
			if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("refusals left the session alone", func(t *testing.T) {
		got := b.getSession(t, sid)
		if got.GetAgent().GetActive() || got.GetAgent().GetInstruction() != "" || got.GetAssignee().GetPersonaId() != "" {
			t.Fatalf("after refused requests the session has agent %v, assignee %v", got.GetAgent(), got.GetAssignee())
		}
	})

	t.Run("200 with instruction and persona", func(t *testing.T) {
		r := b.rest(t, restReq{path: agentPath, token: b.all, body: jsonBody(t, map[string]any{
			"session_id": sid, "instruction": "The user is a VIP customer, provide premium support", "persona_id": personaID,
		})})
		if r.status != http.StatusOK {
			t.Fatalf("got %v", r)
		}
		wantJSON(t, r)
		var res agentv1.TriggerAgentResponse
		if err := protojson.Unmarshal(r.body, &res); err != nil {
			t.Fatalf("the 200 body is not a TriggerAgentResponse: %v (%v)", err, r)
		}
		if res.GetSessionId() != sid || !res.GetState().GetActive() || res.GetState().GetInstruction() != "The user is a VIP customer, provide premium support" {
			t.Fatalf("response %v", &res)
		}
		got := b.getSession(t, sid)
		if !got.GetAgent().GetActive() || got.GetAgent().GetInstruction() != "The user is a VIP customer, provide premium support" {
			t.Fatalf("the session's agent is %v", got.GetAgent())
		}
		if got.GetAssignee().GetPersonaId() != personaID {
			t.Fatalf("the session's assignee is %v, want persona %s", got.GetAssignee(), personaID)
		}
		st, err := b.agentClient(b.all).GetAgentState(ctx, connect.NewRequest(&agentv1.GetAgentStateRequest{SessionId: sid}))
		if err != nil || !st.Msg.GetState().GetActive() {
			t.Fatalf("GetAgentState: %v %v", msg(st), err)
		}
	})
	t.Run("2000 characters is the limit", func(t *testing.T) {
		s2, _ := b.widgetSession(t)
		long := strings.Repeat("é", 2000) // 4000 bytes
		r := b.rest(t, restReq{path: agentPath, token: b.all, body: jsonBody(t, map[string]any{"session_id": s2.GetId(), "instruction": long})})
		if r.status != http.StatusOK {
			t.Fatalf("got %v", r)
		}
		if got := b.getSession(t, s2.GetId()).GetAgent(); !got.GetActive() || got.GetInstruction() != long {
			t.Fatalf("agent active %v with a %d-character instruction", got.GetActive(), len([]rune(got.GetInstruction())))
		}
	})
	t.Run("no instruction", func(t *testing.T) {
		s3, _ := b.widgetSession(t)
		r := b.rest(t, restReq{path: agentPath, token: b.all, body: `{"session_id": "` + s3.GetId() + `"}`})
		if r.status != http.StatusOK {
			t.Fatalf("got %v", r)
		}
		if got := b.getSession(t, s3.GetId()).GetAgent(); !got.GetActive() || got.GetInstruction() != "" {
			t.Fatalf("agent %v", got)
		}
	})
}

// restCase is a real request and what the OpenAPI document must say of it.
type restCase struct {
	name   string
	req    restReq
	status int
	// requestValid says whether the document accepts the request.
	requestValid bool
}

// TestOpenAPIDocumentMatchesResponses loads the served OpenAPI document
// and checks real requests and the server's real responses against it:
// 200s of both endpoints and every error status.
func TestOpenAPIDocumentMatchesResponses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	r := b.rest(t, restReq{method: http.MethodGet, path: "/api/openapi.json", ctype: "-"})
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %v", r)
	}
	wantJSON(t, r)
	if !bytes.Equal(r.body, openapi.Document) {
		t.Errorf("with no public URL the server serves another document than the embedded one")
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	// setup gives the server no public URL: the document's server is "/",
	// the server that serves it.
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Fatalf("servers %v, want [/]", doc.Servers)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	// Fixtures for one request of each status.
	s, _ := b.widgetSession(t)
	sid := s.GetId()
	live := b.publish(t, "live", sayGraph("hello {{ plan }}"))
	draft := b.trCreateDraft(t, "draft", sayGraph("draft"))
	waits := b.publish(t, "waits", waitingGraph())
	full, _ := b.widgetSession(t)
	for range 10 {
		b.trigger(t, waits.GetId(), full.GetId(), nil)
	}
	persona, err := b.agentClient(b.all).CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: "Nova"}))
	if err != nil {
		t.Fatal(err)
	}
	readOnly := b.scopedToken(t, domain.ScopeWorkflowsRead)
	livePath := scenarioPath(live.GetId())
	ok := jsonBody(t, map[string]any{"session_id": sid, "variables": map[string]any{"plan": "pro", "seats": 3, "vip": true}})
	keyed := func(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }
	// The 409 needs the key used first.
	triggered(t, b.rest(t, restReq{path: livePath, token: b.all, body: ok, header: keyed("used")}))

	cases := []restCase{
		{"workflow 200", restReq{path: livePath, token: b.all, body: ok, header: keyed("doc-200")}, 200, true},
		{"workflow 200, ~ base64 id", restReq{path: scenarioPath("~" + base64.RawURLEncoding.EncodeToString([]byte(live.GetId()))), token: b.all, body: `{"session_id": "` + sid + `"}`}, 200, true},
		{"workflow 200, idempotent replay", restReq{path: livePath, token: b.all, body: ok, header: keyed("used")}, 200, true},
		{"workflow 400 invalid JSON", restReq{path: livePath, token: b.all, body: `{"session_id"`}, 400, false},
		{"workflow 400 unknown field", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "vars": {}}`}, 400, false},
		{"workflow 400 non-scalar variable", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "variables": {"cart": [1]}}`}, 400, false},
		{"workflow 400 null variable", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `", "variables": {"gone": null}}`}, 400, false},
		{"workflow 400 malformed session_id", restReq{path: livePath, token: b.all, body: `{"session_id": "session_1"}`}, 400, false},
		{"workflow 400 malformed workflow id", restReq{path: scenarioPath("scenario_1"), token: b.all, body: ok}, 400, true},
		{"workflow 400 long Idempotency-Key", restReq{path: livePath, token: b.all, body: ok, header: keyed(strings.Repeat("k", 201))}, 400, false},
		{"workflow 401", restReq{path: livePath, body: ok}, 401, true},
		{"workflow 403", restReq{path: livePath, token: readOnly, body: ok}, 403, true},
		{"workflow 404 workflow", restReq{path: scenarioPath(unknownWorkflow), token: b.all, body: ok}, 404, true},
		{"workflow 404 session", restReq{path: livePath, token: b.all, body: `{"session_id": "` + unknownSession + `"}`}, 404, true},
		{"workflow 405", restReq{method: http.MethodGet, path: livePath, token: b.all}, 405, false},
		{"workflow 409", restReq{path: livePath, token: b.all, body: `{"session_id": "` + sid + `"}`, header: keyed("used")}, 409, true},
		{"workflow 412", restReq{path: scenarioPath(draft.GetId()), token: b.all, body: ok}, 412, true},
		{"workflow 413", restReq{path: livePath, token: b.all, body: jsonBody(t, map[string]any{"session_id": sid, "variables": map[string]any{"pad": strings.Repeat("x", 70<<10)}})}, 413, true},
		{"workflow 415", restReq{path: livePath, token: b.all, ctype: "text/plain", body: ok}, 415, false},
		{"workflow 429", restReq{path: scenarioPath(waits.GetId()), token: b.all, body: `{"session_id": "` + full.GetId() + `"}`}, 429, true},
		{"agent 200", restReq{path: agentPath, token: b.all, body: jsonBody(t, map[string]any{"session_id": sid, "instruction": "Help with the refund", "persona_id": persona.Msg.GetPersona().GetId()})}, 200, true},
		{"agent 200, session_id only", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `"}`}, 200, true},
		{"agent 400 long instruction", restReq{path: agentPath, token: b.all, body: jsonBody(t, map[string]any{"session_id": sid, "instruction": strings.Repeat("a", 2001)})}, 400, false},
		{"agent 400 unknown field", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "persona": "x"}`}, 400, false},
		{"agent 401", restReq{path: agentPath, token: "prl_nope", body: `{"session_id": "` + sid + `"}`}, 401, true},
		{"agent 403", restReq{path: agentPath, token: readOnly, body: `{"session_id": "` + sid + `"}`}, 403, true},
		{"agent 404 session", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + unknownSession + `"}`}, 404, true},
		{"agent 404 persona", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `", "persona_id": "` + unknownPersona + `"}`}, 404, true},
		{"agent 405", restReq{method: http.MethodGet, path: agentPath, token: b.all}, 405, false},
		{"agent 413", restReq{path: agentPath, token: b.all, body: `{"session_id": "` + sid + `"}` + strings.Repeat(" ", 70<<10)}, 413, true},
		{"agent 415", restReq{path: agentPath, token: b.all, ctype: "-", body: `{"session_id": "` + sid + `"}`}, 415, false},
	}
	seen := map[string]map[int]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.rest(t, tc.req)
			if res.status != tc.status {
				t.Fatalf("got %v, want %d", res, tc.status)
			}
			op := validateAgainstDocument(t, router, tc, res)
			if seen[op] == nil {
				seen[op] = map[int]bool{}
			}
			seen[op][res.status] = true
		})
	}

	// Every status each handler can return is in the document: 200; the
	// edge's own 400, 405, 413 and 415; and the RPC's errors through
	// restStatuses (401, 403, 404, 409 idempotency, 412 precondition, 429
	// run cap; 500 for internal errors). The agent's RPC has no
	// already_exists, failed_precondition or resource_exhausted path.
	statuses := map[string][]int{
		"triggerWorkflow": {200, 400, 401, 403, 404, 405, 409, 412, 413, 415, 429, 500},
		"triggerAgent":    {200, 400, 401, 403, 404, 405, 413, 415, 500},
	}
	for opID, want := range statuses {
		op := operationByID(doc, opID)
		if op == nil {
			t.Errorf("the document has no operation %s", opID)
			continue
		}
		for _, st := range want {
			resp := op.Responses.Status(st)
			if resp == nil {
				t.Errorf("%s can answer %d, which the document does not list", opID, st)
				continue
			}
			if resp.Value == nil || resp.Value.Content.Get("application/json") == nil {
				t.Errorf("%s %d has no application/json content in the document", opID, st)
			}
			if st != 500 && !seen[opID][st] {
				t.Errorf("no case exercised %s %d", opID, st)
			}
		}
		for code := range op.Responses.Map() {
			var st int
			fmt.Sscan(code, &st)
			if !slices.Contains(want, st) {
				t.Logf("%s lists %s, which this test does not expect it to answer", opID, code)
			}
		}
	}
}

// validateAgainstDocument validates a case's request and the server's
// response against the document, and returns the operation's id.
func validateAgainstDocument(t *testing.T, router routers.Router, tc restCase, res restRes) string {
	t.Helper()
	ctx := context.Background()
	// The document's server is "/": route on the path alone.
	req := tc.req.httpRequest(t, "http://parley.test")
	route, params, err := router.FindRoute(req)
	if tc.req.method != "" && tc.req.method != http.MethodPost {
		// The document lists only POST: the router agrees the method is
		// not allowed, and the 405 is checked against POST's responses.
		if !errors.Is(err, routers.ErrMethodNotAllowed) {
			t.Fatalf("the document routes %s %s: %v", tc.req.method, tc.req.path, err)
		}
		post := tc.req
		post.method = http.MethodPost
		req = post.httpRequest(t, "http://parley.test")
		if route, params, err = router.FindRoute(req); err != nil {
			t.Fatalf("the document has no POST %s: %v", tc.req.path, err)
		}
	} else if err != nil {
		t.Fatalf("the document has no route for POST %s: %v", tc.req.path, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		},
	}
	if tc.req.method == "" || tc.req.method == http.MethodPost {
		err := openapi3filter.ValidateRequest(ctx, in)
		switch {
		case tc.requestValid && err != nil:
			t.Errorf("the document refuses a request the server answers %d: %v", res.status, err)
		case !tc.requestValid && err == nil:
			t.Errorf("the document accepts a request the server refuses with %v", res)
		}
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 res.status,
		Header:                 res.header,
		Body:                   io.NopCloser(bytes.NewReader(res.body)),
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("the response does not match the document: %v\nresponse: %v", err, res)
	}
	return route.Operation.OperationID
}

func operationByID(doc *openapi3.T, id string) *openapi3.Operation {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

// TestOpenAPIServersEntryIsThePublicURL: with a public URL configured the
// served document names it as its server, and is otherwise the embedded
// document.
func TestOpenAPIServersEntryIsThePublicURL(t *testing.T) {
	t.Parallel()
	const public = "https://chat.example.com/parley"
	h := api.NewHandler(api.Deps{Log: slog.New(slog.DiscardHandler), Metrics: api.NewMetrics(), PublicURL: public})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/openapi.json: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != public {
		t.Fatalf("servers %v, want [%s]", doc.Servers, public)
	}
	var served, embedded map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &served); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(openapi.Document, &embedded); err != nil {
		t.Fatal(err)
	}
	delete(served, "servers")
	delete(embedded, "servers")
	if !reflect.DeepEqual(served, embedded) {
		t.Fatal("the served document differs from the embedded one beyond servers")
	}
	// Clients resolve the paths below the public URL.
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, public+agentPath, strings.NewReader("{}"))
	route, _, err := router.FindRoute(req)
	if err != nil || route.Operation.OperationID != "triggerAgent" {
		t.Fatalf("POST %s%s routes to %v: %v", public, agentPath, route, err)
	}
}
