package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// CreateRun inserts a pending run and, unless it is a test run, records its
// execution (shown in the counts once folded, FoldExecutionCounts). The
// run's fields other than those of a new run are ignored; it is created at
// r.CreatedAt, or now. Inside a transaction the insert waits to go with the
// next statement (Store.writeRows), and a SaveRun of the run before then
// writes its state into the insert instead: the row is written once.
func (s *Store) CreateRun(ctx context.Context, r domain.Run) (domain.Run, error) {
	created := r.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	p, err := encodeRun(domain.Run{
		WorkspaceID: r.WorkspaceID, ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, SessionID: r.SessionID,
		Mode: r.Mode, Status: domain.RunPending, Trigger: r.Trigger, TriggerData: r.TriggerData, Variables: r.Variables,
		Graph: r.Graph, CurrentNodeID: r.CurrentNodeID, Depth: r.Depth, CauseRunID: r.CauseRunID,
		FastForward: r.FastForward, IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash,
		CreatedAt: created, UpdatedAt: created,
	})
	if err != nil {
		return domain.Run{}, err
	}
	name := domain.PrefixRun.Format(r.ID)
	if err := s.writeRows(ctx, runRows, "", runKey(r.ID), runRow(arenaOf(ctx), p), func(err error) error { return interpretError(err, "run", name) }); err != nil {
		return domain.Run{}, err
	}
	return runAsWritten(p, r)
}

// runKey names a run's queued insert.
func runKey(id uuid.UUID) string { return "run " + id.String() }

// encodeRun is the row of a run, as the database keeps it.
func encodeRun(r domain.Run) (db.Run, error) {
	trigger, err := json.Marshal(nonNilMap(r.TriggerData))
	if err != nil {
		return db.Run{}, fmt.Errorf("encode trigger data: %w", err)
	}
	vars, err := json.Marshal(nonNilMap(r.Variables))
	if err != nil {
		return db.Run{}, fmt.Errorf("encode variables: %w", err)
	}
	var wait []byte
	if r.Wait != nil {
		if wait, err = json.Marshal(r.Wait); err != nil {
			return db.Run{}, fmt.Errorf("encode wait: %w", err)
		}
	}
	return db.Run{
		WorkspaceID: r.WorkspaceID, ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, SessionID: r.SessionID,
		Mode: r.Mode, Status: r.Status, Trigger: r.Trigger, TriggerData: trigger, Variables: vars,
		Graph: nilIfEmpty(r.Graph), CurrentNodeID: r.CurrentNodeID, StepCount: r.StepCount, Epoch: r.Epoch,
		Wait: wait, WakeAt: stored(r.WakeAt), CallAttempt: r.CallAttempt, Error: r.Error, Depth: r.Depth,
		CauseRunID: r.CauseRunID, FastForward: r.FastForward, StopUntil: stored(r.StopUntil),
		IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash, CreatedAt: r.CreatedAt.Truncate(time.Microsecond),
		StartedAt: stored(r.StartedAt), FinishedAt: stored(r.FinishedAt), UpdatedAt: r.UpdatedAt.Truncate(time.Microsecond),
	}, nil
}

// Run returns a run of the workspace; KindNotFound if none.
func (s *Store) Run(ctx context.Context, workspaceID, id uuid.UUID) (domain.Run, error) {
	row, err := s.q.GetRun(ctx, s.conn(ctx), db.GetRunParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return domain.Run{}, interpretError(err, "run", domain.PrefixRun.Format(id))
	}
	return runFromRow(row)
}

// RunForUpdate returns a run locked until the transaction in ctx ends.
func (s *Store) RunForUpdate(ctx context.Context, workspaceID, id uuid.UUID) (domain.Run, error) {
	row, err := s.q.GetRunForUpdate(ctx, s.conn(ctx), db.GetRunForUpdateParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return domain.Run{}, interpretError(err, "run", domain.PrefixRun.Format(id))
	}
	return runFromRow(row)
}

// RunByIdempotencyKey returns the run a programmatic start with key made;
// KindNotFound if none.
func (s *Store) RunByIdempotencyKey(ctx context.Context, workspaceID, workflowID uuid.UUID, key string) (domain.Run, error) {
	row, err := s.q.GetRunByIdempotencyKey(ctx, s.conn(ctx), db.GetRunByIdempotencyKeyParams{
		WorkspaceID: workspaceID, WorkflowID: workflowID, IdempotencyKey: &key,
	})
	if err != nil {
		return domain.Run{}, interpretError(err, "run with idempotency key", key)
	}
	return runFromRow(row)
}

