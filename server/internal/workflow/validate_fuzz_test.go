package workflow

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// fuzzSeedGraphs are valid and broken graphs whose encodings seed
// FuzzValidate, so mutations start from realistic shapes.
func fuzzSeedGraphs() []*workflowv1.Graph {
	seeds := []*workflowv1.Graph{
		allStepsGraph(),
		chainGraph(validNode("t", "message_received"), messageNode("m")),
		graphAroundTrigger(newNode("t", &workflowv1.ProgrammaticTrigger{}), validNode("w", "wait_for_event")),
		graphAroundTrigger(validNode("t", "label_added"), validNode("x", "add_label")),
		{ // cycle, dangling edges, duplicate ids, empty configs
			Nodes: []*workflowv1.Node{
				triggerNode(), messageNode("a"), messageNode("a"), newNode("d", &workflowv1.DecisionNode{}),
				newNode("b", &workflowv1.ButtonPickerAction{}), {Id: "x"},
			},
			Edges: []*workflowv1.Edge{
				newEdge("t", "", "a"), newEdge("a", "", "d"), newEdge("d", "true", "a"), newEdge("d", "false", "ghost"),
				newEdge("b", "button:", "t"), newEdge("", "", ""),
			},
		},
	}
	for _, fd := range nodeConfigFields() {
		if _, isStep := validSteps[fd.Name()]; isStep {
			seeds = append(seeds, graphAround(validNode("s", fd.Name())))
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
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &workflowv1.Graph{}
		if proto.Unmarshal(data, g) == nil {
			checkValidateInvariants(t, g)
		}
		g = &workflowv1.Graph{}
		if protojson.Unmarshal(data, g) == nil {
			checkValidateInvariants(t, g)
		}
	})
}

func checkValidateInvariants(t *testing.T, g *workflowv1.Graph) {
	for _, opts := range []ValidateOptions{{}, {AIConfigured: true}} {
		ps := Validate(g, opts)
		for _, p := range ps {
			if p.GetCode() == "" || p.GetMessage() == "" || p.GetSeverity() == workflowv1.Severity_SEVERITY_UNSPECIFIED {
				t.Fatalf("incomplete problem: %v", p)
			}
		}
		again := Validate(g, opts)
		if !slices.EqualFunc(ps, again, func(a, b *workflowv1.Problem) bool { return proto.Equal(a, b) }) {
			t.Fatal("Validate is not deterministic")
		}
	}
}

// FuzzParseTemplate checks that ParseTemplate never panics, that what it
// accepts re-renders to a template with the same parts, and that
// ParseBodyTemplate accepts everything ParseTemplate accepts, identically.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{
		"", "plain", "Hi {{ visitor.name }}!", "{{a}}{{b}}", "{{ a }}}", "}{{ a }}{", "{{", "}}", "{{}}",
		"{{ 1x }}", "{{ a b }}", `{"a": {"b": "{{ x }}"}}`, "héllo {{ nom }} ✓", "{{\ta\t}}", "{{{ a }}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := ParseTemplate(s)
		body, bodyErr := ParseBodyTemplate(s)
		if err != nil {
			te, ok := err.(*TemplateError)
			if !ok || te.Offset < 0 || te.Offset >= len(s) || te.Pos < 1 {
				t.Fatalf("bad error %#v for %q", err, s)
			}
			if bodyErr != nil {
				return
			}
			parts = body // check the lenient parse the same way below
		} else if bodyErr != nil || !slices.Equal(parts, body) {
			t.Fatalf("ParseBodyTemplate(%q) = %v, %v; ParseTemplate gave %v", s, body, bodyErr, parts)
		}
		var b strings.Builder
		for i, p := range parts {
			switch {
			case p.Key != "" && p.Literal == "":
				if !ValidName(p.Key) {
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
		again, err := parseTemplate(b.String(), err != nil)
		if err != nil || !slices.Equal(again, parts) {
			t.Fatalf("re-rendered %q parses to %v, %v; want %v", b.String(), again, err, parts)
		}
	})
}

// BenchmarkValidate validates a 50-node graph: the all-steps graph padded
// with messages and decisions.
func BenchmarkValidate(b *testing.B) {
	nodes := []*workflowv1.Node{triggerNode()}
	for _, n := range allStepsGraph().GetNodes()[1:] {
		if len(OutputPorts(n)) > 0 {
			nodes = append(nodes, n)
		}
	}
	for i := 0; len(nodes) < 49; i++ {
		if i%2 == 0 {
			nodes = append(nodes, messageNode("pad"+strings.Repeat("m", i+1)))
		} else {
			nodes = append(nodes, validNode("pad"+strings.Repeat("d", i+1), "decision"))
		}
	}
	g := chainGraph(nodes...) // adds the End node: 50
	if len(g.GetNodes()) != 50 {
		b.Fatalf("graph has %d nodes", len(g.GetNodes()))
	}
	if ps := Validate(g, ValidateOptions{AIConfigured: true}); len(ps) != 0 {
		b.Fatalf("benchmark graph is not valid:%s", describeProblems(ps))
	}
	b.ReportAllocs()
	for b.Loop() {
		Validate(g, ValidateOptions{AIConfigured: true})
	}
}

func BenchmarkParseTemplate(b *testing.B) {
	s := "Hi {{ visitor.name }}, your order {{ order_id }} on the {{plan}} plan ships on {{ ship_date }}. " +
		"Reply here if anything looks wrong — we usually answer within {{ sla_hours }} hours."
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTemplate(s); err != nil {
			b.Fatal(err)
		}
	}
}
