package workflow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// fuzzSeedGraphs are valid and broken graphs whose encodings seed
// FuzzValidate, so mutations start from realistic shapes.
func fuzzSeedGraphs() []*workflowv1.Graph {
	seeds := []*workflowv1.Graph{
		workflowtest.AllStepsGraph(),
		workflowtest.ChainGraph(workflowtest.ValidNode("t", "message_received"), workflowtest.MessageNode("m")),
		workflowtest.GraphAroundTrigger(workflow.NewNode("t", &workflowv1.ProgrammaticTrigger{}), workflowtest.ValidNode("w", "wait_for_event")),
		workflowtest.GraphAroundTrigger(workflowtest.ValidNode("t", "label_added"), workflowtest.ValidNode("x", "add_label")),
		{ // cycle, dangling edges, duplicate ids, empty configs
			Nodes: []*workflowv1.Node{
				workflowtest.TriggerNode(), workflowtest.MessageNode("a"), workflowtest.MessageNode("a"), workflow.NewNode("d", &workflowv1.DecisionNode{}),
				workflow.NewNode("b", &workflowv1.ButtonPickerAction{}), {Id: "x"},
			},
			Edges: []*workflowv1.Edge{
				workflowtest.NewEdge("t", "", "a"), workflowtest.NewEdge("a", "", "d"), workflowtest.NewEdge("d", "true", "a"), workflowtest.NewEdge("d", "false", "ghost"),
				workflowtest.NewEdge("b", "button:", "t"), workflowtest.NewEdge("", "", ""),
			},
		},
	}
	for _, fd := range workflow.NodeConfigFields() {
		if _, isStep := workflowtest.ValidSteps[fd.Name()]; isStep {
			seeds = append(seeds, workflowtest.GraphAround(workflowtest.ValidNode("s", fd.Name())))
		}
	}
	return seeds
}

// FuzzValidate feeds arbitrary bytes, decoded as binary protobuf and as
// protojson, to Validate: it must not panic, must give every problem a code,
// message and severity, and must be deterministic.
func FuzzValidate(f *testing.F) {
	for _, g := range fuzzSeedGraphs() {
		bin, err := proto.Marshal(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bin)
		js, err := protojson.Marshal(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(js)
	}
	for _, recipe := range fuzzSeedRecipes() {
		f.Add(recipe)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &workflowv1.Graph{}
		if proto.Unmarshal(data, g) == nil {
			checkValidateInvariants(t, g)
		}
		g = &workflowv1.Graph{}
		if protojson.Unmarshal(data, g) == nil {
			checkValidateInvariants(t, g)
		}
		// Random bytes rarely decode to a graph with interesting wiring, so
		// also read them as a recipe for one built from valid configs.
		checkValidateInvariants(t, graphFromRecipe(data))
	})
}

// fuzzSeedRecipes are graphFromRecipe inputs: a valid one, and a loop.
func fuzzSeedRecipes() [][]byte {
	kind := map[protoreflect.Name]byte{}
	for i, fd := range workflow.NodeConfigFields() {
		kind[fd.Name()] = byte(i)
	}
	return [][]byte{
		// n0 trigger -> n1 message -> n2 end
		{2, kind["new_conversation"], kind["send_message"], kind["end"], 0, 0, 1, 1, 0, 2},
		// n0 trigger -> n1 decision; true -> n2 message -> n1; false -> n3 end
		{3, kind["programmatic"], kind["decision"], kind["send_message"], kind["end"], 0, 0, 1, 1, 0, 2, 1, 1, 3, 2, 0, 1},
	}
}

// graphFromRecipe builds a graph from bytes: the first byte is the node
// count less one (mod 24), then one byte per node picks its kind (valid config), and the rest
// are edges of three bytes: from, port (among the node's ports plus a bogus
// one) and to.
func graphFromRecipe(data []byte) *workflowv1.Graph {
	fields := workflow.NodeConfigFields()
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	g := &workflowv1.Graph{}
	count := next()%24 + 1
	for i := range count {
		kind := fields[next()%len(fields)].Name()
		g.Nodes = append(g.Nodes, workflowtest.ValidNode(fmt.Sprintf("n%d", i), kind))
	}
	for len(data) >= 3 {
		from := g.Nodes[next()%count]
		ports := append(workflow.OutputPorts(from), workflow.PortSpec{Name: "bogus"})
		port := ports[next()%len(ports)].Name
		g.Edges = append(g.Edges, workflowtest.NewEdge(from.GetId(), port, g.Nodes[next()%count].GetId()))
	}
	return g
}

