package workflow

import (
	"context"

	"github.com/google/uuid"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// Draft is an edit of a workflow's draft. Nil Name or Description keep the
// current ones; a nil Settings keeps the current settings.
type Draft struct {
	Graph       *workflowv1.Graph
	Name        *string
	Description *string
	Settings    *workflowv1.WorkflowSettings
	// ExpectedRevision, when > 0, refuses the edit (KindAborted) if the
	// draft has changed since that revision.
	ExpectedRevision int64
}

// UpdateDraft saves a new draft and returns the workflow with the draft's
// validation problems. Saving is allowed with problems; it never changes
// what runs. Archived workflows are read-only.
func (s *Service) UpdateDraft(ctx context.Context, workspaceID, id uuid.UUID, d Draft) (domain.Workflow, []*workflowv1.Problem, error) {
	var out domain.Workflow
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		current, err := s.lockEditable(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		graphJSON, err := EncodeMessage(d.Graph)
		if err != nil {
			return err
		}
		settingsJSON := current.Settings
		if d.Settings != nil {
			if settingsJSON, err = EncodeMessage(d.Settings); err != nil {
				return err
			}
		}
		out, err = s.store.UpdateWorkflowDraft(ctx, domain.Workflow{
			WorkspaceID: workspaceID, ID: id, Draft: graphJSON, Settings: settingsJSON,
			TriggerKind: TriggerKindName(GraphTriggerKind(d.Graph)),
		}, d.Name, d.Description, d.ExpectedRevision)
		return err
	})
	if err != nil {
		return domain.Workflow{}, nil, err
	}
	return out, s.validate(d.Graph), nil
}

// validate runs the graph validator with this server's capabilities.
func (s *Service) validate(g *workflowv1.Graph) []*workflowv1.Problem {
	return Validate(g, ValidateOptions{AIConfigured: s.aiConfigured})
}

// ValidateStored returns the problems of a stored workflow's draft.
func (s *Service) ValidateStored(ctx context.Context, workspaceID, id uuid.UUID) ([]*workflowv1.Problem, error) {
	w, err := s.store.Workflow(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	g, err := DecodeGraph(w.Draft)
	if err != nil {
		return nil, err
	}
	return s.validate(g), nil
}

// ValidateGraph returns the problems of a graph that is not stored.
func (s *Service) ValidateGraph(g *workflowv1.Graph) []*workflowv1.Problem { return s.validate(g) }

// SaveVersion snapshots the draft as the next immutable version without
// changing what runs.
func (s *Service) SaveVersion(ctx context.Context, workspaceID, id uuid.UUID, note string) (domain.Workflow, domain.WorkflowVersion, error) {
	return s.snapshot(ctx, workspaceID, id, note, false)
}

// Publish snapshots the draft as the next version and makes it the one that
// runs (status Active). It is refused with KindFailedPrecondition while the
// draft has validation errors; the error's Details carry the problems.
func (s *Service) Publish(ctx context.Context, workspaceID, id uuid.UUID, note string) (domain.Workflow, domain.WorkflowVersion, error) {
	return s.snapshot(ctx, workspaceID, id, note, true)
}

func (s *Service) snapshot(ctx context.Context, workspaceID, id uuid.UUID, note string, publish bool) (domain.Workflow, domain.WorkflowVersion, error) {
	var (
		w domain.Workflow
		v domain.WorkflowVersion
	)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		current, err := s.lockEditable(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		if publish {
			g, err := DecodeGraph(current.Draft)
			if err != nil {
				return err
			}
			if problems := s.validate(g); HasErrors(problems) {
				return &domain.Error{
					Kind:    domain.KindFailedPrecondition,
					Message: publishRefusal(problems),
					Details: &workflowv1.ValidateWorkflowResponse{Problems: problems},
				}
			}
		}
		w, v, err = s.store.CreateWorkflowVersion(ctx, domain.WorkflowVersion{
			WorkspaceID: workspaceID, WorkflowID: id, Number: current.VersionCount + 1,
			Graph: current.Draft, Settings: current.Settings, TriggerKind: current.TriggerKind, Note: note,
		}, publish)
		return err
	})
	return w, v, err
}

// publishRefusal summarises the errors that block publishing.
func publishRefusal(problems []*workflowv1.Problem) string {
	var errs []*workflowv1.Problem
	for _, p := range problems {
		if p.GetSeverity() == workflowv1.Severity_SEVERITY_ERROR {
			errs = append(errs, p)
		}
	}
	msg := "the draft has validation errors, fix them before publishing: "
	for i, p := range errs {
		if i == 3 {
			msg += "; ..."
			break
		}
		if i > 0 {
			msg += "; "
		}
		if p.GetNodeId() != "" {
			msg += "node " + p.GetNodeId() + ": "
		}
		msg += p.GetMessage()
	}
	return msg
}

