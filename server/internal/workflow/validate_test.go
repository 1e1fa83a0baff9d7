package workflow

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

const (
	validOperatorID = "operator_1b4e28ba-2fa1-11d2-883f-0016d3cca427"
	validPersonaID  = "persona_6ba7b810-9dad-11d1-80b4-00c04fd430c8"
)

var aiOn = ValidateOptions{AIConfigured: true}

// validTriggers holds a valid config for every trigger kind, with the
// optional settings filled in so they are checked too.
var validTriggers = map[protoreflect.Name]func() proto.Message{
	"new_conversation": func() proto.Message { return &workflowv1.NewConversationTrigger{} },
	"new_session":      func() proto.Message { return &workflowv1.NewSessionTrigger{} },
	"message_received": func() proto.Message {
		return &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Value: `^order\s+\d+$`,
		}}
	},
	"button_answered":       func() proto.Message { return &workflowv1.ButtonAnsweredTrigger{Value: "yes"} },
	"input_answered":        func() proto.Message { return &workflowv1.InputAnsweredTrigger{} },
	"ai_agent_assigned":     func() proto.Message { return &workflowv1.AiAgentAssignedTrigger{PersonaId: validPersonaID} },
	"human_agent_assigned":  func() proto.Message { return &workflowv1.HumanAgentAssignedTrigger{OperatorId: validOperatorID} },
	"conversation_opened":   func() proto.Message { return &workflowv1.ConversationOpenedTrigger{} },
	"conversation_resolved": func() proto.Message { return &workflowv1.ConversationResolvedTrigger{} },
	"conversation_starred":  func() proto.Message { return &workflowv1.ConversationStarredTrigger{} },
	"label_added":           func() proto.Message { return &workflowv1.LabelAddedTrigger{Labels: []string{"vip"}} },
	"label_removed":         func() proto.Message { return &workflowv1.LabelRemovedTrigger{Labels: []string{"vip"}} },
	"segment_updated":       func() proto.Message { return &workflowv1.SegmentUpdatedTrigger{Segments: []string{"customers"}} },
	"custom_data_updated":   func() proto.Message { return &workflowv1.CustomDataUpdatedTrigger{Key: "plan"} },
	"lead_created":          func() proto.Message { return &workflowv1.LeadCreatedTrigger{} },
	"lead_stage_changed":    func() proto.Message { return &workflowv1.LeadStageChangedTrigger{Stage: "won"} },
	"programmatic":          func() proto.Message { return &workflowv1.ProgrammaticTrigger{} },
}

// validSteps holds a valid config for every non-trigger kind. Settings are
// filled in generously (templates, regexps, numbers) so the valid path of
// each check runs.
var validSteps = map[protoreflect.Name]func() proto.Message{
	"send_message": func() proto.Message {
		return &workflowv1.SendMessageAction{Text: "Hello {{ visitor.name }}, your {{plan}} plan is {{ status-1 }}."}
	},
	"button_picker": func() proto.Message {
		return &workflowv1.ButtonPickerAction{Text: "Did that help, {{ visitor.name }}?", Variable: "helped", Buttons: []*sessionv1.Button{
			{Label: "Yes {{ emoji }}", Value: "yes"}, {Label: "No", Value: "no"},
		}}
	},
	"field_input": func() proto.Message {
		return &workflowv1.FieldInputAction{Text: "Your email?", Kind: sessionv1.InputKind_INPUT_KIND_EMAIL, Placeholder: "you@example.com", Variable: "email"}
	},
	"private_note": func() proto.Message { return &workflowv1.PrivateNoteAction{Text: "VIP on {{ plan }}"} },
	"set_data": func() proto.Message {
		return &workflowv1.SetDataAction{Key: "order_count", Value: "3", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION, ValueType: workflowv1.ValueType_VALUE_TYPE_NUMBER}
	},
	"add_label":      func() proto.Message { return &workflowv1.AddLabelAction{Labels: []string{"vip", "billing"}} },
	"remove_label":   func() proto.Message { return &workflowv1.RemoveLabelAction{Labels: []string{"new"}} },
	"add_segment":    func() proto.Message { return &workflowv1.AddSegmentAction{Segments: []string{"customers"}} },
	"remove_segment": func() proto.Message { return &workflowv1.RemoveSegmentAction{Segments: []string{"leads"}} },
	"assign_user": func() proto.Message {
		return &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC, OperatorId: validOperatorID}
	},
	"assign_ai": func() proto.Message { return &workflowv1.AssignAiAction{PersonaId: validPersonaID} },
	"start_agent": func() proto.Message {
		return &workflowv1.StartAgentAction{Instruction: "Help {{ visitor.name }} track order {{ order_id }}."}
	},
	"pause_agent":          func() proto.Message { return &workflowv1.PauseAgentAction{} },
	"open_conversation":    func() proto.Message { return &workflowv1.OpenConversationAction{} },
	"resolve_conversation": func() proto.Message { return &workflowv1.ResolveConversationAction{} },
	"star_conversation":    func() proto.Message { return &workflowv1.StarConversationAction{} },
	"unstar_conversation":  func() proto.Message { return &workflowv1.UnstarConversationAction{} },
	"change_lead_stage": func() proto.Message {
		return &workflowv1.ChangeLeadStageAction{Stage: "qualified", ExpectedAmountMinor: 150000}
	},
	"send_notification": func() proto.Message {
		return &workflowv1.SendNotificationAction{OperatorIds: []string{validOperatorID}, Title: "VIP {{ visitor.name }}", Body: "Plan: {{ plan }}", Email: true}
	},
	"send_webhook": func() proto.Message {
		return &workflowv1.SendWebhookAction{
			Url:     "https://hooks.example.com/parley/{{ session_id }}",
			Headers: []*workflowv1.Header{{Name: "X-Api-Key", Value: "{{ api_key }}"}},
			Body:    `{"order": {"id": "{{ order_id }}", "plan": {"name": "{{ plan }}"}}}`,
		}
	},
	"ai_extraction": func() proto.Message {
		return &workflowv1.AiExtractionAction{Labels: []string{"billing", "bug"}, SentimentVariable: "sentiment", Fields: []*workflowv1.ExtractionField{
			{Key: "order_id", Description: "The order number", Type: workflowv1.ValueType_VALUE_TYPE_STRING},
		}}
	},
	"custom_skill": func() proto.Message {
		return &workflowv1.CustomSkillAction{
			Name: "lookup_order", Description: "Finds an order", Url: "https://api.example.com/skills/order",
			InputSchema:    `{"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}`,
			OutputVariable: "order",
		}
	},
	"decision": func() proto.Message {
		return &workflowv1.DecisionNode{Match: workflowv1.Match_MATCH_ALL, Conditions: []*workflowv1.Condition{
			{Field: workflowv1.ConditionField_CONDITION_FIELD_CHANNEL, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{"whatsapp"}},
			{Field: workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA, Key: "plan", Operator: workflowv1.Operator_OPERATOR_IS_SET},
			{Field: workflowv1.ConditionField_CONDITION_FIELD_VARIABLE, Key: "order.total", Operator: workflowv1.Operator_OPERATOR_GREATER_THAN, Values: []string{"99.5"}},
			{Field: workflowv1.ConditionField_CONDITION_FIELD_LEAD_AMOUNT, Operator: workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL, Values: []string{"{{ budget }}"}},
			{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Values: []string{`(?i)\burgent\b`}},
			{Field: workflowv1.ConditionField_CONDITION_FIELD_LABELS, Operator: workflowv1.Operator_OPERATOR_CONTAINS_ANY, Values: []string{"vip", "{{ label }}"}},
		}}
	},
	"delay": func() proto.Message {
		return &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 365, Unit: workflowv1.TimeUnit_TIME_UNIT_DAYS}}
	},
	"wait_for_event": func() proto.Message {
		return &workflowv1.WaitForEventNode{Event: workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE, Variable: "reply",
			Timeout: &workflowv1.Duration{Amount: 30, Unit: workflowv1.TimeUnit_TIME_UNIT_MINUTES}}
	},
	"stop_workflow": func() proto.Message {
		return &workflowv1.StopWorkflowNode{Cooldown: &workflowv1.Duration{Amount: 2, Unit: workflowv1.TimeUnit_TIME_UNIT_HOURS}}
	},
	"end": func() proto.Message { return &workflowv1.EndNode{} },
	"fetch_api": func() proto.Message {
		return &workflowv1.FetchApiNode{
			Method: workflowv1.HttpMethod_HTTP_METHOD_POST, Url: "https://api.example.com/orders/{{ order_id }}?lang={{ lang }}",
			Headers: []*workflowv1.Header{{Name: "Authorization", Value: "Bearer {{ token }}"}},
			Body:    `{"query": {"id": "{{ order_id }}"}}`, TimeoutMs: 5000, MaxRetries: 2, ResponseVariable: "resp",
			Mappings: []*workflowv1.ResponseMapping{{Path: "data.customer.plan", Variable: "plan"}},
		}
	},
}

