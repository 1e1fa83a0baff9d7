package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/gen/db"
)

// decoded is a JSON document as encoding/json reads it.
func decoded(t *testing.T, b []byte) any {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRowJSONStringsRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and back\slash`, "new\nline\ttab\rcr", "nul \x00 bell \x07 esc \x1b del \x7f",
		"<html> & ünïcödé 😀", "line\u2028separator", "invalid \xff\xfe utf-8", "ends in half a rune \xe2\x82",
	} {
		got := decoded(t, appendJSONString(nil, s))
		want := decoded(t, must(json.Marshal(s)))
		if got != want {
			t.Errorf("%q: decodes to %q, encoding/json's to %q", s, got, want)
		}
	}
}

// A row has the columns, values and nulls encoding/json gives for the same
// values, as PostgreSQL's jsonb_to_record reads them.
func TestRunRowMatchesEncodingJSON(t *testing.T) {
	now := time.Date(2026, 11, 21, 22, 55, 1, 123456000, time.UTC)
	later := now.Add(time.Hour).In(time.FixedZone("x", 3600))
	id, cause := uuid.New(), uuid.New()
	key := `key "1"`
	full := db.Run{
		WorkspaceID: uuid.New(), ID: id, WorkflowID: uuid.New(), Version: 3, SessionID: uuid.New(), Mode: "production",
		Status: "waiting", Trigger: "programmatic", TriggerData: []byte(`{"a":[1,2]}`), Variables: []byte(`{"name":"Zoë"}`),
		Graph: []byte(`{"nodes":[]}`), CurrentNodeID: "n1", StepCount: 2, Epoch: 1 << 40, Wait: []byte(`{"kind":"delay"}`),
		WakeAt: &later, CallAttempt: 1, Error: "bad\n\"thing\"", Depth: 1, CauseRunID: &cause, FastForward: true,
		StopUntil: &later, IdempotencyKey: &key, RequestHash: []byte{0, 1, 0xfe}, CreatedAt: now, StartedAt: &now,
		FinishedAt: &later, UpdatedAt: now,
	}
	for name, r := range map[string]db.Run{"every field": full, "nulls": {ID: id, CreatedAt: now, UpdatedAt: now}} {
		want := map[string]any{
			"workspace_id": r.WorkspaceID, "id": r.ID, "workflow_id": r.WorkflowID, "version": r.Version,
			"session_id": r.SessionID, "mode": r.Mode, "status": r.Status, "trigger": r.Trigger,
			"trigger_data": json.RawMessage(r.TriggerData), "variables": json.RawMessage(r.Variables),
			"graph": json.RawMessage(r.Graph), "current_node_id": r.CurrentNodeID, "step_count": r.StepCount,
			"epoch": r.Epoch, "wait": json.RawMessage(r.Wait), "wake_at": r.WakeAt, "call_attempt": r.CallAttempt,
			"error": r.Error, "depth": r.Depth, "cause_run_id": r.CauseRunID, "fast_forward": r.FastForward,
			"stop_until": r.StopUntil, "idempotency_key": r.IdempotencyKey, "request_hash": nil,
			"created_at": r.CreatedAt, "started_at": r.StartedAt, "finished_at": r.FinishedAt, "updated_at": r.UpdatedAt,
		}
		if r.RequestHash != nil {
			want["request_hash"] = `\x0001fe`
		}
		got := decoded(t, runRow(nil, r)[0])
		if w := decoded(t, must(json.Marshal(want))); !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, w)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
