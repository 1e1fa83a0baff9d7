// Package workflowtest holds workflow graphs for tests: a valid config for
// every node kind, builders that wire nodes into graphs, and the table of
// validation rules with the problems each must report. The validator's own
// tests and the API's over-the-wire tests share them.
package workflowtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// Ids in the valid format, for configs that name an operator or persona.
const (
	ValidOperatorID = "operator_1b4e28ba-2fa1-11d2-883f-0016d3cca427"
	ValidPersonaID  = "persona_6ba7b810-9dad-11d1-80b4-00c04fd430c8"
)

// ValidTriggers holds a valid config for every trigger kind, with the
// optional settings filled in so they are checked too.
var ValidTriggers = map[protoreflect.Name]func() proto.Message{
	"new_conversation": func() proto.Message { return &workflowv1.NewConversationTrigger{} },
	"new_session":      func() proto.Message { return &workflowv1.NewSessionTrigger{} },
	"message_received": func() proto.Message {
		return &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Value: `^order\s+\d+$`,
		}}
	},
	"button_answered":       func() proto.Message { return &workflowv1.ButtonAnsweredTrigger{Value: "yes"} },
	"input_answered":        func() proto.Message { return &workflowv1.InputAnsweredTrigger{} },
	"ai_agent_assigned":     func() proto.Message { return &workflowv1.AiAgentAssignedTrigger{PersonaId: ValidPersonaID} },
	"human_agent_assigned":  func() proto.Message { return &workflowv1.HumanAgentAssignedTrigger{OperatorId: ValidOperatorID} },
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

// ValidSteps holds a valid config for every non-trigger kind. Settings are
// filled in generously (templates, regexps, numbers) so the valid path of
// each check runs.
var ValidSteps = map[protoreflect.Name]func() proto.Message{
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
		return &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC, OperatorId: ValidOperatorID}
	},
	"assign_ai": func() proto.Message { return &workflowv1.AssignAiAction{PersonaId: ValidPersonaID} },
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
		return &workflowv1.SendNotificationAction{OperatorIds: []string{ValidOperatorID}, Title: "VIP {{ visitor.name }}", Body: "Plan: {{ plan }}", Email: true}
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

// ValidNode returns a node of kind with its valid config.
func ValidNode(id string, kind protoreflect.Name) *workflowv1.Node {
	if f, ok := ValidTriggers[kind]; ok {
		return workflow.NewNode(id, f())
	}
	return workflow.NewNode(id, ValidSteps[kind]())
}

// NewEdge returns an edge from the port of one node to another.
func NewEdge(from, port, to string) *workflowv1.Edge {
	return &workflowv1.Edge{FromNode: from, FromPort: port, ToNode: to}
}

// TriggerNode is a new-conversation trigger with id "t"; EndNode is an End
// with id "end"; MessageNode sends "Hi".
func TriggerNode() *workflowv1.Node {
	return workflow.NewNode("t", &workflowv1.NewConversationTrigger{})
}
func EndNode() *workflowv1.Node { return workflow.NewNode("end", &workflowv1.EndNode{}) }
func MessageNode(id string) *workflowv1.Node {
	return workflow.NewNode(id, &workflowv1.SendMessageAction{Text: "Hi"})
}

// GraphAround returns trigger -> step -> End, with every other required port of
// step wired to End too: the graph is valid exactly when step's config is.
func GraphAround(step *workflowv1.Node) *workflowv1.Graph {
	return GraphAroundTrigger(TriggerNode(), step)
}

// GraphAroundTrigger is GraphAround with the trigger t.
func GraphAroundTrigger(t, step *workflowv1.Node) *workflowv1.Graph {
	g := &workflowv1.Graph{Nodes: []*workflowv1.Node{t, step, EndNode()}, Edges: []*workflowv1.Edge{NewEdge(t.GetId(), "", step.GetId())}}
	for _, p := range workflow.OutputPorts(step) {
		if p.Required {
			g.Edges = append(g.Edges, NewEdge(step.GetId(), p.Name, "end"))
		}
	}
	return g
}

// ChainGraph returns the nodes wired in order: each node's first required port
// leads to the next node and its other required ports to an End node, added
// when some port needs it.
func ChainGraph(nodes ...*workflowv1.Node) *workflowv1.Graph {
	g := &workflowv1.Graph{Nodes: slices.Clone(nodes)}
	for i, n := range nodes {
		next := "end"
		if i+1 < len(nodes) {
			next = nodes[i+1].GetId()
		}
		for j, p := range RequiredPortNames(n) {
			to := "end"
			if j == 0 {
				to = next
			}
			g.Edges = append(g.Edges, NewEdge(n.GetId(), p, to))
		}
	}
	if slices.ContainsFunc(g.Edges, func(e *workflowv1.Edge) bool { return e.GetToNode() == "end" }) {
		g.Nodes = append(g.Nodes, EndNode())
	}
	return g
}

