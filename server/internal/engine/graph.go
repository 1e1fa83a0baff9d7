package engine

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// graph is a workflow graph indexed for execution.
type graph struct {
	nodes   map[string]*workflowv1.Node
	edges   map[portRef]string
	trigger *workflowv1.Node
}

type portRef struct{ node, port string }

func compileGraph(g *workflowv1.Graph) *graph {
	out := &graph{nodes: make(map[string]*workflowv1.Node, len(g.GetNodes())), edges: make(map[portRef]string, len(g.GetEdges()))}
	for _, n := range g.GetNodes() {
		if _, dup := out.nodes[n.GetId()]; dup {
			continue
		}
		out.nodes[n.GetId()] = n
		if _, ok := workflow.TriggerKindOf(n); ok && out.trigger == nil {
			out.trigger = n
		}
	}
	for _, e := range g.GetEdges() {
		ref := portRef{e.GetFromNode(), workflow.NormalizePort(e.GetFromPort())}
		if _, dup := out.edges[ref]; !dup {
			out.edges[ref] = e.GetToNode()
		}
	}
	return out
}

// next returns the node a port of node leads to; "" when it is unwired.
func (g *graph) next(node, port string) string { return g.edges[portRef{node, port}] }

// wired reports whether a port of node has an edge.
func (g *graph) wired(node, port string) bool { return g.next(node, port) != "" }

type versionKey struct {
	workspace, workflow uuid.UUID
	version             int32
}

// graphOf returns the graph a run executes: its draft snapshot, or its
// version's graph.
func (e *Engine) graphOf(ctx context.Context, r domain.Run) (*graph, error) {
	if r.Version == 0 {
		g, err := workflow.DecodeGraph(r.Graph)
		if err != nil {
			return nil, err
		}
		return compileGraph(g), nil
	}
	key := versionKey{r.WorkspaceID, r.WorkflowID, r.Version}
	if g, ok := e.graphs.Load(key); ok {
		return g.(*graph), nil
	}
	v, err := e.store.WorkflowVersion(ctx, r.WorkspaceID, r.WorkflowID, r.Version)
	if err != nil {
		return nil, fmt.Errorf("load version %d of workflow %s: %w", r.Version, r.WorkflowID, err)
	}
	pg, err := workflow.DecodeGraph(v.Graph)
	if err != nil {
		return nil, err
	}
	g := compileGraph(pg)
	e.graphs.Store(key, g)
	return g, nil
}