// SaveRun writes a run's execution state (locked by RunForUpdate), updated
// now, and returns it as read back. Inside a transaction the write waits to
// go with the next statement (Store.later).
func (s *Store) SaveRun(ctx context.Context, r domain.Run) (domain.Run, error) {
	r.UpdatedAt = time.Now()
	p, err := encodeRun(r)
	if err != nil {
		return domain.Run{}, err
	}
	name := domain.PrefixRun.Format(r.ID)
	if !rewriteRows(ctx, runKey(r.ID), runRow(arenaOf(ctx), p)) {
		err = s.q.UpdateRun(ctx, s.later(ctx, "", func(err error) error { return interpretError(err, "run", name) }), db.UpdateRunParams{
			WorkspaceID: p.WorkspaceID, ID: p.ID, Status: p.Status, Variables: p.Variables, CurrentNodeID: p.CurrentNodeID,
			StepCount: p.StepCount, Epoch: p.Epoch, Wait: p.Wait, WakeAt: p.WakeAt, CallAttempt: p.CallAttempt,
			Error: p.Error, StopUntil: p.StopUntil, StartedAt: p.StartedAt, FinishedAt: p.FinishedAt, UpdatedAt: p.UpdatedAt,
		})
		if err != nil {
			return domain.Run{}, interpretError(err, "run", name)
		}
	}
	return runAsWritten(p, r)
}

// ListRuns returns a page of runs, newest first.
func (s *Store) ListRuns(ctx context.Context, workspaceID uuid.UUID, f domain.RunFilter) ([]domain.Run, error) {
	rows, err := s.q.ListRuns(ctx, s.conn(ctx), db.ListRunsParams{
		WorkspaceID: workspaceID, WorkflowID: f.WorkflowID, SessionID: f.SessionID, Statuses: nonNil(f.Statuses),
		Mode: f.Mode, CreatedAfter: f.CreatedAfter, CreatedBefore: f.CreatedBefore,
		AfterCreated: f.AfterCreated, AfterID: f.AfterID, PageLimit: int32(f.Limit),
	})
	if err != nil {
		return nil, err
	}
	return mapRows(rows, runFromRow)
}

// WaitingSessionRuns returns the runs of a session waiting for a visitor
// event, locked until the transaction in ctx ends.
func (s *Store) WaitingSessionRuns(ctx context.Context, workspaceID, sessionID uuid.UUID) ([]domain.Run, error) {
	rows, err := s.q.WaitingSessionRuns(ctx, s.conn(ctx), db.WaitingSessionRunsParams{WorkspaceID: workspaceID, SessionID: sessionID})
	if err != nil {
		return nil, err
	}
	return mapRows(rows, runFromRow)
}

// ClaimDueRuns locks up to max runs whose wake time has come, oldest due
// first, skipping runs another transaction holds.
func (s *Store) ClaimDueRuns(ctx context.Context, max int) ([]domain.Run, error) {
	rows, err := s.q.ClaimDueRuns(ctx, s.conn(ctx), int32(max))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Run, len(rows))
	for i, row := range rows {
		if out[i], err = runFromRow(row); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SessionRunGuards is what the run guards read about a session's runs.
type SessionRunGuards struct {
	// InCooldown: a Stop workflow step's cooldown has not ended.
	InCooldown bool
	// Unfinished counts the pending, running and waiting runs.
	Unfinished int64
}

// SessionHasRunOf reports whether a workflow ever ran in production on a
// session.
func (s *Store) SessionHasRunOf(ctx context.Context, workspaceID, sessionID, workflowID uuid.UUID) (bool, error) {
	return s.q.SessionHasRunOf(ctx, s.conn(ctx), db.SessionHasRunOfParams{WorkspaceID: workspaceID, SessionID: sessionID, WorkflowID: workflowID})
}

// ActiveWorkflowVersions returns the published versions of the workspace's
// active workflows whose trigger is kind and may match an event with key:
// their trigger keys (the exact values their filter accepts) hold key, or
// they have no exact filter. The caller applies the full filter.
func (s *Store) ActiveWorkflowVersions(ctx context.Context, workspaceID uuid.UUID, kind, key string) ([]domain.TriggerWorkflow, error) {
	rows, err := s.q.ActiveWorkflowVersions(ctx, s.conn(ctx), db.ActiveWorkflowVersionsParams{WorkspaceID: workspaceID, TriggerKind: kind, Key: key})
	if err != nil {
		return nil, err
	}
	out := make([]domain.TriggerWorkflow, len(rows))
	for i, r := range rows {
		out[i] = domain.TriggerWorkflow{WorkflowID: r.WorkflowID, Name: r.Name, Version: r.Number, Graph: r.Graph, Settings: r.Settings}
	}
	return out, nil
}

// FoldExecutionCounts adds the recorded executions to the workflows' and
// versions' execution counts, one fold at a time.
func (s *Store) FoldExecutionCounts(ctx context.Context) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.q.LockExecutionCounts(ctx, s.conn(ctx)); err != nil {
			return err
		}
		_, err := s.q.FoldExecutionCounts(ctx, s.conn(ctx))
		return err
	})
}

