package expr

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/server/internal/workflow"
)

// Scope resolves a template key to a value: string, float64 or bool. ok is
// false for unknown keys.
type Scope func(key string) (value any, ok bool)

// Format renders a value as template text: strings as is, float64 in plain
// decimal without exponent or trailing zeros (12345 -> "12345", 2.5 ->
// "2.5"), bools as "true" or "false", nil as "" and []string joined with
// ", ". Other types render with fmt.Sprint.
func Format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []string:
		return strings.Join(v, ", ")
	default:
		return fmt.Sprint(v)
	}
}

// Rendered is the result of rendering a template.
type Rendered struct {
	Text string
	// Missing lists the keys that resolved to nothing (unknown to the scope,
	// or nil) and so rendered empty, in first-seen order without duplicates;
	// nil when every key resolved.
	Missing []string
}

// Render renders a text template ({{ key }} tags, parsed with
// workflow.ParseTemplate) against scope: each tag is replaced by the
// Format of its value. Unknown keys render empty and are listed in Missing;
// a nil scope knows no key. If s does not parse, Render returns the parser's
// error unchanged.
func Render(s string, scope Scope) (Rendered, error) {
	parts, err := workflow.ParseTemplate(s)
	if err != nil {
		return Rendered{}, err
	}
	return render(parts, scope, Format), nil
}

// RenderJSON renders a request-body template (parsed with
// workflow.ParseBodyTemplate, where a "}}" outside a tag is text). Each value
// is inserted as the contents of a JSON string, escaped but without
// surrounding quotes: the author writes "{{ name }}" in quotes for a string,
// and a value containing a quote, backslash or newline cannot break out of
// it. HTML-sensitive characters (<, >, &) are escaped as \u003c and so on,
// and invalid UTF-8 bytes become U+FFFD. Numbers and bools render as their
// Format text, which needs no escaping, so {"n": {{ count }}} yields a JSON
// number. Missing keys are as in Render.
func RenderJSON(s string, scope Scope) (Rendered, error) {
	parts, err := workflow.ParseBodyTemplate(s)
	if err != nil {
		return Rendered{}, err
	}
	return render(parts, scope, func(v any) string { return jsonContents(Format(v)) }), nil
}

// render joins parts, replacing each tag by format of its value.
func render(parts []workflow.TemplatePart, scope Scope, format func(any) string) Rendered {
	var out Rendered
	var b strings.Builder
	for _, p := range parts {
		if p.Key == "" {
			b.WriteString(p.Literal)
			continue
		}
		var v any
		if scope != nil {
			if val, ok := scope(p.Key); ok {
				v = val
			}
		}
		if v == nil {
			if !slices.Contains(out.Missing, p.Key) {
				out.Missing = append(out.Missing, p.Key)
			}
			continue
		}
		b.WriteString(format(v))
	}
	out.Text = b.String()
	return out
}

// jsonContents returns s escaped as the contents of a JSON string literal.
func jsonContents(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}
