package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine/expr"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// exec executes one node. Effects on the session go through the session
// service inside the run's transaction, as the bot, caused by the run.
func (x *execution) exec(ctx context.Context, node *workflowv1.Node, call *callResult) (*outcome, error) {
	o := &outcome{}
	switch c := node.GetConfig().(type) {
	case *workflowv1.Node_SendMessage:
		text := x.render(o, "text", c.SendMessage.GetText())
		return o, x.apply(ctx, o, session.PostMessage{Text: text})
	case *workflowv1.Node_PrivateNote:
		text := x.render(o, "text", c.PrivateNote.GetText())
		return o, x.apply(ctx, o, session.PostNote{Text: text})
	case *workflowv1.Node_ButtonPicker:
		return o, x.buttonPicker(ctx, o, c.ButtonPicker)
	case *workflowv1.Node_FieldInput:
		a := c.FieldInput
		text := x.render(o, "text", a.GetText())
		if err := x.apply(ctx, o, session.RequestInput{Text: text, Kind: a.GetKind(), Placeholder: a.GetPlaceholder()}); err != nil || o.fail {
			return o, err
		}
		o.wait = &domain.RunWait{Kind: domain.WaitInput, QuestionSequence: x.sess.LastSequence}
		return o, nil
	case *workflowv1.Node_SetData:
		return o, x.setData(ctx, o, c.SetData)
	case *workflowv1.Node_AddLabel:
		return o, x.apply(ctx, o, session.UpdateLabels{Add: c.AddLabel.GetLabels()})
	case *workflowv1.Node_RemoveLabel:
		return o, x.apply(ctx, o, session.UpdateLabels{Remove: c.RemoveLabel.GetLabels()})
	case *workflowv1.Node_AddSegment:
		return o, x.apply(ctx, o, session.UpdateSegments{Add: c.AddSegment.GetSegments()})
	case *workflowv1.Node_RemoveSegment:
		return o, x.apply(ctx, o, session.UpdateSegments{Remove: c.RemoveSegment.GetSegments()})
	case *workflowv1.Node_AssignUser:
		return o, x.assignUser(ctx, o, c.AssignUser)
	case *workflowv1.Node_AssignAi:
		id, err := domain.PrefixPersona.Parse("persona_id", c.AssignAi.GetPersonaId())
		if err != nil {
			o.fail, o.err = true, err.Error()
			return o, nil
		}
		return o, x.apply(ctx, o, session.Assign{PersonaID: &id})
	case *workflowv1.Node_StartAgent:
		instruction := x.render(o, "instruction", c.StartAgent.GetInstruction())
		return o, x.apply(ctx, o, session.SetAgent{Active: true, Instruction: instruction})
	case *workflowv1.Node_PauseAgent:
		return o, x.apply(ctx, o, session.SetAgent{Active: false, PausedReason: "paused by a workflow"})
	case *workflowv1.Node_OpenConversation:
		return o, x.apply(ctx, o, session.SetStatus{Status: domain.SessionOpen})
	case *workflowv1.Node_ResolveConversation:
		return o, x.apply(ctx, o, session.SetStatus{Status: domain.SessionResolved})
	case *workflowv1.Node_StarConversation:
		return o, x.apply(ctx, o, session.SetStarred{Starred: true})
	case *workflowv1.Node_UnstarConversation:
		return o, x.apply(ctx, o, session.SetStarred{Starred: false})
	case *workflowv1.Node_ChangeLeadStage:
		return o, x.apply(ctx, o, session.SetLead{Stage: c.ChangeLeadStage.GetStage(), AmountMinor: c.ChangeLeadStage.GetExpectedAmountMinor()})
	case *workflowv1.Node_SendNotification:
		return o, x.notify(ctx, o, c.SendNotification)
	case *workflowv1.Node_SendWebhook, *workflowv1.Node_FetchApi:
		x.finishCall(o, node, call)
		return o, nil
	case *workflowv1.Node_Decision:
		return o, x.decide(ctx, o, c.Decision)
	case *workflowv1.Node_Delay:
		d := workflow.DurationOf(c.Delay.GetDuration())
		wake := x.wakeAt(d)
		o.input = map[string]any{"seconds": d.Seconds()}
		o.set("wake_at", wake.Format(time.RFC3339Nano))
		o.wait, o.wakeAt = &domain.RunWait{Kind: domain.WaitDelay}, &wake
		return o, nil
	case *workflowv1.Node_WaitForEvent:
		w := c.WaitForEvent
		wake := x.wakeAt(workflow.DurationOf(w.GetTimeout()))
		kind := map[workflowv1.WaitEvent]string{
			workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE: domain.WaitMessage,
			workflowv1.WaitEvent_WAIT_EVENT_BUTTON_CLICK:    domain.WaitButton,
			workflowv1.WaitEvent_WAIT_EVENT_INPUT_ANSWER:    domain.WaitInput,
		}[w.GetEvent()]
		o.set("timeout_at", wake.Format(time.RFC3339Nano))
		o.wait = &domain.RunWait{Kind: kind, Timeout: true, CancelOnOperatorReply: w.GetCancelOnOperatorReply()}
		o.wakeAt = &wake
		return o, nil
	case *workflowv1.Node_StopWorkflow:
		until := time.Now().Add(workflow.DurationOf(c.StopWorkflow.GetCooldown()))
		o.end = true
		if until.After(time.Now()) {
			o.stopUntil = &until
			o.set("workflows_stopped_until", until.Format(time.RFC3339Nano))
		}
		return o, nil
	case *workflowv1.Node_End:
		o.end = true
		return o, nil
	case *workflowv1.Node_AiExtraction:
		x.finishCall(o, node, call)
		if o.fail || o.retryAt != nil || o.port != "" {
			return o, nil
		}
		return o, x.applyExtraction(ctx, o, c.AiExtraction, call.extracted)
	case *workflowv1.Node_CustomSkill:
		x.finishCall(o, node, call)
		if !o.fail && o.retryAt == nil && o.port == "" {
			x.storeSkillResult(o, c.CustomSkill, call.resp.Body)
		}
		return o, nil
	}
	if kind, ok := workflow.TriggerKindOf(node); ok {
		o.input = x.run.TriggerData
		o.set("trigger", workflow.TriggerKindName(kind))
		return o, nil
	}
	o.fail, o.err = true, fmt.Sprintf("node kind %q cannot run", workflow.NodeKind(node))
	return o, nil
}

