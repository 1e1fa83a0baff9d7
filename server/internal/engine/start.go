package engine

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine/expr"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/store"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// newRun is what a run starts with.
type newRun struct {
	workflowID  uuid.UUID
	version     int32
	graph       *graph
	draft       []byte // the draft snapshot of a version-0 run
	session     domain.Session
	mode        string
	trigger     string
	triggerData map[string]any
	variables   map[string]any
	depth       int32
	cause       *uuid.UUID
	fastForward bool
	idemKey     *string
	reqHash     []byte
}

// startRun creates a run in the transaction in ctx, counts the execution
// (test runs are not counted) and executes the run's first steps right
// there, so what they do commits with the event or request that started
// the run, in one commit and with no job in between. A run goes on in a
// job only when it reaches an external call (made outside any
// transaction), a delay or wait (on its timer or event), or its steps per
// job.
func (e *Engine) startRun(ctx context.Context, n newRun) (domain.Run, error) {
	if n.graph.trigger == nil {
		return domain.Run{}, domain.Errorf(domain.KindFailedPrecondition, "the workflow has no trigger node")
	}
	r, err := e.store.CreateRun(ctx, domain.Run{
		WorkspaceID: n.session.WorkspaceID, ID: domain.NewID(), WorkflowID: n.workflowID, Version: n.version,
		SessionID: n.session.ID, Mode: n.mode, Trigger: n.trigger, TriggerData: n.triggerData,
		Variables: n.variables, Graph: n.draft, CurrentNodeID: n.graph.trigger.GetId(), Depth: n.depth,
		CauseRunID: n.cause, FastForward: n.fastForward, IdempotencyKey: n.idemKey, RequestHash: n.reqHash,
	})
	if err != nil {
		return domain.Run{}, err
	}
	x := &execution{e: e, run: r, sess: n.session, graph: n.graph}
	if err := x.advance(ctx, nil); err != nil {
		return domain.Run{}, err
	}
	return x.run, nil
}

// SessionTriggered makes Engine the sessions' trigger sink: inside the
// transaction of each event it resumes the runs that waited for it and
// starts a run of every active workflow whose trigger matches.
func (e *Engine) SessionTriggered(ctx context.Context, t session.Trigger) error {
	if err := e.resumeWaiting(ctx, t); err != nil {
		return err
	}
	if t.Actor.Kind == sessionv1.Actor_ACTOR_SYSTEM {
		return nil // system changes (test sessions) start no workflows
	}
	// The guards are read once, at the first matching workflow; the run cap
	// is read again after a start, which changes it.
	var (
		cooldown *bool
		fresh    *store.SessionRunGuards
	)
	for _, kind := range t.Kinds {
		wfs, err := e.store.ActiveWorkflowVersions(ctx, t.Session.WorkspaceID, workflow.TriggerKindName(kind), triggerKey(kind, t.Event))
		if err != nil {
			return err
		}
		for _, wf := range wfs {
			if cooldown == nil {
				g, err := e.runGuards(ctx, t.Session, wf.WorkflowID)
				if err != nil {
					return err
				}
				cooldown, fresh = &g.InCooldown, &g
			}
			if *cooldown {
				return nil
			}
			started, err := e.startTriggered(ctx, t, kind, wf, fresh)
			if err != nil {
				return err
			}
			if started {
				fresh = nil
			}
		}
	}
	return nil
}

