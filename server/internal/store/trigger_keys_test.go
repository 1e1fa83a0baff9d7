package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/store"
)

// triggerKeyCases are stored graphs (protojson, proto names) and the keys
// their trigger is indexed under: exact values, or ” for "look at every
// event of the kind".
var triggerKeyCases = []struct {
	kind, node string
	want       []string
}{
	{"custom_data_updated", `{"custom_data_updated": {"key": "plan"}}`, []string{"plan"}},
	{"custom_data_updated", `{"custom_data_updated": {}}`, []string{""}},
	{"label_added", `{"label_added": {"labels": ["vip", "gold", "vip"]}}`, []string{"gold", "vip"}},
	{"label_added", `{"label_added": {}}`, []string{""}},
	{"label_removed", `{"label_removed": {"labels": ["vip"]}}`, []string{"vip"}},
	{"segment_updated", `{"segment_updated": {"segments": ["customers", "trial"]}}`, []string{"customers", "trial"}},
	{"button_answered", `{"button_answered": {"value": "yes"}}`, []string{"yes"}},
	{"ai_agent_assigned", `{"ai_agent_assigned": {"persona_id": "per_1"}}`, []string{"per_1"}},
	{"human_agent_assigned", `{"human_agent_assigned": {"operator_id": "op_1"}}`, []string{"op_1"}},
	{"human_agent_assigned", `{"human_agent_assigned": {}}`, []string{""}},
	// Filters that are not exact keys are looked at for every event.
	{"message_received", `{"message_received": {"match": {"operator": "OPERATOR_EQUALS", "value": "Hi"}}}`, []string{""}},
	{"lead_stage_changed", `{"lead_stage_changed": {"stage": "won"}}`, []string{""}},
	{"new_session", `{"new_session": {}}`, []string{""}},
	// A graph whose trigger node is not found still gets looked at.
	{"label_added", `{"send_message": {"text": "hi"}}`, []string{""}},
}

// graphOf is a stored graph that starts with node, then a second trigger
// node of another kind and an end.
func graphOf(node string) string {
	return fmt.Sprintf(`{"nodes": [{"id": "start", %s, {"id": "other", "segment_updated": {"segments": ["other"]}}, {"id": "end", "end": {}}]}`, node[1:])
}

func TestTriggerKeysOfStoredGraphs(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, tc := range triggerKeyCases {
		rows, _ := conn.Query(ctx, `SELECT k FROM trigger_keys($1, $2::jsonb) AS k ORDER BY k`, tc.kind, graphOf(tc.node))
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s %s: %v", tc.kind, tc.node, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("trigger_keys(%s, %s) = %q, want %q", tc.kind, tc.node, got, tc.want)
		}
	}
}

// TestTriggerKeysMigrationIndexesExistingVersions takes a database back to
// before migration 0007, stores versions the way the previous release did
// (no keys) and migrates: every existing version gets its keys.
func TestTriggerKeysMigrationIndexesExistingVersions(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	down := "DROP TABLE workflow_trigger_keys; DROP FUNCTION trigger_keys(text, jsonb); DELETE FROM parley_schema_migrations WHERE version >= 7"
	if _, err := conn.Exec(ctx, down); err != nil {
		t.Fatal(err)
	}
	ws := "00000000-0000-0000-0000-00000000000a"
	if _, err := conn.Exec(ctx, `INSERT INTO workspaces (id, slug, name, public_key, webhook_secret) VALUES ($1, 'w', 'w', 'pk', 's')`, ws); err != nil {
		t.Fatal(err)
	}
	for i, tc := range triggerKeyCases {
		wf := fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1)
		if _, err := conn.Exec(ctx, `INSERT INTO workflows (workspace_id, id, name, status, trigger_kind, published_version, version_count)
			VALUES ($1, $2, $3, 'active', $4, 1, 1)`, ws, wf, fmt.Sprint("w", i), tc.kind); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO workflow_versions (workspace_id, workflow_id, number, graph, trigger_kind)
			VALUES ($1, $2, 1, $3::jsonb, $4)`, ws, wf, graphOf(tc.node), tc.kind); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0].Version != 7 {
		t.Fatalf("migrations applied %v, want 0007 first", applied)
	}
	for i, tc := range triggerKeyCases {
		wf := fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1)
		rows, _ := conn.Query(ctx, `SELECT key FROM workflow_trigger_keys WHERE workflow_id = $1 AND number = 1 AND trigger_kind = $2 ORDER BY key`, wf, tc.kind)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("after migrating, version of %s %s has keys %q, want %q", tc.kind, tc.node, got, tc.want)
		}
	}
}