// apply makes a session change as the run's bot. A change the session
// refuses (an operator that does not exist, say) fails the step with the
// reason; other errors abort the transaction.
func (x *execution) apply(ctx context.Context, o *outcome, c session.Change) error {
	actor := session.Actor{Kind: sessionv1.Actor_ACTOR_BOT, CauseRunID: &x.run.ID}
	sess, evs, err := x.e.sessions.Apply(ctx, x.sess.WorkspaceID, x.sess.ID, actor, c)
	if k := domain.KindOf(err); k != domain.KindInternal && err != nil {
		o.fail, o.err = true, err.Error()
		return nil
	}
	if err != nil {
		return err
	}
	x.sess = sess
	seqs := make([]any, len(evs))
	for i, ev := range evs {
		seqs[i] = float64(ev.GetSequence())
	}
	o.set("event_sequences", seqs)
	return nil
}

// render renders a template field, recording tags that rendered empty.
func (x *execution) render(o *outcome, field, tmpl string) string {
	out, err := expr.Render(tmpl, x.scope())
	if err != nil {
		o.note(fmt.Sprintf("%s: %v", field, err))
		return tmpl
	}
	x.missing(o, field, out.Missing)
	if o.input == nil {
		o.input = map[string]any{}
	}
	o.input[field] = out.Text
	return out.Text
}