func checkValidateInvariants(t *testing.T, g *workflowv1.Graph) {
	for _, opts := range []workflow.ValidateOptions{{}, {AIConfigured: true}} {
		ps := workflow.Validate(g, opts)
		for _, p := range ps {
			if p.GetCode() == "" || p.GetMessage() == "" || p.GetSeverity() == workflowv1.Severity_SEVERITY_UNSPECIFIED {
				t.Fatalf("incomplete problem: %v", p)
			}
		}
		again := workflow.Validate(g, opts)
		if !slices.EqualFunc(ps, again, func(a, b *workflowv1.Problem) bool { return proto.Equal(a, b) }) {
			t.Fatal("Validate is not deterministic")
		}
		if !workflow.HasErrors(ps) {
			checkSound(t, g)
		}
	}
}

// checkSound re-checks the structural rules on a graph workflow.Validate accepted,
// with deliberately different algorithms (Kahn's sort instead of Tarjan for
// cycles, DFS instead of BFS for reachability).
func checkSound(t *testing.T, g *workflowv1.Graph) {
	byID := map[string]*workflowv1.Node{}
	var triggers []string
	for _, n := range g.GetNodes() {
		byID[n.GetId()] = n
		if _, ok := workflow.TriggerKindOf(n); ok {
			triggers = append(triggers, n.GetId())
		}
	}
	if len(byID) != len(g.GetNodes()) || len(triggers) != 1 {
		t.Fatalf("accepted a graph with %d triggers or duplicate ids", len(triggers))
	}
	out := map[string][]string{}
	wired := map[string]bool{}
	for _, e := range g.GetEdges() {
		from, to := byID[e.GetFromNode()], byID[e.GetToNode()]
		if from == nil || to == nil || !workflow.HasOutputPort(from, e.GetFromPort()) {
			t.Fatalf("accepted a dangling edge %v", e)
		}
		out[e.GetFromNode()] = append(out[e.GetFromNode()], e.GetToNode())
		wired[e.GetFromNode()+"\x00"+workflow.NormalizePort(e.GetFromPort())] = true
	}
	for id, n := range byID {
		var buttons, buttonsWired int
		nextWired := true
		for _, p := range workflow.OutputPorts(n) {
			w := wired[id+"\x00"+p.Name]
			if strings.HasPrefix(p.Name, workflow.ButtonPortPrefix) {
				buttons++
				if w {
					buttonsWired++
				}
			}
			if p.Required && !w {
				if p.Name != workflow.PortNext {
					t.Fatalf("accepted %s with port %q unwired", id, p.Name)
				}
				nextWired = false
			}
		}
		if !nextWired && (workflow.NodeKind(n) != "button_picker" || buttons == 0 || buttons != buttonsWired) {
			t.Fatalf("accepted %s with next unwired", id)
		}
	}
	seen := map[string]bool{}
	var visit func(string)
	visit = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		for _, to := range out[id] {
			visit(to)
		}
	}
	visit(triggers[0])
	if len(seen) != len(byID) {
		t.Fatalf("accepted a graph with %d of %d nodes reachable", len(seen), len(byID))
	}
	// Kahn's algorithm on the non-waiting subgraph: leftovers are cycles.
	indeg := map[string]int{}
	for id, n := range byID {
		if !workflow.WaitingKinds[workflow.NodeKind(n)] {
			indeg[id] += 0
			for _, to := range out[id] {
				if !workflow.WaitingKinds[workflow.NodeKind(byID[to])] {
					indeg[to]++
				}
			}
		}
	}
	var queue []string
	for id, d := range indeg {
		if d == 0 {
			queue = append(queue, id)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		delete(indeg, id)
		for _, to := range out[id] {
			if _, ok := indeg[to]; ok {
				if indeg[to]--; indeg[to] == 0 {
					queue = append(queue, to)
				}
			}
		}
	}
	if len(indeg) > 0 {
		t.Fatalf("accepted a graph with a loop without wait through %v", indeg)
	}
}

