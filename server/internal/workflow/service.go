package workflow

import (
	"context"

	"github.com/google/uuid"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// Service manages workflow definitions.
type Service struct {
	store *store.Store
	// aiConfigured tells validation whether AI nodes can run here.
	aiConfigured bool
}

// NewService returns a Service on st. aiConfigured says whether an LLM
// provider is configured (AI nodes are refused at publish without one).
func NewService(st *store.Store, aiConfigured bool) *Service {
	return &Service{store: st, aiConfigured: aiConfigured}
}

// Create stores a new workflow in draft status.
func (s *Service) Create(ctx context.Context, workspaceID uuid.UUID, name, description string, draft *workflowv1.Graph, settings *workflowv1.WorkflowSettings) (domain.Workflow, error) {
	draftJSON, err := EncodeMessage(draft)
	if err != nil {
		return domain.Workflow{}, err
	}
	settingsJSON, err := EncodeMessage(settings)
	if err != nil {
		return domain.Workflow{}, err
	}
	return s.store.CreateWorkflow(ctx, domain.Workflow{
		WorkspaceID: workspaceID, ID: domain.NewID(), Name: name, Description: description,
		Draft: draftJSON, Settings: settingsJSON, TriggerKind: TriggerKindName(GraphTriggerKind(draft)),
	})
}

// Get returns a workflow; KindNotFound when the workspace has none with id.
func (s *Service) Get(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	if err := s.store.FoldExecutionCounts(ctx); err != nil {
		return domain.Workflow{}, err
	}
	return s.store.Workflow(ctx, workspaceID, id)
}

// Delete removes a workflow that was never published. A workflow with
// versions is kept for its run history: archive it instead
// (KindFailedPrecondition).
func (s *Service) Delete(ctx context.Context, workspaceID, id uuid.UUID) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		w, err := s.store.WorkflowForUpdate(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		if w.VersionCount > 0 {
			return domain.Errorf(domain.KindFailedPrecondition,
				"workflow %s has saved versions and run history: archive it instead of deleting it", domain.PrefixWorkflow.Format(id))
		}
		return s.store.DeleteWorkflow(ctx, workspaceID, id)
	})
}
