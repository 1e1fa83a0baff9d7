package expr_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/engine/expr"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// FuzzRender renders any template against a fixed scope: it never panics,
// fails exactly when the parser does, reports only keys the template has,
// and reports none when the scope knows every key.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"", "plain", "Hi {{ name }}!", "{{count}}{{vip}}{{ missing }}{{ missing }}",
		"{{ a.b-c }} {{ _x }}", "{{", "}}", "{{ }}", "{{ 1a }}", "{{{{ a }}}}", "é{{\tname\t}}ü",
	} {
		f.Add(seed)
	}
	fixed := mapScope(map[string]any{"name": "Ada", "count": 3.0, "vip": true})
	knowsAll := func(key string) (any, bool) { return "<" + key + ">", true }
	f.Fuzz(func(t *testing.T, tmpl string) {
		got, err := expr.Render(tmpl, fixed)
		parts, parseErr := workflow.ParseTemplate(tmpl)
		if (err == nil) != (parseErr == nil) {
			t.Fatalf("Render error %v, ParseTemplate error %v", err, parseErr)
		}
		if err != nil {
			return
		}
		var keys, literal []string
		for _, p := range parts {
			if p.Key != "" {
				keys = append(keys, p.Key)
			} else {
				literal = append(literal, p.Literal)
			}
		}
		seen := map[string]bool{}
		for _, k := range got.Missing {
			if !slices.Contains(keys, k) || seen[k] {
				t.Errorf("Missing %q: not a tag of %q, or listed twice (%q)", k, tmpl, got.Missing)
			}
			if k == "name" || k == "count" || k == "vip" {
				t.Errorf("Missing lists %q, which the scope knows", k)
			}
			seen[k] = true
		}
		all, err := expr.Render(tmpl, knowsAll)
		if err != nil || len(all.Missing) != 0 {
			t.Errorf("with every key known: %v, Missing %q", err, all.Missing)
		}
		for _, l := range literal {
			if !strings.Contains(all.Text, l) {
				t.Errorf("rendered %q lost literal %q", all.Text, l)
			}
		}
	})
}

// jsonSlot is a JSON body template with one "{{ v }}" string slot, and how
// to find the slot's value in the decoded document.
type jsonSlot struct {
	tmpl string
	get  func(doc any) any
}

var jsonSlots = []jsonSlot{
	{`"{{ v }}"`, func(doc any) any { return doc }},
	{`{"a": {"b": "{{ v }}"}}`, func(doc any) any {
		a, _ := doc.(map[string]any)["a"].(map[string]any)
		return a["b"]
	}},
	{`[1, true, "{{v}}", null]`, func(doc any) any {
		list, _ := doc.([]any)
		if len(list) != 4 {
			return nil
		}
		return list[2]
	}},
}

// FuzzRenderJSON inserts any value into a JSON string slot: the body stays
// valid JSON and the value round-trips (invalid UTF-8 bytes become U+FFFD).
func FuzzRenderJSON(f *testing.F) {
	for i, seed := range []string{
		"", "plain", `quote " backslash \ newline` + "\n", "</script><!--", "\x00\x1f\u2028\u2029",
		"\xff\xfe bad utf-8", `{{ v }}`, `"}, "admin": true, "x": {"`,
	} {
		f.Add(seed, uint8(i))
	}
	f.Fuzz(func(t *testing.T, value string, which uint8) {
		slot := jsonSlots[int(which)%len(jsonSlots)]
		got, err := expr.RenderJSON(slot.tmpl, mapScope(map[string]any{"v": value}))
		if err != nil || len(got.Missing) != 0 {
			t.Fatalf("RenderJSON(%q): %v, Missing %q", slot.tmpl, err, got.Missing)
		}
		if !json.Valid([]byte(got.Text)) {
			t.Fatalf("invalid JSON for value %q: %s", value, got.Text)
		}
		var doc any
		if err := json.Unmarshal([]byte(got.Text), &doc); err != nil {
			t.Fatal(err)
		}
		want := string([]rune(value)) // each invalid byte becomes U+FFFD
		if v := slot.get(doc); v != want {
			t.Errorf("slot holds %q, want %q (body %s)", v, want, got.Text)
		}
		if strings.ContainsAny(got.Text, "<>&") {
			t.Errorf("HTML-sensitive character left unescaped: %s", got.Text)
		}
	})
}

// FuzzCompare applies any operator to any actual and operands: it never
// panics, an error makes the result false, and the negated operators agree.
// kind chooses the actual: 0 a string, 1 a number parsed from it (any
// float64, NaN and Inf included; skipped when it does not parse), 2 a bool, 3 a list split on "|", 4 nil.
// Operands are split on "|".
func FuzzCompare(f *testing.F) {
	f.Add(uint8(1), uint8(0), "Gold", "gold", false)
	f.Add(uint8(1), uint8(1), "10", "10.0", false)
	f.Add(uint8(7), uint8(0), "order #1", `#\d+`, true)
	f.Add(uint8(7), uint8(3), "a|b", "(", false)
	f.Add(uint8(8), uint8(0), "abc", "1", false)
	f.Add(uint8(8), uint8(1), "NaN", " 7 ", false)
	f.Add(uint8(14), uint8(3), "vip|new", "VIP|old", true)
	f.Add(uint8(16), uint8(4), "", "", false)
	f.Add(uint8(12), uint8(2), "true", "", false)
	f.Add(uint8(20), uint8(0), "x", "x", false)
	f.Fuzz(func(t *testing.T, opNum, kind uint8, actualText, operandText string, cs bool) {
		op := workflowv1.Operator(opNum % 21)
		var actual any
		switch kind % 5 {
		case 0:
			actual = actualText
		case 1:
			n, err := strconv.ParseFloat(actualText, 64) // NaN and Inf included
			if err != nil {
				return
			}
			actual = n
		case 2:
			actual = strings.EqualFold(actualText, "true")
		case 3:
			actual = strings.Split(actualText, "|")
		case 4:
			actual = nil
		}
		var operands []string
		if operandText != "" {
			operands = strings.Split(operandText, "|")
		}

		got, err := expr.Compare(op, actual, operands, cs)
		if err != nil && got {
			t.Errorf("Compare(%v) = true with error %v", op, err)
		}
		compare := func(op workflowv1.Operator) (bool, error) { return expr.Compare(op, actual, operands, cs) }
		checkNegation := func(a, b workflowv1.Operator) {
			ra, ea := compare(a)
			rb, eb := compare(b)
			if ea == nil && eb == nil && ra == rb {
				t.Errorf("%v = %v and %v = %v for %#v %q", a, ra, b, rb, actual, operands)
			}
		}
		checkNegation(opEq, opNe)
		checkNegation(opContains, opNotContains)
		checkNegation(opAny, opNone)
		checkNegation(opSet, opNotSet)
		if _, err := compare(opSet); err != nil {
			t.Errorf("IS_SET error: %v", err)
		}
	})
}
