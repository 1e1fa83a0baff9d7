package expr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/engine/expr"
	"github.com/parleyhq/parley/server/internal/workflow"
)

const (
	opUnspecified = workflowv1.Operator_OPERATOR_UNSPECIFIED
	opEq          = workflowv1.Operator_OPERATOR_EQUALS
	opNe          = workflowv1.Operator_OPERATOR_NOT_EQUALS
	opContains    = workflowv1.Operator_OPERATOR_CONTAINS
	opNotContains = workflowv1.Operator_OPERATOR_NOT_CONTAINS
	opStarts      = workflowv1.Operator_OPERATOR_STARTS_WITH
	opEnds        = workflowv1.Operator_OPERATOR_ENDS_WITH
	opRegex       = workflowv1.Operator_OPERATOR_MATCHES_REGEX
	opGt          = workflowv1.Operator_OPERATOR_GREATER_THAN
	opGe          = workflowv1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL
	opLt          = workflowv1.Operator_OPERATOR_LESS_THAN
	opLe          = workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL
	opSet         = workflowv1.Operator_OPERATOR_IS_SET
	opNotSet      = workflowv1.Operator_OPERATOR_IS_NOT_SET
	opAny         = workflowv1.Operator_OPERATOR_CONTAINS_ANY
	opAll         = workflowv1.Operator_OPERATOR_CONTAINS_ALL
	opNone        = workflowv1.Operator_OPERATOR_CONTAINS_NONE
)

// ops makes an operand list.
func ops(s ...string) []string { return s }