// configFields lists the fields of Node's config oneof, in proto order.
func nodeConfigFields() []protoreflect.FieldDescriptor {
	fields := (&workflowv1.Node{}).ProtoReflect().Descriptor().Oneofs().ByName("config").Fields()
	out := make([]protoreflect.FieldDescriptor, fields.Len())
	for i := range out {
		out[i] = fields.Get(i)
	}
	return out
}

// mk returns a node with id whose config is cfg, placed in the oneof field
// of cfg's type.
func newNode(id string, cfg proto.Message) *workflowv1.Node {
	n := &workflowv1.Node{Id: id}
	want := cfg.ProtoReflect().Descriptor().FullName()
	for _, fd := range nodeConfigFields() {
		if fd.Message().FullName() == want {
			n.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(cfg.ProtoReflect()))
			return n
		}
	}
	panic(fmt.Sprintf("%s is not a node config", want))
}

// mkKind returns a node of kind with its valid config.
func validNode(id string, kind protoreflect.Name) *workflowv1.Node {
	if f, ok := validTriggers[kind]; ok {
		return newNode(id, f())
	}
	return newNode(id, validSteps[kind]())
}

func newEdge(from, port, to string) *workflowv1.Edge {
	return &workflowv1.Edge{FromNode: from, FromPort: port, ToNode: to}
}

func triggerNode() *workflowv1.Node { return newNode("t", &workflowv1.NewConversationTrigger{}) }
func endNode() *workflowv1.Node     { return newNode("end", &workflowv1.EndNode{}) }
func messageNode(id string) *workflowv1.Node {
	return newNode(id, &workflowv1.SendMessageAction{Text: "Hi"})
}

// around returns trigger -> step -> End, with every other required port of
// step wired to End too: the graph is valid exactly when step's config is.
func graphAround(step *workflowv1.Node) *workflowv1.Graph {
	return graphAroundTrigger(triggerNode(), step)
}

func graphAroundTrigger(t, step *workflowv1.Node) *workflowv1.Graph {
	g := &workflowv1.Graph{Nodes: []*workflowv1.Node{t, step, endNode()}, Edges: []*workflowv1.Edge{newEdge(t.GetId(), "", step.GetId())}}
	for _, p := range OutputPorts(step) {
		if p.Required {
			g.Edges = append(g.Edges, newEdge(step.GetId(), p.Name, "end"))
		}
	}
	return g
}

// chain returns the nodes wired in order: each node's first required port
// leads to the next node and its other required ports to an End node, added
// when some port needs it.
func chainGraph(nodes ...*workflowv1.Node) *workflowv1.Graph {
	g := &workflowv1.Graph{Nodes: slices.Clone(nodes)}
	for i, n := range nodes {
		next := "end"
		if i+1 < len(nodes) {
			next = nodes[i+1].GetId()
		}
		for j, p := range requiredPortNames(n) {
			to := "end"
			if j == 0 {
				to = next
			}
			g.Edges = append(g.Edges, newEdge(n.GetId(), p, to))
		}
	}
	if slices.ContainsFunc(g.Edges, func(e *workflowv1.Edge) bool { return e.GetToNode() == "end" }) {
		g.Nodes = append(g.Nodes, endNode())
	}
	return g
}

func requiredPortNames(n *workflowv1.Node) []string {
	var out []string
	for _, p := range OutputPorts(n) {
		if p.Required {
			out = append(out, p.Name)
		}
	}
	return out
}

// allStepsGraph is one valid graph holding every non-trigger kind once.
func allStepsGraph() *workflowv1.Graph {
	nodes := []*workflowv1.Node{triggerNode()}
	var last *workflowv1.Node
	for _, fd := range nodeConfigFields() {
		kind := fd.Name()
		if _, isTrigger := validTriggers[kind]; isTrigger || kind == "end" {
			continue
		}
		n := validNode(string(kind), kind)
		if len(OutputPorts(n)) == 0 {
			last = n // a terminal kind must close the chain
			continue
		}
		nodes = append(nodes, n)
	}
	return chainGraph(append(nodes, last)...)
}

// problemKey is what the rule tests compare: code, node and field.
type problemKey struct {
	Code, Node, Field string
}

func problemKeys(ps []*workflowv1.Problem) []problemKey {
	out := make([]problemKey, len(ps))
	for i, p := range ps {
		out[i] = problemKey{p.GetCode(), p.GetNodeId(), p.GetField()}
	}
	return out
}

func sortedProblemKeys(ps []*workflowv1.Problem) []problemKey {
	out := problemKeys(ps)
	slices.SortFunc(out, func(a, b problemKey) int {
		return strings.Compare(a.Code+"\x00"+a.Node+"\x00"+a.Field, b.Code+"\x00"+b.Node+"\x00"+b.Field)
	})
	return out
}

func describeProblems(ps []*workflowv1.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %s %s node=%q field=%q: %s", p.GetSeverity(), p.GetCode(), p.GetNodeId(), p.GetField(), p.GetMessage())
	}
	return b.String()
}