// startTriggered starts one matching workflow on an event, unless a guard
// stops it, and reports whether it did. guards, when not nil, are the
// session's as they are now; otherwise they are read.
func (e *Engine) startTriggered(ctx context.Context, t session.Trigger, kind workflowv1.TriggerKind, wf domain.TriggerWorkflow, guards *store.SessionRunGuards) (bool, error) {
	pg, err := workflow.DecodeGraph(wf.Graph)
	if err != nil {
		return false, err
	}
	g := compileGraph(pg)
	if g.trigger == nil || !triggerMatches(g.trigger, t) {
		return false, nil
	}
	cause := causeOf(ctx)
	var depth int32
	if t.Actor.CauseRunID != nil {
		if cause == nil || cause.runID != *t.Actor.CauseRunID {
			r, err := e.store.Run(ctx, t.Session.WorkspaceID, *t.Actor.CauseRunID)
			if err != nil {
				return false, err
			}
			cause = &causeInfo{runID: r.ID, workflowID: r.WorkflowID, depth: r.Depth}
		}
		if cause.workflowID == wf.WorkflowID {
			return false, nil // a run never re-triggers its own workflow
		}
		depth = cause.depth + 1
		if int(depth) > e.opts.MaxDepth {
			cause.note(fmt.Sprintf("cascade stopped: workflow %q (%s) was not started because runs caused by runs stop at depth %d",
				wf.Name, domain.PrefixWorkflow.Format(wf.WorkflowID), e.opts.MaxDepth))
			return false, nil
		}
	}
	if ran, err := e.ranOnce(ctx, t.Session, wf.WorkflowID, wf.Settings); err != nil || ran {
		return false, err
	}
	if guards == nil {
		g, err := e.runGuards(ctx, t.Session, wf.WorkflowID)
		if err != nil {
			return false, err
		}
		guards = &g
	}
	if e.full(*guards) {
		e.log.Warn("workflow not started: session run cap reached", "workflow", domain.PrefixWorkflow.Format(wf.WorkflowID),
			"session", domain.PrefixSession.Format(t.Session.ID), "cap", e.opts.SessionRunCap)
		if cause != nil {
			cause.note(fmt.Sprintf("workflow %q was not started: the session already has %d unfinished runs", wf.Name, guards.Unfinished))
		}
		return false, nil
	}
	var causeID *uuid.UUID
	if cause != nil {
		causeID = &cause.runID
	}
	_, err = e.startRun(ctx, newRun{
		workflowID: wf.WorkflowID, version: wf.Version, graph: g, session: t.Session, mode: domain.RunProduction,
		trigger: workflow.TriggerKindName(kind), triggerData: triggerData(kind, t.Event), variables: map[string]any{},
		depth: depth, cause: causeID,
	})
	return err == nil, err
}

// triggerMatches applies a trigger node's filter to the event.
func triggerMatches(n *workflowv1.Node, t session.Trigger) bool {
	ev := t.Event
	switch c := n.GetConfig().(type) {
	case *workflowv1.Node_MessageReceived:
		return expr.MatchText(c.MessageReceived.GetMatch(), ev.GetMessage().GetText())
	case *workflowv1.Node_ButtonAnswered:
		return c.ButtonAnswered.GetValue() == "" || c.ButtonAnswered.GetValue() == ev.GetButtonChosen().GetButton().GetValue()
	case *workflowv1.Node_AiAgentAssigned:
		return c.AiAgentAssigned.GetPersonaId() == "" || c.AiAgentAssigned.GetPersonaId() == ev.GetAssigneeChanged().GetAssignee().GetPersonaId()
	case *workflowv1.Node_HumanAgentAssigned:
		return c.HumanAgentAssigned.GetOperatorId() == "" || c.HumanAgentAssigned.GetOperatorId() == ev.GetAssigneeChanged().GetAssignee().GetOperatorId()
	case *workflowv1.Node_LabelAdded:
		return anyOrContains(c.LabelAdded.GetLabels(), ev.GetLabelAdded().GetLabel())
	case *workflowv1.Node_LabelRemoved:
		return anyOrContains(c.LabelRemoved.GetLabels(), ev.GetLabelRemoved().GetLabel())
	case *workflowv1.Node_SegmentUpdated:
		seg := ev.GetSegmentAdded().GetSegment() + ev.GetSegmentRemoved().GetSegment()
		return anyOrContains(c.SegmentUpdated.GetSegments(), seg)
	case *workflowv1.Node_CustomDataUpdated:
		return c.CustomDataUpdated.GetKey() == "" || c.CustomDataUpdated.GetKey() == ev.GetDataSet().GetKey()
	case *workflowv1.Node_LeadStageChanged:
		return c.LeadStageChanged.GetStage() == "" || strings.EqualFold(c.LeadStageChanged.GetStage(), ev.GetLeadChanged().GetLead().GetStage())
	}
	return true
}

