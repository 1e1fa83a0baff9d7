package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest/snippettest"
)

// The REST trigger snippets, run by their interpreters against the real
// binary: the ones GetSnippets generates, and the seeds' own examples
// (testdata/seeds), changed only where a reader would paste their values.

const (
	// seed000Message is seed 000's example workflow message.
	seed000Message = "Your {{ plan }} plan linked to order {{ order_id }} renews on {{ renewal_date }}."
	// seed000Rendered is that message with seed 000's example variables.
	seed000Rendered = "Your pro plan linked to order 12345 renews on 2026-06-01."
	// seed000Bare is that message when only session_id is sent: every tag
	// renders empty.
	seed000Bare = "Your  plan linked to order  renews on ."
	// seed001Instruction is seed 001's example agent instruction.
	seed001Instruction = "Help the user with their refund request"

	// What the seeds show instead of real values.
	seedHost             = "https://app.hugo.ai"
	seedEncodedWorkflow  = "~c2NlbmFyaW9fYzNkYzc0ZjEtYTE4MS00OWFmLTg1ODktMTc0ODhiMjM4Y2Rj" // seed 000
	seedWorkflowTemplate = "{workflow_id}"                                                 // seed 001
	seedTokenLong        = "YOUR_WORKFLOW_API_TOKEN"                                       // seed 000
	seedTokenShort       = "YOUR_TOKEN"                                                    // seed 001
	seedSession          = "SESSION_ID"                                                    // both
)

// snippetServer starts the binary on a fresh database and publishes seed
// 000's example workflow: programmatic trigger, then its message.
func snippetServer(t *testing.T) (s *server, token, workflowID string) {
	t.Helper()
	token = auth.NewAPISecret()
	s = startServer(t, "DATABASE_URL="+pgtest.URL(t), "PARLEY_BOOTSTRAP_TOKEN="+token)
	waitServing(t, s)
	workflowID = publishGraph(t, s, token, "seed 000 renewal", workflowtest.ChainGraph(
		workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
		workflow.NewNode("msg", &workflowv1.SendMessageAction{Text: seed000Message}),
	))
	return s, token, workflowID
}

// TestGeneratedSnippetsStartTheWorkflow runs every REST snippet GetSnippets
// returns, each on a new session with only the token and session
// placeholders filled in, and checks it started the workflow once.
func TestGeneratedSnippetsStartTheWorkflow(t *testing.T) {
	s, token, wf := snippetServer(t)
	res, err := workflows(s, token).GetSnippets(context.Background(), connect.NewRequest(&workflowv1.GetSnippetsRequest{WorkflowId: wf}))
	if err != nil {
		t.Fatalf("GetSnippets(%s): %v", wf, err)
	}
	want := []workflowv1.SnippetLanguage{
		workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_CURL,
		workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_NODE,
		workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PYTHON,
		workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_GO,
		workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PHP,
		workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_RUBY,
	}
	var got []workflowv1.SnippetLanguage
	for _, sn := range res.Msg.GetSnippets() {
		if sn.GetLanguage() != workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET { // a browser test runs those
			got = append(got, sn.GetLanguage())
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			t.Errorf("GetSnippets returned no %v snippet (REST snippets: %v)", l, got)
		}
	}

	for _, sn := range res.Msg.GetSnippets() {
		lang := sn.GetLanguage()
		if lang == workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET {
			continue
		}
		t.Run(strings.ToLower(strings.TrimPrefix(lang.String(), "SNIPPET_LANGUAGE_")), func(t *testing.T) {
			t.Parallel()
			code := sn.GetCode()
			if !strings.Contains(code, s.url+"/api/scenario/") {
				t.Fatalf("%q does not call the server's own URL %s:\n%s", sn.GetTitle(), s.url, code)
			}
			for _, p := range []string{workflow.SnippetTokenPlaceholder, workflow.SnippetSessionPlaceholder} {
				if !strings.Contains(code, p) {
					t.Fatalf("%q has no %s placeholder:\n%s", sn.GetTitle(), p, code)
				}
			}
			session := newSession(t, s, token)
			code = strings.NewReplacer(
				workflow.SnippetTokenPlaceholder, token,
				workflow.SnippetSessionPlaceholder, session,
			).Replace(code)

			out := snippettest.RunSnippet(t, lang, code)
			if lang == workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_CURL {
				// curl prints only the body: it must be the success JSON.
				var body map[string]any
				if err := json.Unmarshal([]byte(out), &body); err != nil || body["run_id"] == nil || body["run_id"] == "" {
					t.Fatalf("%q printed no JSON object with a run_id (%v):\n%s", sn.GetTitle(), err, out)
				}
			} else if first, _, _ := strings.Cut(strings.TrimSpace(out), "\n"); !strings.HasPrefix(first, "200") {
				t.Fatalf("%q did not print status 200 first:\n%s", sn.GetTitle(), out)
			}
			if !strings.Contains(out, "run_id") {
				t.Errorf("%q printed no run_id:\n%s", sn.GetTitle(), out)
			}
			waitOneRunMessage(t, s, token, session, seed000Rendered, out)
		})
	}
}

