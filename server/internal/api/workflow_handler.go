package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// WorkflowHandler serves parley.workflow.v1.WorkflowService.
type WorkflowHandler struct {
	workflowv1connect.UnimplementedWorkflowServiceHandler
	workflows *workflow.Service
	engine    *engine.Engine
	// publicURL is the server's base URL as clients reach it (snippets).
	publicURL string
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

// workflowStatusFromProto inverts workflowStatusToProto; requests carry
// only defined, specified statuses (protovalidate).
var workflowStatusFromProto = func() map[workflowv1.WorkflowStatus]domain.WorkflowStatus {
	m := make(map[workflowv1.WorkflowStatus]domain.WorkflowStatus, len(workflowStatusToProto))
	for d, p := range workflowStatusToProto {
		m[p] = d
	}
	return m
}()

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

// workflowPage is the keyset position of a workflow listing.
type workflowPage struct {
	Sort       domain.WorkflowSort `json:"s"`
	ID         uuid.UUID           `json:"i"`
	Name       string              `json:"n,omitempty"`
	UpdatedAt  time.Time           `json:"u,omitzero"`
	Executions int64               `json:"e,omitempty"`
}

var workflowSortFromProto = map[workflowv1.WorkflowSort]domain.WorkflowSort{
	workflowv1.WorkflowSort_WORKFLOW_SORT_UNSPECIFIED: domain.SortByUpdated,
	workflowv1.WorkflowSort_WORKFLOW_SORT_UPDATED:     domain.SortByUpdated,
	workflowv1.WorkflowSort_WORKFLOW_SORT_NAME:        domain.SortByName,
	workflowv1.WorkflowSort_WORKFLOW_SORT_EXECUTIONS:  domain.SortByExecutions,
}

func (h *WorkflowHandler) ListWorkflows(ctx context.Context, req *connect.Request[workflowv1.ListWorkflowsRequest]) (*connect.Response[workflowv1.ListWorkflowsResponse], error) {
	m := req.Msg
	f := domain.WorkflowFilter{
		TriggerKind:  workflow.TriggerKindName(m.GetTriggerKind()),
		NameContains: m.GetQuery(),
		Sort:         workflowSortFromProto[m.GetSort()],
		Limit:        pageSize(m.GetPageSize()) + 1, // one more tells whether a next page exists
	}
	for _, st := range m.GetStatuses() {
		f.Statuses = append(f.Statuses, workflowStatusFromProto[st])
	}
	if m.GetPageToken() != "" {
		var page workflowPage
		if err := decodePageToken(m.GetPageToken(), &page); err != nil {
			return nil, err
		}
		if page.Sort != f.Sort {
			return nil, domain.Invalid("page_token", "belongs to a listing with another sort order")
		}
		f.After = &domain.Workflow{ID: page.ID, Name: page.Name, UpdatedAt: page.UpdatedAt, ExecutionCount: page.Executions}
	}
	list, err := h.workflows.List(ctx, domain.PrincipalFrom(ctx).WorkspaceID, f)
	if err != nil {
		return nil, err
	}
	res := &workflowv1.ListWorkflowsResponse{}
	if len(list) == f.Limit {
		list = list[:len(list)-1]
		last := list[len(list)-1]
		res.NextPageToken = encodePageToken(workflowPage{
			Sort: f.Sort, ID: last.ID, Name: last.Name, UpdatedAt: last.UpdatedAt, Executions: last.ExecutionCount,
		})
	}
	for _, w := range list {
		pw, err := workflowToProto(w, false)
		if err != nil {
			return nil, err
		}
		res.Workflows = append(res.Workflows, pw)
	}
	return connect.NewResponse(res), nil
}

func (h *WorkflowHandler) UpdateDraft(ctx context.Context, req *connect.Request[workflowv1.UpdateDraftRequest]) (*connect.Response[workflowv1.UpdateDraftResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	w, problems, err := h.workflows.UpdateDraft(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id, workflow.Draft{
		Graph:            req.Msg.GetDraft(),
		Name:             req.Msg.Name,
		Description:      req.Msg.Description,
		Settings:         req.Msg.GetSettings(),
		ExpectedRevision: req.Msg.GetExpectedRevision(),
	})
	if err != nil {
		return nil, err
	}
	out, err := workflowToProto(w, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.UpdateDraftResponse{Workflow: out, Problems: problems}), nil
}

func (h *WorkflowHandler) ValidateWorkflow(ctx context.Context, req *connect.Request[workflowv1.ValidateWorkflowRequest]) (*connect.Response[workflowv1.ValidateWorkflowResponse], error) {
	var problems []*workflowv1.Problem
	if g := req.Msg.GetGraph(); g != nil {
		problems = h.workflows.ValidateGraph(g)
	} else {
		id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
		if err != nil {
			return nil, err
		}
		if problems, err = h.workflows.ValidateStored(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id); err != nil {
			return nil, err
		}
	}
	return connect.NewResponse(&workflowv1.ValidateWorkflowResponse{Problems: problems, Valid: !workflow.HasErrors(problems)}), nil
}

func (h *WorkflowHandler) SaveVersion(ctx context.Context, req *connect.Request[workflowv1.SaveVersionRequest]) (*connect.Response[workflowv1.SaveVersionResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	w, v, err := h.workflows.SaveVersion(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id, req.Msg.GetNote())
	if err != nil {
		return nil, err
	}
	pv, err := versionToProto(v, w.PublishedVersion, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.SaveVersionResponse{Version: pv}), nil
}

func (h *WorkflowHandler) PublishWorkflow(ctx context.Context, req *connect.Request[workflowv1.PublishWorkflowRequest]) (*connect.Response[workflowv1.PublishWorkflowResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	w, v, err := h.workflows.Publish(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id, req.Msg.GetNote())
	if err != nil {
		return nil, err
	}
	pw, err := workflowToProto(w, true)
	if err != nil {
		return nil, err
	}
	pv, err := versionToProto(v, w.PublishedVersion, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.PublishWorkflowResponse{Workflow: pw, Version: pv}), nil
}

// lifecycle runs a status change and returns the workflow.
func (h *WorkflowHandler) lifecycle(ctx context.Context, rawID string, change func(context.Context, uuid.UUID, uuid.UUID) (domain.Workflow, error)) (*workflowv1.Workflow, error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", rawID)
	if err != nil {
		return nil, err
	}
	w, err := change(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return workflowToProto(w, true)
}

func (h *WorkflowHandler) PauseWorkflow(ctx context.Context, req *connect.Request[workflowv1.PauseWorkflowRequest]) (*connect.Response[workflowv1.PauseWorkflowResponse], error) {
	w, err := h.lifecycle(ctx, req.Msg.GetWorkflowId(), h.workflows.Pause)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.PauseWorkflowResponse{Workflow: w}), nil
}

func (h *WorkflowHandler) ResumeWorkflow(ctx context.Context, req *connect.Request[workflowv1.ResumeWorkflowRequest]) (*connect.Response[workflowv1.ResumeWorkflowResponse], error) {
	w, err := h.lifecycle(ctx, req.Msg.GetWorkflowId(), h.workflows.Resume)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.ResumeWorkflowResponse{Workflow: w}), nil
}

func (h *WorkflowHandler) ArchiveWorkflow(ctx context.Context, req *connect.Request[workflowv1.ArchiveWorkflowRequest]) (*connect.Response[workflowv1.ArchiveWorkflowResponse], error) {
	w, err := h.lifecycle(ctx, req.Msg.GetWorkflowId(), h.workflows.Archive)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.ArchiveWorkflowResponse{Workflow: w}), nil
}

func (h *WorkflowHandler) ListVersions(ctx context.Context, req *connect.Request[workflowv1.ListVersionsRequest]) (*connect.Response[workflowv1.ListVersionsResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	var before struct {
		Number int32 `json:"v"`
	}
	if req.Msg.GetPageToken() != "" {
		if err := decodePageToken(req.Msg.GetPageToken(), &before); err != nil {
			return nil, err
		}
	}
	ws := domain.PrincipalFrom(ctx).WorkspaceID
	limit := pageSize(req.Msg.GetPageSize())
	w, list, err := h.workflows.Versions(ctx, ws, id, before.Number, limit+1)
	if err != nil {
		return nil, err
	}
	res := &workflowv1.ListVersionsResponse{}
	if len(list) > limit {
		list = list[:limit]
		before.Number = list[limit-1].Number
		res.NextPageToken = encodePageToken(before)
	}
	for _, v := range list {
		pv, err := versionToProto(v, w.PublishedVersion, false)
		if err != nil {
			return nil, err
		}
		res.Versions = append(res.Versions, pv)
	}
	return connect.NewResponse(res), nil
}

func (h *WorkflowHandler) GetVersion(ctx context.Context, req *connect.Request[workflowv1.GetVersionRequest]) (*connect.Response[workflowv1.GetVersionResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	w, v, err := h.workflows.Version(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id, req.Msg.GetNumber())
	if err != nil {
		return nil, err
	}
	pv, err := versionToProto(v, w.PublishedVersion, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.GetVersionResponse{Version: pv}), nil
}

func (h *WorkflowHandler) RestoreVersion(ctx context.Context, req *connect.Request[workflowv1.RestoreVersionRequest]) (*connect.Response[workflowv1.RestoreVersionResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	w, err := h.workflows.Restore(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id, req.Msg.GetNumber(), req.Msg.GetExpectedRevision())
	if err != nil {
		return nil, err
	}
	pw, err := workflowToProto(w, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.RestoreVersionResponse{Workflow: pw}), nil
}

// versionToProto converts a version; published is the workflow's published
// version number.
func versionToProto(v domain.WorkflowVersion, published int32, withGraph bool) (*workflowv1.WorkflowVersion, error) {
	settings, err := workflow.DecodeSettings(v.Settings)
	if err != nil {
		return nil, err
	}
	out := &workflowv1.WorkflowVersion{
		WorkflowId:     domain.PrefixWorkflow.Format(v.WorkflowID),
		Number:         v.Number,
		Note:           v.Note,
		Settings:       settings,
		Published:      v.Number == published,
		ExecutionCount: v.ExecutionCount,
		CreatedAt:      timestamppb.New(v.CreatedAt),
	}
	if withGraph {
		if out.Graph, err = workflow.DecodeGraph(v.Graph); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (h *WorkflowHandler) GetSnippets(ctx context.Context, req *connect.Request[workflowv1.GetSnippetsRequest]) (*connect.Response[workflowv1.GetSnippetsResponse], error) {
	id, err := domain.PrefixWorkflow.Parse("workflow_id", req.Msg.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	if _, err := h.workflows.Get(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id); err != nil {
		return nil, err
	}
	publicID := domain.PrefixWorkflow.Format(id)
	return connect.NewResponse(&workflowv1.GetSnippetsResponse{
		WorkflowId:        publicID,
		EncodedWorkflowId: workflow.EncodeWorkflowID(publicID),
		Snippets:          workflow.Snippets(h.publicURL, publicID),
	}), nil
}