func (x *execution) missing(o *outcome, field string, keys []string) {
	if len(keys) == 0 {
		return
	}
	list := make([]any, len(keys))
	for i, k := range keys {
		list[i] = k
	}
	o.set("missing_tags."+field, list)
}

func (x *execution) buttonPicker(ctx context.Context, o *outcome, a *workflowv1.ButtonPickerAction) error {
	text := x.render(o, "text", a.GetText())
	buttons := make([]*sessionv1.Button, len(a.GetButtons()))
	for i, b := range a.GetButtons() {
		buttons[i] = &sessionv1.Button{Label: x.render(o, fmt.Sprintf("buttons[%d].label", i), b.GetLabel()), Value: b.GetValue()}
	}
	if err := x.apply(ctx, o, session.PostButtonPicker{Text: text, Buttons: buttons}); err != nil || o.fail {
		return err
	}
	o.wait = &domain.RunWait{Kind: domain.WaitButton, QuestionSequence: x.sess.LastSequence}
	return nil
}

func (x *execution) setData(ctx context.Context, o *outcome, a *workflowv1.SetDataAction) error {
	text := x.render(o, "value", a.GetValue())
	v, err := typedValue(text, a.GetValueType())
	if err != nil {
		o.fail, o.err = true, fmt.Sprintf("value: %v", err)
		return nil
	}
	o.set("key", a.GetKey())
	o.set("value", v)
	if a.GetScope() == workflowv1.DataScope_DATA_SCOPE_VARIABLE {
		x.setVariable(a.GetKey(), v) // memorize overwrites a variable of the same key
		return nil
	}
	return x.apply(ctx, o, session.SetData{Key: a.GetKey(), Value: v})
}

// setVariable sets a run variable.
func (x *execution) setVariable(name string, v any) {
	if x.run.Variables == nil {
		x.run.Variables = map[string]any{}
	}
	x.run.Variables[name] = v
}

// typedValue converts rendered text to the value type of a set-data step.
func typedValue(s string, t workflowv1.ValueType) (any, error) {
	switch t {
	case workflowv1.ValueType_VALUE_TYPE_NUMBER:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case workflowv1.ValueType_VALUE_TYPE_BOOL:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	}
	return s, nil
}

func (x *execution) assignUser(ctx context.Context, o *outcome, a *workflowv1.AssignUserAction) error {
	var id uuid.UUID
	switch a.GetMode() {
	case workflowv1.AssignMode_ASSIGN_MODE_ROUND_ROBIN:
		op, ok, err := x.e.store.NextRoundRobinOperator(ctx, x.sess.WorkspaceID)
		if err != nil {
			return err
		}
		if !ok {
			o.note("no operator is available: the conversation stays unassigned")
			return nil
		}
		id = op.ID
	case workflowv1.AssignMode_ASSIGN_MODE_LAST_RESPONDING:
		last, ok, err := x.e.store.LastRespondingOperator(ctx, x.sess.WorkspaceID, x.sess.ID)
		if err != nil {
			return err
		}
		if !ok {
			o.note("no operator has replied in this conversation yet: it stays unassigned")
			return nil
		}
		id = last
	default:
		var err error
		if id, err = domain.PrefixOperator.Parse("operator_id", a.GetOperatorId()); err != nil {
			o.fail, o.err = true, err.Error()
			return nil
		}
	}
	o.set("operator_id", domain.PrefixOperator.Format(id))
	return x.apply(ctx, o, session.Assign{OperatorID: &id})
}

