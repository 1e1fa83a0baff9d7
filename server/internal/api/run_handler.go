package api

import (
	"context"
	"encoding/json"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
)

func (h *WorkflowHandler) TriggerWorkflow(ctx context.Context, req *connect.Request[workflowv1.TriggerWorkflowRequest]) (*connect.Response[workflowv1.TriggerWorkflowResponse], error) {
	m := req.Msg
	r, err := triggerRun(ctx, h.engine, m.GetWorkflowId(), m.GetSessionId(), m.GetVariables(), m.GetIdempotencyKey())
	if err != nil {
		return nil, err
	}
	pr, err := runToProto(r, nil)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.TriggerWorkflowResponse{RunId: pr.GetId(), Run: pr}), nil
}

// RunWorkflow is the widget's bot:scenario:run: the same start as
// TriggerWorkflow, on the widget's own session.
func (h *SessionHandler) RunWorkflow(ctx context.Context, req *connect.Request[sessionv1.RunWorkflowRequest]) (*connect.Response[sessionv1.RunWorkflowResponse], error) {
	m := req.Msg
	r, err := triggerRun(ctx, h.engine, m.GetWorkflowId(), m.GetSessionId(), m.GetVariables(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.RunWorkflowResponse{RunId: domain.PrefixRun.Format(r.ID)}), nil
}

// triggerRun is the one programmatic start behind every entry point.
func triggerRun(ctx context.Context, e *engine.Engine, workflowID, sessionID string, vars *structpb.Struct, key string) (domain.Run, error) {
	wid, err := domain.PrefixWorkflow.Parse("workflow_id", workflowID)
	if err != nil {
		return domain.Run{}, err
	}
	sid, err := domain.PrefixSession.Parse("session_id", sessionID)
	if err != nil {
		return domain.Run{}, err
	}
	return e.Trigger(ctx, domain.PrincipalFrom(ctx).WorkspaceID, engine.Start{
		WorkflowID: wid, SessionID: sid, Variables: vars.AsMap(), IdempotencyKey: key,
	})
}

func (h *WorkflowHandler) TestWorkflow(ctx context.Context, req *connect.Request[workflowv1.TestWorkflowRequest]) (*connect.Response[workflowv1.TestWorkflowResponse], error) {
	m := req.Msg
	wid, err := domain.PrefixWorkflow.Parse("workflow_id", m.GetWorkflowId())
	if err != nil {
		return nil, err
	}
	t := engine.Test{
		WorkflowID: wid, Version: m.GetVersion(), TriggerData: m.GetTriggerData().AsMap(),
		Variables: m.GetVariables().AsMap(), FastForward: m.GetFastForward(), Manual: m.GetManual(),
	}
	if m.GetSessionId() != "" {
		sid, err := domain.PrefixSession.Parse("session_id", m.GetSessionId())
		if err != nil {
			return nil, err
		}
		t.SessionID = &sid
	}
	r, err := h.engine.Test(ctx, domain.PrincipalFrom(ctx).WorkspaceID, t)
	if err != nil {
		return nil, err
	}
	pr, err := runToProto(r, nil)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.TestWorkflowResponse{Run: pr}), nil
}

// runPage is the position a ListRuns page token stands for.
type runPage struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

