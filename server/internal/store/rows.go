package store

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// rowKind is a write of whole rows to one table that takes its rows as a
// JSON array, so that rows queued by one transaction
// for the same table go to the database as one statement, however many
// starts, runs or messages queued them: a statement's fixed cost in
// PostgreSQL (portal, executor start and end, plan cache) is paid once per
// batch instead of once per row.
type rowKind struct {
	// exec runs the statement with its rows.
	exec func(ctx context.Context, q db.DBTX, rows []byte) error
	// latest: a row with the id of an earlier one replaces it (the
	// sessions' whole state); otherwise such a row goes in a statement
	// after the earlier one's (a step written twice).
	latest bool
}

// The kinds, in the order their rows go when merged: steps refer to their
// run. The writes do not otherwise depend on each other's order.
var (
	runRows     = &rowKind{exec: db.New().InsertRuns}
	stepRows    = &rowKind{exec: db.New().UpsertRunSteps}
	eventRows   = &rowKind{exec: db.New().InsertSessionEvents}
	sessionRows = &rowKind{exec: db.New().UpdateSessions, latest: true}
	rowKinds    = []*rowKind{runRows, stepRows, eventRows, sessionRows}
)

// writeRows writes rows of a kind: queued in the transaction in ctx (see
// Store.later, whose key and interpret they share), or at once outside
// one. id names what the rows are of (a run, a session) for the kind's
// latest rule; "" for rows that are each distinct.
func (s *Store) writeRows(ctx context.Context, kind *rowKind, id, key string, rows []json.RawMessage, interpret func(error) error) error {
	if t, ok := ctx.Value(txKey{}).(txLike); ok {
		top := t.top()
		if top.closed {
			return pgx.ErrTxClosed
		}
		top.pending = append(top.pending, queued{key: key, kind: kind, id: id, rows: rows, interpret: interpret})
		return nil
	}
	err := kind.exec(ctx, s.pool, jsonArray(nil, rows))
	if err != nil && interpret != nil {
		err = interpret(err)
	}
	return err
}

// rewriteRows replaces the rows of the write named key while it still
// waits in the queue of the transaction in ctx, and reports whether it did.
func rewriteRows(ctx context.Context, key string, rows []json.RawMessage) bool {
	t, ok := ctx.Value(txKey{}).(txLike)
	if !ok {
		return false
	}
	pending := t.top().pending
	for i := len(pending) - 1; i >= 0; i-- {
		if pending[i].key == key && pending[i].kind != nil {
			pending[i].rows = rows
			return true
		}
	}
	return false
}

// mergeRows turns queued writes into the statements sent: each stretch of
// row writes becomes one statement per kind (more when the kind's rows
// repeat an id), in rowKinds' order; other writes go as they are, between
// the stretches.
func mergeRows(a *rowArena, pending []queued) []queued {
	out := make([]queued, 0, len(pending))
	for i := 0; i < len(pending); {
		if pending[i].kind == nil {
			out = append(out, pending[i])
			i++
			continue
		}
		j := i
		for j < len(pending) && pending[j].kind != nil {
			j++
		}
		for _, kind := range rowKinds {
			out = appendMerged(a, out, kind, pending[i:j])
		}
		i = j
	}
	return out
}

// appendMerged appends the statements of one kind's writes among stretch.
func appendMerged(a *rowArena, out []queued, kind *rowKind, stretch []queued) []queued {
	var (
		rows      []json.RawMessage
		first     *queued
		seen      map[string]int // id → index of its first row in rows
		flushRows = func() {
			if first != nil {
				out = append(out, statementOf(a, kind, rows, first.interpret))
			}
			rows, first, seen = nil, nil, nil
		}
	)
	for i := range stretch {
		w := &stretch[i]
		if w.kind != kind {
			continue
		}
		if w.id != "" {
			if at, ok := seen[w.id]; ok {
				if kind.latest { // its whole state replaces the earlier one's
					rows[at] = w.rows[0]
					continue
				}
				flushRows()
			}
			if seen == nil {
				seen = map[string]int{}
			}
			seen[w.id] = len(rows)
		}
		if first == nil {
			first = w
		}
		rows = append(rows, w.rows...)
	}
	flushRows()
	return out
}

// statementOf is the statement that writes rows of a kind.
func statementOf(a *rowArena, kind *rowKind, rows []json.RawMessage, interpret func(error) error) queued {
	var c capture
	_ = kind.exec(context.Background(), &c, jsonArray(a, rows)) // capture only records
	return queued{sql: c.sql, args: c.args, interpret: interpret}
}

// jsonArray joins encoded rows into a JSON array, in a (nil: on the heap).
func jsonArray(a *rowArena, rows []json.RawMessage) []byte {
	n := 2
	for _, r := range rows {
		n += len(r) + 1
	}
	b := a.room(n)
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return a.keep(append(b, ']'))
}