// TestEveryKindCovered fails when the proto gains a node kind that the
// valid-config catalogs (and so the valid-graph tests) do not cover.
func TestEveryKindCovered(t *testing.T) {
	for _, fd := range nodeConfigFields() {
		_, trig := validTriggers[fd.Name()]
		_, step := validSteps[fd.Name()]
		if trig == step {
			t.Errorf("node kind %q: add exactly one valid config for it to validTriggers or validSteps", fd.Name())
		}
		if _, isTrigger := triggerKinds[fd.Name()]; isTrigger != trig {
			t.Errorf("node kind %q: trigger in graph.go is %v but in the test catalog %v", fd.Name(), isTrigger, trig)
		}
	}
	if n := len(validTriggers) + len(validSteps); n != len(nodeConfigFields()) {
		t.Errorf("catalogs hold %d kinds, the proto %d: remove stale entries", n, len(nodeConfigFields()))
	}
}

func TestValidateValidGraphs(t *testing.T) {
	t.Run("every step kind", func(t *testing.T) {
		g := allStepsGraph()
		seen := map[protoreflect.Name]bool{}
		for _, n := range g.GetNodes() {
			seen[NodeKind(n)] = true
		}
		for kind := range validSteps {
			if !seen[kind] {
				t.Errorf("the all-steps graph lacks %q", kind)
			}
		}
		if ps := Validate(g, aiOn); len(ps) != 0 {
			t.Errorf("want no problems, got:%s", describeProblems(ps))
		}
	})
	for _, fd := range nodeConfigFields() {
		kind := fd.Name()
		if _, ok := validTriggers[kind]; !ok {
			continue
		}
		t.Run("trigger "+string(kind), func(t *testing.T) {
			g := chainGraph(validNode("t", kind), messageNode("m"))
			if ps := Validate(g, ValidateOptions{}); len(ps) != 0 {
				t.Errorf("want no problems, got:%s", describeProblems(ps))
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	type tc struct {
		name string
		g    *workflowv1.Graph
		opts ValidateOptions
		want []problemKey
	}
	assignSpecific := func(s string) *workflowv1.Node {
		return newNode("a", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC, OperatorId: s})
	}
	cond := func(c *workflowv1.Condition) *workflowv1.Node {
		return newNode("d", &workflowv1.DecisionNode{Match: workflowv1.Match_MATCH_ANY, Conditions: []*workflowv1.Condition{
			{Field: workflowv1.ConditionField_CONDITION_FIELD_STARRED, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{"true"}}, c,
		}})
	}
	dur := func(amount int32, unit workflowv1.TimeUnit) *workflowv1.Duration {
		return &workflowv1.Duration{Amount: amount, Unit: unit}
	}
	buttons := func(values ...string) []*sessionv1.Button {
		var out []*sessionv1.Button
		for _, v := range values {
			out = append(out, &sessionv1.Button{Label: "L " + v, Value: v})
		}
		return out
	}
	webhook := func(url string) *workflowv1.Node { return newNode("w", &workflowv1.SendWebhookAction{Url: url}) }
	fetch := func(f func(*workflowv1.FetchApiNode)) *workflowv1.Node {
		a := validSteps["fetch_api"]().(*workflowv1.FetchApiNode)
		f(a)
		return newNode("f", a)
	}
	skill := func(f func(*workflowv1.CustomSkillAction)) *workflowv1.Node {
		a := validSteps["custom_skill"]().(*workflowv1.CustomSkillAction)
		f(a)
		return newNode("s", a)
	}
	with := func(g *workflowv1.Graph, f func(*workflowv1.Graph)) *workflowv1.Graph { f(g); return g }
	p := func(code, node, field string) problemKey { return problemKey{code, node, field} }

	cases := []tc{
		// Graph structure.
		{name: "no trigger", g: chainGraph(messageNode("m")), want: []problemKey{p(CodeTriggerMissing, "", "")}},
		{name: "empty graph", g: &workflowv1.Graph{}, want: []problemKey{p(CodeTriggerMissing, "", "")}},
		{name: "nil graph", g: nil, want: []problemKey{p(CodeTriggerMissing, "", "")}},
		{name: "two triggers", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, newNode("t2", &workflowv1.ProgrammaticTrigger{}))
			g.Edges = append(g.Edges, newEdge("t2", "", "m"))
		}), want: []problemKey{p(CodeTriggerMultiple, "t2", "")}},
		{name: "duplicate id", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, messageNode("m"))
		}), want: []problemKey{p(CodeNodeDuplicateID, "m", "id")}},
		{name: "invalid id", g: chainGraph(triggerNode(), messageNode("no spaces")), want: []problemKey{p(CodeNodeIDInvalid, "no spaces", "id")}},
		{name: "node without kind", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, &workflowv1.Node{Id: "x"})
			g.Edges = append(g.Edges, newEdge("m", "", "x"), newEdge("x", "", "end"))
		}), want: []problemKey{p(CodeEdgePortFanout, "m", "from_port"), p(CodeNodeKindMissing, "x", "")}},
		{name: "edge from unknown node", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("ghost", "", "m"))
		}), want: []problemKey{p(CodeEdgeUnknownNode, "m", "from_node")}},
		{name: "edge to unknown node", g: with(chainGraph(triggerNode(), validNode("w", "send_webhook")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("w", "error", "ghost"))
		}), want: []problemKey{p(CodeEdgeUnknownNode, "w", "to_node")}},
		{name: "edge between unknown nodes", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("a", "", "b"))
		}), want: []problemKey{p(CodeEdgeUnknownNode, "", "from_node"), p(CodeEdgeUnknownNode, "", "to_node")}},
		{name: "required port wired to unknown node", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode()}, Edges: []*workflowv1.Edge{newEdge("t", "next", "ghost")},
		}, want: []problemKey{p(CodeEdgeUnknownNode, "t", "to_node")}},
		{name: "unknown port", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("m", "true", "end"))
		}), want: []problemKey{p(CodeEdgeUnknownPort, "m", "from_port")}},
		{name: "edge out of End", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("end", "", "m"))
		}), want: []problemKey{p(CodeEdgeUnknownPort, "end", "from_port")}},
		{name: "unknown button port", g: with(graphAround(newNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("yes")})), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("b", "button:yes", "end"), newEdge("b", "button:maybe", "end"))
		}), want: []problemKey{p(CodeEdgeUnknownPort, "b", "from_port")}},
		{name: "duplicate edge", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("m", "next", "end"))
		}), want: []problemKey{p(CodeEdgeDuplicate, "m", "")}},
		{name: "port fan-out", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, newNode("end2", &workflowv1.EndNode{}))
			g.Edges = append(g.Edges, newEdge("m", "", "end2"))
		}), want: []problemKey{p(CodeEdgePortFanout, "m", "from_port")}},
		{name: "edge into trigger", g: with(chainGraph(triggerNode(), validNode("w", "send_webhook")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, newEdge("w", "error", "t"))
		}), want: []problemKey{p(CodeEdgeToTrigger, "w", "to_node")}},
		{name: "unreachable", g: with(chainGraph(triggerNode(), messageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, messageNode("orphan"))
			g.Edges = append(g.Edges, newEdge("orphan", "", "end"))
		}), want: []problemKey{p(CodeNodeUnreachable, "orphan", "")}},
		{name: "next unwired", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), messageNode("m")}, Edges: []*workflowv1.Edge{newEdge("t", "", "m")},
		}, want: []problemKey{p(CodePortUnwired, "m", "port:next")}},
		{name: "trigger alone", g: &workflowv1.Graph{Nodes: []*workflowv1.Node{triggerNode()}},
			want: []problemKey{p(CodePortUnwired, "t", "port:next")}},
		{name: "decision false unwired", g: with(graphAround(validNode("d", "decision")), func(g *workflowv1.Graph) {
			g.Edges = slices.DeleteFunc(g.Edges, func(e *workflowv1.Edge) bool { return e.GetFromPort() == "false" })
		}), want: []problemKey{p(CodePortUnwired, "d", "port:false")}},
		{name: "wait timeout unwired", g: with(graphAround(validNode("w", "wait_for_event")), func(g *workflowv1.Graph) {
			g.Edges = slices.DeleteFunc(g.Edges, func(e *workflowv1.Edge) bool { return e.GetFromPort() == "timeout" })
		}), want: []problemKey{p(CodePortUnwired, "w", "port:timeout")}},
		{name: "optional error port unwired", g: graphAround(validNode("f", "fetch_api")), want: nil},
		{name: "button picker with every button wired needs no next", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), newNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("yes", "no")}), endNode()},
			Edges: []*workflowv1.Edge{newEdge("t", "", "b"), newEdge("b", "button:yes", "end"), newEdge("b", "button:no", "end")},
		}, want: nil},
		{name: "button picker with one button unwired needs next", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), newNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("yes", "no")}), endNode()},
			Edges: []*workflowv1.Edge{newEdge("t", "", "b"), newEdge("b", "button:yes", "end")},
		}, want: []problemKey{p(CodePortUnwired, "b", "port:next")}},

		// Cycles.
		{name: "cycle without wait", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), messageNode("a"), messageNode("b")},
			Edges: []*workflowv1.Edge{newEdge("t", "", "a"), newEdge("a", "", "b"), newEdge("b", "", "a")},
		}, want: []problemKey{p(CodeGraphCycleWithoutWait, "a", "")}},
		{name: "self loop", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), messageNode("a")},
			Edges: []*workflowv1.Edge{newEdge("t", "", "a"), newEdge("a", "", "a")},
		}, want: []problemKey{p(CodeGraphCycleWithoutWait, "a", "")}},
		{name: "cycle through a decision", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), validNode("d", "decision"), messageNode("a"), endNode()},
			Edges: []*workflowv1.Edge{newEdge("t", "", "d"), newEdge("d", "true", "a"), newEdge("a", "", "d"), newEdge("d", "false", "end")},
		}, want: []problemKey{p(CodeGraphCycleWithoutWait, "d", "")}},
		{name: "cycle through a delay is a retry loop", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), validNode("d", "decision"), validNode("wait", "delay"), endNode()},
			Edges: []*workflowv1.Edge{newEdge("t", "", "d"), newEdge("d", "true", "wait"), newEdge("wait", "", "d"), newEdge("d", "false", "end")},
		}, want: nil},
		{name: "button picker loops back to itself", g: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{triggerNode(), newNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("again", "done")}), endNode()},
			Edges: []*workflowv1.Edge{newEdge("t", "", "b"), newEdge("b", "button:again", "b"), newEdge("b", "", "end")},
		}, want: nil},

		// Trigger settings.
		{name: "message match operator outside the text subset", g: graphAroundTrigger(newNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_GREATER_THAN, Value: "3"}}), messageNode("m")),
			want: []problemKey{p(CodeConfigInvalid, "t", "match.operator")}},
		{name: "message match without operator", g: graphAroundTrigger(newNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{Value: "hi"}}), messageNode("m")),
			want: []problemKey{p(CodeConfigRequired, "t", "match.operator")}},
		{name: "message match bad regex", g: graphAroundTrigger(newNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Value: "order (\\d+"}}), messageNode("m")),
			want: []problemKey{p(CodeConfigRegex, "t", "match.value")}},
		{name: "message match without value", g: graphAroundTrigger(newNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_CONTAINS}}), messageNode("m")),
			want: []problemKey{p(CodeConfigRequired, "t", "match.value")}},
		{name: "human agent trigger with malformed operator", g: graphAroundTrigger(newNode("t", &workflowv1.HumanAgentAssignedTrigger{OperatorId: "bob"}), messageNode("m")),
			want: []problemKey{p(CodeConfigID, "t", "operator_id")}},
		{name: "custom data trigger with malformed key", g: graphAroundTrigger(newNode("t", &workflowv1.CustomDataUpdatedTrigger{Key: "my key"}), messageNode("m")),
			want: []problemKey{p(CodeConfigName, "t", "key")}},

		// Action settings.
		{name: "message without text", g: graphAround(newNode("m", &workflowv1.SendMessageAction{Text: " \n"})), want: []problemKey{p(CodeConfigRequired, "m", "text")}},
		{name: "message with broken tag", g: graphAround(newNode("m", &workflowv1.SendMessageAction{Text: "Hi {{ name"})), want: []problemKey{p(CodeConfigTemplate, "m", "text")}},
		{name: "note without text", g: graphAround(newNode("m", &workflowv1.PrivateNoteAction{})), want: []problemKey{p(CodeConfigRequired, "m", "text")}},
		{name: "button picker without buttons", g: graphAround(newNode("b", &workflowv1.ButtonPickerAction{Text: "?"})), want: []problemKey{p(CodeConfigRequired, "b", "buttons")}},
		{name: "button picker with 21 buttons", g: graphAround(newNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons(
			"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21")})),
			want: []problemKey{p(CodeConfigCount, "b", "buttons")}},
		{name: "button picker button settings", g: graphAround(newNode("b", &workflowv1.ButtonPickerAction{Text: "{{ q }}", Variable: "1st", Buttons: []*sessionv1.Button{
			{Label: "Yes", Value: "yes"}, {Label: "Yes again", Value: "yes"}, {Label: "", Value: "x"}, {Label: "{{ }}", Value: ""},
		}})), want: []problemKey{
			p(CodeConfigDuplicate, "b", "buttons[1].value"), p(CodeConfigRequired, "b", "buttons[2].label"),
			p(CodeConfigTemplate, "b", "buttons[3].label"), p(CodeConfigRequired, "b", "buttons[3].value"), p(CodeConfigName, "b", "variable"),
		}},
		{name: "field input without variable", g: graphAround(newNode("i", &workflowv1.FieldInputAction{Text: "Email?"})), want: []problemKey{p(CodeConfigRequired, "i", "variable")}},
		{name: "field input bad variable and kind", g: graphAround(newNode("i", &workflowv1.FieldInputAction{Text: "Email?", Variable: "e mail", Kind: 42})),
			want: []problemKey{p(CodeConfigName, "i", "variable"), p(CodeConfigInvalid, "i", "kind")}},
		{name: "set data without key and scope", g: graphAround(newNode("s", &workflowv1.SetDataAction{Value: "x"})),
			want: []problemKey{p(CodeConfigRequired, "s", "key"), p(CodeConfigRequired, "s", "scope")}},
		{name: "set data number that is not", g: graphAround(newNode("s", &workflowv1.SetDataAction{Key: "n", Value: "ten", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: workflowv1.ValueType_VALUE_TYPE_NUMBER})),
			want: []problemKey{p(CodeConfigNumber, "s", "value")}},
		{name: "set data templated number", g: graphAround(newNode("s", &workflowv1.SetDataAction{Key: "n", Value: "{{ count }}", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: workflowv1.ValueType_VALUE_TYPE_NUMBER})),
			want: nil},
		{name: "set data bool that is not", g: graphAround(newNode("s", &workflowv1.SetDataAction{Key: "b", Value: "yes", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: workflowv1.ValueType_VALUE_TYPE_BOOL})),
			want: []problemKey{p(CodeConfigInvalid, "s", "value")}},
		{name: "add label without labels", g: graphAround(newNode("l", &workflowv1.AddLabelAction{})), want: []problemKey{p(CodeConfigRequired, "l", "labels")}},
		{name: "remove label with a blank label", g: graphAround(newNode("l", &workflowv1.RemoveLabelAction{Labels: []string{"a", " "}})), want: []problemKey{p(CodeConfigRequired, "l", "labels[1]")}},
		{name: "add segment without segments", g: graphAround(newNode("s", &workflowv1.AddSegmentAction{})), want: []problemKey{p(CodeConfigRequired, "s", "segments")}},
		{name: "remove segment without segments", g: graphAround(newNode("s", &workflowv1.RemoveSegmentAction{})), want: []problemKey{p(CodeConfigRequired, "s", "segments")}},
		{name: "assign user without mode", g: graphAround(newNode("a", &workflowv1.AssignUserAction{})), want: []problemKey{p(CodeConfigRequired, "a", "mode")}},
		{name: "assign specific user without operator", g: graphAround(assignSpecific("")), want: []problemKey{p(CodeConfigRequired, "a", "operator_id")}},
		{name: "assign specific user with malformed operator", g: graphAround(assignSpecific("operator_42")), want: []problemKey{p(CodeConfigID, "a", "operator_id")}},
		{name: "assign round robin", g: graphAround(newNode("a", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_ROUND_ROBIN})), want: nil},
		{name: "assign AI without persona", g: graphAround(newNode("a", &workflowv1.AssignAiAction{})), want: []problemKey{p(CodeConfigRequired, "a", "persona_id")}},
		{name: "assign AI with an operator id", g: graphAround(newNode("a", &workflowv1.AssignAiAction{PersonaId: validOperatorID})), want: []problemKey{p(CodeConfigID, "a", "persona_id")}},
		{name: "start agent with broken instruction", g: graphAround(newNode("a", &workflowv1.StartAgentAction{Instruction: "help }} now"})), want: []problemKey{p(CodeConfigTemplate, "a", "instruction")}},
		{name: "lead stage missing", g: graphAround(newNode("l", &workflowv1.ChangeLeadStageAction{ExpectedAmountMinor: -1})),
			want: []problemKey{p(CodeConfigRequired, "l", "stage"), p(CodeConfigRange, "l", "expected_amount_minor")}},
		{name: "notification empty", g: graphAround(newNode("n", &workflowv1.SendNotificationAction{OperatorIds: []string{"x"}})),
			want: []problemKey{p(CodeConfigRequired, "n", "title"), p(CodeConfigID, "n", "operator_ids[0]")}},
		{name: "notification broken body", g: graphAround(newNode("n", &workflowv1.SendNotificationAction{Title: "t", Body: "{{ a b }}"})),
			want: []problemKey{p(CodeConfigTemplate, "n", "body")}},
		{name: "webhook without url", g: graphAround(webhook("")), want: []problemKey{p(CodeConfigRequired, "w", "url")}},
		{name: "webhook ftp url", g: graphAround(webhook("ftp://example.com/x")), want: []problemKey{p(CodeConfigURL, "w", "url")}},
		{name: "webhook url without host", g: graphAround(webhook("https:///x")), want: []problemKey{p(CodeConfigURL, "w", "url")}},
		{name: "webhook url starting with a tag", g: graphAround(webhook("{{ base }}/hook")), want: []problemKey{p(CodeConfigURL, "w", "url")}},
		{name: "webhook url with templated host", g: graphAround(webhook("https://{{ host }}/hook")), want: nil},
		{name: "webhook upper-case scheme", g: graphAround(webhook("HTTPS://example.com")), want: nil},
		{name: "webhook headers and body", g: graphAround(newNode("w", &workflowv1.SendWebhookAction{Url: "https://x.test", Body: `{"a": {{ x`, Headers: []*workflowv1.Header{
			{Name: "bad name", Value: "v"}, {Name: "", Value: "{{"}, {Name: "X-Ok", Value: "a\r\nInjected: 1"},
		}})), want: []problemKey{
			p(CodeConfigInvalid, "w", "headers[0].name"), p(CodeConfigRequired, "w", "headers[1].name"), p(CodeConfigTemplate, "w", "headers[1].value"),
			p(CodeConfigInvalid, "w", "headers[2].value"), p(CodeConfigTemplate, "w", "body"),
		}},
		{name: "fetch without method", g: graphAround(fetch(func(a *workflowv1.FetchApiNode) { a.Method = 0 })), want: []problemKey{p(CodeConfigRequired, "f", "method")}},
		{name: "fetch with unknown method", g: graphAround(fetch(func(a *workflowv1.FetchApiNode) { a.Method = 99 })), want: []problemKey{p(CodeConfigInvalid, "f", "method")}},
		{name: "fetch relative url", g: graphAround(fetch(func(a *workflowv1.FetchApiNode) { a.Url = "api.example.com/x" })), want: []problemKey{p(CodeConfigURL, "f", "url")}},
		{name: "fetch limits and mappings", g: graphAround(fetch(func(a *workflowv1.FetchApiNode) {
			a.TimeoutMs, a.MaxRetries, a.ResponseVariable = 60001, 11, "9lives"
			a.Mappings = append(a.Mappings, &workflowv1.ResponseMapping{})
		})), want: []problemKey{
			p(CodeConfigRange, "f", "timeout_ms"), p(CodeConfigRange, "f", "max_retries"), p(CodeConfigName, "f", "response_variable"),
			p(CodeConfigRequired, "f", "mappings[1].path"), p(CodeConfigRequired, "f", "mappings[1].variable"),
		}},
		{name: "ai extraction with nothing to extract", g: graphAround(newNode("x", &workflowv1.AiExtractionAction{})), opts: aiOn,
			want: []problemKey{p(CodeConfigRequired, "x", "labels")}},
		{name: "ai extraction field without key", g: graphAround(newNode("x", &workflowv1.AiExtractionAction{Fields: []*workflowv1.ExtractionField{{Description: "d"}}})), opts: aiOn,
			want: []problemKey{p(CodeConfigRequired, "x", "fields[0].key")}},
		{name: "ai extraction without provider", g: graphAround(validNode("x", "ai_extraction")), want: []problemKey{p(CodeAIProviderMissing, "x", "")}},
		{name: "custom skill without provider", g: graphAround(validNode("s", "custom_skill")), want: []problemKey{p(CodeAIProviderMissing, "s", "")}},
		{name: "custom skill settings", g: graphAround(skill(func(a *workflowv1.CustomSkillAction) {
			a.Name, a.Url, a.InputSchema, a.OutputVariable = "look up", "", "[1]", "-x"
		})), opts: aiOn, want: []problemKey{
			p(CodeConfigName, "s", "name"), p(CodeConfigRequired, "s", "url"), p(CodeConfigJSON, "s", "input_schema"), p(CodeConfigName, "s", "output_variable"),
		}},
		{name: "custom skill schema of a string", g: graphAround(skill(func(a *workflowv1.CustomSkillAction) { a.InputSchema = `{"type": "string"}` })),
			opts: aiOn, want: []problemKey{p(CodeConfigJSON, "s", "input_schema")}},
		{name: "custom skill without schema", g: graphAround(skill(func(a *workflowv1.CustomSkillAction) { a.InputSchema = "" })),
			opts: aiOn, want: []problemKey{p(CodeConfigRequired, "s", "input_schema")}},
		{name: "custom skill url is not templated", g: graphAround(skill(func(a *workflowv1.CustomSkillAction) { a.Url = "https://x.test/{{ id }}" })),
			opts: aiOn, want: []problemKey{p(CodeConfigURL, "s", "url")}},

		// Decisions.
		{name: "decision without match and conditions", g: graphAround(newNode("d", &workflowv1.DecisionNode{})),
			want: []problemKey{p(CodeConfigRequired, "d", "match"), p(CodeConfigRequired, "d", "conditions")}},
		{name: "condition without field and operator", g: graphAround(cond(&workflowv1.Condition{Values: []string{"x"}})),
			want: []problemKey{p(CodeConfigRequired, "d", "conditions[1].field"), p(CodeConfigRequired, "d", "conditions[1].operator")}},
		{name: "custom data condition without key", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA, Operator: workflowv1.Operator_OPERATOR_IS_SET})),
			want: []problemKey{p(CodeConfigRequired, "d", "conditions[1].key")}},
		{name: "variable condition with malformed key", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_VARIABLE, Key: "a b", Operator: workflowv1.Operator_OPERATOR_IS_NOT_SET})),
			want: []problemKey{p(CodeConfigName, "d", "conditions[1].key")}},
		{name: "equals without value", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS})),
			want: []problemKey{p(CodeConfigRequired, "d", "conditions[1].values")}},
		{name: "equals with blank value", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{""}})),
			want: []problemKey{p(CodeConfigRequired, "d", "conditions[1].values[0]")}},
		{name: "equals with two values", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{"open", "resolved"}})),
			want: []problemKey{p(CodeConfigCount, "d", "conditions[1].values")}},
		{name: "is set with a value", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_ASSIGNEE, Operator: workflowv1.Operator_OPERATOR_IS_SET, Values: []string{"x"}})),
			want: []problemKey{p(CodeConfigCount, "d", "conditions[1].values")}},
		{name: "contains all without values", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_LABELS, Operator: workflowv1.Operator_OPERATOR_CONTAINS_ALL})),
			want: []problemKey{p(CodeConfigRequired, "d", "conditions[1].values")}},
		{name: "contains none with a blank value", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_SEGMENTS, Operator: workflowv1.Operator_OPERATOR_CONTAINS_NONE, Values: []string{"a", ""}})),
			want: []problemKey{p(CodeConfigRequired, "d", "conditions[1].values[1]")}},
		{name: "greater than a word", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_COUNT, Operator: workflowv1.Operator_OPERATOR_GREATER_THAN, Values: []string{"ten"}})),
			want: []problemKey{p(CodeConfigNumber, "d", "conditions[1].values[0]")}},
		{name: "less than a tag", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_TIME_SINCE_LAST_MESSAGE, Operator: workflowv1.Operator_OPERATOR_LESS_THAN, Values: []string{"{{ limit }}"}})),
			want: nil},
		{name: "regex that does not compile", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Values: []string{"a(b"}})),
			want: []problemKey{p(CodeConfigRegex, "d", "conditions[1].values[0]")}},
		{name: "condition value with broken tag", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, Operator: workflowv1.Operator_OPERATOR_CONTAINS, Values: []string{"{{ 1x }}"}})),
			want: []problemKey{p(CodeConfigTemplate, "d", "conditions[1].values[0]")}},
		{name: "condition with unknown operator", g: graphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: 77, Values: []string{"open"}})),
			want: []problemKey{p(CodeConfigInvalid, "d", "conditions[1].operator")}},

		// Durations.
		{name: "delay without duration", g: graphAround(newNode("w", &workflowv1.DelayNode{})), want: []problemKey{p(CodeConfigDuration, "w", "duration")}},
		{name: "delay of zero", g: graphAround(newNode("w", &workflowv1.DelayNode{Duration: dur(0, workflowv1.TimeUnit_TIME_UNIT_MINUTES)})), want: []problemKey{p(CodeConfigDuration, "w", "duration.amount")}},
		{name: "delay without unit", g: graphAround(newNode("w", &workflowv1.DelayNode{Duration: dur(5, 0)})), want: []problemKey{p(CodeConfigDuration, "w", "duration.unit")}},
		{name: "delay of 366 days", g: graphAround(newNode("w", &workflowv1.DelayNode{Duration: dur(366, workflowv1.TimeUnit_TIME_UNIT_DAYS)})), want: []problemKey{p(CodeConfigDuration, "w", "duration")}},
		{name: "delay of 8761 hours", g: graphAround(newNode("w", &workflowv1.DelayNode{Duration: dur(8761, workflowv1.TimeUnit_TIME_UNIT_HOURS)})), want: []problemKey{p(CodeConfigDuration, "w", "duration")}},
		{name: "wait without event and timeout", g: graphAround(newNode("w", &workflowv1.WaitForEventNode{Variable: "x y"})),
			want: []problemKey{p(CodeConfigRequired, "w", "event"), p(CodeConfigDuration, "w", "timeout"), p(CodeConfigName, "w", "variable")}},
		{name: "stop without cooldown", g: chainGraph(triggerNode(), newNode("s", &workflowv1.StopWorkflowNode{})), want: nil},
		{name: "stop with zero cooldown and no unit", g: chainGraph(triggerNode(), newNode("s", &workflowv1.StopWorkflowNode{Cooldown: dur(0, 0)})), want: nil},
		{name: "stop cooldown without unit", g: chainGraph(triggerNode(), newNode("s", &workflowv1.StopWorkflowNode{Cooldown: dur(5, 0)})),
			want: []problemKey{p(CodeConfigDuration, "s", "cooldown.unit")}},
		{name: "stop negative cooldown", g: chainGraph(triggerNode(), newNode("s", &workflowv1.StopWorkflowNode{Cooldown: dur(-1, workflowv1.TimeUnit_TIME_UNIT_DAYS)})),
			want: []problemKey{p(CodeConfigDuration, "s", "cooldown.amount")}},

		// Loop prevention details beyond the table test.
		{name: "custom data trigger and variable scope", g: graphAroundTrigger(validNode("t", "custom_data_updated"),
			newNode("s", &workflowv1.SetDataAction{Key: "plan", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE})), want: nil},
		{name: "custom data trigger and another key", g: graphAroundTrigger(validNode("t", "custom_data_updated"),
			newNode("s", &workflowv1.SetDataAction{Key: "other", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION})), want: nil},
		{name: "custom data trigger and the same key", g: graphAroundTrigger(validNode("t", "custom_data_updated"),
			newNode("s", &workflowv1.SetDataAction{Key: "plan", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION})),
			want: []problemKey{p(CodeLoopTriggerAction, "s", "key")}},
		{name: "any-key custom data trigger", g: graphAroundTrigger(newNode("t", &workflowv1.CustomDataUpdatedTrigger{}),
			newNode("s", &workflowv1.SetDataAction{Key: "other", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION})),
			want: []problemKey{p(CodeLoopTriggerAction, "s", "key")}},
		{name: "custom data trigger and AI extraction of that key", g: graphAroundTrigger(newNode("t", &workflowv1.CustomDataUpdatedTrigger{Key: "order_id"}), validNode("x", "ai_extraction")),
			opts: aiOn, want: []problemKey{p(CodeLoopTriggerAction, "x", "fields[0].key")}},
		{name: "label trigger and AI extraction of labels", g: graphAroundTrigger(validNode("t", "label_added"), validNode("x", "ai_extraction")),
			opts: aiOn, want: []problemKey{p(CodeLoopTriggerAction, "x", "labels")}},
		{name: "label trigger and AI extraction of sentiment only", g: graphAroundTrigger(validNode("t", "label_added"), newNode("x", &workflowv1.AiExtractionAction{SentimentVariable: "s"})),
			opts: aiOn, want: nil},
		{name: "label added trigger may remove labels", g: graphAroundTrigger(validNode("t", "label_added"), validNode("x", "remove_label")), want: nil},
		{name: "message trigger may send messages", g: graphAroundTrigger(validNode("t", "message_received"), validNode("x", "send_message")), want: nil},

		// Programmatic start.
		{name: "programmatic start waits for a message", g: graphAroundTrigger(newNode("t", &workflowv1.ProgrammaticTrigger{}), validNode("w", "wait_for_event")),
			want: []problemKey{p(CodeProgrammaticWaitsFirst, "w", "event")}},
		{name: "programmatic start waits for a button", g: graphAroundTrigger(newNode("t", &workflowv1.ProgrammaticTrigger{}), newNode("w", &workflowv1.WaitForEventNode{
			Event: workflowv1.WaitEvent_WAIT_EVENT_BUTTON_CLICK, Timeout: dur(1, workflowv1.TimeUnit_TIME_UNIT_HOURS)})), want: nil},
		{name: "programmatic start with a message first", g: chainGraph(newNode("t", &workflowv1.ProgrammaticTrigger{}), messageNode("m"), validNode("w", "wait_for_event")), want: nil},
		{name: "new conversation may wait for a message first", g: graphAround(validNode("w", "wait_for_event")), want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Validate(c.g, c.opts)
			want := slices.Clone(c.want)
			slices.SortFunc(want, func(a, b problemKey) int {
				return strings.Compare(a.Code+"\x00"+a.Node+"\x00"+a.Field, b.Code+"\x00"+b.Node+"\x00"+b.Field)
			})
			if !slices.Equal(sortedProblemKeys(got), want) {
				t.Errorf("want %v, got:%s", want, describeProblems(got))
			}
			for _, p := range got {
				if p.GetMessage() == "" || p.GetSeverity() == workflowv1.Severity_SEVERITY_UNSPECIFIED {
					t.Errorf("problem %s lacks a message or severity", p.GetCode())
				}
				if strings.HasPrefix(p.GetCode(), "edge.") != (p.GetEdge() != nil) {
					t.Errorf("problem %s: edge set = %v", p.GetCode(), p.GetEdge() != nil)
				}
			}
		})
	}
}

