package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// TestEveryNodeKindRoundTrips stores a graph with one node of every kind,
// each with every setting filled in, and reads it back from the draft and
// from a saved version: nothing may be lost or changed.
func TestEveryNodeKindRoundTrips(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	want := workflowtest.EveryKindGraph()
	if got, all := len(want.GetNodes()), len(workflow.NodeConfigFields()); got != all {
		t.Fatalf("fixture holds %d nodes, the proto has %d kinds", got, all)
	}
	w := createWorkflow(t, c, "every kind")
	up, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
		WorkflowId: w.GetId(), ExpectedRevision: w.GetRevision(), Draft: want,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmpGraph(want, up.Msg.GetWorkflow().GetDraft()); d != "" {
		t.Fatalf("UpdateDraft answered a different draft (- sent, + got):\n%s", d)
	}
	saved, err := c.SaveVersion(ctx, connect.NewRequest(&workflowv1.SaveVersionRequest{WorkflowId: w.GetId(), Note: "all kinds"}))
	if err != nil {
		t.Fatal(err)
	}
	ver, err := c.GetVersion(ctx, connect.NewRequest(&workflowv1.GetVersionRequest{
		WorkflowId: w.GetId(), Number: saved.Msg.GetVersion().GetNumber(),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmpGraph(want, ver.Msg.GetVersion().GetGraph()); d != "" {
		t.Errorf("version graph differs (- sent, + got):\n%s", d)
	}
	got, err := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmpGraph(want, got.Msg.GetWorkflow().GetDraft()); d != "" {
		t.Errorf("draft differs after save (- sent, + got):\n%s", d)
	}
}

// cmpGraph describes how got differs from want, node by node and edge by
// edge; "" when they are equal.
func cmpGraph(want, got *workflowv1.Graph) string {
	if proto.Equal(want, got) {
		return ""
	}
	var b strings.Builder
	if len(want.GetNodes()) != len(got.GetNodes()) || len(want.GetEdges()) != len(got.GetEdges()) {
		fmt.Fprintf(&b, "%d nodes and %d edges, got %d and %d\n", len(want.GetNodes()), len(want.GetEdges()), len(got.GetNodes()), len(got.GetEdges()))
	}
	for i := range min(len(want.GetNodes()), len(got.GetNodes())) {
		if w, g := want.GetNodes()[i], got.GetNodes()[i]; !proto.Equal(w, g) {
			fmt.Fprintf(&b, "node %d:\n- %v\n+ %v\n", i, prototext.Format(w), prototext.Format(g))
		}
	}
	for i := range min(len(want.GetEdges()), len(got.GetEdges())) {
		if w, g := want.GetEdges()[i], got.GetEdges()[i]; !proto.Equal(w, g) {
			fmt.Fprintf(&b, "edge %d:\n- %v\n+ %v\n", i, prototext.Format(w), prototext.Format(g))
		}
	}
	return b.String()
}

// TestValidGraphsOfEveryKindValidateClean validates, over the wire, one
// graph holding every step kind and one graph per trigger kind.
func TestValidGraphsOfEveryKindValidateClean(t *testing.T) {
	b := setup(t, withAI)
	c := b.workflows(b.all)
	graphs := map[string]*workflowv1.Graph{"every step kind": workflowtest.AllStepsGraph()}
	for kind := range workflowtest.ValidTriggers {
		graphs["trigger "+string(kind)] = workflowtest.ChainGraph(workflowtest.ValidNode("t", kind), workflowtest.MessageNode("m"))
	}
	for name, g := range graphs {
		t.Run(name, func(t *testing.T) {
			res := validateGraph(t, c, g)
			if len(res.GetProblems()) != 0 || !res.GetValid() {
				t.Errorf("valid=%v, problems:%s", res.GetValid(), workflowtest.DescribeProblems(res.GetProblems()))
			}
		})
	}
}

// TestEveryValidationRuleOverTheWire runs the validator's rule table
// through ValidateWorkflow, both on an unsaved graph and on a stored draft:
// each rule must report the same code, node id and field a builder shows.
func TestEveryValidationRuleOverTheWire(t *testing.T) {
	servers := map[bool]*testBundle{false: setup(t), true: setup(t, withAI)}
	ctx := context.Background()
	for _, rc := range workflowtest.RuleCases() {
		t.Run(rc.Name, func(t *testing.T) {
			b := servers[rc.AIConfigured]
			c := b.workflows(b.all)
			g := rc.Graph
			if g == nil {
				g = &workflowv1.Graph{}
			}
			res := validateGraph(t, c, g)
			workflowtest.CheckProblems(t, res.GetProblems(), rc.Want)
			if res.GetValid() == workflow.HasErrors(res.GetProblems()) {
				t.Errorf("valid=%v with problems:%s", res.GetValid(), workflowtest.DescribeProblems(res.GetProblems()))
			}

			// The same graph saved as a draft: saving is allowed, and the
			// stored draft reports the same problems.
			w := createWorkflow(t, c, rc.Name)
			up, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
				WorkflowId: w.GetId(), ExpectedRevision: w.GetRevision(), Draft: g,
			}))
			if err != nil {
				t.Fatalf("saving a draft with problems: %v", err)
			}
			workflowtest.CheckProblems(t, up.Msg.GetProblems(), rc.Want)
			stored, err := c.ValidateWorkflow(ctx, connect.NewRequest(&workflowv1.ValidateWorkflowRequest{
				Target: &workflowv1.ValidateWorkflowRequest_WorkflowId{WorkflowId: w.GetId()},
			}))
			if err != nil {
				t.Fatal(err)
			}
			workflowtest.CheckProblems(t, stored.Msg.GetProblems(), rc.Want)
		})
	}
}

func validateGraph(t *testing.T, c interface {
	ValidateWorkflow(context.Context, *connect.Request[workflowv1.ValidateWorkflowRequest]) (*connect.Response[workflowv1.ValidateWorkflowResponse], error)
}, g *workflowv1.Graph) *workflowv1.ValidateWorkflowResponse {
	t.Helper()
	res, err := c.ValidateWorkflow(context.Background(), connect.NewRequest(&workflowv1.ValidateWorkflowRequest{
		Target: &workflowv1.ValidateWorkflowRequest_Graph{Graph: g},
	}))
	if err != nil {
		t.Fatalf("ValidateWorkflow: %v", err)
	}
	return res.Msg
}