// runRow is a runs row as InsertRuns reads it.
func runRow(a *rowArena, r db.Run) []json.RawMessage {
	j := newRowJSON(a, 1024+len(r.TriggerData)+len(r.Variables)+len(r.Graph)+len(r.Wait))
	j.uuid("workspace_id", r.WorkspaceID)
	j.uuid("id", r.ID)
	j.uuid("workflow_id", r.WorkflowID)
	j.int("version", int64(r.Version))
	j.uuid("session_id", r.SessionID)
	j.str("mode", r.Mode)
	j.str("status", r.Status)
	j.str("trigger", r.Trigger)
	j.json("trigger_data", r.TriggerData)
	j.json("variables", r.Variables)
	j.json("graph", r.Graph)
	j.str("current_node_id", r.CurrentNodeID)
	j.int("step_count", int64(r.StepCount))
	j.int("epoch", r.Epoch)
	j.json("wait", r.Wait)
	opt(j, "wake_at", r.WakeAt, (*rowJSON).time)
	j.int("call_attempt", int64(r.CallAttempt))
	j.str("error", r.Error)
	j.int("depth", int64(r.Depth))
	opt(j, "cause_run_id", r.CauseRunID, (*rowJSON).uuid)
	j.bool("fast_forward", r.FastForward)
	opt(j, "stop_until", r.StopUntil, (*rowJSON).time)
	opt(j, "idempotency_key", r.IdempotencyKey, (*rowJSON).str)
	j.bytea("request_hash", r.RequestHash)
	j.time("created_at", r.CreatedAt)
	opt(j, "started_at", r.StartedAt, (*rowJSON).time)
	opt(j, "finished_at", r.FinishedAt, (*rowJSON).time)
	j.time("updated_at", r.UpdatedAt)
	return []json.RawMessage{j.row()}
}

// sessionRow is a sessions row as UpdateSessions reads it.
func sessionRow(a *rowArena, r db.Session) []json.RawMessage {
	j := newRowJSON(a, 768+len(r.Data)+len(r.Agent))
	j.uuid("workspace_id", r.WorkspaceID)
	j.uuid("id", r.ID)
	j.str("status", r.Status)
	j.bool("starred", r.Starred)
	opt(j, "assignee_operator_id", r.AssigneeOperatorID, (*rowJSON).uuid)
	opt(j, "assignee_persona_id", r.AssigneePersonaID, (*rowJSON).uuid)
	j.strs("labels", r.Labels)
	j.strs("segments", r.Segments)
	j.json("data", r.Data)
	j.str("visitor_name", r.VisitorName)
	j.str("visitor_email", r.VisitorEmail)
	j.str("visitor_phone", r.VisitorPhone)
	opt(j, "lead_stage", r.LeadStage, (*rowJSON).str)
	j.int("lead_amount_minor", r.LeadAmountMinor)
	opt(j, "lead_created_at", r.LeadCreatedAt, (*rowJSON).time)
	j.json("agent", r.Agent)
	j.int("last_sequence", r.LastSequence)
	j.int("message_count", r.MessageCount)
	opt(j, "last_message_at", r.LastMessageAt, (*rowJSON).time)
	j.time("updated_at", r.UpdatedAt)
	return []json.RawMessage{j.row()}
}

// eventRow is a session_events row as InsertSessionEvents reads it.
func eventRow(a *rowArena, e domain.SessionEvent) []json.RawMessage {
	j := newRowJSON(a, 384+len(e.Payload))
	j.uuid("workspace_id", e.WorkspaceID)
	j.uuid("session_id", e.SessionID)
	j.int("sequence", e.Sequence)
	j.str("kind", e.Kind)
	j.str("actor", e.Actor)
	opt(j, "operator_id", e.OperatorID, (*rowJSON).uuid)
	opt(j, "cause_run_id", e.CauseRunID, (*rowJSON).uuid)
	opt(j, "reply_to", e.ReplyTo, (*rowJSON).int)
	j.json("payload", e.Payload)
	j.time("created_at", e.CreatedAt)
	return []json.RawMessage{j.row()}
}

// stepRow is a run_steps row as UpsertRunSteps reads it.
func stepRow(a *rowArena, st domain.RunStep) json.RawMessage {
	j := newRowJSON(a, 384+len(st.Input)+len(st.Output)+len(st.Conditions))
	j.uuid("workspace_id", st.WorkspaceID)
	j.uuid("run_id", st.RunID)
	j.int("index", int64(st.Index))
	j.str("node_id", st.NodeID)
	j.str("kind", st.Kind)
	j.str("status", st.Status)
	j.json("input", jsonOr(st.Input, "{}"))
	j.json("output", jsonOr(st.Output, "{}"))
	j.json("conditions", jsonOr(st.Conditions, "[]"))
	j.str("port", st.Port)
	j.str("error", st.Error)
	j.int("attempt", int64(st.Attempt))
	j.time("started_at", st.StartedAt)
	opt(j, "finished_at", st.FinishedAt, (*rowJSON).time)
	return j.row()
}
