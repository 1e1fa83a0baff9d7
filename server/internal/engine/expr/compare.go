package expr

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

var (
	errNoOperand = errors.New("a value is required")
	errNotSet    = errors.New("the value is not set")
)

// Compare applies one operator to an actual value and rendered operands; it
// is the building block of Evaluate. actual is a string, float64, bool,
// []string (a list such as labels) or nil (not set). Text comparisons trim
// nothing and ignore case unless caseSensitive.
//
// On a scalar (rendered with Format):
//   - EQUALS compares with operands[0]: numerically when actual is a float64
//     and the operand is a number (10 equals "10.0"), as "true"/"false"
//     ignoring case when actual is a bool, as text otherwise. nil equals
//     only "". NOT_EQUALS is its negation.
//   - CONTAINS, NOT_CONTAINS, STARTS_WITH, ENDS_WITH and MATCHES_REGEX
//     (RE2; ignoring case adds the (?i) flag) test the text with
//     operands[0]. On nil they are false, except NOT_CONTAINS, which is true.
//   - GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN and LESS_THAN_OR_EQUAL
//     need two finite numbers: a float64, or a string that parses as one
//     after trimming spaces.
//   - CONTAINS_ANY, CONTAINS_ALL and CONTAINS_NONE test whether the text
//     contains any, all or none of the operands.
//
// On a list, elements are compared whole: EQUALS and CONTAINS test that the
// list has operands[0] (NOT_EQUALS and NOT_CONTAINS that it has not),
// CONTAINS_ANY / ALL / NONE test how many operands it has, STARTS_WITH,
// ENDS_WITH and MATCHES_REGEX hold when any element satisfies them, and the
// numeric operators compare the number of elements.
//
// IS_SET holds unless actual is nil, "" or an empty list; IS_NOT_SET is its
// negation. Neither reads operands.
//
// err says why the comparison cannot be evaluated (no operand where one is
// needed, a value that is not a number, a regular expression that does not
// compile, an unspecified or unknown operator); the result is then false.
func Compare(op workflowv1.Operator, actual any, operands []string, caseSensitive bool) (bool, error) {
	switch op {
	case workflowv1.Operator_OPERATOR_UNSPECIFIED:
		return false, errors.New("no comparison is chosen")
	case workflowv1.Operator_OPERATOR_IS_SET:
		return isSet(actual), nil
	case workflowv1.Operator_OPERATOR_IS_NOT_SET:
		return !isSet(actual), nil
	}
	if _, known := workflowv1.Operator_name[int32(op)]; !known {
		return false, errUnsupported(op)
	}
	if len(operands) == 0 {
		return false, errNoOperand
	}
	if list, ok := actual.([]string); ok {
		return compareList(op, list, operands, caseSensitive)
	}
	return compareScalar(op, actual, operands, caseSensitive)
}

// compareScalar is Compare for a non-list actual and an operator with
// operands.
func compareScalar(op workflowv1.Operator, actual any, operands []string, cs bool) (bool, error) {
	set := actual != nil
	text := Format(actual)
	contains := func(sub string) bool { return set && strings.Contains(fold(text, cs), fold(sub, cs)) }
	switch op {
	case workflowv1.Operator_OPERATOR_EQUALS:
		return equalScalar(actual, operands[0], cs), nil
	case workflowv1.Operator_OPERATOR_NOT_EQUALS:
		return !equalScalar(actual, operands[0], cs), nil
	case workflowv1.Operator_OPERATOR_CONTAINS:
		return contains(operands[0]), nil
	case workflowv1.Operator_OPERATOR_NOT_CONTAINS:
		return !contains(operands[0]), nil
	case workflowv1.Operator_OPERATOR_STARTS_WITH:
		return set && strings.HasPrefix(fold(text, cs), fold(operands[0], cs)), nil
	case workflowv1.Operator_OPERATOR_ENDS_WITH:
		return set && strings.HasSuffix(fold(text, cs), fold(operands[0], cs)), nil
	case workflowv1.Operator_OPERATOR_MATCHES_REGEX:
		re, err := compileRegexp(operands[0], cs)
		if err != nil {
			return false, err
		}
		return set && re.MatchString(text), nil
	case workflowv1.Operator_OPERATOR_GREATER_THAN, workflowv1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL,
		workflowv1.Operator_OPERATOR_LESS_THAN, workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL:
		if !set {
			return false, errNotSet
		}
		a, err := toNumber(actual)
		if err != nil {
			return false, err
		}
		return compareNumbers(op, a, operands[0])
	case workflowv1.Operator_OPERATOR_CONTAINS_ANY, workflowv1.Operator_OPERATOR_CONTAINS_ALL,
		workflowv1.Operator_OPERATOR_CONTAINS_NONE:
		return countOperands(op, operands, contains), nil
	default: // an operator added to the proto but not here
		return false, errUnsupported(op)
	}
}

