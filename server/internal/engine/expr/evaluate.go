package expr

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// Facts gives a condition the value of a field. key is the custom-data key
// or variable name for CONDITION_FIELD_CUSTOM_DATA and
// CONDITION_FIELD_VARIABLE, "" otherwise. The value is a string, float64,
// bool, []string (labels, segments) or nil when not set.
type Facts func(field workflowv1.ConditionField, key string) any

// Evaluate evaluates a decision: its conditions combined with AND
// (MATCH_ALL, also the default for MATCH_UNSPECIFIED) or OR (MATCH_ANY). A
// decision with no conditions is true for AND and false for OR.
//
// Each condition's operands (Condition.values) are templates, rendered with
// scope before Compare applies the operator to the fact; a tag the scope
// does not know renders empty. Every condition is evaluated and recorded,
// even after the outcome is decided, because the run history shows them
// all: the results hold, in order, the condition's Index, a copy of the
// Condition, the Actual fact (a string, number, bool, list of strings or
// null; a NaN or infinite number is recorded as its text), the Expected
// rendered operands, the Result and, when the condition could not be
// evaluated, an Error sentence (the condition is then false).
//
// A nil facts reads every field as not set; a nil scope knows no tag.
func Evaluate(d *workflowv1.DecisionNode, facts Facts, scope Scope) (bool, []*workflowv1.ConditionResult) {
	anyOf := d.GetMatch() == workflowv1.Match_MATCH_ANY
	outcome := !anyOf
	results := make([]*workflowv1.ConditionResult, 0, len(d.GetConditions()))
	for i, c := range d.GetConditions() {
		r := evaluateCondition(i, c, facts, scope)
		results = append(results, r)
		if anyOf {
			outcome = outcome || r.GetResult()
		} else {
			outcome = outcome && r.GetResult()
		}
	}
	return outcome, results
}

// evaluateCondition evaluates and records the condition at index i.
func evaluateCondition(i int, c *workflowv1.Condition, facts Facts, scope Scope) *workflowv1.ConditionResult {
	var key string
	switch c.GetField() {
	case workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA, workflowv1.ConditionField_CONDITION_FIELD_VARIABLE:
		key = c.GetKey()
	}
	var actual any
	if facts != nil {
		actual = facts(c.GetField(), key)
	}
	r := &workflowv1.ConditionResult{
		Index:     int32(i), // a decision has at most 50 conditions
		Condition: proto.Clone(c).(*workflowv1.Condition),
		Actual:    toValue(actual),
	}
	expected, err := renderOperands(c.GetValues(), scope)
	r.Expected = expected
	if err == nil {
		r.Result, err = Compare(c.GetOperator(), actual, expected, c.GetCaseSensitive())
	}
	if err != nil {
		r.Result = false
		r.Error = err.Error()
	}
	return r
}

// renderOperands renders each operand template. An operand that does not
// parse is kept as written and the first such error returned.
func renderOperands(values []string, scope Scope) ([]string, error) {
	var firstErr error
	out := make([]string, len(values))
	for i, v := range values {
		rendered, err := Render(v, scope)
		if err != nil {
			out[i] = v
			if firstErr == nil {
				firstErr = fmt.Errorf("value %d is not a valid template: %w", i+1, err)
			}
			continue
		}
		out[i] = rendered.Text
	}
	return out, firstErr
}

// toValue converts a fact to a structpb.Value. Non-finite numbers, which
// JSON cannot represent, and unexpected types become their Format text.
func toValue(v any) *structpb.Value {
	switch v := v.(type) {
	case nil:
		return structpb.NewNullValue()
	case string:
		return structpb.NewStringValue(v)
	case bool:
		return structpb.NewBoolValue(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return structpb.NewStringValue(Format(v))
		}
		return structpb.NewNumberValue(v)
	case []string:
		list := &structpb.ListValue{Values: make([]*structpb.Value, len(v))}
		for i, s := range v {
			list.Values[i] = structpb.NewStringValue(s)
		}
		return structpb.NewListValue(list)
	default:
		return structpb.NewStringValue(Format(v))
	}
}

// MatchText reports whether a message text satisfies a message-received
// trigger's match. A nil match or OPERATOR_UNSPECIFIED matches every text.
// The supported operators are EQUALS, NOT_EQUALS, CONTAINS, NOT_CONTAINS,
// STARTS_WITH, ENDS_WITH and MATCHES_REGEX, applied as by Compare with
// m.value: case-insensitive unless case_sensitive (for a regular
// expression, the (?i) flag). Other operators and a regular expression that
// does not compile match nothing.
func MatchText(m *workflowv1.TextMatch, text string) bool {
	switch m.GetOperator() {
	case workflowv1.Operator_OPERATOR_UNSPECIFIED:
		return true
	case workflowv1.Operator_OPERATOR_EQUALS, workflowv1.Operator_OPERATOR_NOT_EQUALS,
		workflowv1.Operator_OPERATOR_CONTAINS, workflowv1.Operator_OPERATOR_NOT_CONTAINS,
		workflowv1.Operator_OPERATOR_STARTS_WITH, workflowv1.Operator_OPERATOR_ENDS_WITH,
		workflowv1.Operator_OPERATOR_MATCHES_REGEX:
		ok, err := Compare(m.GetOperator(), text, []string{m.GetValue()}, m.GetCaseSensitive())
		return ok && err == nil
	default:
		return false
	}
}