// lockEditable locks a workflow's row for the rest of the transaction and
// refuses archived workflows, which are read-only.
func (s *Service) lockEditable(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	w, err := s.store.WorkflowForUpdate(ctx, workspaceID, id)
	if err != nil {
		return domain.Workflow{}, err
	}
	if w.Status == domain.WorkflowArchived {
		return domain.Workflow{}, domain.Errorf(domain.KindFailedPrecondition,
			"workflow %s is archived and read-only", domain.PrefixWorkflow.Format(id))
	}
	return w, nil
}

// transitions lists which statuses each lifecycle action accepts.
var transitions = map[domain.WorkflowStatus][]domain.WorkflowStatus{
	domain.WorkflowPaused:   {domain.WorkflowActive},
	domain.WorkflowActive:   {domain.WorkflowPaused},
	domain.WorkflowArchived: {domain.WorkflowDraft, domain.WorkflowActive, domain.WorkflowPaused},
}

// Pause stops an active workflow from starting runs.
func (s *Service) Pause(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	return s.transition(ctx, workspaceID, id, domain.WorkflowPaused)
}

// Resume makes a paused workflow's published version run again.
func (s *Service) Resume(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	return s.transition(ctx, workspaceID, id, domain.WorkflowActive)
}

// Archive retires a workflow; it keeps its versions and history and starts
// no runs.
func (s *Service) Archive(ctx context.Context, workspaceID, id uuid.UUID) (domain.Workflow, error) {
	return s.transition(ctx, workspaceID, id, domain.WorkflowArchived)
}

func (s *Service) transition(ctx context.Context, workspaceID, id uuid.UUID, to domain.WorkflowStatus) (domain.Workflow, error) {
	var out domain.Workflow
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		current, err := s.store.WorkflowForUpdate(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		allowed := false
		for _, from := range transitions[to] {
			allowed = allowed || current.Status == from
		}
		if !allowed {
			return domain.Errorf(domain.KindFailedPrecondition, "workflow %s is %s: it cannot become %s",
				domain.PrefixWorkflow.Format(id), current.Status, to)
		}
		out, err = s.store.SetWorkflowStatus(ctx, workspaceID, id, to)
		return err
	})
	return out, err
}

// Version returns one version of a workflow. It also returns the workflow, whose PublishedVersion tells whether the
// version is the one that runs.
func (s *Service) Version(ctx context.Context, workspaceID, id uuid.UUID, number int32) (domain.Workflow, domain.WorkflowVersion, error) {
	w, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return domain.Workflow{}, domain.WorkflowVersion{}, err
	}
	v, err := s.store.WorkflowVersion(ctx, workspaceID, id, number)
	return w, v, err
}

// Versions lists versions newest first, before the given number (0: from
// the newest), with the workflow they belong to.
func (s *Service) Versions(ctx context.Context, workspaceID, id uuid.UUID, beforeNumber int32, limit int) (domain.Workflow, []domain.WorkflowVersion, error) {
	w, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return domain.Workflow{}, nil, err
	}
	vs, err := s.store.WorkflowVersions(ctx, workspaceID, id, beforeNumber, limit)
	return w, vs, err
}

// Restore copies a version's graph and settings into the draft.
func (s *Service) Restore(ctx context.Context, workspaceID, id uuid.UUID, number int32, expectedRevision int64) (domain.Workflow, error) {
	_, v, err := s.Version(ctx, workspaceID, id, number)
	if err != nil {
		return domain.Workflow{}, err
	}
	g, err := DecodeGraph(v.Graph)
	if err != nil {
		return domain.Workflow{}, err
	}
	settings, err := DecodeSettings(v.Settings)
	if err != nil {
		return domain.Workflow{}, err
	}
	w, _, err := s.UpdateDraft(ctx, workspaceID, id, Draft{Graph: g, Settings: settings, ExpectedRevision: expectedRevision})
	return w, err
}

// List returns one page of workflows.
func (s *Service) List(ctx context.Context, workspaceID uuid.UUID, f domain.WorkflowFilter) ([]domain.Workflow, error) {
	if err := s.store.FoldExecutionCounts(ctx); err != nil {
		return nil, err
	}
	return s.store.Workflows(ctx, workspaceID, f)
}
