package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// CreateWorkflow inserts a new workflow in draft status.
func (s *Store) CreateWorkflow(ctx context.Context, w domain.Workflow) (domain.Workflow, error) {
	row, err := s.q.CreateWorkflow(ctx, s.conn(ctx), db.CreateWorkflowParams{
		WorkspaceID: w.WorkspaceID, ID: w.ID, Name: w.Name, Description: w.Description,
		Draft: w.Draft, Settings: w.Settings, TriggerKind: w.TriggerKind,
	})
	if err != nil {
		return domain.Workflow{}, interpretError(err, "workflow", domain.PrefixWorkflow.Format(w.ID))
	}
	return workflowFromRow(row), nil
}

// Workflow returns a workflow of the workspace; KindNotFound if none.
func (s *Store) Workflow(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	row, err := s.q.GetWorkflow(ctx, s.conn(ctx), db.GetWorkflowParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return domain.Workflow{}, interpretError(err, "workflow", domain.PrefixWorkflow.Format(id))
	}
	return workflowFromRow(row), nil
}

// WorkflowToStart is what starting a run needs of its workflow. The draft
// is left out: it can be large, and it does not run.
type WorkflowToStart struct {
	ID               uuid.UUID
	Status           domain.WorkflowStatus
	PublishedVersion int32
	Settings         json.RawMessage
}

// Start names a run about to start on a session, for LockSessionsToStart.
type Start struct {
	WorkspaceID uuid.UUID `json:"workspace_id"`
	SessionID   uuid.UUID `json:"session_id"`
	WorkflowID  uuid.UUID `json:"workflow_id"`
}

// LockedStart is what a start needs: its session, locked until the
// transaction ends, its workflow, and the guards of a run of the workflow
// starting on the session.
type LockedStart struct {
	Session  domain.Session
	Workflow WorkflowToStart
	Guards   SessionRunGuards
}

// LockSessionToStart locks a session until the transaction in ctx ends (as
// SessionForUpdate) and reads a workflow and the guards of a run of it
// starting on the session, in one round trip. KindNotFound names the
// session or the workflow that is missing.
func (s *Store) LockSessionToStart(ctx context.Context, workspaceID, sessionID, workflowID uuid.UUID) (LockedStart, error) {
	st := Start{WorkspaceID: workspaceID, SessionID: sessionID, WorkflowID: workflowID}
	locked, err := s.LockSessionsToStart(ctx, []Start{st})
	if err != nil {
		return LockedStart{}, err
	}
	if locked[0] != nil {
		return *locked[0], nil
	}
	// Say which one is missing.
	if _, err := s.SessionForUpdate(ctx, workspaceID, sessionID); err != nil {
		return LockedStart{}, err
	}
	if _, err := s.Workflow(ctx, workspaceID, workflowID); err != nil {
		return LockedStart{}, err
	}
	return LockedStart{}, fmt.Errorf("store: start of workflow %s on session %s found neither missing", workflowID, sessionID)
}

// LockSessionsToStart is LockSessionToStart for several starts in one
// statement, locking their sessions in the order of their ids. Its result
// has, for each start, what LockSessionToStart gives, or nil where the
// session or the workflow is missing. Starts on the same session get the
// same snapshot of it: a start after another on that session reads it
// again (LockSessionToStart) once the earlier one wrote.
func (s *Store) LockSessionsToStart(ctx context.Context, starts []Start) ([]*LockedStart, error) {
	doc, err := json.Marshal(starts)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.LockSessionsToStart(ctx, s.conn(ctx), doc)
	if err != nil {
		return nil, err
	}
	found := make(map[Start]*LockedStart, len(rows))
	for _, row := range rows {
		st := Start{WorkspaceID: row.Session.WorkspaceID, SessionID: row.Session.ID, WorkflowID: row.WorkflowID}
		if found[st] != nil {
			continue
		}
		sess, err := lockedNow(ctx, row.Session)
		if err != nil {
			return nil, err
		}
		found[st] = &LockedStart{
			Session: sess,
			Workflow: WorkflowToStart{
				ID: row.WorkflowID, Status: domain.WorkflowStatus(row.WorkflowStatus),
				PublishedVersion: row.PublishedVersion, Settings: row.WorkflowSettings,
			},
			Guards: SessionRunGuards{InCooldown: row.InCooldown, Unfinished: row.Unfinished},
		}
	}
	out := make([]*LockedStart, len(starts))
	for i, st := range starts {
		out[i] = found[st]
	}
	return out, nil
}