// TestLoopPairs checks every pair of the loop-prevention table, and that
// every action that appears in the table is allowed under other triggers.
func TestLoopPairs(t *testing.T) {
	for trig, actions := range loopPairs {
		for action := range actions {
			t.Run(string(trig)+"→"+string(action), func(t *testing.T) {
				var tn *workflowv1.Node
				if trig == "custom_data_updated" {
					tn = newNode("t", &workflowv1.CustomDataUpdatedTrigger{}) // every key
				} else {
					tn = validNode("t", trig)
				}
				got := problemKeys(Validate(graphAroundTrigger(tn, validNode("x", action)), aiOn))
				if len(got) != 1 || got[0].Code != CodeLoopTriggerAction || got[0].Node != "x" {
					t.Errorf("want one %s on x, got %v", CodeLoopTriggerAction, got)
				}
			})
		}
	}
}

func TestValidateProgrammaticWaitIsWarningOnly(t *testing.T) {
	ps := Validate(graphAroundTrigger(newNode("t", &workflowv1.ProgrammaticTrigger{}), validNode("w", "wait_for_event")), ValidateOptions{})
	if len(ps) != 1 || ps[0].GetSeverity() != workflowv1.Severity_SEVERITY_WARNING {
		t.Fatalf("want one warning, got:%s", describeProblems(ps))
	}
	if HasErrors(ps) {
		t.Error("HasErrors is true for a warning")
	}
	if !HasErrors(Validate(nil, ValidateOptions{})) {
		t.Error("HasErrors is false for trigger.missing")
	}
}