// FuzzParseTemplate checks that workflow.ParseTemplate never panics, that what it
// accepts re-renders to a template with the same parts, and that
// workflow.ParseBodyTemplate accepts everything workflow.ParseTemplate accepts, identically.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{
		"", "plain", "Hi {{ visitor.name }}!", "{{a}}{{b}}", "{{ a }}}", "}{{ a }}{", "{{", "}}", "{{}}",
		"{{ 1x }}", "{{ a b }}", `{"a": {"b": "{{ x }}"}}`, "héllo {{ nom }} ✓", "{{\ta\t}}", "{{{ a }}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := workflow.ParseTemplate(s)
		body, bodyErr := workflow.ParseBodyTemplate(s)
		if err != nil {
			te, ok := err.(*workflow.TemplateError)
			if !ok || te.Offset < 0 || te.Offset >= len(s) || te.Pos < 1 {
				t.Fatalf("bad error %#v for %q", err, s)
			}
			if bodyErr != nil {
				return
			}
			parts = body // check the lenient parse the same way below
		} else if bodyErr != nil || !slices.Equal(parts, body) {
			t.Fatalf("ParseBodyTemplate(%q) = %v, %v; workflow.ParseTemplate gave %v", s, body, bodyErr, parts)
		}
		var b strings.Builder
		for i, p := range parts {
			switch {
			case p.Key != "" && p.Literal == "":
				if !workflow.ValidName(p.Key) {
					t.Fatalf("invalid key %q from %q", p.Key, s)
				}
				b.WriteString("{{" + p.Key + "}}")
			case p.Key == "" && p.Literal != "":
				if i > 0 && parts[i-1].Key == "" {
					t.Fatalf("adjacent literals from %q", s)
				}
				b.WriteString(p.Literal)
			default:
				t.Fatalf("part %#v from %q sets not exactly one field", p, s)
			}
		}
		again, err := workflow.ParseTemplateLenient(b.String(), err != nil)
		if err != nil || !slices.Equal(again, parts) {
			t.Fatalf("re-rendered %q parses to %v, %v; want %v", b.String(), again, err, parts)
		}
	})
}

// BenchmarkValidate validates a 50-node graph: the all-steps graph padded
// with messages and decisions.
func BenchmarkValidate(b *testing.B) {
	nodes := []*workflowv1.Node{workflowtest.TriggerNode()}
	for _, n := range workflowtest.AllStepsGraph().GetNodes()[1:] {
		if len(workflow.OutputPorts(n)) > 0 {
			nodes = append(nodes, n)
		}
	}
	for i := 0; len(nodes) < 49; i++ {
		if i%2 == 0 {
			nodes = append(nodes, workflowtest.MessageNode("pad"+strings.Repeat("m", i+1)))
		} else {
			nodes = append(nodes, workflowtest.ValidNode("pad"+strings.Repeat("d", i+1), "decision"))
		}
	}
	g := workflowtest.ChainGraph(nodes...) // adds the End node: 50
	if len(g.GetNodes()) != 50 {
		b.Fatalf("graph has %d nodes", len(g.GetNodes()))
	}
	if ps := workflow.Validate(g, workflow.ValidateOptions{AIConfigured: true}); len(ps) != 0 {
		b.Fatalf("benchmark graph is not valid:%s", workflowtest.DescribeProblems(ps))
	}
	b.ReportAllocs()
	for b.Loop() {
		workflow.Validate(g, workflow.ValidateOptions{AIConfigured: true})
	}
}

func BenchmarkParseTemplate(b *testing.B) {
	s := "Hi {{ visitor.name }}, your order {{ order_id }} on the {{plan}} plan ships on {{ ship_date }}. " +
		"Reply here if anything looks wrong — we usually answer within {{ sla_hours }} hours."
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := workflow.ParseTemplate(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFuzzSeedRecipes pins what the recipe seeds build, so that the recipe
// decoder keeps producing both accepted and rejected graphs.
func TestFuzzSeedRecipes(t *testing.T) {
	recipes := fuzzSeedRecipes()
	if ps := workflow.Validate(graphFromRecipe(recipes[0]), workflow.ValidateOptions{}); len(ps) != 0 {
		t.Errorf("recipe 0: want a valid graph, got:%s", workflowtest.DescribeProblems(ps))
	}
	got := workflowtest.ProblemKeys(workflow.Validate(graphFromRecipe(recipes[1]), workflow.ValidateOptions{}))
	want := []workflowtest.ProblemKey{workflowtest.Key(workflow.CodeGraphCycleWithoutWait, "n1", "")}
	if !slices.Equal(got, want) {
		t.Errorf("recipe 1: want %v, got %v", want, got)
	}
}