// DeleteWorkflow removes a workflow and its versions; KindNotFound if none.
func (s *Store) DeleteWorkflow(ctx context.Context, workspaceID, id uuid.UUID) error {
	n, err := s.q.DeleteWorkflow(ctx, s.conn(ctx), db.DeleteWorkflowParams{WorkspaceID: workspaceID, ID: id})
	return deleted(n, err, "workflow", domain.PrefixWorkflow.Format(id))
}

func workflowFromRow(r db.Workflow) domain.Workflow {
	return domain.Workflow{
		WorkspaceID: r.WorkspaceID, ID: r.ID, Name: r.Name, Description: r.Description,
		Status: domain.WorkflowStatus(r.Status), Draft: r.Draft, Settings: r.Settings,
		Revision: r.Revision, TriggerKind: r.TriggerKind, PublishedVersion: r.PublishedVersion,
		VersionCount: r.VersionCount, ExecutionCount: r.ExecutionCount,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PublishedAt: r.PublishedAt,
	}
}

// WorkflowForUpdate returns a workflow and locks its row until the
// transaction ends; call it inside InTx.
func (s *Store) WorkflowForUpdate(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	row, err := s.q.GetWorkflowForUpdate(ctx, s.conn(ctx), db.GetWorkflowForUpdateParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return domain.Workflow{}, interpretError(err, "workflow", domain.PrefixWorkflow.Format(id))
	}
	return workflowFromRow(row), nil
}

