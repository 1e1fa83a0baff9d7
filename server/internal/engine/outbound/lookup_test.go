package outbound

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestLookup(t *testing.T) {
	var doc any
	err := json.Unmarshal([]byte(`{
		"data": {"customer": {"plan": "pro", "seats": 12, "vip": false, "note": null}},
		"items": [{"id": "a1"}, {"id": "b2", "tags": ["x", "y"]}],
		"0": "key named zero",
		"": "empty key"
	}`), &doc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"data.customer.plan", "pro", true},
		{"data.customer.seats", float64(12), true},
		{"data.customer.vip", false, true},
		{"data.customer.note", nil, true},
		{"data.customer", map[string]any{"plan": "pro", "seats": float64(12), "vip": false, "note": nil}, true},
		{"items.0.id", "a1", true},
		{"items.1.tags.1", "y", true},
		{"0", "key named zero", true},
		{"data.missing", nil, false},
		{"data.customer.plan.more", nil, false},
		{"items.2.id", nil, false},
		{"items.-1", nil, false},
		{"items.+1", nil, false},
		{"items.first", nil, false},
		{"items.99999999999999999999", nil, false},
		{"items.0.id.0", nil, false},
		{"data..plan", nil, false},
		{"nope", nil, false},
	}
	for _, tt := range tests {
		got, ok := Lookup(doc, tt.path)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Lookup(%q) = %#v, %v; want %#v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}

	// "" returns the whole value, whatever it is.
	if got, ok := Lookup(doc, ""); !ok || !reflect.DeepEqual(got, doc) {
		t.Errorf("Lookup(doc, \"\") = %v, %v; want the document", got, ok)
	}
	if got, ok := Lookup("scalar", ""); !ok || got != "scalar" {
		t.Errorf("Lookup(\"scalar\", \"\") = %v, %v", got, ok)
	}
	if got, ok := Lookup(nil, "a"); ok || got != nil {
		t.Errorf("Lookup(nil, \"a\") = %v, %v; want nil, false", got, ok)
	}
}