// seedSnippet is one file of testdata/seeds and what running it must do.
type seedSnippet struct {
	file string
	// agent: it starts the agent, not the workflow.
	agent bool
	// message is the bot message the workflow must send.
	message string
	// printsStatus: the file prints the response body, then the HTTP status
	// on a last line (the curl equivalents).
	printsStatus bool
	// printsData: the file prints the response JSON (seed 000's console.log).
	printsData bool
}

var seedSnippets = []seedSnippet{
	{file: "000-trigger.mjs", message: seed000Bare, printsData: true},
	{file: "000-trigger.sh", message: seed000Bare, printsStatus: true},
	{file: "000-variables.mjs", message: seed000Rendered, printsData: true},
	{file: "000-variables.sh", message: seed000Rendered, printsStatus: true},
	{file: "001-workflow.mjs", message: seed000Bare},
	{file: "001-workflow.sh", message: seed000Bare, printsStatus: true},
	{file: "001-agent.mjs", agent: true},
	{file: "001-agent.sh", agent: true, printsStatus: true},
}

// TestSeedSnippetsRunUnchangedExceptTheHost runs the seeds' Node.js
// examples, copied verbatim into testdata/seeds, and a curl equivalent of
// each, against the binary. The only changes are what a reader pastes in:
// the host, the token, the session id and the workflow id (in the form the
// seed shows: "~" + base64 or the plain id).
func TestSeedSnippetsRunUnchangedExceptTheHost(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "seeds", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(seedSnippets, func(c seedSnippet) bool { return c.file == filepath.Base(f) }) {
			t.Errorf("%s is not in seedSnippets: say what running it must do", f)
		}
	}
	t.Run("verbatim", checkSeedsVerbatim)

	s, token, wf := snippetServer(t)
	for _, c := range seedSnippets {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("testdata", "seeds", c.file))
			if err != nil {
				t.Fatal(err)
			}
			session := newSession(t, s, token)
			code := seedSubstitute(t, c, string(raw), s.url, token, session, wf)

			var out string
			if strings.HasSuffix(c.file, ".mjs") {
				out = snippettest.RunSnippet(t, workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_NODE, code)
			} else {
				snippettest.NeedTool(t, "curl")
				out = snippettest.RunFile(t, "sh", "snippet.sh", code)
			}

			body := out
			if c.printsStatus {
				trimmed := strings.TrimRight(out, "\n")
				i := strings.LastIndex(trimmed, "\n")
				status := trimmed[i+1:]
				body = trimmed[:max(i, 0)]
				if status != "200" {
					t.Fatalf("HTTP status %s, want 200; body:\n%s", status, body)
				}
				var v map[string]any
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Fatalf("the response is not a JSON object (%v):\n%s", err, body)
				}
			}
			if (c.printsStatus || c.printsData) && !c.agent && !strings.Contains(body, "run_id") {
				t.Errorf("the response has no run_id:\n%s", out)
			}
			if c.printsStatus && c.agent && !strings.Contains(body, seed001Instruction) {
				t.Errorf("the response does not show the agent state with the instruction:\n%s", out)
			}

			if c.agent {
				waitAgent(t, s, token, session, seed001Instruction, out)
			} else {
				waitOneRunMessage(t, s, token, session, c.message, out)
			}
		})
	}
}

// seedSubstitute fills in what a reader of the seed pastes in, and nothing
// else: the host, the token, the session id and the workflow id in the form
// the file shows. Each file must contain the host, a token and the session
// placeholder, a workflow file one workflow id; none may remain after.
func seedSubstitute(t *testing.T, c seedSnippet, code, baseURL, token, session, workflowID string) string {
	t.Helper()
	safe := regexp.MustCompile(`^[A-Za-z0-9_~.:/-]+$`) // nothing any quoting in the files cares about
	for _, v := range []string{baseURL, token, session, workflowID} {
		if !safe.MatchString(v) {
			t.Fatalf("%q is not safe to paste into the seed snippets unquoted", v)
		}
	}
	encoded := "~" + base64.StdEncoding.EncodeToString([]byte(workflowID))
	count := func(s string) int { return strings.Count(code, s) }
	problems := []string{}
	if count(seedHost) == 0 {
		problems = append(problems, "no "+seedHost)
	}
	if count(seedTokenLong)+count(seedTokenShort) == 0 {
		problems = append(problems, "no token placeholder")
	}
	if count(seedSession) == 0 {
		problems = append(problems, "no "+seedSession)
	}
	if ids := count(seedEncodedWorkflow) + count(seedWorkflowTemplate); c.agent != (ids == 0) {
		problems = append(problems, fmt.Sprintf("%d workflow ids for agent=%v", ids, c.agent))
	}
	if len(problems) > 0 {
		t.Fatalf("%s: %s:\n%s", c.file, strings.Join(problems, "; "), code)
	}
	out := strings.NewReplacer(
		seedHost, baseURL,
		seedEncodedWorkflow, encoded,
		seedWorkflowTemplate, workflowID,
		seedTokenLong, token,
		seedTokenShort, token,
		seedSession, session,
	).Replace(code)
	for _, left := range []string{"app.hugo.ai", "YOUR_", seedSession, seedWorkflowTemplate, seedEncodedWorkflow} {
		if strings.Contains(out, left) {
			t.Fatalf("%s still contains %q after substitution:\n%s", c.file, left, out)
		}
	}
	return out
}

