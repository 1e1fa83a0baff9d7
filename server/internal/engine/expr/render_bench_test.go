package expr_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley/server/internal/engine/expr"
)

// benchScope resolves tags the way the engine's scope does: run variables
// first, then the session's custom data, then the session's own fields
// under dotted names.
func benchScope() expr.Scope {
	variables := map[string]any{
		"order":       "A-10293",
		"order_id":    "A-10293",
		"total":       149.9,
		"items":       3.0,
		"ship_date":   "Tuesday 14 May",
		"carrier":     "DHL Express",
		"tracking":    "JD014600006281234567",
		"express":     true,
		"helped":      "yes",
		"sla_hours":   4.0,
		"agent_notes": "Customer said: \"please leave it at the door\"\nGate code 4711 <b>urgent</b> & fragile",
	}
	data := map[string]any{
		"plan":    "Gold",
		"country": "FR",
		"tags":    []string{"vip", "returning"},
	}
	return func(key string) (any, bool) {
		if v, ok := variables[key]; ok {
			return v, true
		}
		if v, ok := data[key]; ok {
			return v, true
		}
		switch key {
		case "name", "visitor.name":
			return "Ada Lovelace", true
		case "visitor.email":
			return "ada@example.com", true
		case "session.id":
			return "session_1b4e28ba-2fa1-11d2-883f-0016d3cca427", true
		}
		return nil, false
	}
}

func BenchmarkRender(b *testing.B) {
	scope := benchScope()
	// The template language has {{ key }} tags only: no filters or defaults.
	cases := []struct {
		name, tmpl, want string
	}{
		{
			"two_tags",
			"Hi {{ name }}, your order {{ order }} has shipped",
			"Hi Ada Lovelace, your order A-10293 has shipped",
		},
		{
			"ten_tags",
			"Hi {{ visitor.name }}, thanks for shopping on the {{plan}} plan! Your order {{ order_id }} " +
				"({{ items }} items, {{ total }} EUR) ships on {{ ship_date }} with {{ carrier }}, tracking " +
				"number {{ tracking }}. Express: {{ express }}. We'll email {{ visitor.email }} when it " +
				"arrives; reply here if anything looks wrong, we usually answer within {{ sla_hours }} hours.",
			"Hi Ada Lovelace, thanks for shopping on the Gold plan! Your order A-10293 " +
				"(3 items, 149.9 EUR) ships on Tuesday 14 May with DHL Express, tracking " +
				"number JD014600006281234567. Express: true. We'll email ada@example.com when it " +
				"arrives; reply here if anything looks wrong, we usually answer within 4 hours.",
		},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			got, err := expr.Render(c.tmpl, scope)
			if err != nil {
				b.Fatal(err)
			}
			if got.Text != c.want || got.Missing != nil {
				b.Fatalf("Render = %q (missing %v), want %q", got.Text, got.Missing, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := expr.Render(c.tmpl, scope); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRenderJSON(b *testing.B) {
	scope := benchScope()
	// A webhook body: nested objects (whose "}}" is text), quoted string
	// tags, bare number and bool tags, and a value that needs escaping.
	const tmpl = `{"event": "order_shipped", "session": "{{ session.id }}", ` +
		`"order": {"id": "{{ order_id }}", "total": {{ total }}, "items": {{ items }}, "express": {{ express }}}, ` +
		`"customer": {"name": "{{ visitor.name }}", "email": "{{ visitor.email }}", "plan": "{{ plan }}"}, ` +
		`"notes": "{{ agent_notes }}"}`
	b.Run("small_body", func(b *testing.B) {
		got, err := expr.RenderJSON(tmpl, scope)
		if err != nil {
			b.Fatal(err)
		}
		var doc struct {
			Order struct {
				ID      string  `json:"id"`
				Total   float64 `json:"total"`
				Express bool    `json:"express"`
			} `json:"order"`
			Notes string `json:"notes"`
		}
		if err := json.Unmarshal([]byte(got.Text), &doc); err != nil {
			b.Fatalf("RenderJSON produced invalid JSON %s: %v", got.Text, err)
		}
		if doc.Order.ID != "A-10293" || doc.Order.Total != 149.9 || !doc.Order.Express ||
			!strings.HasPrefix(doc.Notes, `Customer said: "please`) || got.Missing != nil {
			b.Fatalf("RenderJSON = %s (missing %v)", got.Text, got.Missing)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := expr.RenderJSON(tmpl, scope); err != nil {
				b.Fatal(err)
			}
		}
	})
}
