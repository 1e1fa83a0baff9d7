package store

import (
	"context"

	"github.com/google/uuid"

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

// DeleteWorkflow removes a workflow and its versions; KindNotFound if none.
func (s *Store) DeleteWorkflow(ctx context.Context, workspaceID, id uuid.UUID) error {
	n, err := s.q.DeleteWorkflow(ctx, s.conn(ctx), db.DeleteWorkflowParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return err
	}
	if n == 0 {
		return domain.NotFound("workflow", domain.PrefixWorkflow.Format(id))
	}
	return nil
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