func (h *WorkflowHandler) ListRuns(ctx context.Context, req *connect.Request[workflowv1.ListRunsRequest]) (*connect.Response[workflowv1.ListRunsResponse], error) {
	m := req.Msg
	f := domain.RunFilter{Mode: runModeName(m.GetMode()), Limit: pageSize(m.GetPageSize()) + 1}
	if m.GetWorkflowId() != "" {
		id, err := domain.PrefixWorkflow.Parse("workflow_id", m.GetWorkflowId())
		if err != nil {
			return nil, err
		}
		f.WorkflowID = &id
	}
	if m.GetSessionId() != "" {
		id, err := domain.PrefixSession.Parse("session_id", m.GetSessionId())
		if err != nil {
			return nil, err
		}
		f.SessionID = &id
	}
	for _, st := range m.GetStatuses() {
		f.Statuses = append(f.Statuses, runStatusName(st))
	}
	if m.GetCreatedAfter() != nil {
		t := m.GetCreatedAfter().AsTime()
		f.CreatedAfter = &t
	}
	if m.GetCreatedBefore() != nil {
		t := m.GetCreatedBefore().AsTime()
		f.CreatedBefore = &t
	}
	if m.GetPageToken() != "" {
		var page runPage
		if err := decodePageToken(m.GetPageToken(), &page); err != nil {
			return nil, err
		}
		f.AfterCreated, f.AfterID = &page.CreatedAt, page.ID
	}
	runs, err := h.engine.Runs(ctx, domain.PrincipalFrom(ctx).WorkspaceID, f)
	if err != nil {
		return nil, err
	}
	res := &workflowv1.ListRunsResponse{}
	if len(runs) == f.Limit {
		runs = runs[:len(runs)-1]
		last := runs[len(runs)-1]
		res.NextPageToken = encodePageToken(runPage{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	for _, r := range runs {
		pr, err := runToProto(r, nil)
		if err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, pr)
	}
	return connect.NewResponse(res), nil
}

func (h *WorkflowHandler) GetRun(ctx context.Context, req *connect.Request[workflowv1.GetRunRequest]) (*connect.Response[workflowv1.GetRunResponse], error) {
	id, err := domain.PrefixRun.Parse("run_id", req.Msg.GetRunId())
	if err != nil {
		return nil, err
	}
	r, steps, err := h.engine.RunWithSteps(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	pr, err := runToProto(r, steps)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.GetRunResponse{Run: pr}), nil
}

func (h *WorkflowHandler) CancelRun(ctx context.Context, req *connect.Request[workflowv1.CancelRunRequest]) (*connect.Response[workflowv1.CancelRunResponse], error) {
	id, err := domain.PrefixRun.Parse("run_id", req.Msg.GetRunId())
	if err != nil {
		return nil, err
	}
	r, err := h.engine.Cancel(ctx, domain.PrincipalFrom(ctx).WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	pr, err := runToProto(r, nil)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workflowv1.CancelRunResponse{Run: pr}), nil
}

var runModeNames = map[workflowv1.RunMode]string{
	workflowv1.RunMode_RUN_MODE_PRODUCTION: domain.RunProduction,
	workflowv1.RunMode_RUN_MODE_TEST:       domain.RunTest,
	workflowv1.RunMode_RUN_MODE_MANUAL:     domain.RunManual,
}

func runModeName(m workflowv1.RunMode) string { return runModeNames[m] }

var runStatusToProto = map[string]workflowv1.RunStatus{
	domain.RunPending:   workflowv1.RunStatus_RUN_STATUS_PENDING,
	domain.RunRunning:   workflowv1.RunStatus_RUN_STATUS_RUNNING,
	domain.RunWaiting:   workflowv1.RunStatus_RUN_STATUS_WAITING,
	domain.RunCompleted: workflowv1.RunStatus_RUN_STATUS_COMPLETED,
	domain.RunFailed:    workflowv1.RunStatus_RUN_STATUS_FAILED,
	domain.RunCancelled: workflowv1.RunStatus_RUN_STATUS_CANCELLED,
}

func runStatusName(s workflowv1.RunStatus) string {
	for name, p := range runStatusToProto {
		if p == s {
			return name
		}
	}
	return ""
}

var stepStatusToProto = map[string]workflowv1.StepStatus{
	domain.StepCompleted: workflowv1.StepStatus_STEP_STATUS_COMPLETED,
	domain.StepFailed:    workflowv1.StepStatus_STEP_STATUS_FAILED,
	domain.StepWaiting:   workflowv1.StepStatus_STEP_STATUS_WAITING,
	domain.StepSkipped:   workflowv1.StepStatus_STEP_STATUS_SKIPPED,
}

func runToProto(r domain.Run, steps []domain.RunStep) (*workflowv1.Run, error) {
	triggerData, err := structpb.NewStruct(r.TriggerData)
	if err != nil {
		return nil, err
	}
	vars, err := structpb.NewStruct(r.Variables)
	if err != nil {
		return nil, err
	}
	out := &workflowv1.Run{
		Id: domain.PrefixRun.Format(r.ID), WorkflowId: domain.PrefixWorkflow.Format(r.WorkflowID), Version: r.Version,
		SessionId: domain.PrefixSession.Format(r.SessionID), Status: runStatusToProto[r.Status], Trigger: r.Trigger,
		TriggerData: triggerData, Variables: vars, CurrentNodeId: r.CurrentNodeID, Error: r.Error, Depth: r.Depth,
		CreatedAt: optionalTimestamp(&r.CreatedAt), StartedAt: optionalTimestamp(r.StartedAt),
		FinishedAt: optionalTimestamp(r.FinishedAt), WakeAt: optionalTimestamp(r.WakeAt),
	}
	for p, name := range runModeNames {
		if name == r.Mode {
			out.Mode = p
		}
	}
	for _, st := range steps {
		ps, err := stepToProto(st)
		if err != nil {
			return nil, err
		}
		out.Steps = append(out.Steps, ps)
	}
	return out, nil
}

func stepToProto(st domain.RunStep) (*workflowv1.Step, error) {
	out := &workflowv1.Step{
		Index: st.Index, NodeId: st.NodeID, Kind: st.Kind, Status: stepStatusToProto[st.Status], Port: st.Port,
		Error: st.Error, Attempt: st.Attempt, StartedAt: optionalTimestamp(&st.StartedAt), FinishedAt: optionalTimestamp(st.FinishedAt),
	}
	var err error
	if out.Input, err = jsonStruct(st.Input); err != nil {
		return nil, err
	}
	if out.Output, err = jsonStruct(st.Output); err != nil {
		return nil, err
	}
	var conds []json.RawMessage
	if err := json.Unmarshal(st.Conditions, &conds); err != nil {
		return nil, err
	}
	for _, c := range conds {
		cr := &workflowv1.ConditionResult{}
		if err := protojson.Unmarshal(c, cr); err != nil {
			return nil, err
		}
		out.Conditions = append(out.Conditions, cr)
	}
	return out, nil
}

func jsonStruct(raw []byte) (*structpb.Struct, error) {
	s := &structpb.Struct{}
	if len(raw) == 0 {
		return s, nil
	}
	return s, protojson.Unmarshal(raw, s)
}
