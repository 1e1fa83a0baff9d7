package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/sync/errgroup"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// parallel calls fn(i) for i in [0, n) on workers goroutines and returns
// the first error.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range min(workers, n) {
		g.Go(func() error {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return ctx.Err()
				}
				if err := fn(ctx, i); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// benchSession is a session the benchmark drives, and the sequence of its
// newest event when it was made.
type benchSession struct {
	id   string
	last int64
}

// createSessions makes n sessions through the API.
func (e *env) createSessions(ctx context.Context, n int) ([]benchSession, error) {
	began := time.Now()
	out := make([]benchSession, n)
	err := parallel(ctx, n, 16, func(ctx context.Context, i int) error {
		res, err := e.api.Sessions.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{
			Channel: sessionv1.Channel_CHANNEL_WEBCHAT, Visitor: &sessionv1.Visitor{Name: fmt.Sprintf("Bench visitor %d", i)},
		}))
		if err != nil {
			return fmt.Errorf("CreateSession: %w", err)
		}
		out[i] = benchSession{id: res.Msg.GetSession().GetId(), last: res.Msg.GetSession().GetLastSequence()}
		return nil
	})
	e.progress("created %d sessions in %.1f s", n, time.Since(began).Seconds())
	return out, err
}

// publish creates and publishes a workflow and returns its id.
func (e *env) publish(ctx context.Context, name string, g *workflowv1.Graph) (string, error) {
	w, err := e.api.Workflows.CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: name, Draft: g}))
	if err != nil {
		return "", fmt.Errorf("CreateWorkflow %q: %w", name, err)
	}
	id := w.Msg.GetWorkflow().GetId()
	if _, err := e.api.Workflows.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: id})); err != nil {
		return "", fmt.Errorf("PublishWorkflow %q: %w", name, err)
	}
	return id, nil
}

// trigger is POST /api/scenario/{workflow}/trigger/ with variables; it
// returns the run id.
func (e *env) trigger(ctx context.Context, workflowID, sessionID string, vars map[string]any) (string, error) {
	body, _ := json.Marshal(map[string]any{"session_id": sessionID, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/api/scenario/"+workflowID+"/trigger/", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.rest.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("trigger: HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(b)))
	}
	var out struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.RunID == "" {
		return "", fmt.Errorf("trigger: unexpected answer %s", b)
	}
	return out.RunID, nil
}

// chain wires nodes in order through their default ports.
func chain(nodes ...*workflowv1.Node) *workflowv1.Graph {
	g := &workflowv1.Graph{Nodes: nodes}
	for i := range nodes[:len(nodes)-1] {
		g.Edges = append(g.Edges, &workflowv1.Edge{FromNode: nodes[i].GetId(), ToNode: nodes[i+1].GetId()})
	}
	return g
}

// greeting is the message of the benchmark's workflows: two {{ tags }},
// the second one unique per trigger so that a message can be told apart.
const greeting = "Hello {{ name }}, your order {{ order }} has shipped."

func greetingFor(name, order string) string {
	return "Hello " + name + ", your order " + order + " has shipped."
}

// messageWorkflow is trigger -> send message -> end.
func messageWorkflow() *workflowv1.Graph {
	return chain(
		workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
		workflow.NewNode("greet", &workflowv1.SendMessageAction{Text: greeting}),
		workflow.NewNode("end", &workflowv1.EndNode{}),
	)
}