// UpdateWorkflowDraft replaces the draft (name and description when not
// nil). With expectedRevision > 0 the update applies only to that revision:
// KindAborted when the draft has moved on, KindNotFound when it is gone.
func (s *Store) UpdateWorkflowDraft(ctx context.Context, w domain.Workflow, name, description *string, expectedRevision int64) (domain.Workflow, error) {
	row, err := s.q.UpdateWorkflowDraft(ctx, s.conn(ctx), db.UpdateWorkflowDraftParams{
		Draft: w.Draft, Settings: w.Settings, TriggerKind: w.TriggerKind, Name: name, Description: description,
		WorkspaceID: w.WorkspaceID, ID: w.ID, ExpectedRevision: expectedRevision,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		current, gerr := s.Workflow(ctx, w.WorkspaceID, w.ID)
		if gerr != nil {
			return domain.Workflow{}, gerr
		}
		return domain.Workflow{}, domain.Errorf(domain.KindAborted,
			"the draft changed since revision %d (now %d): reload it and apply your edit again", expectedRevision, current.Revision)
	}
	if err != nil {
		return domain.Workflow{}, err
	}
	return workflowFromRow(row), nil
}

// SetWorkflowStatus changes a workflow's status.
func (s *Store) SetWorkflowStatus(ctx context.Context, workspaceID, id uuid.UUID, status domain.WorkflowStatus) (domain.Workflow, error) {
	row, err := s.q.SetWorkflowStatus(ctx, s.conn(ctx), db.SetWorkflowStatusParams{WorkspaceID: workspaceID, ID: id, Status: string(status)})
	if err != nil {
		return domain.Workflow{}, interpretError(err, "workflow", domain.PrefixWorkflow.Format(id))
	}
	return workflowFromRow(row), nil
}

// CreateWorkflowVersion stores version v.Number (the next one) and counts it
// on the workflow; with publish it becomes the active, running version.
func (s *Store) CreateWorkflowVersion(ctx context.Context, v domain.WorkflowVersion, publish bool) (domain.Workflow, domain.WorkflowVersion, error) {
	var w domain.Workflow
	var out domain.WorkflowVersion
	err := s.InTx(ctx, func(ctx context.Context) error {
		row, err := s.q.CreateWorkflowVersion(ctx, s.conn(ctx), db.CreateWorkflowVersionParams{
			WorkspaceID: v.WorkspaceID, WorkflowID: v.WorkflowID, Number: v.Number,
			Graph: v.Graph, Settings: v.Settings, TriggerKind: v.TriggerKind, Note: v.Note,
		})
		if err != nil {
			return interpretError(err, "workflow version", fmt.Sprint(v.Number))
		}
		out = versionFromRow(row)
		if err := s.q.AddWorkflowTriggerKeys(ctx, s.conn(ctx), db.AddWorkflowTriggerKeysParams{
			WorkspaceID: v.WorkspaceID, TriggerKind: v.TriggerKind, WorkflowID: v.WorkflowID, Number: v.Number, Graph: v.Graph,
		}); err != nil {
			return err
		}
		wrow, err := s.q.RecordWorkflowVersion(ctx, s.conn(ctx), db.RecordWorkflowVersionParams{
			Number: v.Number, Publish: publish, WorkspaceID: v.WorkspaceID, ID: v.WorkflowID,
		})
		w = workflowFromRow(wrow)
		return err
	})
	return w, out, err
}

// WorkflowVersion returns one version; KindNotFound if none.
func (s *Store) WorkflowVersion(ctx context.Context, workspaceID, workflowID uuid.UUID, number int32) (domain.WorkflowVersion, error) {
	row, err := s.q.GetWorkflowVersion(ctx, s.conn(ctx), db.GetWorkflowVersionParams{
		WorkspaceID: workspaceID, WorkflowID: workflowID, Number: number,
	})
	if err != nil {
		return domain.WorkflowVersion{}, interpretError(err, "version", fmt.Sprintf("%d of workflow %s", number, domain.PrefixWorkflow.Format(workflowID)))
	}
	return versionFromRow(row), nil
}

// WorkflowVersions lists versions newest first, older than beforeNumber
// (0: from the newest).
func (s *Store) WorkflowVersions(ctx context.Context, workspaceID, workflowID uuid.UUID, beforeNumber int32, limit int) ([]domain.WorkflowVersion, error) {
	rows, err := s.q.ListWorkflowVersions(ctx, s.conn(ctx), db.ListWorkflowVersionsParams{
		WorkspaceID: workspaceID, WorkflowID: workflowID, BeforeNumber: beforeNumber, PageLimit: int32(limit),
	})
	if err != nil {
		return nil, err
	}
	out := make([]domain.WorkflowVersion, len(rows))
	for i, r := range rows {
		out[i] = versionFromRow(r)
	}
	return out, nil
}

// Workflows lists a workspace's workflows matching f, in f.Sort order.
func (s *Store) Workflows(ctx context.Context, workspaceID uuid.UUID, f domain.WorkflowFilter) ([]domain.Workflow, error) {
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		statuses[i] = string(st)
	}
	pattern := ""
	if f.NameContains != "" {
		pattern = "%" + likeEscaper.Replace(f.NameContains) + "%"
	}
	var afterID uuid.UUID
	if f.After != nil {
		afterID = f.After.ID
	}
	var (
		rows []db.Workflow
		err  error
	)
	switch f.Sort {
	case domain.SortByName:
		var after *string
		if f.After != nil {
			name := strings.ToLower(f.After.Name)
			after = &name
		}
		rows, err = s.q.ListWorkflowsByName(ctx, s.conn(ctx), db.ListWorkflowsByNameParams{
			WorkspaceID: workspaceID, Statuses: statuses, TriggerKind: f.TriggerKind, NamePattern: pattern,
			AfterName: after, AfterID: afterID, PageLimit: int32(f.Limit),
		})
	case domain.SortByExecutions:
		var after *int64
		if f.After != nil {
			after = &f.After.ExecutionCount
		}
		rows, err = s.q.ListWorkflowsByExecutions(ctx, s.conn(ctx), db.ListWorkflowsByExecutionsParams{
			WorkspaceID: workspaceID, Statuses: statuses, TriggerKind: f.TriggerKind, NamePattern: pattern,
			AfterExecutions: after, AfterID: afterID, PageLimit: int32(f.Limit),
		})
	default:
		var after *time.Time
		if f.After != nil {
			after = &f.After.UpdatedAt
		}
		rows, err = s.q.ListWorkflowsByUpdated(ctx, s.conn(ctx), db.ListWorkflowsByUpdatedParams{
			WorkspaceID: workspaceID, Statuses: statuses, TriggerKind: f.TriggerKind, NamePattern: pattern,
			AfterUpdated: after, AfterID: afterID, PageLimit: int32(f.Limit),
		})
	}
	if err != nil {
		return nil, err
	}
	out := make([]domain.Workflow, len(rows))
	for i, r := range rows {
		out[i] = workflowFromRow(r)
	}
	return out, nil
}

// likeEscaper escapes ILIKE wildcards so a search matches them literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func versionFromRow(r db.WorkflowVersion) domain.WorkflowVersion {
	return domain.WorkflowVersion{
		WorkspaceID: r.WorkspaceID, WorkflowID: r.WorkflowID, Number: r.Number, Graph: r.Graph,
		Settings: r.Settings, TriggerKind: r.TriggerKind, Note: r.Note,
		ExecutionCount: r.ExecutionCount, CreatedAt: r.CreatedAt,
	}
}