// TestValidateReportsAllAtOnce checks that problems of different nodes and
// rules all come back from one call, in node order then code order.
func TestValidateReportsAllAtOnce(t *testing.T) {
	g := &workflowv1.Graph{
		Nodes: []*workflowv1.Node{
			newNode("t", &workflowv1.LabelAddedTrigger{}),
			newNode("m", &workflowv1.SendMessageAction{Text: "Hi {{ name"}),             // config.template
			newNode("f", &workflowv1.FetchApiNode{Method: 2, Url: "ftp://x"}),           // config.url
			newNode("l", &workflowv1.AddLabelAction{Labels: []string{"x"}}),             // loop.trigger_action
			newNode("d", &workflowv1.DelayNode{}),                                       // config.duration
			newNode("o", &workflowv1.SendMessageAction{Text: "unreachable"}), endNode(), // node.unreachable
		},
		Edges: []*workflowv1.Edge{
			newEdge("t", "", "m"), newEdge("m", "", "f"), newEdge("f", "", "l"), newEdge("l", "", "d"), newEdge("d", "", "end"), newEdge("o", "", "end"),
		},
	}
	want := []problemKey{
		{CodeConfigTemplate, "m", "text"},
		{CodeConfigURL, "f", "url"},
		{CodeLoopTriggerAction, "l", ""},
		{CodeConfigDuration, "d", "duration"},
		{CodeNodeUnreachable, "o", ""},
	}
	got := Validate(g, ValidateOptions{})
	if !slices.Equal(problemKeys(got), want) {
		t.Fatalf("want %v in this order, got:%s", want, describeProblems(got))
	}
}