// triggerKey is the value of an event that triggers with an exact filter
// must list to match it (the trigger_keys of migration 0007); "" for kinds
// whose filters are not exact keys, so only triggers listed as "any" are
// looked up and triggerMatches decides.
func triggerKey(kind workflowv1.TriggerKind, ev *sessionv1.SessionEvent) string {
	switch kind {
	case workflowv1.TriggerKind_TRIGGER_KIND_BUTTON_ANSWERED:
		return ev.GetButtonChosen().GetButton().GetValue()
	case workflowv1.TriggerKind_TRIGGER_KIND_AI_AGENT_ASSIGNED:
		return ev.GetAssigneeChanged().GetAssignee().GetPersonaId()
	case workflowv1.TriggerKind_TRIGGER_KIND_HUMAN_AGENT_ASSIGNED:
		return ev.GetAssigneeChanged().GetAssignee().GetOperatorId()
	case workflowv1.TriggerKind_TRIGGER_KIND_LABEL_ADDED:
		return ev.GetLabelAdded().GetLabel()
	case workflowv1.TriggerKind_TRIGGER_KIND_LABEL_REMOVED:
		return ev.GetLabelRemoved().GetLabel()
	case workflowv1.TriggerKind_TRIGGER_KIND_SEGMENT_UPDATED:
		return ev.GetSegmentAdded().GetSegment() + ev.GetSegmentRemoved().GetSegment()
	case workflowv1.TriggerKind_TRIGGER_KIND_CUSTOM_DATA_UPDATED:
		return ev.GetDataSet().GetKey()
	}
	return ""
}

func anyOrContains(filter []string, v string) bool {
	return len(filter) == 0 || slices.Contains(filter, v)
}

// triggerData is what an event tells a run, usable as {{ tags }}.
func triggerData(kind workflowv1.TriggerKind, ev *sessionv1.SessionEvent) map[string]any {
	d := map[string]any{"trigger": workflow.TriggerKindName(kind), "event_sequence": float64(ev.GetSequence())}
	switch p := ev.GetPayload().(type) {
	case *sessionv1.SessionEvent_Message:
		d["message_text"] = p.Message.GetText()
	case *sessionv1.SessionEvent_ButtonChosen:
		d["button_value"] = p.ButtonChosen.GetButton().GetValue()
		d["button_label"] = p.ButtonChosen.GetButton().GetLabel()
	case *sessionv1.SessionEvent_InputAnswered:
		d["answer"] = p.InputAnswered.GetValue()
	case *sessionv1.SessionEvent_LabelAdded:
		d["label"] = p.LabelAdded.GetLabel()
	case *sessionv1.SessionEvent_LabelRemoved:
		d["label"] = p.LabelRemoved.GetLabel()
	case *sessionv1.SessionEvent_SegmentAdded:
		d["segment"], d["segment_change"] = p.SegmentAdded.GetSegment(), "added"
	case *sessionv1.SessionEvent_SegmentRemoved:
		d["segment"], d["segment_change"] = p.SegmentRemoved.GetSegment(), "removed"
	case *sessionv1.SessionEvent_DataSet:
		d["key"] = p.DataSet.GetKey()
		d["value"] = p.DataSet.GetValue().AsInterface()
	case *sessionv1.SessionEvent_AssigneeChanged:
		if id := p.AssigneeChanged.GetAssignee().GetOperatorId(); id != "" {
			d["operator_id"] = id
		}
		if id := p.AssigneeChanged.GetAssignee().GetPersonaId(); id != "" {
			d["persona_id"] = id
		}
	case *sessionv1.SessionEvent_StatusChanged:
		d["status"] = session.EnumName(p.StatusChanged.GetStatus())
	case *sessionv1.SessionEvent_LeadChanged:
		d["lead_stage"] = p.LeadChanged.GetLead().GetStage()
		d["lead_amount"] = float64(p.LeadChanged.GetLead().GetExpectedAmountMinor()) / 100
	}
	return d
}