// mapScope is a Scope over a map.
func mapScope(m map[string]any) expr.Scope {
	return func(key string) (any, bool) {
		v, ok := m[key]
		return v, ok
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"as is ", "as is "},
		{12345.0, "12345"},
		{2.5, "2.5"},
		{-3.0, "-3"},
		{0.1, "0.1"},
		{1e21, "1000000000000000000000"},
		{0.0, "0"},
		{true, "true"},
		{false, "false"},
		{[]string{"vip", "new"}, "vip, new"},
		{[]string{}, ""},
		{7, "7"}, // not a Parley value, but still printable
	}
	for _, tt := range tests {
		if got := expr.Format(tt.in); got != tt.want {
			t.Errorf("Format(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type compareCase struct {
	name     string
	op       workflowv1.Operator
	actual   any
	operands []string
	cs       bool
	want     bool
	err      string // substring of the expected error; "" for none
}

func TestCompare(t *testing.T) {
	labels := []string{"VIP", "new"}
	tests := []compareCase{
		// EQUALS
		{"eq string ci", opEq, "Gold", ops("gold"), false, true, ""},
		{"eq string cs differs", opEq, "Gold", ops("gold"), true, false, ""},
		{"eq string cs same", opEq, "Gold", ops("Gold"), true, true, ""},
		{"eq trims nothing", opEq, " gold", ops("gold"), false, false, ""},
		{"eq empty string", opEq, "", ops(""), false, true, ""},
		{"eq number int", opEq, 10.0, ops("10"), false, true, ""},
		{"eq number 10.0", opEq, 10.0, ops("10.0"), false, true, ""},
		{"eq number spaced", opEq, 10.0, ops(" 10 "), false, true, ""},
		{"eq number exponent", opEq, 10.0, ops("1e1"), false, true, ""},
		{"eq number differs", opEq, 10.0, ops("11"), false, false, ""},
		{"eq number fraction", opEq, 2.5, ops("2.50"), false, true, ""},
		{"eq number negative", opEq, -3.0, ops("-3"), false, true, ""},
		{"eq number vs text", opEq, 10.0, ops("ten"), false, false, ""},
		{"eq string number is text", opEq, "10", ops("10.0"), false, false, ""},
		{"eq bool true", opEq, true, ops("true"), false, true, ""},
		{"eq bool upper even cs", opEq, true, ops("TRUE"), true, true, ""},
		{"eq bool false", opEq, false, ops("false"), false, true, ""},
		{"eq bool mismatch", opEq, false, ops("true"), false, false, ""},
		{"eq bool not a bool", opEq, true, ops("yes"), false, false, ""},
		{"eq list member ci", opEq, labels, ops("vip"), false, true, ""},
		{"eq list member cs", opEq, labels, ops("vip"), true, false, ""},
		{"eq list not member", opEq, labels, ops("old"), false, false, ""},
		{"eq list whole element only", opEq, labels, ops("VI"), false, false, ""},
		{"eq nil vs empty", opEq, nil, ops(""), false, true, ""},
		{"eq nil vs text", opEq, nil, ops("x"), false, false, ""},
		{"eq no operand", opEq, "x", nil, false, false, "a value is required"},
		{"eq list no operand", opEq, labels, ops(), false, false, "a value is required"},

		// NOT_EQUALS
		{"ne string ci", opNe, "Gold", ops("gold"), false, false, ""},
		{"ne string cs", opNe, "Gold", ops("gold"), true, true, ""},
		{"ne number 10.0", opNe, 10.0, ops("10.0"), false, false, ""},
		{"ne number differs", opNe, 10.0, ops("9"), false, true, ""},
		{"ne bool", opNe, true, ops("false"), false, true, ""},
		{"ne list member", opNe, labels, ops("new"), false, false, ""},
		{"ne list not member", opNe, labels, ops("old"), false, true, ""},
		{"ne nil vs empty", opNe, nil, ops(""), false, false, ""},
		{"ne nil vs text", opNe, nil, ops("x"), false, true, ""},
		{"ne no operand", opNe, "x", nil, false, false, "a value is required"},

		// CONTAINS
		{"contains ci", opContains, "Hello World", ops("world"), false, true, ""},
		{"contains cs", opContains, "Hello World", ops("world"), true, false, ""},
		{"contains cs same", opContains, "Hello World", ops("World"), true, true, ""},
		{"contains number", opContains, 12345.0, ops("234"), false, true, ""},
		{"contains bool", opContains, true, ops("RU"), false, true, ""},
		{"contains list member", opContains, labels, ops("vip"), false, true, ""},
		{"contains list substring is not membership", opContains, labels, ops("vi"), false, false, ""},
		{"contains nil", opContains, nil, ops(""), false, false, ""},
		{"contains nil text", opContains, nil, ops("x"), false, false, ""},

		// NOT_CONTAINS
		{"not contains ci", opNotContains, "Hello World", ops("WORLD"), false, false, ""},
		{"not contains cs", opNotContains, "Hello World", ops("WORLD"), true, true, ""},
		{"not contains number", opNotContains, 12345.0, ops("9"), false, true, ""},
		{"not contains list", opNotContains, labels, ops("new"), false, false, ""},
		{"not contains list absent", opNotContains, labels, ops("old"), false, true, ""},
		{"not contains nil", opNotContains, nil, ops("x"), false, true, ""},

		// STARTS_WITH
		{"starts ci", opStarts, "Hello", ops("he"), false, true, ""},
		{"starts cs", opStarts, "Hello", ops("he"), true, false, ""},
		{"starts no", opStarts, "Hello", ops("lo"), false, false, ""},
		{"starts number", opStarts, 12345.0, ops("12"), false, true, ""},
		{"starts bool", opStarts, false, ops("fa"), false, true, ""},
		{"starts list any element", opStarts, []string{"alpha", "Beta"}, ops("be"), false, true, ""},
		{"starts list cs", opStarts, []string{"alpha", "Beta"}, ops("be"), true, false, ""},
		{"starts nil", opStarts, nil, ops(""), false, false, ""},

		// ENDS_WITH
		{"ends ci", opEnds, "Hello", ops("LO"), false, true, ""},
		{"ends cs", opEnds, "Hello", ops("LO"), true, false, ""},
		{"ends no", opEnds, "Hello", ops("he"), false, false, ""},
		{"ends number", opEnds, 2.5, ops(".5"), false, true, ""},
		{"ends list any element", opEnds, []string{"alpha", "Beta"}, ops("TA"), false, true, ""},
		{"ends list none", opEnds, []string{"alpha", "Beta"}, ops("x"), false, false, ""},
		{"ends nil", opEnds, nil, ops("x"), false, false, ""},

		// MATCHES_REGEX
		{"regex match", opRegex, "order #123", ops(`#\d+$`), false, true, ""},
		{"regex no match", opRegex, "order #12a", ops(`#\d+$`), false, false, ""},
		{"regex ci", opRegex, "ABC", ops("^abc$"), false, true, ""},
		{"regex cs", opRegex, "ABC", ops("^abc$"), true, false, ""},
		{"regex own flag cs", opRegex, "ABC", ops("(?i)^abc$"), true, true, ""},
		{"regex number", opRegex, 12345.0, ops(`^\d+$`), false, true, ""},
		{"regex bool", opRegex, true, ops(`^t`), false, true, ""},
		{"regex list any element", opRegex, []string{"a1", "b2"}, ops(`^B\d$`), false, true, ""},
		{"regex list cs", opRegex, []string{"a1", "b2"}, ops(`^B\d$`), true, false, ""},
		{"regex list none", opRegex, []string{"a1", "b2"}, ops(`^c`), false, false, ""},
		{"regex nil", opRegex, nil, ops(`.*`), false, false, ""},
		{"regex error", opRegex, "abc", ops("(abc"), false, false, "does not compile"},
		{"regex error cs", opRegex, "abc", ops("a**"), true, false, "does not compile"},
		{"regex error nil", opRegex, nil, ops("[z-a]"), false, false, "does not compile"},
		{"regex error list", opRegex, labels, ops("(abc"), false, false, "does not compile"},
		{"regex no operand", opRegex, "abc", nil, false, false, "a value is required"},

		// GREATER_THAN
		{"gt number", opGt, 10.0, ops("9"), false, true, ""},
		{"gt equal", opGt, 10.0, ops("10.0"), false, false, ""},
		{"gt numeric string", opGt, " 7 ", ops("-3"), false, true, ""},
		{"gt exponent", opGt, "1e3", ops("999"), false, true, ""},
		{"gt negative", opGt, -3.0, ops("-2"), false, false, ""},
		{"gt text actual", opGt, "abc", ops("1"), false, false, `"abc" is not a number`},
		{"gt text operand", opGt, 5.0, ops("abc"), false, false, `"abc" is not a number`},
		{"gt bool", opGt, true, ops("0"), false, false, `"true" is not a number`},
		{"gt nil", opGt, nil, ops("1"), false, false, "the value is not set"},
		{"gt NaN actual", opGt, math.NaN(), ops("1"), false, false, "is not a number"},
		{"gt Inf actual", opGt, math.Inf(1), ops("1"), false, false, "is not a number"},
		{"gt NaN operand", opGt, 1.0, ops("NaN"), false, false, `"NaN" is not a number`},
		{"gt Inf operand", opGt, 1.0, ops("Inf"), false, false, `"Inf" is not a number`},
		{"gt huge operand", opGt, 1.0, ops("1e400"), false, false, "is not a number"},
		{"gt string NaN", opGt, "NaN", ops("1"), false, false, `"NaN" is not a number`},
		{"gt empty string", opGt, "", ops("1"), false, false, `"" is not a number`},
		{"gt list length", opGt, labels, ops("1"), false, true, ""},
		{"gt list length equal", opGt, labels, ops("2"), false, false, ""},
		{"gt list bad operand", opGt, labels, ops("x"), false, false, `"x" is not a number`},
		{"gt no operand", opGt, 1.0, nil, false, false, "a value is required"},

		// GREATER_THAN_OR_EQUAL
		{"ge equal", opGe, 10.0, ops("10.0"), false, true, ""},
		{"ge less", opGe, 9.5, ops("10"), false, false, ""},
		{"ge string", opGe, "7", ops(" 7 "), false, true, ""},
		{"ge list", opGe, labels, ops("3"), false, false, ""},
		{"ge nil", opGe, nil, ops("0"), false, false, "the value is not set"},

		// LESS_THAN
		{"lt", opLt, "7", ops(" 8 "), false, true, ""},
		{"lt equal", opLt, 8.0, ops("8"), false, false, ""},
		{"lt negative", opLt, "-3", ops("0"), false, true, ""},
		{"lt list empty", opLt, []string{}, ops("1"), false, true, ""},
		{"lt text", opLt, "abc", ops("1"), false, false, `"abc" is not a number`},

		// LESS_THAN_OR_EQUAL
		{"le equal", opLe, 1000.0, ops("1e3"), false, true, ""},
		{"le more", opLe, 1000.5, ops("1e3"), false, false, ""},
		{"le list", opLe, labels, ops("2"), false, true, ""},
		{"le operand text", opLe, 1.0, ops("one"), false, false, `"one" is not a number`},
		{"le nil", opLe, nil, ops("1"), false, false, "the value is not set"},

		// IS_SET / IS_NOT_SET
		{"set string", opSet, "x", nil, false, true, ""},
		{"set space", opSet, " ", nil, false, true, ""},
		{"set empty string", opSet, "", nil, false, false, ""},
		{"set nil", opSet, nil, nil, false, false, ""},
		{"set zero", opSet, 0.0, nil, false, true, ""},
		{"set false", opSet, false, nil, false, true, ""},
		{"set list", opSet, labels, nil, false, true, ""},
		{"set empty list", opSet, []string{}, nil, false, false, ""},
		{"set nil list", opSet, []string(nil), nil, false, false, ""},
		{"set ignores operands", opSet, "x", ops("y"), false, true, ""},
		{"not set string", opNotSet, "x", nil, false, false, ""},
		{"not set empty string", opNotSet, "", nil, false, true, ""},
		{"not set nil", opNotSet, nil, nil, false, true, ""},
		{"not set zero", opNotSet, 0.0, nil, false, false, ""},
		{"not set false", opNotSet, false, nil, false, false, ""},
		{"not set list", opNotSet, labels, nil, false, false, ""},
		{"not set empty list", opNotSet, []string{}, nil, false, true, ""},

		// CONTAINS_ANY
		{"any scalar ci", opAny, "I want a refund now", ops("cancel", "REFUND"), false, true, ""},
		{"any scalar cs", opAny, "I want a refund now", ops("cancel", "REFUND"), true, false, ""},
		{"any scalar none", opAny, "hello", ops("x", "y"), false, false, ""},
		{"any number", opAny, 12345.0, ops("9", "45"), false, true, ""},
		{"any list ci", opAny, labels, ops("gold", "vip"), false, true, ""},
		{"any list cs", opAny, labels, ops("gold", "vip"), true, false, ""},
		{"any list substring is not membership", opAny, labels, ops("ne"), false, false, ""},
		{"any nil", opAny, nil, ops("x", ""), false, false, ""},
		{"any no operand", opAny, "x", nil, false, false, "a value is required"},

		// CONTAINS_ALL
		{"all scalar", opAll, "Refund and cancel", ops("refund", "CANCEL"), false, true, ""},
		{"all scalar cs", opAll, "Refund and cancel", ops("refund", "cancel"), true, false, ""},
		{"all scalar partial", opAll, "refund", ops("refund", "cancel"), false, false, ""},
		{"all list", opAll, labels, ops("vip", "NEW"), false, true, ""},
		{"all list partial", opAll, labels, ops("vip", "old"), false, false, ""},
		{"all list cs", opAll, labels, ops("VIP", "new"), true, true, ""},
		{"all nil", opAll, nil, ops("x"), false, false, ""},
		{"all empty list", opAll, []string{}, ops("x"), false, false, ""},
		{"all no operand", opAll, labels, nil, false, false, "a value is required"},

		// CONTAINS_NONE
		{"none scalar", opNone, "hello", ops("x", "y"), false, true, ""},
		{"none scalar hit", opNone, "hello", ops("x", "ELL"), false, false, ""},
		{"none scalar cs", opNone, "hello", ops("x", "ELL"), true, true, ""},
		{"none list", opNone, labels, ops("old"), false, true, ""},
		{"none list hit ci", opNone, labels, ops("vip"), false, false, ""},
		{"none list cs", opNone, labels, ops("vip"), true, true, ""},
		{"none nil", opNone, nil, ops("x"), false, true, ""},
		{"none no operand", opNone, "x", nil, false, false, "a value is required"},

		// Operators that cannot be evaluated.
		{"unspecified", opUnspecified, "x", ops("x"), false, false, "no comparison"},
		{"unknown", workflowv1.Operator(99), "x", ops("x"), false, false, "not supported"},
		{"negative", workflowv1.Operator(-1), "x", ops("x"), false, false, "not supported"},
	}
	covered := map[workflowv1.Operator]bool{}
	for _, tt := range tests {
		covered[tt.op] = true
		t.Run(tt.name, func(t *testing.T) {
			got, err := expr.Compare(tt.op, tt.actual, tt.operands, tt.cs)
			if got != tt.want {
				t.Errorf("Compare(%v, %#v, %q, %v) = %v, want %v", tt.op, tt.actual, tt.operands, tt.cs, got, tt.want)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.err != "" && err == nil:
				t.Errorf("error = nil, want one containing %q", tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Errorf("error = %q, want it to contain %q", err, tt.err)
			}
		})
	}
	for n := range workflowv1.Operator_name {
		if !covered[workflowv1.Operator(n)] {
			t.Errorf("operator %v has no test case", workflowv1.Operator(n))
		}
	}
}

func TestCompareRegexErrorNamesPattern(t *testing.T) {
	_, err := expr.Compare(opRegex, "x", ops("a**"), false)
	want := `the regular expression "a**" does not compile: invalid nested repetition operator in "**"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	_, err = expr.Compare(opRegex, "x", ops("(abc"), false)
	want = `the regular expression "(abc" does not compile: missing closing )`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestCompareRegexConcurrent(t *testing.T) {
	// Goroutines share cached patterns; case-sensitive ones (even g) cannot
	// match the upper-case text.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			cs := g%2 == 0
			for i := range 200 {
				pattern := fmt.Sprintf(`^item-%d$`, i%20)
				got, err := expr.Compare(opRegex, fmt.Sprintf("ITEM-%d", i%20), ops(pattern), cs)
				if err != nil || got == cs {
					t.Errorf("goroutine %d: Compare(%q, cs %v) = %v, %v", g, pattern, cs, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRegexCacheIsBounded(t *testing.T) {
	for i := range 2*expr.RegexpCacheSize + 10 {
		pattern := fmt.Sprintf("^bounded-%d$", i)
		if ok, err := expr.Compare(opRegex, fmt.Sprintf("bounded-%d", i), ops(pattern), true); !ok || err != nil {
			t.Fatalf("Compare(%q) = %v, %v", pattern, ok, err)
		}
	}
	if n := expr.RegexpCacheLen(); n > expr.RegexpCacheSize || n == 0 {
		t.Errorf("cache holds %d patterns, want 1..%d", n, expr.RegexpCacheSize)
	}
	// An evicted pattern still compiles correctly, and so does an error.
	if ok, err := expr.Compare(opRegex, "bounded-0", ops("^bounded-0$"), true); !ok || err != nil {
		t.Errorf("evicted pattern: %v, %v", ok, err)
	}
	for range 2 {
		if _, err := expr.Compare(opRegex, "x", ops("(unclosed"), true); err == nil {
			t.Error("cached compile error was lost")
		}
	}
}

func TestRender(t *testing.T) {
	scope := mapScope(map[string]any{
		"name":    "Ada",
		"count":   12345.0,
		"price":   2.5,
		"vip":     true,
		"blocked": false,
		"empty":   "",
		"nilled":  nil,
	})
	tests := []struct {
		tmpl    string
		want    string
		missing []string
	}{
		{"", "", nil},
		{"plain text", "plain text", nil},
		{"Hi {{ name }}!", "Hi Ada!", nil},
		{"{{count}} items at {{ price }}", "12345 items at 2.5", nil},
		{"vip={{vip}} blocked={{ blocked }}", "vip=true blocked=false", nil},
		{"[{{ empty }}]", "[]", nil},
		{"[{{ nilled }}]", "[]", []string{"nilled"}},
		{"{{ a }}-{{ name }}-{{ b }}-{{ a }}-{{ c }}-{{ b }}", "-Ada----", []string{"a", "b", "c"}},
		{"{{ user.first_name }} {{ x-y }}", " ", []string{"user.first_name", "x-y"}},
	}
	for _, tt := range tests {
		got, err := expr.Render(tt.tmpl, scope)
		if err != nil {
			t.Errorf("Render(%q): %v", tt.tmpl, err)
			continue
		}
		if got.Text != tt.want {
			t.Errorf("Render(%q).Text = %q, want %q", tt.tmpl, got.Text, tt.want)
		}
		if !equalStrings(got.Missing, tt.missing) {
			t.Errorf("Render(%q).Missing = %q, want %q", tt.tmpl, got.Missing, tt.missing)
		}
	}
}

func TestRenderScopeOKFalseIgnoresValue(t *testing.T) {
	scope := func(key string) (any, bool) { return "leak", false }
	got, err := expr.Render("a{{ k }}b", scope)
	if err != nil || got.Text != "ab" || !equalStrings(got.Missing, []string{"k"}) {
		t.Errorf("Render = %+v, %v; want Text \"ab\", Missing [k]", got, err)
	}
}

func TestRenderNilScope(t *testing.T) {
	got, err := expr.Render("{{ a }}{{ b }}", nil)
	if err != nil || got.Text != "" || !equalStrings(got.Missing, []string{"a", "b"}) {
		t.Errorf("Render = %+v, %v; want empty text, Missing [a b]", got, err)
	}
}

func TestRenderParseErrorPassthrough(t *testing.T) {
	for _, tmpl := range []string{"Hi {{ name", "{{ }}", "{{ 1bad }}", "stray }}"} {
		_, wantErr := workflow.ParseTemplate(tmpl)
		if wantErr == nil {
			t.Fatalf("ParseTemplate(%q) unexpectedly parses", tmpl)
		}
		got, err := expr.Render(tmpl, mapScope(nil))
		var te *workflow.TemplateError
		if !errors.As(err, &te) || err.Error() != wantErr.Error() {
			t.Errorf("Render(%q) error = %v, want %v", tmpl, err, wantErr)
		}
		if got.Text != "" || got.Missing != nil {
			t.Errorf("Render(%q) = %+v on error, want zero", tmpl, got)
		}
	}
}

func TestRenderJSON(t *testing.T) {
	nasty := "He said \"hi\" \\ back\nline2\t</script><script>alert(1)</script> & \u2028"
	scope := mapScope(map[string]any{
		"name":  nasty,
		"count": 12345.0,
		"price": -2.5,
		"vip":   true,
	})
	tmpl := `{"name": "{{ name }}", "n": {{ count }}, "p": {{price}}, "vip": {{ vip }}, "nested": {"x": "<{{ name }}>", "gone": "{{ gone }}"}}`
	got, err := expr.RenderJSON(tmpl, scope)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(got.Text)) {
		t.Fatalf("RenderJSON produced invalid JSON: %s", got.Text)
	}
	var doc struct {
		Name   string  `json:"name"`
		N      float64 `json:"n"`
		P      float64 `json:"p"`
		VIP    bool    `json:"vip"`
		Nested struct {
			X    string `json:"x"`
			Gone string `json:"gone"`
		} `json:"nested"`
	}
	if err := json.Unmarshal([]byte(got.Text), &doc); err != nil {
		t.Fatalf("unmarshal %s: %v", got.Text, err)
	}
	if doc.Name != nasty || doc.Nested.X != "<"+nasty+">" {
		t.Errorf("name round-tripped as %q / %q, want %q", doc.Name, doc.Nested.X, nasty)
	}
	if doc.N != 12345 || doc.P != -2.5 || !doc.VIP || doc.Nested.Gone != "" {
		t.Errorf("decoded %+v, want n 12345, p -2.5, vip true, gone empty", doc)
	}
	if strings.Contains(got.Text, "</script>") {
		t.Errorf("output contains a raw </script>: %s", got.Text)
	}
	if !strings.Contains(got.Text, `"n": 12345,`) || !strings.Contains(got.Text, `"vip": true,`) {
		t.Errorf("numbers and bools are not bare JSON literals: %s", got.Text)
	}
	if !equalStrings(got.Missing, []string{"gone"}) {
		t.Errorf("Missing = %q, want [gone]", got.Missing)
	}
}

func TestRenderJSONEscapesExactly(t *testing.T) {
	got, err := expr.RenderJSON(`"{{ v }}"`, mapScope(map[string]any{"v": "a\"b\\c\nd<e"}))
	want := `"a\"b\\c\nd\u003ce"`
	if err != nil || got.Text != want {
		t.Errorf("RenderJSON = %q, %v; want %q", got.Text, err, want)
	}
}

func TestRenderJSONParse(t *testing.T) {
	// A body's nested objects end in "}}", which is text here...
	got, err := expr.RenderJSON(`{"a": {"b": "{{ x }}"}}`, mapScope(map[string]any{"x": "y"}))
	if err != nil || got.Text != `{"a": {"b": "y"}}` {
		t.Errorf("RenderJSON = %q, %v", got.Text, err)
	}
	// ...but an unclosed tag is still the parser's error.
	_, err = expr.RenderJSON(`{"a": "{{ x"}`, nil)
	_, wantErr := workflow.ParseBodyTemplate(`{"a": "{{ x"}`)
	if err == nil || wantErr == nil || err.Error() != wantErr.Error() {
		t.Errorf("RenderJSON error = %v, want %v", err, wantErr)
	}
}

// fakeFacts answers from a map keyed by field (and key, after a colon) and
// counts the calls.
type fakeFacts struct {
	values map[string]any
	calls  []string
}

func (f *fakeFacts) get(field workflowv1.ConditionField, key string) any {
	name := field.String()
	if key != "" {
		name += ":" + key
	}
	f.calls = append(f.calls, name)
	return f.values[name]
}

func cond(field workflowv1.ConditionField, key string, op workflowv1.Operator, values ...string) *workflowv1.Condition {
	return &workflowv1.Condition{Field: field, Key: key, Operator: op, Values: values}
}

const (
	fieldStatus   = workflowv1.ConditionField_CONDITION_FIELD_STATUS
	fieldLabels   = workflowv1.ConditionField_CONDITION_FIELD_LABELS
	fieldStarred  = workflowv1.ConditionField_CONDITION_FIELD_STARRED
	fieldCustom   = workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA
	fieldVariable = workflowv1.ConditionField_CONDITION_FIELD_VARIABLE
	fieldAmount   = workflowv1.ConditionField_CONDITION_FIELD_LEAD_AMOUNT
	fieldAssignee = workflowv1.ConditionField_CONDITION_FIELD_ASSIGNEE
)

func newFacts() *fakeFacts {
	return &fakeFacts{values: map[string]any{
		"CONDITION_FIELD_STATUS":              "open",
		"CONDITION_FIELD_LABELS":              []string{"vip", "beta"},
		"CONDITION_FIELD_STARRED":             true,
		"CONDITION_FIELD_CUSTOM_DATA:plan":    "Gold",
		"CONDITION_FIELD_VARIABLE:score":      "abc",
		"CONDITION_FIELD_LEAD_AMOUNT":         1500.0,
		"CONDITION_FIELD_CUSTOM_DATA:country": "FR",
	}}
}

func TestEvaluateMatch(t *testing.T) {
	isOpen := cond(fieldStatus, "", opEq, "OPEN")
	isClosed := cond(fieldStatus, "", opEq, "closed")
	tests := []struct {
		name  string
		match workflowv1.Match
		conds []*workflowv1.Condition
		want  bool
	}{
		{"all true", workflowv1.Match_MATCH_ALL, []*workflowv1.Condition{isOpen, isOpen}, true},
		{"all one false", workflowv1.Match_MATCH_ALL, []*workflowv1.Condition{isOpen, isClosed}, false},
		{"unspecified is and", workflowv1.Match_MATCH_UNSPECIFIED, []*workflowv1.Condition{isClosed, isOpen}, false},
		{"unspecified all true", workflowv1.Match_MATCH_UNSPECIFIED, []*workflowv1.Condition{isOpen}, true},
		{"any one true", workflowv1.Match_MATCH_ANY, []*workflowv1.Condition{isClosed, isOpen}, true},
		{"any none true", workflowv1.Match_MATCH_ANY, []*workflowv1.Condition{isClosed, isClosed}, false},
		{"all empty", workflowv1.Match_MATCH_ALL, nil, true},
		{"any empty", workflowv1.Match_MATCH_ANY, nil, false},
		{"unspecified empty", workflowv1.Match_MATCH_UNSPECIFIED, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := newFacts()
			got, results := expr.Evaluate(&workflowv1.DecisionNode{Match: tt.match, Conditions: tt.conds}, facts.get, nil)
			if got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
			if len(results) != len(tt.conds) || len(facts.calls) != len(tt.conds) {
				t.Errorf("%d results and %d fact reads for %d conditions", len(results), len(facts.calls), len(tt.conds))
			}
		})
	}
}

func TestEvaluateNilDecision(t *testing.T) {
	got, results := expr.Evaluate(nil, nil, nil)
	if !got || len(results) != 0 {
		t.Errorf("Evaluate(nil) = %v, %v; want true, no results", got, results)
	}
}

func TestEvaluateRecordsEveryCondition(t *testing.T) {
	d := &workflowv1.DecisionNode{
		Match: workflowv1.Match_MATCH_ANY,
		Conditions: []*workflowv1.Condition{
			cond(fieldStatus, "", opEq, "open"),                 // true: decides OR early
			cond(fieldCustom, "plan", opEq, "{{ plan }}"),       // templated operand
			cond(fieldVariable, "score", opGt, "10"),            // "abc" is not a number
			cond(fieldLabels, "", opAny, "gold", "{{ label }}"), // list membership
			cond(fieldAmount, "", opGe, "1e3"),                  // number
			cond(fieldStarred, "", opRegex, "(bad"),             // regex error
			cond(fieldAssignee, "", opNotSet),                   // nil fact
			cond(fieldStatus, "", opEq, "{{ nobody }}"),         // missing tag renders empty
			cond(fieldStatus, "", opEq, "{{ broken"),            // template error
			{Field: fieldCustom, Key: "country", Operator: opEq, Values: []string{"fr"}, CaseSensitive: true},
		},
	}
	scope := mapScope(map[string]any{"plan": "gold", "label": "BETA"})
	facts := newFacts()
	got, results := expr.Evaluate(d, facts.get, scope)
	if !got {
		t.Errorf("Evaluate = false, want true")
	}
	wantCalls := []string{
		"CONDITION_FIELD_STATUS", "CONDITION_FIELD_CUSTOM_DATA:plan", "CONDITION_FIELD_VARIABLE:score",
		"CONDITION_FIELD_LABELS", "CONDITION_FIELD_LEAD_AMOUNT", "CONDITION_FIELD_STARRED",
		"CONDITION_FIELD_ASSIGNEE", "CONDITION_FIELD_STATUS", "CONDITION_FIELD_STATUS",
		"CONDITION_FIELD_CUSTOM_DATA:country",
	}
	if !equalStrings(facts.calls, wantCalls) {
		t.Errorf("facts read %q, want %q", facts.calls, wantCalls)
	}
	type want struct {
		actual   *structpb.Value
		expected []string
		result   bool
		err      string
	}
	labels, _ := structpb.NewList([]any{"vip", "beta"})
	wants := []want{
		{structpb.NewStringValue("open"), []string{"open"}, true, ""},
		{structpb.NewStringValue("Gold"), []string{"gold"}, true, ""},
		{structpb.NewStringValue("abc"), []string{"10"}, false, `"abc" is not a number`},
		{structpb.NewListValue(labels), []string{"gold", "BETA"}, true, ""},
		{structpb.NewNumberValue(1500), []string{"1e3"}, true, ""},
		{structpb.NewBoolValue(true), []string{"(bad"}, false, "does not compile"},
		{structpb.NewNullValue(), []string{}, true, ""},
		{structpb.NewStringValue("open"), []string{""}, false, ""},
		{structpb.NewStringValue("open"), []string{"{{ broken"}, false, "value 1 is not a valid template"},
		{structpb.NewStringValue("FR"), []string{"fr"}, false, ""},
	}
	if len(results) != len(wants) {
		t.Fatalf("%d results, want %d", len(results), len(wants))
	}
	for i, w := range wants {
		r := results[i]
		if r.GetIndex() != int32(i) {
			t.Errorf("results[%d].Index = %d", i, r.GetIndex())
		}
		if !proto.Equal(r.GetCondition(), d.GetConditions()[i]) || r.GetCondition() == d.GetConditions()[i] {
			t.Errorf("results[%d].Condition is not a copy of the condition", i)
		}
		if !proto.Equal(r.GetActual(), w.actual) {
			t.Errorf("results[%d].Actual = %v, want %v", i, r.GetActual(), w.actual)
		}
		if !equalStrings(r.GetExpected(), w.expected) {
			t.Errorf("results[%d].Expected = %q, want %q", i, r.GetExpected(), w.expected)
		}
		if r.GetResult() != w.result {
			t.Errorf("results[%d].Result = %v, want %v", i, r.GetResult(), w.result)
		}
		if w.err == "" && r.GetError() != "" || w.err != "" && !strings.Contains(r.GetError(), w.err) {
			t.Errorf("results[%d].Error = %q, want %q", i, r.GetError(), w.err)
		}
	}

	// The same decision with AND is false, yet still records everything.
	d.Match = workflowv1.Match_MATCH_ALL
	got, results = expr.Evaluate(d, newFacts().get, scope)
	if got || len(results) != len(wants) {
		t.Errorf("AND: Evaluate = %v with %d results, want false with %d", got, len(results), len(wants))
	}

	// The recorded condition does not change with the decision.
	d.Conditions[0].Values[0] = "changed"
	if v := results[0].GetCondition().GetValues()[0]; v != "open" {
		t.Errorf("recorded condition changed with the original: %q", v)
	}
}

func TestEvaluateAndErrorIsFalse(t *testing.T) {
	// An error makes its condition false, deciding AND; OR still finds the
	// other condition.
	conds := []*workflowv1.Condition{
		cond(fieldVariable, "score", opLt, "5"),
		cond(fieldStatus, "", opEq, "open"),
	}
	for match, want := range map[workflowv1.Match]bool{workflowv1.Match_MATCH_ALL: false, workflowv1.Match_MATCH_ANY: true} {
		got, results := expr.Evaluate(&workflowv1.DecisionNode{Match: match, Conditions: conds}, newFacts().get, nil)
		if got != want || results[0].GetError() == "" || results[0].GetResult() || !results[1].GetResult() {
			t.Errorf("%v: Evaluate = %v, results %v", match, got, results)
		}
	}
}

func TestEvaluateSpecialActuals(t *testing.T) {
	facts := func(workflowv1.ConditionField, string) any { return math.Inf(1) }
	_, results := expr.Evaluate(&workflowv1.DecisionNode{Conditions: []*workflowv1.Condition{cond(fieldAmount, "", opSet)}}, facts, nil)
	if want := structpb.NewStringValue("+Inf"); !proto.Equal(results[0].GetActual(), want) {
		t.Errorf("Actual = %v, want %v", results[0].GetActual(), want)
	}
	// A nil facts reads nothing; the key is passed only for custom data and variables.
	got, results := expr.Evaluate(&workflowv1.DecisionNode{Conditions: []*workflowv1.Condition{cond(fieldStatus, "ignored", opNotSet)}}, nil, nil)
	if !got || !proto.Equal(results[0].GetActual(), structpb.NewNullValue()) {
		t.Errorf("nil facts: %v, %v", got, results)
	}
	f := newFacts()
	expr.Evaluate(&workflowv1.DecisionNode{Conditions: []*workflowv1.Condition{cond(fieldStatus, "ignored", opSet)}}, f.get, nil)
	if !equalStrings(f.calls, []string{"CONDITION_FIELD_STATUS"}) {
		t.Errorf("facts called with %q, want the key dropped", f.calls)
	}
}

func TestEvaluateNilCondition(t *testing.T) {
	d := &workflowv1.DecisionNode{Conditions: []*workflowv1.Condition{nil}}
	got, results := expr.Evaluate(d, newFacts().get, nil)
	if got || len(results) != 1 || results[0].GetError() == "" {
		t.Errorf("Evaluate with a nil condition = %v, %v; want false with an error", got, results)
	}
}

func TestMatchText(t *testing.T) {
	m := func(op workflowv1.Operator, value string, cs bool) *workflowv1.TextMatch {
		return &workflowv1.TextMatch{Operator: op, Value: value, CaseSensitive: cs}
	}
	tests := []struct {
		name  string
		match *workflowv1.TextMatch
		text  string
		want  bool
	}{
		{"nil", nil, "anything", true},
		{"nil empty text", nil, "", true},
		{"unspecified", m(opUnspecified, "x", false), "anything", true},
		{"equals ci", m(opEq, "hello", false), "HELLO", true},
		{"equals cs", m(opEq, "hello", true), "HELLO", false},
		{"equals no trim", m(opEq, "hello", false), "hello ", false},
		{"not equals", m(opNe, "hello", false), "bye", true},
		{"not equals ci", m(opNe, "hello", false), "Hello", false},
		{"not equals cs", m(opNe, "hello", true), "Hello", true},
		{"contains", m(opContains, "refund", false), "I want a REFUND", true},
		{"contains cs", m(opContains, "refund", true), "I want a REFUND", false},
		{"not contains", m(opNotContains, "refund", false), "hello", true},
		{"not contains hit", m(opNotContains, "refund", false), "Refund!", false},
		{"starts", m(opStarts, "/start", false), "/START now", true},
		{"starts cs", m(opStarts, "/start", true), "/START now", false},
		{"ends", m(opEnds, "?", false), "what?", true},
		{"ends no", m(opEnds, "?", false), "what", false},
		{"regex ci", m(opRegex, `^order\s+#\d+$`, false), "ORDER #42", true},
		{"regex cs", m(opRegex, `^order\s+#\d+$`, true), "ORDER #42", false},
		{"regex no match", m(opRegex, `^\d+$`, false), "12a", false},
		{"regex invalid", m(opRegex, `(`, false), "(", false},
		{"unsupported numeric", m(opGt, "1", false), "5", false},
		{"unsupported is set", m(opSet, "", false), "hi", false},
		{"unsupported any", m(opAny, "hi", false), "hi", false},
		{"unknown", m(workflowv1.Operator(42), "hi", false), "hi", false},
	}
	for _, tt := range tests {
		if got := expr.MatchText(tt.match, tt.text); got != tt.want {
			t.Errorf("%s: MatchText(%v, %q) = %v, want %v", tt.name, tt.match, tt.text, got, tt.want)
		}
	}
}

// equalStrings compares string lists, taking nil and empty as equal.
func equalStrings(a, b []string) bool { return slices.Equal(a, b) }