// SaveRunSteps writes steps of one run (inside a transaction, queued with
// the other rows it writes: Store.writeRows). A step that waited gets how
// it ended, and keeps what it recorded when it began: output keys the end
// does not set, and its notes before the end's.
func (s *Store) SaveRunSteps(ctx context.Context, steps []domain.RunStep) error {
	if len(steps) == 0 {
		return nil
	}
	rows, a := make([]json.RawMessage, len(steps)), arenaOf(ctx)
	for i, st := range steps {
		if st.RunID != steps[0].RunID || st.WorkspaceID != steps[0].WorkspaceID {
			return fmt.Errorf("store: steps of runs %s and %s saved together", st.RunID, steps[0].RunID)
		}
		rows[i] = stepRow(a, st)
	}
	run := domain.PrefixRun.Format(steps[0].RunID)
	return s.writeRows(ctx, stepRows, steps[0].RunID.String(), "", rows, func(err error) error { return interpretError(err, "steps of run", run) })
}

// RunSteps returns a run's steps in order.
func (s *Store) RunSteps(ctx context.Context, workspaceID, runID uuid.UUID) ([]domain.RunStep, error) {
	rows, err := s.q.ListRunSteps(ctx, s.conn(ctx), db.ListRunStepsParams{WorkspaceID: workspaceID, RunID: runID})
	if err != nil {
		return nil, err
	}
	out := make([]domain.RunStep, len(rows))
	for i, r := range rows {
		out[i] = domain.RunStep{
			WorkspaceID: r.WorkspaceID, RunID: r.RunID, Index: r.Index, NodeID: r.NodeID, Kind: r.Kind,
			Status: r.Status, Input: r.Input, Output: r.Output, Conditions: r.Conditions, Port: r.Port,
			Error: r.Error, Attempt: r.Attempt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		}
	}
	return out, nil
}

// NextRoundRobinOperator returns the available operator after the one
// round-robin assignment picked last, and moves the cursor to it; ok is
// false when nobody is available. Concurrent callers queue on the cursor.
func (s *Store) NextRoundRobinOperator(ctx context.Context, workspaceID uuid.UUID) (domain.Operator, bool, error) {
	var (
		op domain.Operator
		ok bool
	)
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.q.LockAssignmentCursor(ctx, s.conn(ctx), db.LockAssignmentCursorParams{WorkspaceID: workspaceID, OperatorID: uuid.Nil}); err != nil {
			return err
		}
		rows, err := s.q.AvailableOperatorsAfter(ctx, s.conn(ctx), workspaceID)
		if err != nil || len(rows) == 0 {
			return err
		}
		op, ok = operatorFromRow(rows[0]), true
		return s.q.SetAssignmentCursor(ctx, s.conn(ctx), db.SetAssignmentCursorParams{WorkspaceID: workspaceID, OperatorID: op.ID})
	})
	return op, ok, err
}

// LastRespondingOperator returns the operator who last wrote a message in
// the session; ok is false when none has.
func (s *Store) LastRespondingOperator(ctx context.Context, workspaceID, sessionID uuid.UUID) (uuid.UUID, bool, error) {
	id, err := s.q.LastRespondingOperator(ctx, s.conn(ctx), db.LastRespondingOperatorParams{WorkspaceID: workspaceID, SessionID: sessionID})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && id == nil) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, err
	}
	return *id, true, nil
}

