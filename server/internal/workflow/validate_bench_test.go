package workflow_test

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// largeGraph returns a valid graph of blocks*5 steps plus the trigger and
// an End node. Each block is a message and a decision whose "true" branch
// (delay, set data, add label) rejoins its "false" branch at the next
// block, so the graph branches and merges like a real follow-up sequence.
// Every node carries its catalog config, templates and regexps included.
func largeGraph(blocks int) *workflowv1.Graph {
	t := workflowtest.TriggerNode()
	g := &workflowv1.Graph{Nodes: []*workflowv1.Node{t}}
	prev, prevPort := t.GetId(), workflow.PortNext
	for i := range blocks {
		id := func(kind string) string { return fmt.Sprintf("%s_%d", kind, i) }
		g.Nodes = append(g.Nodes,
			workflowtest.ValidNode(id("message"), "send_message"),
			workflowtest.ValidNode(id("decision"), "decision"),
			workflowtest.ValidNode(id("delay"), "delay"),
			workflowtest.ValidNode(id("set_data"), "set_data"),
			workflowtest.ValidNode(id("add_label"), "add_label"),
		)
		next := "end"
		if i+1 < blocks {
			next = fmt.Sprintf("message_%d", i+1)
		}
		g.Edges = append(g.Edges,
			workflowtest.NewEdge(prev, prevPort, id("message")),
			workflowtest.NewEdge(id("message"), workflow.PortNext, id("decision")),
			workflowtest.NewEdge(id("decision"), workflow.PortTrue, id("delay")),
			workflowtest.NewEdge(id("delay"), workflow.PortNext, id("set_data")),
			workflowtest.NewEdge(id("set_data"), workflow.PortNext, id("add_label")),
			workflowtest.NewEdge(id("add_label"), workflow.PortNext, next),
		)
		prev, prevPort = id("decision"), workflow.PortFalse
	}
	g.Nodes = append(g.Nodes, workflowtest.EndNode())
	g.Edges = append(g.Edges, workflowtest.NewEdge(prev, prevPort, "end"))
	return g
}

// BenchmarkValidateLargeGraph validates a 202-node graph, four times the
// size BenchmarkValidate uses, to show how validation scales.
func BenchmarkValidateLargeGraph(b *testing.B) {
	g := largeGraph(40)
	if len(g.GetNodes()) != 202 {
		b.Fatalf("graph has %d nodes", len(g.GetNodes()))
	}
	if ps := workflow.Validate(g, workflow.ValidateOptions{}); len(ps) != 0 {
		b.Fatalf("benchmark graph is not valid:%s", workflowtest.DescribeProblems(ps))
	}
	b.ReportAllocs()
	for b.Loop() {
		workflow.Validate(g, workflow.ValidateOptions{})
	}
}

// BenchmarkDecodeGraph decodes stored graphs (protojson): one holding every
// step kind once, the typical size of a workflow, and the 202-node graph.
func BenchmarkDecodeGraph(b *testing.B) {
	cases := []struct {
		name  string
		graph *workflowv1.Graph
	}{
		{"all_steps", workflowtest.AllStepsGraph()},
		{"202_nodes", largeGraph(40)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i, n := range c.graph.GetNodes() { // stored graphs have canvas positions
				n.Position = &workflowv1.Position{X: float64(40 + 260*(i%6)), Y: float64(80 + 160*(i/6))}
			}
			raw, err := workflow.EncodeMessage(c.graph)
			if err != nil {
				b.Fatal(err)
			}
			g, err := workflow.DecodeGraph(raw)
			if err != nil {
				b.Fatal(err)
			}
			if !proto.Equal(g, c.graph) {
				b.Fatalf("the graph does not survive encoding and decoding (%d bytes stored)", len(raw))
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := workflow.DecodeGraph(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
