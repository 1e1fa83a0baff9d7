package workflowtest

import (
	"slices"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// RuleCase is a graph and the problems the validator must report for it,
// compared by code, node and field.
type RuleCase struct {
	Name  string
	Graph *workflowv1.Graph
	// AIConfigured validates as a server with an LLM provider does.
	AIConfigured bool
	Want         []ProblemKey
}

// RuleCases returns one case or more for every validation rule, and the
// near misses that must stay clean.
func RuleCases() []RuleCase {
	assignSpecific := func(s string) *workflowv1.Node {
		return workflow.NewNode("a", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC, OperatorId: s})
	}
	cond := func(c *workflowv1.Condition) *workflowv1.Node {
		return workflow.NewNode("d", &workflowv1.DecisionNode{Match: workflowv1.Match_MATCH_ANY, Conditions: []*workflowv1.Condition{
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
	webhook := func(url string) *workflowv1.Node {
		return workflow.NewNode("w", &workflowv1.SendWebhookAction{Url: url})
	}
	fetch := func(f func(*workflowv1.FetchApiNode)) *workflowv1.Node {
		a := ValidSteps["fetch_api"]().(*workflowv1.FetchApiNode)
		f(a)
		return workflow.NewNode("f", a)
	}
	skill := func(f func(*workflowv1.CustomSkillAction)) *workflowv1.Node {
		a := ValidSteps["custom_skill"]().(*workflowv1.CustomSkillAction)
		f(a)
		return workflow.NewNode("s", a)
	}
	with := func(g *workflowv1.Graph, f func(*workflowv1.Graph)) *workflowv1.Graph { f(g); return g }
	p := Key

	return []RuleCase{
		// Graph structure.
		{Name: "no trigger", Graph: ChainGraph(MessageNode("m")), Want: []ProblemKey{p(workflow.CodeTriggerMissing, "", "")}},
		{Name: "empty graph", Graph: &workflowv1.Graph{}, Want: []ProblemKey{p(workflow.CodeTriggerMissing, "", "")}},
		{Name: "nil graph", Graph: nil, Want: []ProblemKey{p(workflow.CodeTriggerMissing, "", "")}},
		{Name: "two triggers", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, workflow.NewNode("t2", &workflowv1.ProgrammaticTrigger{}))
			g.Edges = append(g.Edges, NewEdge("t2", "", "m"))
		}), Want: []ProblemKey{p(workflow.CodeTriggerMultiple, "t2", "")}},
		{Name: "duplicate id", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, MessageNode("m"))
		}), Want: []ProblemKey{p(workflow.CodeNodeDuplicateID, "m", "id")}},
		{Name: "invalid id", Graph: ChainGraph(TriggerNode(), MessageNode("no spaces")), Want: []ProblemKey{p(workflow.CodeNodeIDInvalid, "no spaces", "id")}},
		{Name: "node without kind", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, &workflowv1.Node{Id: "x"})
			g.Edges = append(g.Edges, NewEdge("m", "", "x"), NewEdge("x", "", "end"))
		}), Want: []ProblemKey{p(workflow.CodeEdgePortFanout, "m", "from_port"), p(workflow.CodeNodeKindMissing, "x", "")}},
		{Name: "edge from unknown node", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("ghost", "", "m"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeUnknownNode, "m", "from_node")}},
		{Name: "edge to unknown node", Graph: with(ChainGraph(TriggerNode(), ValidNode("w", "send_webhook")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("w", "error", "ghost"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeUnknownNode, "w", "to_node")}},
		{Name: "edge between unknown nodes", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("a", "", "b"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeUnknownNode, "", "from_node"), p(workflow.CodeEdgeUnknownNode, "", "to_node")}},
		{Name: "required port wired to unknown node", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode()}, Edges: []*workflowv1.Edge{NewEdge("t", "next", "ghost")},
		}, Want: []ProblemKey{p(workflow.CodeEdgeUnknownNode, "t", "to_node")}},
		{Name: "unknown port", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("m", "true", "end"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeUnknownPort, "m", "from_port")}},
		{Name: "edge out of End", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("end", "", "m"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeUnknownPort, "end", "from_port")}},
		{Name: "unknown button port", Graph: with(GraphAround(workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("yes")})), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("b", "button:yes", "end"), NewEdge("b", "button:maybe", "end"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeUnknownPort, "b", "from_port")}},
		{Name: "duplicate edge", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("m", "next", "end"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeDuplicate, "m", "")}},
		{Name: "port fan-out", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, workflow.NewNode("end2", &workflowv1.EndNode{}))
			g.Edges = append(g.Edges, NewEdge("m", "", "end2"))
		}), Want: []ProblemKey{p(workflow.CodeEdgePortFanout, "m", "from_port")}},
		{Name: "edge into trigger", Graph: with(ChainGraph(TriggerNode(), ValidNode("w", "send_webhook")), func(g *workflowv1.Graph) {
			g.Edges = append(g.Edges, NewEdge("w", "error", "t"))
		}), Want: []ProblemKey{p(workflow.CodeEdgeToTrigger, "w", "to_node")}},
		{Name: "unreachable", Graph: with(ChainGraph(TriggerNode(), MessageNode("m")), func(g *workflowv1.Graph) {
			g.Nodes = append(g.Nodes, MessageNode("orphan"))
			g.Edges = append(g.Edges, NewEdge("orphan", "", "end"))
		}), Want: []ProblemKey{p(workflow.CodeNodeUnreachable, "orphan", "")}},
		{Name: "next unwired", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), MessageNode("m")}, Edges: []*workflowv1.Edge{NewEdge("t", "", "m")},
		}, Want: []ProblemKey{p(workflow.CodePortUnwired, "m", "port:next")}},
		{Name: "trigger alone", Graph: &workflowv1.Graph{Nodes: []*workflowv1.Node{TriggerNode()}},
			Want: []ProblemKey{p(workflow.CodePortUnwired, "t", "port:next")}},
		{Name: "decision false unwired", Graph: with(GraphAround(ValidNode("d", "decision")), func(g *workflowv1.Graph) {
			g.Edges = slices.DeleteFunc(g.Edges, func(e *workflowv1.Edge) bool { return e.GetFromPort() == "false" })
		}), Want: []ProblemKey{p(workflow.CodePortUnwired, "d", "port:false")}},
		{Name: "wait timeout unwired", Graph: with(GraphAround(ValidNode("w", "wait_for_event")), func(g *workflowv1.Graph) {
			g.Edges = slices.DeleteFunc(g.Edges, func(e *workflowv1.Edge) bool { return e.GetFromPort() == "timeout" })
		}), Want: []ProblemKey{p(workflow.CodePortUnwired, "w", "port:timeout")}},
		{Name: "optional error port unwired", Graph: GraphAround(ValidNode("f", "fetch_api")), Want: nil},
		{Name: "button picker with every button wired needs no next", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("yes", "no")}), EndNode()},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "b"), NewEdge("b", "button:yes", "end"), NewEdge("b", "button:no", "end")},
		}, Want: nil},
		{Name: "button picker with one button unwired needs next", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("yes", "no")}), EndNode()},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "b"), NewEdge("b", "button:yes", "end")},
		}, Want: []ProblemKey{p(workflow.CodePortUnwired, "b", "port:next")}},

		// Cycles.
		{Name: "cycle without wait", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), MessageNode("a"), MessageNode("b")},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "a"), NewEdge("a", "", "b"), NewEdge("b", "", "a")},
		}, Want: []ProblemKey{p(workflow.CodeGraphCycleWithoutWait, "a", "")}},
		{Name: "self loop", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), MessageNode("a")},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "a"), NewEdge("a", "", "a")},
		}, Want: []ProblemKey{p(workflow.CodeGraphCycleWithoutWait, "a", "")}},
		{Name: "cycle through a decision", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), ValidNode("d", "decision"), MessageNode("a"), EndNode()},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "d"), NewEdge("d", "true", "a"), NewEdge("a", "", "d"), NewEdge("d", "false", "end")},
		}, Want: []ProblemKey{p(workflow.CodeGraphCycleWithoutWait, "d", "")}},
		{Name: "cycle through a delay is a retry loop", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), ValidNode("d", "decision"), ValidNode("wait", "delay"), EndNode()},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "d"), NewEdge("d", "true", "wait"), NewEdge("wait", "", "d"), NewEdge("d", "false", "end")},
		}, Want: nil},
		{Name: "button picker loops back to itself", Graph: &workflowv1.Graph{
			Nodes: []*workflowv1.Node{TriggerNode(), workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons("again", "done")}), EndNode()},
			Edges: []*workflowv1.Edge{NewEdge("t", "", "b"), NewEdge("b", "button:again", "b"), NewEdge("b", "", "end")},
		}, Want: nil},

		// Trigger settings.
		{Name: "message match operator outside the text subset", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_GREATER_THAN, Value: "3"}}), MessageNode("m")),
			Want: []ProblemKey{p(workflow.CodeConfigInvalid, "t", "match.operator")}},
		{Name: "message match without operator", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{Value: "hi"}}), MessageNode("m")),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "t", "match.operator")}},
		{Name: "message match bad regex", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Value: "order (\\d+"}}), MessageNode("m")),
			Want: []ProblemKey{p(workflow.CodeConfigRegex, "t", "match.value")}},
		{Name: "message match without value", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.MessageReceivedTrigger{Match: &workflowv1.TextMatch{
			Operator: workflowv1.Operator_OPERATOR_CONTAINS}}), MessageNode("m")),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "t", "match.value")}},
		{Name: "human agent trigger with malformed operator", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.HumanAgentAssignedTrigger{OperatorId: "bob"}), MessageNode("m")),
			Want: []ProblemKey{p(workflow.CodeConfigID, "t", "operator_id")}},
		{Name: "custom data trigger with malformed key", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.CustomDataUpdatedTrigger{Key: "my key"}), MessageNode("m")),
			Want: []ProblemKey{p(workflow.CodeConfigName, "t", "key")}},

		// Action settings.
		{Name: "message without text", Graph: GraphAround(workflow.NewNode("m", &workflowv1.SendMessageAction{Text: " \n"})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "m", "text")}},
		{Name: "message with broken tag", Graph: GraphAround(workflow.NewNode("m", &workflowv1.SendMessageAction{Text: "Hi {{ name"})), Want: []ProblemKey{p(workflow.CodeConfigTemplate, "m", "text")}},
		{Name: "note without text", Graph: GraphAround(workflow.NewNode("m", &workflowv1.PrivateNoteAction{})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "m", "text")}},
		{Name: "button picker without buttons", Graph: GraphAround(workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "?"})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "b", "buttons")}},
		{Name: "button picker with 21 buttons", Graph: GraphAround(workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "?", Buttons: buttons(
			"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21")})),
			Want: []ProblemKey{p(workflow.CodeConfigCount, "b", "buttons")}},
		{Name: "button picker button settings", Graph: GraphAround(workflow.NewNode("b", &workflowv1.ButtonPickerAction{Text: "{{ q }}", Variable: "1st", Buttons: []*sessionv1.Button{
			{Label: "Yes", Value: "yes"}, {Label: "Yes again", Value: "yes"}, {Label: "", Value: "x"}, {Label: "{{ }}", Value: ""},
		}})), Want: []ProblemKey{
			p(workflow.CodeConfigDuplicate, "b", "buttons[1].value"), p(workflow.CodeConfigRequired, "b", "buttons[2].label"),
			p(workflow.CodeConfigTemplate, "b", "buttons[3].label"), p(workflow.CodeConfigRequired, "b", "buttons[3].value"), p(workflow.CodeConfigName, "b", "variable"),
		}},
		{Name: "field input without variable", Graph: GraphAround(workflow.NewNode("i", &workflowv1.FieldInputAction{Text: "Email?"})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "i", "variable")}},
		{Name: "field input bad variable and kind", Graph: GraphAround(workflow.NewNode("i", &workflowv1.FieldInputAction{Text: "Email?", Variable: "e mail", Kind: 42})),
			Want: []ProblemKey{p(workflow.CodeConfigName, "i", "variable"), p(workflow.CodeConfigInvalid, "i", "kind")}},
		{Name: "set data without key and scope", Graph: GraphAround(workflow.NewNode("s", &workflowv1.SetDataAction{Value: "x"})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "s", "key"), p(workflow.CodeConfigRequired, "s", "scope")}},
		{Name: "set data number that is not", Graph: GraphAround(workflow.NewNode("s", &workflowv1.SetDataAction{Key: "n", Value: "ten", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: workflowv1.ValueType_VALUE_TYPE_NUMBER})),
			Want: []ProblemKey{p(workflow.CodeConfigNumber, "s", "value")}},
		{Name: "set data templated number", Graph: GraphAround(workflow.NewNode("s", &workflowv1.SetDataAction{Key: "n", Value: "{{ count }}", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: workflowv1.ValueType_VALUE_TYPE_NUMBER})),
			Want: nil},
		{Name: "set data bool that is not", Graph: GraphAround(workflow.NewNode("s", &workflowv1.SetDataAction{Key: "b", Value: "yes", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE, ValueType: workflowv1.ValueType_VALUE_TYPE_BOOL})),
			Want: []ProblemKey{p(workflow.CodeConfigInvalid, "s", "value")}},
		{Name: "add label without labels", Graph: GraphAround(workflow.NewNode("l", &workflowv1.AddLabelAction{})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "l", "labels")}},
		{Name: "remove label with a blank label", Graph: GraphAround(workflow.NewNode("l", &workflowv1.RemoveLabelAction{Labels: []string{"a", " "}})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "l", "labels[1]")}},
		{Name: "add segment without segments", Graph: GraphAround(workflow.NewNode("s", &workflowv1.AddSegmentAction{})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "s", "segments")}},
		{Name: "remove segment without segments", Graph: GraphAround(workflow.NewNode("s", &workflowv1.RemoveSegmentAction{})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "s", "segments")}},
		{Name: "assign user without mode", Graph: GraphAround(workflow.NewNode("a", &workflowv1.AssignUserAction{})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "a", "mode")}},
		{Name: "assign specific user without operator", Graph: GraphAround(assignSpecific("")), Want: []ProblemKey{p(workflow.CodeConfigRequired, "a", "operator_id")}},
		{Name: "assign specific user with malformed operator", Graph: GraphAround(assignSpecific("operator_42")), Want: []ProblemKey{p(workflow.CodeConfigID, "a", "operator_id")}},
		{Name: "assign round robin", Graph: GraphAround(workflow.NewNode("a", &workflowv1.AssignUserAction{Mode: workflowv1.AssignMode_ASSIGN_MODE_ROUND_ROBIN})), Want: nil},
		{Name: "assign AI without persona", Graph: GraphAround(workflow.NewNode("a", &workflowv1.AssignAiAction{})), Want: []ProblemKey{p(workflow.CodeConfigRequired, "a", "persona_id")}},
		{Name: "assign AI with an operator id", Graph: GraphAround(workflow.NewNode("a", &workflowv1.AssignAiAction{PersonaId: ValidOperatorID})), Want: []ProblemKey{p(workflow.CodeConfigID, "a", "persona_id")}},
		{Name: "start agent with broken instruction", Graph: GraphAround(workflow.NewNode("a", &workflowv1.StartAgentAction{Instruction: "help }} now"})), Want: []ProblemKey{p(workflow.CodeConfigTemplate, "a", "instruction")}},
		{Name: "lead stage missing", Graph: GraphAround(workflow.NewNode("l", &workflowv1.ChangeLeadStageAction{ExpectedAmountMinor: -1})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "l", "stage"), p(workflow.CodeConfigRange, "l", "expected_amount_minor")}},
		{Name: "notification empty", Graph: GraphAround(workflow.NewNode("n", &workflowv1.SendNotificationAction{OperatorIds: []string{"x"}})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "n", "title"), p(workflow.CodeConfigID, "n", "operator_ids[0]")}},
		{Name: "notification broken body", Graph: GraphAround(workflow.NewNode("n", &workflowv1.SendNotificationAction{Title: "t", Body: "{{ a b }}"})),
			Want: []ProblemKey{p(workflow.CodeConfigTemplate, "n", "body")}},
		{Name: "webhook without url", Graph: GraphAround(webhook("")), Want: []ProblemKey{p(workflow.CodeConfigRequired, "w", "url")}},
		{Name: "webhook ftp url", Graph: GraphAround(webhook("ftp://example.com/x")), Want: []ProblemKey{p(workflow.CodeConfigURL, "w", "url")}},
		{Name: "webhook url without host", Graph: GraphAround(webhook("https:///x")), Want: []ProblemKey{p(workflow.CodeConfigURL, "w", "url")}},
		{Name: "webhook url starting with a tag", Graph: GraphAround(webhook("{{ base }}/hook")), Want: []ProblemKey{p(workflow.CodeConfigURL, "w", "url")}},
		{Name: "webhook url with templated host", Graph: GraphAround(webhook("https://{{ host }}/hook")), Want: nil},
		{Name: "webhook upper-case scheme", Graph: GraphAround(webhook("HTTPS://example.com")), Want: nil},
		{Name: "webhook headers and body", Graph: GraphAround(workflow.NewNode("w", &workflowv1.SendWebhookAction{Url: "https://x.test", Body: `{"a": {{ x`, Headers: []*workflowv1.Header{
			{Name: "bad name", Value: "v"}, {Name: "", Value: "{{"}, {Name: "X-Ok", Value: "a\r\nInjected: 1"},
		}})), Want: []ProblemKey{
			p(workflow.CodeConfigInvalid, "w", "headers[0].name"), p(workflow.CodeConfigRequired, "w", "headers[1].name"), p(workflow.CodeConfigTemplate, "w", "headers[1].value"),
			p(workflow.CodeConfigInvalid, "w", "headers[2].value"), p(workflow.CodeConfigTemplate, "w", "body"),
		}},
		{Name: "fetch without method", Graph: GraphAround(fetch(func(a *workflowv1.FetchApiNode) { a.Method = 0 })), Want: []ProblemKey{p(workflow.CodeConfigRequired, "f", "method")}},
		{Name: "fetch with unknown method", Graph: GraphAround(fetch(func(a *workflowv1.FetchApiNode) { a.Method = 99 })), Want: []ProblemKey{p(workflow.CodeConfigInvalid, "f", "method")}},
		{Name: "fetch relative url", Graph: GraphAround(fetch(func(a *workflowv1.FetchApiNode) { a.Url = "api.example.com/x" })), Want: []ProblemKey{p(workflow.CodeConfigURL, "f", "url")}},
		{Name: "fetch limits and mappings", Graph: GraphAround(fetch(func(a *workflowv1.FetchApiNode) {
			a.TimeoutMs, a.MaxRetries, a.ResponseVariable = 60001, 11, "9lives"
			a.Mappings = append(a.Mappings, &workflowv1.ResponseMapping{})
		})), Want: []ProblemKey{
			p(workflow.CodeConfigRange, "f", "timeout_ms"), p(workflow.CodeConfigRange, "f", "max_retries"), p(workflow.CodeConfigName, "f", "response_variable"),
			p(workflow.CodeConfigRequired, "f", "mappings[1].path"), p(workflow.CodeConfigRequired, "f", "mappings[1].variable"),
		}},
		{Name: "ai extraction with nothing to extract", Graph: GraphAround(workflow.NewNode("x", &workflowv1.AiExtractionAction{})), AIConfigured: true,
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "x", "labels")}},
		{Name: "ai extraction field without key", Graph: GraphAround(workflow.NewNode("x", &workflowv1.AiExtractionAction{Fields: []*workflowv1.ExtractionField{{Description: "d"}}})), AIConfigured: true,
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "x", "fields[0].key")}},
		{Name: "ai extraction without provider", Graph: GraphAround(ValidNode("x", "ai_extraction")), Want: []ProblemKey{p(workflow.CodeAIProviderMissing, "x", "")}},
		{Name: "custom skill without provider", Graph: GraphAround(ValidNode("s", "custom_skill")), Want: []ProblemKey{p(workflow.CodeAIProviderMissing, "s", "")}},
		{Name: "custom skill settings", Graph: GraphAround(skill(func(a *workflowv1.CustomSkillAction) {
			a.Name, a.Url, a.InputSchema, a.OutputVariable = "look up", "", "[1]", "-x"
		})), AIConfigured: true, Want: []ProblemKey{
			p(workflow.CodeConfigName, "s", "name"), p(workflow.CodeConfigRequired, "s", "url"), p(workflow.CodeConfigJSON, "s", "input_schema"), p(workflow.CodeConfigName, "s", "output_variable"),
		}},
		{Name: "custom skill schema of a string", Graph: GraphAround(skill(func(a *workflowv1.CustomSkillAction) { a.InputSchema = `{"type": "string"}` })),
			AIConfigured: true, Want: []ProblemKey{p(workflow.CodeConfigJSON, "s", "input_schema")}},
		{Name: "custom skill without schema", Graph: GraphAround(skill(func(a *workflowv1.CustomSkillAction) { a.InputSchema = "" })),
			AIConfigured: true, Want: []ProblemKey{p(workflow.CodeConfigRequired, "s", "input_schema")}},
		{Name: "custom skill url is not templated", Graph: GraphAround(skill(func(a *workflowv1.CustomSkillAction) { a.Url = "https://x.test/{{ id }}" })),
			AIConfigured: true, Want: []ProblemKey{p(workflow.CodeConfigURL, "s", "url")}},

		// Decisions.
		{Name: "decision without match and conditions", Graph: GraphAround(workflow.NewNode("d", &workflowv1.DecisionNode{})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "match"), p(workflow.CodeConfigRequired, "d", "conditions")}},
		{Name: "condition without field and operator", Graph: GraphAround(cond(&workflowv1.Condition{Values: []string{"x"}})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "conditions[1].field"), p(workflow.CodeConfigRequired, "d", "conditions[1].operator")}},
		{Name: "custom data condition without key", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA, Operator: workflowv1.Operator_OPERATOR_IS_SET})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "conditions[1].key")}},
		{Name: "variable condition with malformed key", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_VARIABLE, Key: "a b", Operator: workflowv1.Operator_OPERATOR_IS_NOT_SET})),
			Want: []ProblemKey{p(workflow.CodeConfigName, "d", "conditions[1].key")}},
		{Name: "equals without value", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "conditions[1].values")}},
		{Name: "equals with blank value", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{""}})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "conditions[1].values[0]")}},
		{Name: "equals with two values", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{"open", "resolved"}})),
			Want: []ProblemKey{p(workflow.CodeConfigCount, "d", "conditions[1].values")}},
		{Name: "is set with a value", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_ASSIGNEE, Operator: workflowv1.Operator_OPERATOR_IS_SET, Values: []string{"x"}})),
			Want: []ProblemKey{p(workflow.CodeConfigCount, "d", "conditions[1].values")}},
		{Name: "contains all without values", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_LABELS, Operator: workflowv1.Operator_OPERATOR_CONTAINS_ALL})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "conditions[1].values")}},
		{Name: "contains none with a blank value", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_SEGMENTS, Operator: workflowv1.Operator_OPERATOR_CONTAINS_NONE, Values: []string{"a", ""}})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "d", "conditions[1].values[1]")}},
		{Name: "greater than a word", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_COUNT, Operator: workflowv1.Operator_OPERATOR_GREATER_THAN, Values: []string{"ten"}})),
			Want: []ProblemKey{p(workflow.CodeConfigNumber, "d", "conditions[1].values[0]")}},
		{Name: "less than a tag", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_TIME_SINCE_LAST_MESSAGE, Operator: workflowv1.Operator_OPERATOR_LESS_THAN, Values: []string{"{{ limit }}"}})),
			Want: nil},
		{Name: "regex that does not compile", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Values: []string{"a(b"}})),
			Want: []ProblemKey{p(workflow.CodeConfigRegex, "d", "conditions[1].values[0]")}},
		{Name: "condition value with broken tag", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, Operator: workflowv1.Operator_OPERATOR_CONTAINS, Values: []string{"{{ 1x }}"}})),
			Want: []ProblemKey{p(workflow.CodeConfigTemplate, "d", "conditions[1].values[0]")}},
		{Name: "condition with unknown operator", Graph: GraphAround(cond(&workflowv1.Condition{Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: 77, Values: []string{"open"}})),
			Want: []ProblemKey{p(workflow.CodeConfigInvalid, "d", "conditions[1].operator")}},

		// Durations.
		{Name: "delay without duration", Graph: GraphAround(workflow.NewNode("w", &workflowv1.DelayNode{})), Want: []ProblemKey{p(workflow.CodeConfigDuration, "w", "duration")}},
		{Name: "delay of zero", Graph: GraphAround(workflow.NewNode("w", &workflowv1.DelayNode{Duration: dur(0, workflowv1.TimeUnit_TIME_UNIT_MINUTES)})), Want: []ProblemKey{p(workflow.CodeConfigDuration, "w", "duration.amount")}},
		{Name: "delay without unit", Graph: GraphAround(workflow.NewNode("w", &workflowv1.DelayNode{Duration: dur(5, 0)})), Want: []ProblemKey{p(workflow.CodeConfigDuration, "w", "duration.unit")}},
		{Name: "delay of 366 days", Graph: GraphAround(workflow.NewNode("w", &workflowv1.DelayNode{Duration: dur(366, workflowv1.TimeUnit_TIME_UNIT_DAYS)})), Want: []ProblemKey{p(workflow.CodeConfigDuration, "w", "duration")}},
		{Name: "delay of 8761 hours", Graph: GraphAround(workflow.NewNode("w", &workflowv1.DelayNode{Duration: dur(8761, workflowv1.TimeUnit_TIME_UNIT_HOURS)})), Want: []ProblemKey{p(workflow.CodeConfigDuration, "w", "duration")}},
		{Name: "wait without event and timeout", Graph: GraphAround(workflow.NewNode("w", &workflowv1.WaitForEventNode{Variable: "x y"})),
			Want: []ProblemKey{p(workflow.CodeConfigRequired, "w", "event"), p(workflow.CodeConfigDuration, "w", "timeout"), p(workflow.CodeConfigName, "w", "variable")}},
		{Name: "stop without cooldown", Graph: ChainGraph(TriggerNode(), workflow.NewNode("s", &workflowv1.StopWorkflowNode{})), Want: nil},
		{Name: "stop with zero cooldown and no unit", Graph: ChainGraph(TriggerNode(), workflow.NewNode("s", &workflowv1.StopWorkflowNode{Cooldown: dur(0, 0)})), Want: nil},
		{Name: "stop cooldown without unit", Graph: ChainGraph(TriggerNode(), workflow.NewNode("s", &workflowv1.StopWorkflowNode{Cooldown: dur(5, 0)})),
			Want: []ProblemKey{p(workflow.CodeConfigDuration, "s", "cooldown.unit")}},
		{Name: "stop negative cooldown", Graph: ChainGraph(TriggerNode(), workflow.NewNode("s", &workflowv1.StopWorkflowNode{Cooldown: dur(-1, workflowv1.TimeUnit_TIME_UNIT_DAYS)})),
			Want: []ProblemKey{p(workflow.CodeConfigDuration, "s", "cooldown.amount")}},

		// Loop prevention details beyond the table test.
		{Name: "custom data trigger and variable scope", Graph: GraphAroundTrigger(ValidNode("t", "custom_data_updated"),
			workflow.NewNode("s", &workflowv1.SetDataAction{Key: "plan", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_VARIABLE})), Want: nil},
		{Name: "custom data trigger and another key", Graph: GraphAroundTrigger(ValidNode("t", "custom_data_updated"),
			workflow.NewNode("s", &workflowv1.SetDataAction{Key: "other", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION})), Want: nil},
		{Name: "custom data trigger and the same key", Graph: GraphAroundTrigger(ValidNode("t", "custom_data_updated"),
			workflow.NewNode("s", &workflowv1.SetDataAction{Key: "plan", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION})),
			Want: []ProblemKey{p(workflow.CodeLoopTriggerAction, "s", "key")}},
		{Name: "any-key custom data trigger", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.CustomDataUpdatedTrigger{}),
			workflow.NewNode("s", &workflowv1.SetDataAction{Key: "other", Value: "x", Scope: workflowv1.DataScope_DATA_SCOPE_SESSION})),
			Want: []ProblemKey{p(workflow.CodeLoopTriggerAction, "s", "key")}},
		{Name: "custom data trigger and AI extraction of that key", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.CustomDataUpdatedTrigger{Key: "order_id"}), ValidNode("x", "ai_extraction")),
			AIConfigured: true, Want: []ProblemKey{p(workflow.CodeLoopTriggerAction, "x", "fields[0].key")}},
		{Name: "label trigger and AI extraction of labels", Graph: GraphAroundTrigger(ValidNode("t", "label_added"), ValidNode("x", "ai_extraction")),
			AIConfigured: true, Want: []ProblemKey{p(workflow.CodeLoopTriggerAction, "x", "labels")}},
		{Name: "label trigger and AI extraction of sentiment only", Graph: GraphAroundTrigger(ValidNode("t", "label_added"), workflow.NewNode("x", &workflowv1.AiExtractionAction{SentimentVariable: "s"})),
			AIConfigured: true, Want: nil},
		{Name: "label added trigger may remove labels", Graph: GraphAroundTrigger(ValidNode("t", "label_added"), ValidNode("x", "remove_label")), Want: nil},
		{Name: "message trigger may send messages", Graph: GraphAroundTrigger(ValidNode("t", "message_received"), ValidNode("x", "send_message")), Want: nil},

		// Programmatic start.
		{Name: "programmatic start waits for a message", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.ProgrammaticTrigger{}), ValidNode("w", "wait_for_event")),
			Want: []ProblemKey{p(workflow.CodeProgrammaticWaitsFirst, "w", "event")}},
		{Name: "programmatic start waits for a button", Graph: GraphAroundTrigger(workflow.NewNode("t", &workflowv1.ProgrammaticTrigger{}), workflow.NewNode("w", &workflowv1.WaitForEventNode{
			Event: workflowv1.WaitEvent_WAIT_EVENT_BUTTON_CLICK, Timeout: dur(1, workflowv1.TimeUnit_TIME_UNIT_HOURS)})), Want: nil},
		{Name: "programmatic start with a message first", Graph: ChainGraph(workflow.NewNode("t", &workflowv1.ProgrammaticTrigger{}), MessageNode("m"), ValidNode("w", "wait_for_event")), Want: nil},
		{Name: "new conversation may wait for a message first", Graph: GraphAround(ValidNode("w", "wait_for_event")), Want: nil},
	}
}