// checkSeedsVerbatim checks, when the seed files are next to the checkout
// (../shared/seeds), that every paragraph of each Node.js file below its
// header comment appears in its seed as is.
func checkSeedsVerbatim(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the seed files are not here (%v): nothing to compare with", err)
	}
	for _, c := range seedSnippets {
		if !strings.HasSuffix(c.file, ".mjs") {
			continue // the curl files are equivalents, not copies
		}
		seeds, _ := filepath.Glob(filepath.Join(dir, c.file[:3]+"_*.txt"))
		if len(seeds) != 1 {
			t.Errorf("%s: %d seed files %s_*.txt in %s", c.file, len(seeds), c.file[:3], dir)
			continue
		}
		seed, err := os.ReadFile(seeds[0])
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "seeds", c.file))
		if err != nil {
			t.Fatal(err)
		}
		_, body, ok := strings.Cut(string(raw), "\n\n") // after the header comment
		if !ok || strings.TrimSpace(body) == "" {
			t.Errorf("%s: no code after the header comment", c.file)
			continue
		}
		for _, para := range strings.Split(strings.TrimRight(body, "\n"), "\n\n") {
			if !strings.Contains(string(seed), para) {
				t.Errorf("%s: this paragraph is not verbatim in %s:\n%s", c.file, filepath.Base(seeds[0]), para)
			}
		}
	}
}

// newSession creates a session with the API token and returns its id.
func newSession(t *testing.T, s *server, token string) string {
	t.Helper()
	res, err := sessionsClient(s, token).CreateSession(context.Background(), connect.NewRequest(&sessionv1.CreateSessionRequest{}))
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return res.Msg.GetSession().GetId()
}

// waitOneRunMessage waits up to 10 s for the session to have exactly one
// run, completed, and then checks that the session's bot messages are
// exactly one want. output is the snippet's, for the failure message.
func waitOneRunMessage(t *testing.T, s *server, token, sessionID, want, output string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := workflows(s, token).ListRuns(context.Background(), connect.NewRequest(&workflowv1.ListRunsRequest{SessionId: sessionID, PageSize: 10}))
		if err != nil {
			t.Fatalf("ListRuns(session %s): %v", sessionID, err)
		}
		runs := res.Msg.GetRuns()
		if len(runs) > 1 {
			t.Fatalf("the snippet started %d runs on session %s, want 1: %v\nsnippet output:\n%s", len(runs), sessionID, runs, output)
		}
		if len(runs) == 1 {
			switch r := runs[0]; r.GetStatus() {
			case workflowv1.RunStatus_RUN_STATUS_COMPLETED:
				if got := botMessages(t, s, token, sessionID); len(got) != 1 || got[want] != 1 {
					t.Fatalf("session %s got bot messages %v, want exactly one %q\nsnippet output:\n%s", sessionID, got, want, output)
				}
				return
			case workflowv1.RunStatus_RUN_STATUS_FAILED, workflowv1.RunStatus_RUN_STATUS_CANCELLED:
				t.Fatalf("run %s ended %v: %s\nsnippet output:\n%s", r.GetId(), r.GetStatus(), r.GetError(), output)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s session %s has runs %v and bot messages %v, want one completed run and %q\nsnippet output:\n%s",
				sessionID, runs, botMessages(t, s, token, sessionID), want, output)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitAgent waits up to 10 s for the session's agent to be active with
// instruction.
func waitAgent(t *testing.T, s *server, token, sessionID, instruction, output string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := sessionsClient(s, token).GetSession(context.Background(), connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: sessionID}))
		if err != nil {
			t.Fatalf("GetSession(%s): %v", sessionID, err)
		}
		agent := res.Msg.GetSession().GetAgent()
		if agent.GetActive() && agent.GetInstruction() == instruction {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s session %s has agent state %v, want active with instruction %q\nsnippet output:\n%s", sessionID, agent, instruction, output)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