func TestValidateOrderAndDeterminism(t *testing.T) {
	g := &workflowv1.Graph{
		Nodes: []*workflowv1.Node{
			messageNode("a"), newNode("b", &workflowv1.DecisionNode{}), triggerNode(), newNode("c", &workflowv1.SendMessageAction{}),
		},
		Edges: []*workflowv1.Edge{newEdge("x", "", "y"), newEdge("t", "", "b"), newEdge("b", "true", "c"), newEdge("c", "", "nowhere")},
	}
	first := Validate(g, ValidateOptions{})
	want := []problemKey{
		{CodeNodeUnreachable, "a", ""},
		{CodePortUnwired, "a", "port:next"},
		{CodeConfigRequired, "b", "match"},
		{CodeConfigRequired, "b", "conditions"},
		{CodePortUnwired, "b", "port:false"},
		{CodeConfigRequired, "c", "text"},
		{CodeEdgeUnknownNode, "c", "to_node"},
		{CodeEdgeUnknownNode, "", "from_node"},
		{CodeEdgeUnknownNode, "", "to_node"},
	}
	if !slices.Equal(problemKeys(first), want) {
		t.Fatalf("want %v, got:%s", want, describeProblems(first))
	}
	for range 20 {
		again := Validate(g, ValidateOptions{})
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
	ps := Validate(g, ValidateOptions{})
	if len(ps) == 0 || ps[0].GetEdge() == nil {
		t.Fatalf("want an edge problem, got:%s", describeProblems(ps))
	}
	ps[0].GetEdge().ToNode = "changed"
	if g.GetEdges()[1].GetToNode() != "ghost" {
		t.Error("the problem's edge aliases the graph's edge")
	}
}

func graphWithGhostEdge() *workflowv1.Graph {
	g := chainGraph(triggerNode())
	g.Edges = append(g.Edges, newEdge("ghost2", "", "ghost"))
	return g
}

func TestValidateNilNodesAndEdges(t *testing.T) {
	g := &workflowv1.Graph{Nodes: []*workflowv1.Node{nil, triggerNode(), endNode()}, Edges: []*workflowv1.Edge{nil, newEdge("t", "", "end")}}
	got := sortedProblemKeys(Validate(g, ValidateOptions{}))
	want := []problemKey{
		{CodeEdgeUnknownNode, "", "from_node"}, {CodeEdgeUnknownNode, "", "to_node"},
		{CodeNodeIDInvalid, "", "id"}, {CodeNodeKindMissing, "", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("want %v, got %v", want, got)
	}
}

func TestOutputPorts(t *testing.T) {
	names := func(n *workflowv1.Node) string {
		var out []string
		for _, p := range OutputPorts(n) {
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
		{triggerNode(), "next!"},
		{validNode("x", "programmatic"), "next!"},
		{messageNode("x"), "next!"},
		{validNode("x", "decision"), "true!,false!"},
		{validNode("x", "wait_for_event"), "next!,timeout!"},
		{validNode("x", "fetch_api"), "next!,error"},
		{validNode("x", "send_webhook"), "next!,error"},
		{validNode("x", "custom_skill"), "next!,error"},
		{validNode("x", "button_picker"), "next!,button:yes,button:no"},
		{newNode("x", &workflowv1.ButtonPickerAction{Buttons: []*sessionv1.Button{{Value: "a"}, {Value: ""}, {Value: "a"}}}), "next!,button:a"},
		{validNode("x", "delay"), "next!"},
		{validNode("x", "end"), ""},
		{validNode("x", "stop_workflow"), ""},
		{&workflowv1.Node{Id: "x"}, ""},
	}
	for _, c := range cases {
		if got := names(c.node); got != c.want {
			t.Errorf("%s: OutputPorts = %q, want %q", NodeKind(c.node), got, c.want)
		}
	}
	bp := validNode("x", "button_picker")
	for port, want := range map[string]bool{"": true, "next": true, "button:yes": true, "button:maybe": false, "button:": false, "error": false} {
		if got := HasOutputPort(bp, port); got != want {
			t.Errorf("HasOutputPort(button_picker, %q) = %v, want %v", port, got, want)
		}
	}
	if NormalizePort("") != PortNext || NormalizePort("timeout") != "timeout" || NormalizePort("Next") != "Next" {
		t.Error("NormalizePort")
	}
}

func TestParseTemplate(t *testing.T) {
	lit := func(s string) TemplatePart { return TemplatePart{Literal: s} }
	key := func(s string) TemplatePart { return TemplatePart{Key: s} }
	cases := []struct {
		in      string
		want    []TemplatePart
		wantErr string // substring of the error; "" means success
		pos     int
	}{
		{in: "", want: nil},
		{in: "plain text", want: []TemplatePart{lit("plain text")}},
		{in: "{{name}}", want: []TemplatePart{key("name")}},
		{in: "{{ name }}", want: []TemplatePart{key("name")}},
		{in: "{{\tname  }}", want: []TemplatePart{key("name")}},
		{in: "Hi {{ visitor.name }}, order {{order_id}}!", want: []TemplatePart{lit("Hi "), key("visitor.name"), lit(", order "), key("order_id"), lit("!")}},
		{in: "{{a}}{{b}}", want: []TemplatePart{key("a"), key("b")}},
		{in: "{{ _x-1.y }}", want: []TemplatePart{key("_x-1.y")}},
		{in: "single { and } braces", want: []TemplatePart{lit("single { and } braces")}},
		{in: "{{ a }}}", want: []TemplatePart{key("a"), lit("}")}},
		{in: "}{{ a }}{", want: []TemplatePart{lit("}"), key("a"), lit("{")}},
		{in: "héllo {{ nom }} ✓", want: []TemplatePart{lit("héllo "), key("nom"), lit(" ✓")}},
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
		got, err := ParseTemplate(c.in)
		if c.wantErr == "" {
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("ParseTemplate(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
			}
			continue
		}
		te, ok := err.(*TemplateError)
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
	got, err := ParseBodyTemplate(`{"a": {"b": "{{ x }}"}}`)
	want := []TemplatePart{{Literal: `{"a": {"b": "`}, {Key: "x"}, {Literal: `"}}`}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %#v, %v; want %#v", got, err, want)
	}
	for _, bad := range []string{`{"a": "{{ x"}`, `{"a": {{}}}`, `{{ 1 }}`} {
		if _, err := ParseBodyTemplate(bad); err == nil {
			t.Errorf("ParseBodyTemplate(%q) succeeded", bad)
		}
	}
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_": true, "order_id": true, "visitor.name": true, "a-b.c_9": true, "Z9": true,
		"": false, "9a": false, ".a": false, "-a": false, "a b": false, "é": false, "a/b": false, "a{": false,
	} {
		if got := ValidName(s); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestValidateEmptyConfigs gives every kind a oneof wrapper holding a nil
// config (possible from Go code) and then an empty config: Validate must
// report, not panic.
func TestValidateEmptyConfigs(t *testing.T) {
	for _, fd := range nodeConfigFields() {
		valid := validNode("x", fd.Name())
		wrapper := reflect.New(reflect.TypeOf(valid.GetConfig()).Elem()).Interface()
		nilConfig := &workflowv1.Node{Id: "x"}
		reflect.ValueOf(nilConfig).Elem().FieldByName("Config").Set(reflect.ValueOf(wrapper))
		empty := newNode("x", valid.ProtoReflect().Get(fd).Message().Type().New().Interface())
		for _, n := range []*workflowv1.Node{nilConfig, empty} {
			for _, g := range []*workflowv1.Graph{graphAround(n), graphAroundTrigger(n, messageNode("m"))} {
				for _, p := range Validate(g, ValidateOptions{}) {
					if p.GetCode() == "" || p.GetMessage() == "" {
						t.Errorf("%s: incomplete problem %v", fd.Name(), p)
					}
				}
			}
		}
	}
}
