package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/gen/db"
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
	err := kind.exec(ctx, s.pool, jsonArray(rows))
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
func mergeRows(pending []queued) []queued {
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
			out = appendMerged(out, kind, pending[i:j])
		}
		i = j
	}
	return out
}

// appendMerged appends the statements of one kind's writes among stretch.
func appendMerged(out []queued, kind *rowKind, stretch []queued) []queued {
	var (
		rows      []json.RawMessage
		first     *queued
		seen      map[string]int // id → index of its first row in rows
		flushRows = func() {
			if first != nil {
				out = append(out, statementOf(kind, rows, first.interpret))
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
func statementOf(kind *rowKind, rows []json.RawMessage, interpret func(error) error) queued {
	var c capture
	_ = kind.exec(context.Background(), &c, jsonArray(rows)) // capture only records
	return queued{sql: c.sql, args: c.args, interpret: interpret}
}

// jsonArray joins encoded rows into a JSON array.
func jsonArray(rows []json.RawMessage) []byte {
	n := 2
	for _, r := range rows {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return append(b, ']')
}

// runRow is a runs row as InsertRuns reads it.
type runRow struct {
	WorkspaceID    uuid.UUID       `json:"workspace_id"`
	ID             uuid.UUID       `json:"id"`
	WorkflowID     uuid.UUID       `json:"workflow_id"`
	Version        int32           `json:"version"`
	SessionID      uuid.UUID       `json:"session_id"`
	Mode           string          `json:"mode"`
	Status         string          `json:"status"`
	Trigger        string          `json:"trigger"`
	TriggerData    json.RawMessage `json:"trigger_data"`
	Variables      json.RawMessage `json:"variables"`
	Graph          json.RawMessage `json:"graph"`
	CurrentNodeID  string          `json:"current_node_id"`
	StepCount      int32           `json:"step_count"`
	Epoch          int64           `json:"epoch"`
	Wait           json.RawMessage `json:"wait"`
	WakeAt         *time.Time      `json:"wake_at"`
	CallAttempt    int32           `json:"call_attempt"`
	Error          string          `json:"error"`
	Depth          int32           `json:"depth"`
	CauseRunID     *uuid.UUID      `json:"cause_run_id"`
	FastForward    bool            `json:"fast_forward"`
	StopUntil      *time.Time      `json:"stop_until"`
	IdempotencyKey *string         `json:"idempotency_key"`
	RequestHash    bytea           `json:"request_hash"`
	CreatedAt      time.Time       `json:"created_at"`
	StartedAt      *time.Time      `json:"started_at"`
	FinishedAt     *time.Time      `json:"finished_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

func encodeRunRow(r db.Run) ([]json.RawMessage, error) {
	return encodeRow(runRow{
		WorkspaceID: r.WorkspaceID, ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, SessionID: r.SessionID,
		Mode: r.Mode, Status: r.Status, Trigger: r.Trigger, TriggerData: r.TriggerData, Variables: r.Variables,
		Graph: r.Graph, CurrentNodeID: r.CurrentNodeID, StepCount: r.StepCount, Epoch: r.Epoch, Wait: r.Wait,
		WakeAt: r.WakeAt, CallAttempt: r.CallAttempt, Error: r.Error, Depth: r.Depth, CauseRunID: r.CauseRunID,
		FastForward: r.FastForward, StopUntil: r.StopUntil, IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, UpdatedAt: r.UpdatedAt,
	})
}

// sessionRow is a sessions row as UpdateSessions reads it.
type sessionRow struct {
	WorkspaceID        uuid.UUID       `json:"workspace_id"`
	ID                 uuid.UUID       `json:"id"`
	Status             string          `json:"status"`
	Starred            bool            `json:"starred"`
	AssigneeOperatorID *uuid.UUID      `json:"assignee_operator_id"`
	AssigneePersonaID  *uuid.UUID      `json:"assignee_persona_id"`
	Labels             []string        `json:"labels"`
	Segments           []string        `json:"segments"`
	Data               json.RawMessage `json:"data"`
	VisitorName        string          `json:"visitor_name"`
	VisitorEmail       string          `json:"visitor_email"`
	VisitorPhone       string          `json:"visitor_phone"`
	LeadStage          *string         `json:"lead_stage"`
	LeadAmountMinor    int64           `json:"lead_amount_minor"`
	LeadCreatedAt      *time.Time      `json:"lead_created_at"`
	Agent              json.RawMessage `json:"agent"`
	LastSequence       int64           `json:"last_sequence"`
	MessageCount       int64           `json:"message_count"`
	LastMessageAt      *time.Time      `json:"last_message_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
}

func encodeSessionRow(r db.Session) ([]json.RawMessage, error) {
	return encodeRow(sessionRow{
		WorkspaceID: r.WorkspaceID, ID: r.ID, Status: r.Status, Starred: r.Starred,
		AssigneeOperatorID: r.AssigneeOperatorID, AssigneePersonaID: r.AssigneePersonaID,
		Labels: r.Labels, Segments: r.Segments, Data: r.Data,
		VisitorName: r.VisitorName, VisitorEmail: r.VisitorEmail, VisitorPhone: r.VisitorPhone,
		LeadStage: r.LeadStage, LeadAmountMinor: r.LeadAmountMinor, LeadCreatedAt: r.LeadCreatedAt,
		Agent: r.Agent, LastSequence: r.LastSequence, MessageCount: r.MessageCount,
		LastMessageAt: r.LastMessageAt, UpdatedAt: r.UpdatedAt,
	})
}

// eventRow is a session_events row as InsertSessionEvents reads it.
type eventRow struct {
	WorkspaceID uuid.UUID       `json:"workspace_id"`
	SessionID   uuid.UUID       `json:"session_id"`
	Sequence    int64           `json:"sequence"`
	Kind        string          `json:"kind"`
	Actor       string          `json:"actor"`
	OperatorID  *uuid.UUID      `json:"operator_id"`
	CauseRunID  *uuid.UUID      `json:"cause_run_id"`
	ReplyTo     *int64          `json:"reply_to"`
	Payload     json.RawMessage `json:"payload"`
	CreatedAt   time.Time       `json:"created_at"`
}

// stepRow is a run_steps row as UpsertRunSteps reads it.
type stepRow struct {
	WorkspaceID uuid.UUID       `json:"workspace_id"`
	RunID       uuid.UUID       `json:"run_id"`
	Index       int32           `json:"index"`
	NodeID      string          `json:"node_id"`
	Kind        string          `json:"kind"`
	Status      string          `json:"status"`
	Input       json.RawMessage `json:"input"`
	Output      json.RawMessage `json:"output"`
	Conditions  json.RawMessage `json:"conditions"`
	Port        string          `json:"port"`
	Error       string          `json:"error"`
	Attempt     int32           `json:"attempt"`
	StartedAt   time.Time       `json:"started_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
}

func encodeRow(row any) ([]json.RawMessage, error) {
	b, err := json.Marshal(row)
	if err != nil {
		return nil, err
	}
	return []json.RawMessage{b}, nil
}

// bytea is a bytea value in a JSON row: PostgreSQL's hex text form, or
// null.
type bytea []byte

func (b bytea) MarshalJSON() ([]byte, error) {
	if b == nil {
		return []byte("null"), nil
	}
	out := make([]byte, 0, 4+2*len(b)+1)
	out = append(out, `"\\x`...)
	out = hex.AppendEncode(out, b)
	return append(out, '"'), nil
}
