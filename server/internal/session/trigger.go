package session

import (
	"context"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// Trigger is one appended session event and the workflow trigger kinds it
// fires (none for, say, an operator's message).
type Trigger struct {
	Kinds []workflowv1.TriggerKind
	// Session is the state after the change.
	Session domain.Session
	Event   *sessionv1.SessionEvent
	Actor   Actor
}

// TriggerSink receives every appended event, in order, inside the
// transaction that appends it: what the sink writes commits or rolls back
// with the event, and an error from it undoes the whole change. The workflow
// engine is the sink: it starts runs and resumes waiting ones.
type TriggerSink interface {
	SessionTriggered(ctx context.Context, t Trigger) error
}

// TriggerSinkFunc adapts a function to TriggerSink.
type TriggerSinkFunc func(ctx context.Context, t Trigger) error

// SessionTriggered calls f.
func (f TriggerSinkFunc) SessionTriggered(ctx context.Context, t Trigger) error { return f(ctx, t) }

// triggerKinds returns the trigger kinds an event fires, beyond the extra
// ones its change adds (new conversation).
func triggerKinds(ev *sessionv1.SessionEvent) []workflowv1.TriggerKind {
	one := func(k workflowv1.TriggerKind) []workflowv1.TriggerKind { return []workflowv1.TriggerKind{k} }
	switch p := ev.GetPayload().(type) {
	case *sessionv1.SessionEvent_SessionCreated:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_NEW_SESSION)
	case *sessionv1.SessionEvent_Message:
		if ev.GetActor() == sessionv1.Actor_ACTOR_VISITOR {
			return one(workflowv1.TriggerKind_TRIGGER_KIND_MESSAGE_RECEIVED)
		}
	case *sessionv1.SessionEvent_ButtonChosen:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_BUTTON_ANSWERED)
	case *sessionv1.SessionEvent_InputAnswered:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_INPUT_ANSWERED)
	case *sessionv1.SessionEvent_AssigneeChanged:
		switch p.AssigneeChanged.GetAssignee().GetKind().(type) {
		case *sessionv1.Assignee_OperatorId:
			return one(workflowv1.TriggerKind_TRIGGER_KIND_HUMAN_AGENT_ASSIGNED)
		case *sessionv1.Assignee_PersonaId:
			return one(workflowv1.TriggerKind_TRIGGER_KIND_AI_AGENT_ASSIGNED)
		}
	case *sessionv1.SessionEvent_StatusChanged:
		if p.StatusChanged.GetStatus() == sessionv1.Status_STATUS_RESOLVED {
			return one(workflowv1.TriggerKind_TRIGGER_KIND_CONVERSATION_RESOLVED)
		}
		return one(workflowv1.TriggerKind_TRIGGER_KIND_CONVERSATION_OPENED)
	case *sessionv1.SessionEvent_StarChanged:
		if p.StarChanged.GetStarred() {
			return one(workflowv1.TriggerKind_TRIGGER_KIND_CONVERSATION_STARRED)
		}
	case *sessionv1.SessionEvent_LabelAdded:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_LABEL_ADDED)
	case *sessionv1.SessionEvent_LabelRemoved:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_LABEL_REMOVED)
	case *sessionv1.SessionEvent_SegmentAdded, *sessionv1.SessionEvent_SegmentRemoved:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_SEGMENT_UPDATED)
	case *sessionv1.SessionEvent_DataSet:
		return one(workflowv1.TriggerKind_TRIGGER_KIND_CUSTOM_DATA_UPDATED)
	case *sessionv1.SessionEvent_LeadChanged:
		if p.LeadChanged.GetCreated() {
			return one(workflowv1.TriggerKind_TRIGGER_KIND_LEAD_CREATED)
		}
		return one(workflowv1.TriggerKind_TRIGGER_KIND_LEAD_STAGE_CHANGED)
	}
	return nil
}