// Start is a programmatic start of a workflow's published version.
type Start struct {
	WorkflowID, SessionID uuid.UUID
	Variables             map[string]any
	// IdempotencyKey, when set, makes a repeated start return the first
	// run.
	IdempotencyKey string
}

// Trigger starts one production run of a workflow's published version on a
// session (TriggerWorkflow, the REST trigger path and the widget's
// bot:scenario:run). The same idempotency key with the same request returns
// the first run; with a different request it is KindConflict.
//
// Starts that arrive together are committed together (startBatcher), in
// transactions of their own: Trigger is not for use inside one, where it
// would wait for its session's lock behind its own caller.
func (e *Engine) Trigger(ctx context.Context, workspaceID uuid.UUID, s Start) (domain.Run, error) {
	if store.InTransaction(ctx) {
		return domain.Run{}, errors.New("engine: Trigger called inside a transaction")
	}
	c := &startCall{ctx: ctx, workspaceID: workspaceID, start: s, done: make(chan struct{})}
	if s.IdempotencyKey != "" { // the hash identifies the request when there is a key to repeat it with
		c.key, c.hash = &s.IdempotencyKey, requestHash(s)
	}
	e.starts.do(c)
	if c.key != nil && domain.KindOf(c.err) == domain.KindConflict {
		// A concurrent start with the same key won the race.
		if r, ok, err := e.sameRequest(ctx, workspaceID, s, c.hash); ok || err != nil {
			return r, err
		}
	}
	return c.run, c.err
}

// startLocked runs a programmatic start in the transaction in ctx. locked
// is what LockSessionsToStart read for it, or nil to read it here.
func (e *Engine) startLocked(ctx context.Context, c *startCall, locked *store.LockedStart) (domain.Run, error) {
	workspaceID, s, key, hash := c.workspaceID, c.start, c.key, c.hash
	if locked == nil {
		l, err := e.store.LockSessionToStart(ctx, workspaceID, s.SessionID, s.WorkflowID)
		if err != nil {
			return domain.Run{}, err
		}
		locked = &l
	}
	sess, w, guards := locked.Session, locked.Workflow, locked.Guards
	if key != nil {
		// Under the session lock, a start with the same key that
		// committed first is seen here: its run is the answer.
		if r, ok, err := e.sameRequest(ctx, workspaceID, s, hash); ok || err != nil {
			return r, err
		}
	}
	id := domain.PrefixWorkflow.Format(w.ID)
	switch {
	case w.Status == domain.WorkflowArchived:
		return domain.Run{}, domain.Errorf(domain.KindFailedPrecondition, "workflow %s is archived: archived workflows start no runs", id)
	case w.PublishedVersion == 0:
		return domain.Run{}, domain.Errorf(domain.KindFailedPrecondition, "workflow %s is not published: publish it first (draft changes do not run in production)", id)
	case w.Status != domain.WorkflowActive:
		return domain.Run{}, domain.Errorf(domain.KindFailedPrecondition, "workflow %s is %s: resume it to start runs", id, w.Status)
	}
	g, err := e.graphOf(ctx, domain.Run{WorkspaceID: workspaceID, WorkflowID: w.ID, Version: w.PublishedVersion})
	if err != nil {
		return domain.Run{}, err
	}
	if kind, _ := workflow.TriggerKindOf(g.trigger); kind != workflowv1.TriggerKind_TRIGGER_KIND_PROGRAMMATIC {
		return domain.Run{}, domain.Errorf(domain.KindFailedPrecondition,
			"workflow %s starts on %q events, not from code: give its published version a Programmatic trigger", id, workflow.TriggerKindName(kind))
	}
	if err := e.checkGuards(sess, guards); err != nil {
		return domain.Run{}, err
	}
	ran, err := e.ranOnce(ctx, sess, w.ID, w.Settings)
	if err != nil {
		return domain.Run{}, err
	}
	if ran {
		return domain.Run{}, domain.Errorf(domain.KindFailedPrecondition, "workflow %s runs once per conversation and already ran on session %s", id, domain.PrefixSession.Format(sess.ID))
	}
	return e.startRun(ctx, newRun{
		workflowID: w.ID, version: w.PublishedVersion, graph: g, session: sess, mode: domain.RunProduction,
		trigger:     workflow.TriggerKindName(workflowv1.TriggerKind_TRIGGER_KIND_PROGRAMMATIC),
		triggerData: map[string]any{"trigger": "programmatic"}, variables: nonNil(s.Variables),
		idemKey: key, reqHash: hash,
	})
}

