package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/server/internal/domain"
)

// TestRunAsWrittenIsRunFromRow checks that what CreateRun and SaveRun
// return, without decoding what they encoded where they can, is what
// reading the row back gives, and shares nothing with the run given.
func TestRunAsWrittenIsRunFromRow(t *testing.T) {
	for _, c := range []struct {
		name string
		data map[string]any
		vars map[string]any
	}{
		{"decoded JSON", map[string]any{"trigger": "programmatic", "data": map[string]any{"plan": "pro", "n": 2.5, "tags": []any{"a", true, nil}}},
			map[string]any{"name": "Ada <ada@example.com>", "n": -0.0, "big": 1e21, "ok": false}},
		{"no maps", nil, nil},
		{"empty maps", map[string]any{}, map[string]any{}},
		{"an int", map[string]any{"message_count": 3}, map[string]any{"name": "Ada"}},
		{"a time", map[string]any{"at": time.Date(2026, 11, 22, 1, 2, 3, 4, time.UTC)}, nil},
		{"typed slice", map[string]any{"labels": []string{"vip"}}, nil},
		{"invalid UTF-8 value", nil, map[string]any{"name": "Ad\xffa"}},
		{"invalid UTF-8 key", nil, map[string]any{"na\xffme": "Ada"}},
		{"nested int", map[string]any{"data": map[string]any{"n": int64(1)}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := domain.Run{WorkspaceID: uuid.New(), ID: uuid.New(), WorkflowID: uuid.New(), SessionID: uuid.New(),
				Mode: domain.RunProduction, Status: domain.RunCompleted, Trigger: "programmatic", TriggerData: c.data, Variables: c.vars,
				CreatedAt: time.Now(), UpdatedAt: time.Now()}
			p, err := encodeRun(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := runFromRow(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := runAsWritten(p, r)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("runAsWritten = %#v\nrunFromRow  = %#v", got, want)
			}
			got.Variables["added"] = "x"
			if data, ok := got.TriggerData["data"].(map[string]any); ok {
				data["added"] = "x"
			}
			if _, ok := r.Variables["added"]; ok {
				t.Error("the returned variables are the given run's")
			}
			if data, ok := r.TriggerData["data"].(map[string]any); ok && data["added"] != nil {
				t.Error("the returned trigger data shares a nested map with the given run's")
			}
		})
	}
}

func TestJSONCopyTakesOnlyWhatJSONDecodesTo(t *testing.T) {
	for _, v := range []any{nil, "Ada", 2.5, true, []any{"a", 1.0, nil}, map[string]any{"a": map[string]any{"b": []any{false}}}} {
		if c, ok := jsonCopy(v); !ok || !reflect.DeepEqual(c, v) {
			t.Errorf("jsonCopy(%#v) = %#v, %v; want a copy", v, c, ok)
		}
	}
	for _, v := range []any{3, int64(3), float32(2.5), time.Now(), []string{"a"}, map[string]string{"a": "b"}, "\xff",
		map[string]any{"\xff": "a"}, []any{"a", 3}, map[string]any{"a": map[string]any{"b": uuid.New()}}} {
		if _, ok := jsonCopy(v); ok {
			t.Errorf("jsonCopy(%#v) copied it; JSON changes it", v)
		}
	}
}