func (x *execution) notify(ctx context.Context, o *outcome, a *workflowv1.SendNotificationAction) error {
	title := x.render(o, "title", a.GetTitle())
	body := x.render(o, "body", a.GetBody())
	all, err := x.e.store.Operators(ctx, x.sess.WorkspaceID)
	if err != nil {
		return err
	}
	byID := make(map[uuid.UUID]domain.Operator, len(all))
	for _, op := range all {
		byID[op.ID] = op
	}
	var ops []domain.Operator
	if len(a.GetOperatorIds()) == 0 {
		for _, op := range all {
			if op.Available {
				ops = append(ops, op)
			}
		}
	}
	for i, s := range a.GetOperatorIds() {
		field := fmt.Sprintf("operator_ids[%d]", i)
		id, err := domain.PrefixOperator.Parse(field, s)
		if err != nil {
			o.fail, o.err = true, err.Error()
			return nil
		}
		op, ok := byID[id]
		if !ok {
			o.note(fmt.Sprintf("%s: no operator %s in this workspace", field, s))
			continue
		}
		ops = append(ops, op)
	}
	ids := make([]uuid.UUID, len(ops))
	for i, op := range ops {
		ids[i] = op.ID
	}
	if a.GetEmail() {
		if err := x.emailOperators(ctx, o, ops, title, body); err != nil {
			return err
		}
	}
	return x.apply(ctx, o, session.Notify{OperatorIDs: ids, Title: title, Body: body})
}

func (x *execution) decide(ctx context.Context, o *outcome, d *workflowv1.DecisionNode) error {
	facts, err := x.facts(ctx)
	if err != nil {
		return err
	}
	ok, results := expr.Evaluate(d, facts, x.scope())
	o.conds = results
	o.port = workflow.PortFalse
	if ok {
		o.port = workflow.PortTrue
	}
	o.set("result", ok)
	return nil
}

// wakeAt is when a timer of d set now fires: at once in fast-forward runs.
func (x *execution) wakeAt(d time.Duration) time.Time {
	if x.run.FastForward {
		return time.Now()
	}
	return time.Now().Add(d)
}

// finishWait ends the step a resumed run waited in: the answer came, the
// timeout or delay passed, or an operator's reply cancelled the wait. A
// wake with nothing to act on leaves the run waiting.
func (x *execution) finishWait(ctx context.Context) error {
	r := &x.run
	w := r.Wait
	node := x.graph.nodes[r.CurrentNodeID]
	if node == nil {
		x.fail(fmt.Sprintf("node %q is not in the workflow graph", r.CurrentNodeID))
		return nil
	}
	o := &outcome{}
	switch {
	case w.Kind == domain.WaitDelay:
	case w.Answer != nil && w.Answer.Cancelled:
		o.cancel, o.status, o.err = true, domain.StepSkipped, "cancelled: an operator replied before the visitor"
		o.set("operator_reply_sequence", float64(w.Answer.Sequence))
	case w.Answer != nil:
		o.set("value", w.Answer.Value)
		o.set("answer_sequence", float64(w.Answer.Sequence))
		if name := answerVariable(node); name != "" {
			x.setVariable(name, w.Answer.Value)
		}
		if node.GetButtonPicker() != nil && x.graph.wired(node.GetId(), workflow.ButtonPort(w.Answer.Value)) {
			o.port = workflow.ButtonPort(w.Answer.Value)
		}
	case w.Timeout:
		o.port = workflow.PortTimeout
		o.set("timed_out", true)
	default:
		r.Status = domain.RunWaiting // woken with nothing to act on
		return nil
	}
	index := w.Step
	st, err := o.step(r, node, time.Now())
	if err != nil {
		return err
	}
	st.Index = index
	x.steps = append(x.steps, st)
	r.Wait, r.WakeAt = nil, nil
	x.follow(node, o)
	return nil
}

// answerVariable is the variable a waiting node stores its answer in.
func answerVariable(n *workflowv1.Node) string {
	switch c := n.GetConfig().(type) {
	case *workflowv1.Node_ButtonPicker:
		return c.ButtonPicker.GetVariable()
	case *workflowv1.Node_FieldInput:
		return c.FieldInput.GetVariable()
	case *workflowv1.Node_WaitForEvent:
		return c.WaitForEvent.GetVariable()
	}
	return ""
}