// sameRequest returns the run an earlier start with the same idempotency
// key made (ok), or KindConflict when that start's request differed.
func (e *Engine) sameRequest(ctx context.Context, workspaceID uuid.UUID, s Start, hash []byte) (domain.Run, bool, error) {
	r, err := e.store.RunByIdempotencyKey(ctx, workspaceID, s.WorkflowID, s.IdempotencyKey)
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.Run{}, false, nil
	}
	if err != nil {
		return domain.Run{}, false, err
	}
	if string(r.RequestHash) != string(hash) {
		return domain.Run{}, false, &domain.Error{Kind: domain.KindConflict, Field: "idempotency_key",
			Message: fmt.Sprintf("idempotency key %q was already used with a different request (run %s)", s.IdempotencyKey, domain.PrefixRun.Format(r.ID))}
	}
	return r, true, nil
}

// checkGuards refuses a programmatic start while the session is in a
// stop-workflow cooldown or has too many unfinished runs.
func (e *Engine) checkGuards(sess domain.Session, g store.SessionRunGuards) error {
	if g.InCooldown {
		return domain.Errorf(domain.KindFailedPrecondition, "workflows are stopped on session %s: a Stop workflow step's cooldown has not ended", domain.PrefixSession.Format(sess.ID))
	}
	if e.full(g) {
		return domain.Errorf(domain.KindResourceExhausted, "session %s already has %d unfinished runs (the limit is %d): wait for them to finish or cancel some",
			domain.PrefixSession.Format(sess.ID), g.Unfinished, e.opts.SessionRunCap)
	}
	return nil
}

// runGuards reads the guards of a run of a workflow starting on a session
// the transaction in ctx has locked. The statement also returns the
// session and the workflow, which the caller has: one query serves both
// kinds of start.
func (e *Engine) runGuards(ctx context.Context, sess domain.Session, workflowID uuid.UUID) (store.SessionRunGuards, error) {
	l, err := e.store.LockSessionToStart(ctx, sess.WorkspaceID, sess.ID, workflowID)
	return l.Guards, err
}

// full reports whether a session's unfinished runs reach the per-session
// cap.
func (e *Engine) full(g store.SessionRunGuards) bool {
	return g.Unfinished >= int64(e.opts.SessionRunCap)
}

// ranOnce reports whether a workflow whose settings say "run once per
// conversation" already ran on the session.
func (e *Engine) ranOnce(ctx context.Context, sess domain.Session, workflowID uuid.UUID, rawSettings []byte) (bool, error) {
	settings, err := workflow.DecodeSettings(rawSettings)
	if err != nil || !settings.GetRunOncePerSession() {
		return false, err
	}
	return e.store.SessionHasRunOf(ctx, sess.WorkspaceID, sess.ID, workflowID)
}