// compareList is Compare for a list actual and an operator with operands.
func compareList(op workflowv1.Operator, list []string, operands []string, cs bool) (bool, error) {
	has := func(want string) bool {
		return slices.ContainsFunc(list, func(e string) bool { return equalText(e, want, cs) })
	}
	switch op {
	case workflowv1.Operator_OPERATOR_EQUALS, workflowv1.Operator_OPERATOR_CONTAINS:
		return has(operands[0]), nil
	case workflowv1.Operator_OPERATOR_NOT_EQUALS, workflowv1.Operator_OPERATOR_NOT_CONTAINS:
		return !has(operands[0]), nil
	case workflowv1.Operator_OPERATOR_STARTS_WITH:
		prefix := fold(operands[0], cs)
		return slices.ContainsFunc(list, func(e string) bool { return strings.HasPrefix(fold(e, cs), prefix) }), nil
	case workflowv1.Operator_OPERATOR_ENDS_WITH:
		suffix := fold(operands[0], cs)
		return slices.ContainsFunc(list, func(e string) bool { return strings.HasSuffix(fold(e, cs), suffix) }), nil
	case workflowv1.Operator_OPERATOR_MATCHES_REGEX:
		re, err := compileRegexp(operands[0], cs)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(list, re.MatchString), nil
	case workflowv1.Operator_OPERATOR_GREATER_THAN, workflowv1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL,
		workflowv1.Operator_OPERATOR_LESS_THAN, workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL:
		return compareNumbers(op, float64(len(list)), operands[0])
	case workflowv1.Operator_OPERATOR_CONTAINS_ANY, workflowv1.Operator_OPERATOR_CONTAINS_ALL,
		workflowv1.Operator_OPERATOR_CONTAINS_NONE:
		return countOperands(op, operands, has), nil
	default: // an operator added to the proto but not here
		return false, errUnsupported(op)
	}
}

// isSet reports whether v holds a value: not nil, "" or an empty list.
func isSet(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []string:
		return len(v) > 0
	default:
		return true
	}
}

// equalScalar is EQUALS on a non-list value.
func equalScalar(actual any, operand string, cs bool) bool {
	switch a := actual.(type) {
	case nil:
		return operand == ""
	case float64:
		if b, err := parseNumber(operand); err == nil {
			return a == b
		}
	case bool:
		return strings.EqualFold(operand, strconv.FormatBool(a))
	}
	return equalText(Format(actual), operand, cs)
}

// countOperands is CONTAINS_ANY, CONTAINS_ALL or CONTAINS_NONE: whether
// has holds for any, all or none of the operands.
func countOperands(op workflowv1.Operator, operands []string, has func(string) bool) bool {
	n := 0
	for _, o := range operands {
		if has(o) {
			n++
		}
	}
	switch op {
	case workflowv1.Operator_OPERATOR_CONTAINS_ANY:
		return n > 0
	case workflowv1.Operator_OPERATOR_CONTAINS_ALL:
		return n == len(operands)
	default: // CONTAINS_NONE
		return n == 0
	}
}

// compareNumbers applies a numeric operator to a and the number in operand.
func compareNumbers(op workflowv1.Operator, a float64, operand string) (bool, error) {
	b, err := parseNumber(operand)
	if err != nil {
		return false, err
	}
	switch op {
	case workflowv1.Operator_OPERATOR_GREATER_THAN:
		return a > b, nil
	case workflowv1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL:
		return a >= b, nil
	case workflowv1.Operator_OPERATOR_LESS_THAN:
		return a < b, nil
	default: // LESS_THAN_OR_EQUAL
		return a <= b, nil
	}
}

// toNumber returns v as a finite number: a float64, or a string that
// parseNumber accepts.
func toNumber(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, notANumber(Format(v))
		}
		return v, nil
	case string:
		return parseNumber(v)
	default:
		return 0, notANumber(Format(v))
	}
}

// parseNumber parses s, without surrounding spaces, as a finite number,
// as validation does for literal numeric operands.
func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, notANumber(s)
	}
	return f, nil
}

func errUnsupported(op workflowv1.Operator) error {
	return fmt.Errorf("the comparison %v is not supported", op)
}

func notANumber(s string) error { return fmt.Errorf("%q is not a number", s) }

// equalText compares two texts, ignoring case unless cs.
func equalText(a, b string, cs bool) bool {
	if cs {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// fold lowercases s unless cs, for substring tests that ignore case.
func fold(s string, cs bool) string {
	if cs {
		return s
	}
	return strings.ToLower(s)
}