// LastVisitorMessage returns the text of the visitor's newest message; ok
// is false when the visitor has not written.
func (s *Store) LastVisitorMessage(ctx context.Context, workspaceID, sessionID uuid.UUID) (string, bool, error) {
	text, err := s.q.LastVisitorMessage(ctx, s.conn(ctx), db.LastVisitorMessageParams{WorkspaceID: workspaceID, SessionID: sessionID})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return text, err == nil, err
}

// CountVisitorMessages counts the visitor's messages in a session.
func (s *Store) CountVisitorMessages(ctx context.Context, workspaceID, sessionID uuid.UUID) (int64, error) {
	return s.q.CountVisitorMessages(ctx, s.conn(ctx), db.CountVisitorMessagesParams{WorkspaceID: workspaceID, SessionID: sessionID})
}

func runFromRow(r db.Run) (domain.Run, error) {
	return decodeRun(r, nil)
}

// runAsWritten is runFromRow(p), where p is the row encoded from the run
// from (encodeRun). Its trigger data and variables are copies of from's
// where those are already what decoding p's JSON gives (jsonCopy), which
// saves decoding what a start or step just encoded.
func runAsWritten(p db.Run, from domain.Run) (domain.Run, error) {
	return decodeRun(p, &from)
}

func decodeRun(r db.Run, from *domain.Run) (domain.Run, error) {
	out := domain.Run{
		WorkspaceID: r.WorkspaceID, ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, SessionID: r.SessionID,
		Mode: r.Mode, Status: r.Status, Trigger: r.Trigger, Graph: r.Graph, CurrentNodeID: r.CurrentNodeID,
		StepCount: r.StepCount, Epoch: r.Epoch, WakeAt: r.WakeAt, CallAttempt: r.CallAttempt, Error: r.Error,
		Depth: r.Depth, CauseRunID: r.CauseRunID, FastForward: r.FastForward, StopUntil: r.StopUntil,
		IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash, CreatedAt: r.CreatedAt,
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, UpdatedAt: r.UpdatedAt,
	}
	var triggerData, variables map[string]any
	if from != nil {
		triggerData, variables = from.TriggerData, from.Variables
	}
	var err error
	if out.TriggerData, err = decodeMap(r.TriggerData, triggerData); err != nil {
		return domain.Run{}, fmt.Errorf("decode trigger data of run %s: %w", r.ID, err)
	}
	if out.Variables, err = decodeMap(r.Variables, variables); err != nil {
		return domain.Run{}, fmt.Errorf("decode variables of run %s: %w", r.ID, err)
	}
	if len(r.Wait) > 0 {
		out.Wait = &domain.RunWait{}
		if err := json.Unmarshal(r.Wait, out.Wait); err != nil {
			return domain.Run{}, fmt.Errorf("decode wait of run %s: %w", r.ID, err)
		}
	}
	return out, nil
}

// decodeMap decodes raw, a JSON object, or, when encoded (what raw was
// encoded from, nil for none) is already what decoding gives, copies it.
func decodeMap(raw []byte, encoded map[string]any) (map[string]any, error) {
	if encoded != nil {
		if c, ok := jsonCopy(encoded); ok {
			return c.(map[string]any), nil
		}
	}
	var out map[string]any
	err := json.Unmarshal(raw, &out)
	return out, err
}

// jsonCopy returns a deep copy of v and true when v is made only of what
// encoding/json decodes into an any: strings (valid UTF-8, which encoding
// leaves as they are), float64s, booleans, nil, []any and map[string]any.
// Anything else (an int, a time.Time, a []string) changes type through
// JSON, and jsonCopy returns false.
func jsonCopy(v any) (any, bool) {
	switch v := v.(type) {
	case nil, float64, bool:
		return v, true
	case string:
		return v, utf8.ValidString(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, ok := jsonCopy(e)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, ok := jsonCopy(e)
			if !ok || !utf8.ValidString(k) {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	}
	return nil, false
}

// mapRows converts generated rows with conv.
func mapRows[R, T any](rows []R, conv func(R) (T, error)) ([]T, error) {
	out := make([]T, len(rows))
	for i, r := range rows {
		v, err := conv(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// stored is a time as the database keeps it: to the microsecond.
func stored(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Truncate(time.Microsecond)
	return &v
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func jsonOr(b []byte, empty string) []byte {
	if len(b) == 0 {
		return []byte(empty)
	}
	return b
}