// requestHash identifies a programmatic start's request for idempotency.
func requestHash(s Start) []byte {
	body, _ := json.Marshal(struct {
		Session   uuid.UUID      `json:"s"`
		Variables map[string]any `json:"v"`
	}{s.SessionID, nonNil(s.Variables)}) // map keys marshal sorted
	h := sha256.Sum256(body)
	return h[:]
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Test is a test or manual run of a draft or a version.
type Test struct {
	WorkflowID uuid.UUID
	// Version 0 runs the draft.
	Version int32
	// SessionID nil creates a session from TriggerData.
	SessionID   *uuid.UUID
	TriggerData map[string]any
	Variables   map[string]any
	FastForward bool
	Manual      bool
}

// Test starts a test (or manual) run. A draft with validation errors is
// refused with the problems, since it cannot run as drawn.
func (e *Engine) Test(ctx context.Context, workspaceID uuid.UUID, t Test) (domain.Run, error) {
	w, err := e.store.Workflow(ctx, workspaceID, t.WorkflowID)
	if err != nil {
		return domain.Run{}, err
	}
	raw := w.Draft
	if t.Version > 0 {
		v, err := e.store.WorkflowVersion(ctx, workspaceID, w.ID, t.Version)
		if err != nil {
			return domain.Run{}, err
		}
		raw = v.Graph
	}
	pg, err := workflow.DecodeGraph(raw)
	if err != nil {
		return domain.Run{}, err
	}
	if problems := workflow.Validate(pg, workflow.ValidateOptions{AIConfigured: true}); workflow.HasErrors(problems) {
		return domain.Run{}, invalidGraph(t.Version, problems)
	}
	g := compileGraph(pg)
	mode := domain.RunTest
	if t.Manual {
		mode = domain.RunManual
	}
	kind, _ := workflow.TriggerKindOf(g.trigger)
	data := map[string]any{"trigger": workflow.TriggerKindName(kind)}
	for k, v := range t.TriggerData {
		data[k] = v
	}
	var out domain.Run
	err = e.store.InTx(ctx, func(ctx context.Context) error {
		sess, err := e.testSession(ctx, workspaceID, t)
		if err != nil {
			return err
		}
		n := newRun{
			workflowID: w.ID, version: t.Version, graph: g, session: sess, mode: mode, trigger: workflow.TriggerKindName(kind),
			triggerData: data, variables: nonNil(t.Variables), fastForward: t.FastForward,
		}
		if t.Version == 0 {
			n.draft = raw
		}
		out, err = e.startRun(ctx, n)
		return err
	})
	return out, err
}

// testSession locks the test's session, or creates one from the sample
// trigger data (channel, visitor_name, visitor_email, visitor_phone, and
// custom data under "data").
func (e *Engine) testSession(ctx context.Context, workspaceID uuid.UUID, t Test) (domain.Session, error) {
	if t.SessionID != nil {
		return e.store.SessionForUpdate(ctx, workspaceID, *t.SessionID)
	}
	str := func(k string) string { s, _ := t.TriggerData[k].(string); return s }
	data := map[string]any{}
	if m, ok := t.TriggerData["data"].(map[string]any); ok {
		for k, v := range m {
			switch v.(type) {
			case string, float64, bool:
				data[k] = v
			}
		}
	}
	channel := session.EnumName(session.ParseEnum(sessionv1.Channel_CHANNEL_UNSPECIFIED, str("channel")))
	sess, _, err := e.sessions.Create(ctx, workspaceID, session.NewSession{
		Channel: channel, Visitor: domain.Visitor{Name: str("visitor_name"), Email: str("visitor_email"), Phone: str("visitor_phone")},
		Data: data,
	}, session.Actor{Kind: sessionv1.Actor_ACTOR_SYSTEM})
	if err != nil {
		return domain.Session{}, err
	}
	return e.store.SessionForUpdate(ctx, workspaceID, sess.ID)
}

// invalidGraph reports why a graph cannot run.
func invalidGraph(version int32, problems []*workflowv1.Problem) error {
	what := "the draft"
	if version > 0 {
		what = fmt.Sprintf("version %d", version)
	}
	var msgs []string
	for _, p := range problems {
		if p.GetSeverity() == workflowv1.Severity_SEVERITY_ERROR {
			at := ""
			if p.GetNodeId() != "" {
				at = "node " + p.GetNodeId() + ": "
			}
			msgs = append(msgs, at+p.GetMessage())
		}
	}
	return domain.Errorf(domain.KindFailedPrecondition, "%s cannot run until its problems are fixed: %s", what, strings.Join(msgs, "; "))
}
