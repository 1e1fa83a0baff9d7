package expr_test

import (
	"testing"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/engine/expr"
)

var (
	benchData      = map[string]any{"plan": "Gold", "country": "FR"}
	benchVariables = map[string]any{"order.total": 149.9, "helped": "yes"}
)

// benchFacts answers conditions the way the engine's facts do for an open
// WhatsApp session whose visitor asked for a refund.
func benchFacts(f workflowv1.ConditionField, key string) any {
	switch f {
	case workflowv1.ConditionField_CONDITION_FIELD_STATUS:
		return "open"
	case workflowv1.ConditionField_CONDITION_FIELD_CHANNEL:
		return "whatsapp"
	case workflowv1.ConditionField_CONDITION_FIELD_LABELS:
		return []string{"vip", "returning"}
	case workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT:
		return "Hi, I'd like a refund for order A-10293: the parcel arrived broken. This is urgent, thanks!"
	case workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA:
		return benchData[key]
	case workflowv1.ConditionField_CONDITION_FIELD_VARIABLE:
		return benchVariables[key]
	case workflowv1.ConditionField_CONDITION_FIELD_LEAD_AMOUNT:
		return 1500.0
	case workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_COUNT:
		return 5.0
	}
	return nil
}

// eightConditions mixes the common operators, two with templated operands;
// every one holds for benchFacts and benchScope.
func eightConditions() []*workflowv1.Condition {
	c := func(f workflowv1.ConditionField, key string, op workflowv1.Operator, values ...string) *workflowv1.Condition {
		return &workflowv1.Condition{Field: f, Key: key, Operator: op, Values: values}
	}
	return []*workflowv1.Condition{
		c(workflowv1.ConditionField_CONDITION_FIELD_CHANNEL, "", workflowv1.Operator_OPERATOR_EQUALS, "WhatsApp"),
		c(workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, "", workflowv1.Operator_OPERATOR_CONTAINS, "refund"),
		c(workflowv1.ConditionField_CONDITION_FIELD_LEAD_AMOUNT, "", workflowv1.Operator_OPERATOR_GREATER_THAN, "999.99"),
		c(workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA, "plan", workflowv1.Operator_OPERATOR_IS_SET),
		c(workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT, "", workflowv1.Operator_OPERATOR_MATCHES_REGEX, `\b(urgent|asap)\b`),
		c(workflowv1.ConditionField_CONDITION_FIELD_LABELS, "", workflowv1.Operator_OPERATOR_CONTAINS_ANY, "gold", "{{ plan }}", "vip"),
		c(workflowv1.ConditionField_CONDITION_FIELD_VARIABLE, "order.total", workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL, "{{ total }}"),
		c(workflowv1.ConditionField_CONDITION_FIELD_STATUS, "", workflowv1.Operator_OPERATOR_NOT_EQUALS, "resolved"),
	}
}

func BenchmarkEvaluate(b *testing.B) {
	scope := benchScope()
	cases := []struct {
		name string
		d    *workflowv1.DecisionNode
	}{
		{"one_condition", &workflowv1.DecisionNode{Conditions: []*workflowv1.Condition{{
			Field: workflowv1.ConditionField_CONDITION_FIELD_STATUS, Operator: workflowv1.Operator_OPERATOR_EQUALS, Values: []string{"open"},
		}}}},
		{"eight_conditions_all", &workflowv1.DecisionNode{Match: workflowv1.Match_MATCH_ALL, Conditions: eightConditions()}},
		// ANY evaluates every condition too (the run history records them all).
		{"eight_conditions_any", &workflowv1.DecisionNode{Match: workflowv1.Match_MATCH_ANY, Conditions: eightConditions()}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ok, results := expr.Evaluate(c.d, benchFacts, scope)
			if !ok || len(results) != len(c.d.GetConditions()) {
				b.Fatalf("Evaluate = %v with %d results, want true with %d", ok, len(results), len(c.d.GetConditions()))
			}
			for _, r := range results {
				if !r.GetResult() || r.GetError() != "" {
					b.Fatalf("condition %d: result %v, error %q, expected %q", r.GetIndex(), r.GetResult(), r.GetError(), r.GetExpected())
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				expr.Evaluate(c.d, benchFacts, scope)
			}
		})
	}
}

func BenchmarkMatchText(b *testing.B) {
	const text = "Hello! I ordered a blue jacket last week (order A-10293) and would like a REFUND please, it doesn't fit."
	cases := []struct {
		name  string
		match *workflowv1.TextMatch
	}{
		{"contains", &workflowv1.TextMatch{Operator: workflowv1.Operator_OPERATOR_CONTAINS, Value: "refund"}},
		{"contains_case_sensitive", &workflowv1.TextMatch{Operator: workflowv1.Operator_OPERATOR_CONTAINS, Value: "REFUND", CaseSensitive: true}},
		{"regex", &workflowv1.TextMatch{Operator: workflowv1.Operator_OPERATOR_MATCHES_REGEX, Value: `\b(refund|return|money back)\b`}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if !expr.MatchText(c.match, text) {
				b.Fatalf("MatchText(%v) = false, want true", c.match)
			}
			b.ReportAllocs()
			for b.Loop() {
				expr.MatchText(c.match, text)
			}
		})
	}
}
