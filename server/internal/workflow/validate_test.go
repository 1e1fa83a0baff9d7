package workflow_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

var aiOn = workflow.ValidateOptions{AIConfigured: true}

// TestEveryKindCovered fails when the proto gains a node kind that the
// valid-config catalogs (and so the valid-graph tests) do not cover.
func TestEveryKindCovered(t *testing.T) {
	for _, fd := range workflow.NodeConfigFields() {
		_, trig := workflowtest.ValidTriggers[fd.Name()]
		_, step := workflowtest.ValidSteps[fd.Name()]
		if trig == step {
			t.Errorf("node kind %q: add exactly one valid config for it to workflowtest.ValidTriggers or workflowtest.ValidSteps", fd.Name())
		}
		if _, isTrigger := workflow.TriggerKinds[fd.Name()]; isTrigger != trig {
			t.Errorf("node kind %q: trigger in graph.go is %v but in the test catalog %v", fd.Name(), isTrigger, trig)
		}
	}
	if n := len(workflowtest.ValidTriggers) + len(workflowtest.ValidSteps); n != len(workflow.NodeConfigFields()) {
		t.Errorf("catalogs hold %d kinds, the proto %d: remove stale entries", n, len(workflow.NodeConfigFields()))
	}
}

func TestValidateValidGraphs(t *testing.T) {
	t.Run("every step kind", func(t *testing.T) {
		g := workflowtest.AllStepsGraph()
		seen := map[protoreflect.Name]bool{}
		for _, n := range g.GetNodes() {
			seen[workflow.NodeKind(n)] = true
		}
		for kind := range workflowtest.ValidSteps {
			if !seen[kind] {
				t.Errorf("the all-steps graph lacks %q", kind)
			}
		}
		if ps := workflow.Validate(g, aiOn); len(ps) != 0 {
			t.Errorf("want no problems, got:%s", workflowtest.DescribeProblems(ps))
		}
	})
	for _, fd := range workflow.NodeConfigFields() {
		kind := fd.Name()
		if _, ok := workflowtest.ValidTriggers[kind]; !ok {
			continue
		}
		t.Run("trigger "+string(kind), func(t *testing.T) {
			g := workflowtest.ChainGraph(workflowtest.ValidNode("t", kind), workflowtest.MessageNode("m"))
			if ps := workflow.Validate(g, workflow.ValidateOptions{}); len(ps) != 0 {
				t.Errorf("want no problems, got:%s", workflowtest.DescribeProblems(ps))
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	for _, c := range workflowtest.RuleCases() {
		t.Run(c.Name, func(t *testing.T) {
			workflowtest.CheckProblems(t, workflow.Validate(c.Graph, workflow.ValidateOptions{AIConfigured: c.AIConfigured}), c.Want)
		})
	}
}

// TestLoopPairs checks every pair of the loop-prevention table, and that
// every action that appears in the table is allowed under other triggers.
func TestLoopPairs(t *testing.T) {
	for trig, actions := range workflow.LoopPairs {
		for action := range actions {
			t.Run(string(trig)+"→"+string(action), func(t *testing.T) {
				var tn *workflowv1.Node
				if trig == "custom_data_updated" {
					tn = workflow.NewNode("t", &workflowv1.CustomDataUpdatedTrigger{}) // every key
				} else {
					tn = workflowtest.ValidNode("t", trig)
				}
				got := workflowtest.ProblemKeys(workflow.Validate(workflowtest.GraphAroundTrigger(tn, workflowtest.ValidNode("x", action)), aiOn))
				if len(got) != 1 || got[0].Code != workflow.CodeLoopTriggerAction || got[0].Node != "x" {
					t.Errorf("want one %s on x, got %v", workflow.CodeLoopTriggerAction, got)
				}
			})
		}
	}
}

func TestValidateProgrammaticWaitIsWarningOnly(t *testing.T) {
	ps := workflow.Validate(workflowtest.GraphAroundTrigger(workflow.NewNode("t", &workflowv1.ProgrammaticTrigger{}), workflowtest.ValidNode("w", "wait_for_event")), workflow.ValidateOptions{})
	if len(ps) != 1 || ps[0].GetSeverity() != workflowv1.Severity_SEVERITY_WARNING {
		t.Fatalf("want one warning, got:%s", workflowtest.DescribeProblems(ps))
	}
	if workflow.HasErrors(ps) {
		t.Error("HasErrors is true for a warning")
	}
	if !workflow.HasErrors(workflow.Validate(nil, workflow.ValidateOptions{})) {
		t.Error("HasErrors is false for trigger.missing")
	}
}

// TestValidateReportsAllAtOnce checks that problems of different nodes and
// rules all come back from one call, in node order then code order.
func TestValidateReportsAllAtOnce(t *testing.T) {
	g := &workflowv1.Graph{
		Nodes: []*workflowv1.Node{
			workflow.NewNode("t", &workflowv1.LabelAddedTrigger{}),
			workflow.NewNode("m", &workflowv1.SendMessageAction{Text: "Hi {{ name"}),                          // config.template
			workflow.NewNode("f", &workflowv1.FetchApiNode{Method: 2, Url: "ftp://x"}),                        // config.url
			workflow.NewNode("l", &workflowv1.AddLabelAction{Labels: []string{"x"}}),                          // loop.trigger_action
			workflow.NewNode("d", &workflowv1.DelayNode{}),                                                    // config.duration
			workflow.NewNode("o", &workflowv1.SendMessageAction{Text: "unreachable"}), workflowtest.EndNode(), // node.unreachable
		},
		Edges: []*workflowv1.Edge{
			workflowtest.NewEdge("t", "", "m"), workflowtest.NewEdge("m", "", "f"), workflowtest.NewEdge("f", "", "l"), workflowtest.NewEdge("l", "", "d"), workflowtest.NewEdge("d", "", "end"), workflowtest.NewEdge("o", "", "end"),
		},
	}
	want := []workflowtest.ProblemKey{
		workflowtest.Key(workflow.CodeConfigTemplate, "m", "text"),
		workflowtest.Key(workflow.CodeConfigURL, "f", "url"),
		workflowtest.Key(workflow.CodeLoopTriggerAction, "l", ""),
		workflowtest.Key(workflow.CodeConfigDuration, "d", "duration"),
		workflowtest.Key(workflow.CodeNodeUnreachable, "o", ""),
	}
	got := workflow.Validate(g, workflow.ValidateOptions{})
	if !slices.Equal(workflowtest.ProblemKeys(got), want) {
		t.Fatalf("want %v in this order, got:%s", want, workflowtest.DescribeProblems(got))
	}
}

func TestValidateOrderAndDeterminism(t *testing.T) {
	g := &workflowv1.Graph{
		Nodes: []*workflowv1.Node{
			workflowtest.MessageNode("a"), workflow.NewNode("b", &workflowv1.DecisionNode{}), workflowtest.TriggerNode(), workflow.NewNode("c", &workflowv1.SendMessageAction{}),
		},
		Edges: []*workflowv1.Edge{workflowtest.NewEdge("x", "", "y"), workflowtest.NewEdge("t", "", "b"), workflowtest.NewEdge("b", "true", "c"), workflowtest.NewEdge("c", "", "nowhere")},
	}
	first := workflow.Validate(g, workflow.ValidateOptions{})
	want := []workflowtest.ProblemKey{
		workflowtest.Key(workflow.CodeNodeUnreachable, "a", ""),
		workflowtest.Key(workflow.CodePortUnwired, "a", "port:next"),
		workflowtest.Key(workflow.CodeConfigRequired, "b", "match"),
		workflowtest.Key(workflow.CodeConfigRequired, "b", "conditions"),
		workflowtest.Key(workflow.CodePortUnwired, "b", "port:false"),
		workflowtest.Key(workflow.CodeConfigRequired, "c", "text"),
		workflowtest.Key(workflow.CodeEdgeUnknownNode, "c", "to_node"),
		workflowtest.Key(workflow.CodeEdgeUnknownNode, "", "from_node"),
		workflowtest.Key(workflow.CodeEdgeUnknownNode, "", "to_node"),
	}
	if !slices.Equal(workflowtest.ProblemKeys(first), want) {
		t.Fatalf("want %v, got:%s", want, workflowtest.DescribeProblems(first))
	}
	for range 20 {
		again := workflow.Validate(g, workflow.ValidateOptions{})
		if len(again) != len(first) {
			t.Fatal("result length changed")
		}
		for i := range again {
			if !proto.Equal(again[i], first[i]) {
				t.Fatalf("problem %d changed: %v vs %v", i, again[i], first[i])
			}
		}
	}
}

func TestValidateDoesNotAliasInput(t *testing.T) {
	g := graphWithGhostEdge()
	ps := workflow.Validate(g, workflow.ValidateOptions{})
	if len(ps) == 0 || ps[0].GetEdge() == nil {
		t.Fatalf("want an edge problem, got:%s", workflowtest.DescribeProblems(ps))
	}
	ps[0].GetEdge().ToNode = "changed"
	if g.GetEdges()[1].GetToNode() != "ghost" {
		t.Error("the problem's edge aliases the graph's edge")
	}
}

func graphWithGhostEdge() *workflowv1.Graph {
	g := workflowtest.ChainGraph(workflowtest.TriggerNode())
	g.Edges = append(g.Edges, workflowtest.NewEdge("ghost2", "", "ghost"))
	return g
}

func TestValidateNilNodesAndEdges(t *testing.T) {
	g := &workflowv1.Graph{Nodes: []*workflowv1.Node{nil, workflowtest.TriggerNode(), workflowtest.EndNode()}, Edges: []*workflowv1.Edge{nil, workflowtest.NewEdge("t", "", "end")}}
	got := workflowtest.SortedProblemKeys(workflow.Validate(g, workflow.ValidateOptions{}))
	want := []workflowtest.ProblemKey{
		workflowtest.Key(workflow.CodeEdgeUnknownNode, "", "from_node"), workflowtest.Key(workflow.CodeEdgeUnknownNode, "", "to_node"),
		workflowtest.Key(workflow.CodeNodeIDInvalid, "", "id"), workflowtest.Key(workflow.CodeNodeKindMissing, "", ""),
	}
	if !slices.Equal(got, want) {
		t.Errorf("want %v, got %v", want, got)
	}
}

func TestOutputPorts(t *testing.T) {
	names := func(n *workflowv1.Node) string {
		var out []string
		for _, p := range workflow.OutputPorts(n) {
			s := p.Name
			if p.Required {
				s += "!"
			}
			out = append(out, s)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		node *workflowv1.Node
		want string
	}{
		{workflowtest.TriggerNode(), "next!"},
		{workflowtest.ValidNode("x", "programmatic"), "next!"},
		{workflowtest.MessageNode("x"), "next!"},
		{workflowtest.ValidNode("x", "decision"), "true!,false!"},
		{workflowtest.ValidNode("x", "wait_for_event"), "next!,timeout!"},
		{workflowtest.ValidNode("x", "fetch_api"), "next!,error"},
		{workflowtest.ValidNode("x", "send_webhook"), "next!,error"},
		{workflowtest.ValidNode("x", "custom_skill"), "next!,error"},
		{workflowtest.ValidNode("x", "button_picker"), "next!,button:yes,button:no"},
		{workflow.NewNode("x", &workflowv1.ButtonPickerAction{Buttons: []*sessionv1.Button{{Value: "a"}, {Value: ""}, {Value: "a"}}}), "next!,button:a"},
		{workflowtest.ValidNode("x", "delay"), "next!"},
		{workflowtest.ValidNode("x", "end"), ""},
		{workflowtest.ValidNode("x", "stop_workflow"), ""},
		{&workflowv1.Node{Id: "x"}, ""},
	}
	for _, c := range cases {
		if got := names(c.node); got != c.want {
			t.Errorf("%s: workflow.OutputPorts = %q, want %q", workflow.NodeKind(c.node), got, c.want)
		}
	}
	bp := workflowtest.ValidNode("x", "button_picker")
	for port, want := range map[string]bool{"": true, "next": true, "button:yes": true, "button:maybe": false, "button:": false, "error": false} {
		if got := workflow.HasOutputPort(bp, port); got != want {
			t.Errorf("HasOutputPort(button_picker, %q) = %v, want %v", port, got, want)
		}
	}
	if workflow.NormalizePort("") != workflow.PortNext || workflow.NormalizePort("timeout") != "timeout" || workflow.NormalizePort("Next") != "Next" {
		t.Error("NormalizePort")
	}
}

func TestParseTemplate(t *testing.T) {
	lit := func(s string) workflow.TemplatePart { return workflow.TemplatePart{Literal: s} }
	key := func(s string) workflow.TemplatePart { return workflow.TemplatePart{Key: s} }
	cases := []struct {
		in      string
		want    []workflow.TemplatePart
		wantErr string // substring of the error; "" means success
		pos     int
	}{
		{in: "", want: nil},
		{in: "plain text", want: []workflow.TemplatePart{lit("plain text")}},
		{in: "{{name}}", want: []workflow.TemplatePart{key("name")}},
		{in: "{{ name }}", want: []workflow.TemplatePart{key("name")}},
		{in: "{{\tname  }}", want: []workflow.TemplatePart{key("name")}},
		{in: "Hi {{ visitor.name }}, order {{order_id}}!", want: []workflow.TemplatePart{lit("Hi "), key("visitor.name"), lit(", order "), key("order_id"), lit("!")}},
		{in: "{{a}}{{b}}", want: []workflow.TemplatePart{key("a"), key("b")}},
		{in: "{{ _x-1.y }}", want: []workflow.TemplatePart{key("_x-1.y")}},
		{in: "single { and } braces", want: []workflow.TemplatePart{lit("single { and } braces")}},
		{in: "{{ a }}}", want: []workflow.TemplatePart{key("a"), lit("}")}},
		{in: "}{{ a }}{", want: []workflow.TemplatePart{lit("}"), key("a"), lit("{")}},
		{in: "héllo {{ nom }} ✓", want: []workflow.TemplatePart{lit("héllo "), key("nom"), lit(" ✓")}},
		{in: "{{", wantErr: "never closed", pos: 1},
		{in: "Hi {{ name", wantErr: "never closed", pos: 4},
		{in: "Hi }} there", wantErr: "without an opening", pos: 4},
		{in: "é }}", wantErr: "without an opening", pos: 3},
		{in: "{{}}", wantErr: "empty tag", pos: 1},
		{in: "x {{   }}", wantErr: "empty tag", pos: 3},
		{in: "{{ 1st }}", wantErr: "not a valid tag name", pos: 1},
		{in: "{{ a b }}", wantErr: "not a valid tag name", pos: 1},
		{in: "{{ a\nb }}", wantErr: "not a valid tag name", pos: 1},
		{in: "{{{ a }}}", wantErr: "not a valid tag name", pos: 1},
		{in: "{{ a {{ b }}", wantErr: "not a valid tag name", pos: 1},
		{in: "{{ a }} }}", wantErr: "without an opening", pos: 9},
		{in: `{"a": {"b": "{{ x }}"}}`, wantErr: "without an opening"},
	}
	for _, c := range cases {
		got, err := workflow.ParseTemplate(c.in)
		if c.wantErr == "" {
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("ParseTemplate(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
			}
			continue
		}
		te, ok := err.(*workflow.TemplateError)
		if !ok || !strings.Contains(te.Reason, c.wantErr) {
			t.Errorf("ParseTemplate(%q) error = %v; want one containing %q", c.in, err, c.wantErr)
			continue
		}
		if c.pos != 0 && te.Pos != c.pos {
			t.Errorf("ParseTemplate(%q) error at character %d, want %d", c.in, te.Pos, c.pos)
		}
		if got != nil {
			t.Errorf("ParseTemplate(%q) returned parts with an error", c.in)
		}
	}
}

func TestParseBodyTemplate(t *testing.T) {
	got, err := workflow.ParseBodyTemplate(`{"a": {"b": "{{ x }}"}}`)
	want := []workflow.TemplatePart{{Literal: `{"a": {"b": "`}, {Key: "x"}, {Literal: `"}}`}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %#v, %v; want %#v", got, err, want)
	}
	for _, bad := range []string{`{"a": "{{ x"}`, `{"a": {{}}}`, `{{ 1 }}`} {
		if _, err := workflow.ParseBodyTemplate(bad); err == nil {
			t.Errorf("ParseBodyTemplate(%q) succeeded", bad)
		}
	}
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_": true, "order_id": true, "visitor.name": true, "a-b.c_9": true, "Z9": true,
		"": false, "9a": false, ".a": false, "-a": false, "a b": false, "é": false, "a/b": false, "a{": false,
	} {
		if got := workflow.ValidName(s); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestValidateEmptyConfigs gives every kind a oneof wrapper holding a nil
// config (possible from Go code) and then an empty config: workflow.Validate must
// report, not panic.
func TestValidateEmptyConfigs(t *testing.T) {
	for _, fd := range workflow.NodeConfigFields() {
		valid := workflowtest.ValidNode("x", fd.Name())
		wrapper := reflect.New(reflect.TypeOf(valid.GetConfig()).Elem()).Interface()
		nilConfig := &workflowv1.Node{Id: "x"}
		reflect.ValueOf(nilConfig).Elem().FieldByName("Config").Set(reflect.ValueOf(wrapper))
		empty := workflow.NewNode("x", valid.ProtoReflect().Get(fd).Message().Type().New().Interface())
		for _, n := range []*workflowv1.Node{nilConfig, empty} {
			for _, g := range []*workflowv1.Graph{workflowtest.GraphAround(n), workflowtest.GraphAroundTrigger(n, workflowtest.MessageNode("m"))} {
				for _, p := range workflow.Validate(g, workflow.ValidateOptions{}) {
					if p.GetCode() == "" || p.GetMessage() == "" {
						t.Errorf("%s: incomplete problem %v", fd.Name(), p)
					}
				}
			}
		}
	}
}
