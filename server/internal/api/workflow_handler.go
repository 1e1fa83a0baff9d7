package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// WorkflowHandler serves parley.workflow.v1.WorkflowService.
type WorkflowHandler struct {
	workflowv1connect.UnimplementedWorkflowServiceHandler
	workflows *workflow.Service
}

func (h *WorkflowHandler) CreateWorkflow(ctx context.Context, req *connect.Request[workflowv1.CreateWorkflowRequest]) (*connect.Response[workflowv1.CreateWorkflowResponse], error) {
	p := domain.PrincipalFrom(ctx)
	w, err := h.workflows.Create(ctx, p.WorkspaceID, req.Msg.GetName(), req.Msg.GetDescription(), req.Msg.GetDraft(), req.Msg.GetSettings())
	if err != nil {
		return nil, err
	}
	out, err := workflowToProto(w, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.CreateWorkflowResponse{Workflow: out}), nil
}

func (h *WorkflowHandler) GetWorkflow(ctx context.Context, req *connect.Request[workflowv1.GetWorkflowRequest]) (*connect.Response[workflowv1.GetWorkflowResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	w, err := h.workflows.Get(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	out, err := workflowToProto(w, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.GetWorkflowResponse{Workflow: out}), nil
}

func (h *WorkflowHandler) DeleteWorkflow(ctx context.Context, req *connect.Request[workflowv1.DeleteWorkflowRequest]) (*connect.Response[workflowv1.DeleteWorkflowResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	if err := h.workflows.Delete(ctx, p.WorkspaceID, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.DeleteWorkflowResponse{}), nil
}

var workflowStatusToProto = map[domain.WorkflowStatus]workflowv1.WorkflowStatus{
	domain.WorkflowDraft:    workflowv1.WorkflowStatus_WORKFLOW_STATUS_DRAFT,
	domain.WorkflowActive:   workflowv1.WorkflowStatus_WORKFLOW_STATUS_ACTIVE,
	domain.WorkflowPaused:   workflowv1.WorkflowStatus_WORKFLOW_STATUS_PAUSED,
	domain.WorkflowArchived: workflowv1.WorkflowStatus_WORKFLOW_STATUS_ARCHIVED,
}

// workflowToProto converts a stored workflow; withDraft includes the graph.
func workflowToProto(w domain.Workflow, withDraft bool) (*workflowv1.Workflow, error) {
	settings, err := workflow.DecodeSettings(w.Settings)
	if err != nil {
		return nil, err
	}
	out := &workflowv1.Workflow{
		Id:               domain.PrefixWorkflow.Format(w.ID),
		Name:             w.Name,
		Description:      w.Description,
		Status:           workflowStatusToProto[w.Status],
		Revision:         w.Revision,
		TriggerKind:      workflow.ParseTriggerKindName(w.TriggerKind),
		PublishedVersion: w.PublishedVersion,
		VersionCount:     w.VersionCount,
		ExecutionCount:   w.ExecutionCount,
		Settings:         settings,
		CreatedAt:        timestamppb.New(w.CreatedAt),
		UpdatedAt:        timestamppb.New(w.UpdatedAt),
		PublishedAt:      optionalTimestamp(w.PublishedAt),
	}
	if withDraft {
		if out.Draft, err = workflow.DecodeGraph(w.Draft); err != nil {
			return nil, err
		}
	}
	return out, nil
}