// RequiredPortNames lists the ports of n that must be wired.
func RequiredPortNames(n *workflowv1.Node) []string {
	var out []string
	for _, p := range workflow.OutputPorts(n) {
		if p.Required {
			out = append(out, p.Name)
		}
	}
	return out
}

// AllStepsGraph is one valid graph holding every non-trigger kind once.
func AllStepsGraph() *workflowv1.Graph {
	nodes := []*workflowv1.Node{TriggerNode()}
	var last *workflowv1.Node
	for _, fd := range workflow.NodeConfigFields() {
		kind := fd.Name()
		if _, isTrigger := ValidTriggers[kind]; isTrigger || kind == "end" {
			continue
		}
		n := ValidNode(string(kind), kind)
		if len(workflow.OutputPorts(n)) == 0 {
			last = n // a terminal kind must close the chain
			continue
		}
		nodes = append(nodes, n)
	}
	return ChainGraph(append(nodes, last)...)
}

// EveryKindGraph holds one node of every kind, each with its valid config
// and a canvas position: AllStepsGraph plus every trigger kind, the extra
// triggers unwired. It is not a valid workflow (it has many triggers) but
// every node must survive storage unchanged.
func EveryKindGraph() *workflowv1.Graph {
	g := AllStepsGraph()
	for _, fd := range workflow.NodeConfigFields() {
		if _, ok := ValidTriggers[fd.Name()]; ok && fd.Name() != workflow.NodeKind(g.GetNodes()[0]) {
			g.Nodes = append(g.Nodes, ValidNode("trigger_"+string(fd.Name()), fd.Name()))
		}
	}
	for i, n := range g.GetNodes() {
		n.Position = &workflowv1.Position{X: float64(40 + 260*(i%6)), Y: float64(80 + 160*(i/6))}
	}
	return g
}

// ProblemKey is what the rule tests compare: code, node and field.
type ProblemKey struct {
	Code, Node, Field string
}

// Key returns the key of a problem with code at node and field.
func Key(code, node, field string) ProblemKey {
	return ProblemKey{Code: code, Node: node, Field: field}
}

// ProblemKeys returns the keys of ps in order.
func ProblemKeys(ps []*workflowv1.Problem) []ProblemKey {
	out := make([]ProblemKey, len(ps))
	for i, p := range ps {
		out[i] = Key(p.GetCode(), p.GetNodeId(), p.GetField())
	}
	return out
}

// SortedProblemKeys returns the keys of ps in a fixed order, for comparing
// regardless of the order Validate reports in.
func SortedProblemKeys(ps []*workflowv1.Problem) []ProblemKey {
	return sortKeys(ProblemKeys(ps))
}

func sortKeys(keys []ProblemKey) []ProblemKey {
	slices.SortFunc(keys, func(a, b ProblemKey) int {
		return strings.Compare(a.Code+"\x00"+a.Node+"\x00"+a.Field, b.Code+"\x00"+b.Node+"\x00"+b.Field)
	})
	return keys
}

// CheckProblems fails t unless got holds exactly want, in any order, and
// every problem is complete: a message, a severity, and an edge exactly when
// it is an edge problem.
func CheckProblems(t testing.TB, got []*workflowv1.Problem, want []ProblemKey) {
	t.Helper()
	if w := sortKeys(slices.Clone(want)); !slices.Equal(SortedProblemKeys(got), w) {
		t.Errorf("want %v, got:%s", w, DescribeProblems(got))
	}
	for _, p := range got {
		if p.GetMessage() == "" || p.GetSeverity() == workflowv1.Severity_SEVERITY_UNSPECIFIED {
			t.Errorf("problem %s lacks a message or severity", p.GetCode())
		}
		if strings.HasPrefix(p.GetCode(), "edge.") != (p.GetEdge() != nil) {
			t.Errorf("problem %s: edge set = %v", p.GetCode(), p.GetEdge() != nil)
		}
	}
}

// DescribeProblems formats problems one per line, for failure messages.
func DescribeProblems(ps []*workflowv1.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %s %s node=%q field=%q: %s", p.GetSeverity(), p.GetCode(), p.GetNodeId(), p.GetField(), p.GetMessage())
	}
	return b.String()
}
