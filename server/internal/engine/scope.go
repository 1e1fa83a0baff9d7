package engine

import (
	"context"
	"strings"
	"time"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine/expr"
)

// scope resolves {{ tags }}: run variables first, then trigger data, then
// the session's custom data, then the session's own fields under dotted
// names (session.id, session.status, session.channel, visitor.name,
// visitor.email, visitor.phone, lead.stage, lead.amount, data.<key>).
func (x *execution) scope() expr.Scope { return scopeOf(x.run, x.sess) }

func scopeOf(r domain.Run, s domain.Session) expr.Scope {
	return func(key string) (any, bool) {
		if v, ok := r.Variables[key]; ok {
			return v, true
		}
		if v, ok := r.TriggerData[key]; ok {
			switch v.(type) {
			case string, float64, bool:
				return v, true
			}
		}
		if v, ok := s.Data[key]; ok {
			return v, true
		}
		if k, ok := strings.CutPrefix(key, "data."); ok {
			v, ok := s.Data[k]
			return v, ok
		}
		return sessionField(s, key)
	}
}

// sessionField is a session's own field by its tag name.
func sessionField(s domain.Session, key string) (any, bool) {
	switch key {
	case "session.id", "session_id":
		return domain.PrefixSession.Format(s.ID), true
	case "session.status":
		return s.Status, true
	case "session.channel":
		return s.Channel, true
	case "visitor.name":
		return s.Visitor.Name, s.Visitor.Name != ""
	case "visitor.email":
		return s.Visitor.Email, s.Visitor.Email != ""
	case "visitor.phone":
		return s.Visitor.Phone, s.Visitor.Phone != ""
	case "lead.stage":
		if s.Lead != nil {
			return s.Lead.Stage, true
		}
	case "lead.amount":
		if s.Lead != nil {
			return float64(s.Lead.AmountMinor) / 100, true
		}
	}
	return nil, false
}

// facts returns what decision conditions read, from the locked session and
// the run. The two values that need a query (the visitor's last message and
// message count) are read up front; both are indexed lookups.
func (x *execution) facts(ctx context.Context) (expr.Facts, error) {
	s, r := x.sess, x.run
	text, wrote, err := x.e.store.LastVisitorMessage(ctx, s.WorkspaceID, s.ID)
	if err != nil {
		return nil, err
	}
	if !wrote {
		text, _ = r.TriggerData["message_text"].(string)
	}
	visitorMessages, err := x.e.store.CountVisitorMessages(ctx, s.WorkspaceID, s.ID)
	if err != nil {
		return nil, err
	}
	isNew := r.Trigger == "new_conversation" || visitorMessages <= 1
	if b, ok := r.TriggerData["is_new_conversation"].(bool); ok {
		isNew = b
	}
	return func(f workflowv1.ConditionField, key string) any {
		switch f {
		case workflowv1.ConditionField_CONDITION_FIELD_STATUS:
			return s.Status
		case workflowv1.ConditionField_CONDITION_FIELD_LABELS:
			return nonNilList(s.Labels)
		case workflowv1.ConditionField_CONDITION_FIELD_SEGMENTS:
			return nonNilList(s.Segments)
		case workflowv1.ConditionField_CONDITION_FIELD_CHANNEL:
			return s.Channel
		case workflowv1.ConditionField_CONDITION_FIELD_STARRED:
			return s.Starred
		case workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_TEXT:
			if !wrote && text == "" {
				return nil
			}
			return text
		case workflowv1.ConditionField_CONDITION_FIELD_IS_NEW_CONVERSATION:
			return isNew
		case workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA:
			return s.Data[key]
		case workflowv1.ConditionField_CONDITION_FIELD_VARIABLE:
			return r.Variables[key]
		case workflowv1.ConditionField_CONDITION_FIELD_LEAD_STAGE:
			if s.Lead != nil {
				return s.Lead.Stage
			}
		case workflowv1.ConditionField_CONDITION_FIELD_LEAD_AMOUNT:
			if s.Lead != nil {
				return float64(s.Lead.AmountMinor) / 100
			}
		case workflowv1.ConditionField_CONDITION_FIELD_MESSAGE_COUNT:
			return float64(s.MessageCount)
		case workflowv1.ConditionField_CONDITION_FIELD_TIME_SINCE_LAST_MESSAGE:
			if s.LastMessageAt != nil {
				return time.Since(*s.LastMessageAt).Seconds()
			}
		case workflowv1.ConditionField_CONDITION_FIELD_ASSIGNEE:
			switch {
			case s.AssigneeOperatorID != nil:
				return domain.PrefixOperator.Format(*s.AssigneeOperatorID)
			case s.AssigneePersonaID != nil:
				return domain.PrefixPersona.Format(*s.AssigneePersonaID)
			}
		}
		return nil
	}, nil
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
