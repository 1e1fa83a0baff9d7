package session

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// A Change is one operation on a session. It edits the locked session and
// emits the events that record what changed; a change that changes nothing
// emits nothing (except SetData, which always emits).
type Change interface {
	apply(m *mutation) error
}

// mutation is a change in progress, inside the session's transaction.
type mutation struct {
	ctx   context.Context
	store *store.Store
	now   time.Time
	actor Actor
	sess  domain.Session
	out   []pending
}

// pending is an event not yet stored.
type pending struct {
	ev      *sessionv1.SessionEvent
	replyTo *int64
	// extra trigger kinds beyond what the event's kind implies.
	extra []workflowv1.TriggerKind
}

func (m *mutation) emit(ev *sessionv1.SessionEvent) *pending {
	m.out = append(m.out, pending{ev: ev})
	return &m.out[len(m.out)-1]
}

// PostMessage posts a text message as the actor (visitor, operator, bot or
// agent). A visitor writing into a resolved session reopens it; the first
// visitor message of a session, or the first after it was resolved, starts
// a new conversation.
type PostMessage struct {
	Text string
	// StreamID names the deltas the message was streamed as, if any.
	StreamID string
}

func (c PostMessage) apply(m *mutation) error {
	var extra []workflowv1.TriggerKind
	if m.actor.Kind == sessionv1.Actor_ACTOR_VISITOR {
		newConversation := m.sess.Status == domain.SessionResolved
		if !newConversation {
			wrote, err := m.store.SessionHasVisitorMessage(m.ctx, m.sess.WorkspaceID, m.sess.ID)
			if err != nil {
				return err
			}
			newConversation = !wrote
		}
		if m.sess.Status == domain.SessionResolved {
			if err := (SetStatus{Status: domain.SessionOpen}).apply(m); err != nil {
				return err
			}
		}
		if newConversation {
			extra = append(extra, workflowv1.TriggerKind_TRIGGER_KIND_NEW_CONVERSATION)
		}
	}
	m.sess.MessageCount++
	m.sess.LastMessageAt = &m.now
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_Message{Message: &sessionv1.MessagePosted{Text: c.Text, StreamId: c.StreamID}}}).extra = extra
	return nil
}

// PostNote posts a private note, visible to operators only.
type PostNote struct{ Text string }

func (c PostNote) apply(m *mutation) error {
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_Note{Note: &sessionv1.NotePosted{Text: c.Text}}})
	return nil
}

// PostButtonPicker shows buttons to the visitor (a workflow step).
type PostButtonPicker struct {
	Text    string
	Buttons []*sessionv1.Button
}

func (c PostButtonPicker) apply(m *mutation) error {
	m.sess.MessageCount++
	m.sess.LastMessageAt = &m.now
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_ButtonPicker{ButtonPicker: &sessionv1.ButtonPickerPosted{Text: c.Text, Buttons: c.Buttons}}})
	return nil
}

// ChooseButton answers a button picker with the value of one of its
// buttons. A picker takes one answer.
type ChooseButton struct {
	PickerSequence int64
	Value          string
}

func (c ChooseButton) apply(m *mutation) error {
	picker, err := m.question(c.PickerSequence, "button.picker_sequence", "button_picker")
	if err != nil {
		return err
	}
	i := slices.IndexFunc(picker.GetButtonPicker().GetButtons(), func(b *sessionv1.Button) bool { return b.GetValue() == c.Value })
	if i < 0 {
		return domain.Invalid("button.value", "%q is not a button of picker %d", c.Value, c.PickerSequence)
	}
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_ButtonChosen{ButtonChosen: &sessionv1.ButtonChosen{
		PickerSequence: c.PickerSequence, Button: picker.GetButtonPicker().GetButtons()[i],
	}}}).replyTo = &c.PickerSequence
	if value, prefixed := strings.CutPrefix(c.Value, AgentSignalKey+":"); prefixed {
		return applyAgentSignal(m, value)
	}
	return nil
}

// question returns the unanswered event at sequence, which must be of kind.
func (m *mutation) question(sequence int64, field, kind string) (*sessionv1.SessionEvent, error) {
	stored, err := m.store.SessionEvent(m.ctx, m.sess.WorkspaceID, m.sess.ID, sequence)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, domain.Invalid(field, "event %d of this session does not exist", sequence)
	}
	if err != nil {
		return nil, err
	}
	if stored.Kind != kind {
		return nil, domain.Invalid(field, "event %d is a %s, not a %s", sequence, stored.Kind, kind)
	}
	answered, err := m.store.SessionEventAnswered(m.ctx, m.sess.WorkspaceID, m.sess.ID, sequence)
	if err != nil {
		return nil, err
	}
	if answered {
		return nil, domain.Errorf(domain.KindFailedPrecondition, "%s %d was already answered", kind, sequence)
	}
	return DecodeEvent(stored)
}

// RequestInput asks the visitor for a value (a workflow step).
type RequestInput struct {
	Text        string
	Kind        sessionv1.InputKind
	Placeholder string
}

func (c RequestInput) apply(m *mutation) error {
	m.sess.MessageCount++
	m.sess.LastMessageAt = &m.now
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_InputRequested{InputRequested: &sessionv1.InputRequested{
		Text: c.Text, Kind: c.Kind, Placeholder: c.Placeholder,
	}}})
	return nil
}

// AnswerInput answers an input request; the value must fit its kind.
type AnswerInput struct {
	RequestSequence int64
	Value           string
}

var phonePattern = regexp.MustCompile(`^\+?[0-9 ().-]{5,40}$`)

func (c AnswerInput) apply(m *mutation) error {
	req, err := m.question(c.RequestSequence, "input.request_sequence", "input_requested")
	if err != nil {
		return err
	}
	switch req.GetInputRequested().GetKind() {
	case sessionv1.InputKind_INPUT_KIND_EMAIL:
		if a, err := mail.ParseAddress(c.Value); err != nil || a.Address != c.Value {
			return domain.Invalid("input.value", "must be an email address")
		}
	case sessionv1.InputKind_INPUT_KIND_PHONE:
		if !phonePattern.MatchString(c.Value) {
			return domain.Invalid("input.value", "must be a phone number")
		}
	case sessionv1.InputKind_INPUT_KIND_NUMBER:
		if _, err := strconv.ParseFloat(c.Value, 64); err != nil {
			return domain.Invalid("input.value", "must be a number")
		}
	}
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_InputAnswered{InputAnswered: &sessionv1.InputAnswered{
		RequestSequence: c.RequestSequence, Value: c.Value,
	}}}).replyTo = &c.RequestSequence
	return nil
}

// SetData sets one custom data key to a string, float64 or bool. It emits an
// event even when the key already holds the value (marked unchanged).
type SetData struct {
	Key   string
	Value any
}

func (c SetData) apply(m *mutation) error {
	switch c.Value.(type) {
	case string, float64, bool:
	default:
		return domain.Invalid("value", "must be a string, number or boolean")
	}
	v, err := structpb.NewValue(c.Value)
	if err != nil {
		return err
	}
	old, had := m.sess.Data[c.Key]
	if m.sess.Data == nil {
		m.sess.Data = map[string]any{}
	}
	m.sess.Data[c.Key] = c.Value
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_DataSet{DataSet: &sessionv1.DataSet{
		Key: c.Key, Value: v, Unchanged: had && old == c.Value,
	}}})
	if value, isText := c.Value.(string); isText && c.Key == AgentSignalKey {
		return applyAgentSignal(m, value)
	}
	return nil
}

// UpdateLabels adds and removes labels; each label that changes is one
// event.
type UpdateLabels struct{ Add, Remove []string }

func (c UpdateLabels) apply(m *mutation) error {
	m.sess.Labels = updateSet(m.sess.Labels, c.Add, c.Remove,
		func(l string) {
			m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_LabelAdded{LabelAdded: &sessionv1.LabelChanged{Label: l}}})
		},
		func(l string) {
			m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_LabelRemoved{LabelRemoved: &sessionv1.LabelChanged{Label: l}}})
		})
	return nil
}

// UpdateSegments adds and removes segments; each segment that changes is
// one event.
type UpdateSegments struct{ Add, Remove []string }

func (c UpdateSegments) apply(m *mutation) error {
	m.sess.Segments = updateSet(m.sess.Segments, c.Add, c.Remove,
		func(s string) {
			m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_SegmentAdded{SegmentAdded: &sessionv1.SegmentChanged{Segment: s}}})
		},
		func(s string) {
			m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_SegmentRemoved{SegmentRemoved: &sessionv1.SegmentChanged{Segment: s}}})
		})
	return nil
}

// updateSet removes then adds, calling added/removed for each element that
// actually changes.
func updateSet(set, add, remove []string, added, removed func(string)) []string {
	out := slices.Clone(set)
	for _, r := range remove {
		if i := slices.Index(out, r); i >= 0 {
			out = slices.Delete(out, i, i+1)
			removed(r)
		}
	}
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
			added(a)
		}
	}
	return out
}

// SetStatus opens or resolves the session.
type SetStatus struct{ Status string }

func (c SetStatus) apply(m *mutation) error {
	if c.Status != domain.SessionOpen && c.Status != domain.SessionResolved {
		return domain.Invalid("status", "must be open or resolved")
	}
	if m.sess.Status == c.Status {
		return nil
	}
	m.sess.Status = c.Status
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_StatusChanged{StatusChanged: &sessionv1.StatusChanged{
		Status: ParseEnum(sessionv1.Status_STATUS_UNSPECIFIED, c.Status),
	}}})
	return nil
}

// SetStarred stars or unstars the session.
type SetStarred struct{ Starred bool }

func (c SetStarred) apply(m *mutation) error {
	if m.sess.Starred == c.Starred {
		return nil
	}
	m.sess.Starred = c.Starred
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_StarChanged{StarChanged: &sessionv1.StarChanged{Starred: c.Starred}}})
	return nil
}

// Assign gives the session to an operator of the workspace or to an AI
// persona; neither set unassigns it.
type Assign struct {
	OperatorID *uuid.UUID
	PersonaID  *uuid.UUID
}

func (c Assign) apply(m *mutation) error {
	if c.OperatorID != nil {
		if _, err := m.store.Operator(m.ctx, m.sess.WorkspaceID, *c.OperatorID); err != nil {
			return err
		}
	}
	if c.PersonaID != nil {
		if _, err := m.store.Persona(m.ctx, m.sess.WorkspaceID, *c.PersonaID); err != nil {
			return err
		}
	}
	if equalID(m.sess.AssigneeOperatorID, c.OperatorID) && equalID(m.sess.AssigneePersonaID, c.PersonaID) {
		return nil
	}
	m.sess.AssigneeOperatorID, m.sess.AssigneePersonaID = c.OperatorID, c.PersonaID
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_AssigneeChanged{AssigneeChanged: &sessionv1.AssigneeChanged{
		Assignee: AssigneeOf(m.sess),
	}}})
	return nil
}

func equalID(a, b *uuid.UUID) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// AssigneeOf is the session's assignee in API form.
func AssigneeOf(s domain.Session) *sessionv1.Assignee {
	switch {
	case s.AssigneeOperatorID != nil:
		return &sessionv1.Assignee{Kind: &sessionv1.Assignee_OperatorId{OperatorId: domain.PrefixOperator.Format(*s.AssigneeOperatorID)}}
	case s.AssigneePersonaID != nil:
		return &sessionv1.Assignee{Kind: &sessionv1.Assignee_PersonaId{PersonaId: domain.PrefixPersona.Format(*s.AssigneePersonaID)}}
	}
	return &sessionv1.Assignee{}
}

// SetLead creates the session's lead or moves it to a stage; AmountMinor 0
// keeps the current expected amount.
type SetLead struct {
	Stage       string
	AmountMinor int64
}

func (c SetLead) apply(m *mutation) error {
	if c.AmountMinor < 0 {
		return domain.Invalid("expected_amount_minor", "must not be negative")
	}
	created := m.sess.Lead == nil
	lead := domain.Lead{Stage: c.Stage, AmountMinor: c.AmountMinor, CreatedAt: m.now}
	if !created {
		lead.CreatedAt = m.sess.Lead.CreatedAt
		if c.AmountMinor == 0 {
			lead.AmountMinor = m.sess.Lead.AmountMinor
		}
		if lead == *m.sess.Lead {
			return nil
		}
	}
	m.sess.Lead = &lead
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_LeadChanged{LeadChanged: &sessionv1.LeadChanged{
		Lead: LeadOf(m.sess), Created: created,
	}}})
	return nil
}

// LeadOf is the session's lead in API form; nil when it has none.
func LeadOf(s domain.Session) *sessionv1.Lead {
	if s.Lead == nil {
		return nil
	}
	return &sessionv1.Lead{Stage: s.Lead.Stage, ExpectedAmountMinor: s.Lead.AmountMinor, CreatedAt: timestamp(s.Lead.CreatedAt)}
}

// UpdateVisitor sets the visitor's details; empty fields keep their value.
type UpdateVisitor struct{ Visitor domain.Visitor }

func (c UpdateVisitor) apply(m *mutation) error {
	v := m.sess.Visitor
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&v.Name, c.Visitor.Name}, {&v.Email, c.Visitor.Email}, {&v.Phone, c.Visitor.Phone},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	if v == m.sess.Visitor {
		return nil
	}
	m.sess.Visitor = v
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_VisitorUpdated{VisitorUpdated: &sessionv1.VisitorUpdated{Visitor: VisitorOf(m.sess)}}})
	return nil
}

// VisitorOf is the session's visitor in API form.
func VisitorOf(s domain.Session) *sessionv1.Visitor {
	return &sessionv1.Visitor{Name: s.Visitor.Name, Email: s.Visitor.Email, Phone: s.Visitor.Phone}
}

// SetAgent starts the AI agent on the session (with an optional
// instruction) or pauses it with a reason. Resume starts it with the
// instruction it already has. Started, the agent answers the visitor's
// messages from then on, not the ones written before.
type SetAgent struct {
	Active       bool
	Instruction  string
	PausedReason string
	Resume       bool
}

func (c SetAgent) apply(m *mutation) error {
	next := domain.AgentState{Active: c.Active, UpdatedAt: &m.now, AnsweredThrough: m.sess.Agent.AnsweredThrough}
	if c.Active && !m.sess.Agent.Active {
		// The agent answers what the visitor writes from now on.
		next.AnsweredThrough = m.sess.LastSequence
	}
	switch {
	case c.Active && c.Resume:
		next.Instruction = m.sess.Agent.Instruction
	case c.Active:
		next.Instruction = c.Instruction
	default:
		next.Instruction, next.PausedReason = m.sess.Agent.Instruction, c.PausedReason
	}
	cur := m.sess.Agent
	if cur.Active == next.Active && cur.Instruction == next.Instruction && cur.PausedReason == next.PausedReason && cur.UpdatedAt != nil {
		return nil
	}
	m.sess.Agent = next
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_AgentStateChanged{AgentStateChanged: &sessionv1.AgentStateChanged{
		State: AgentStateOf(m.sess),
	}}})
	return nil
}

// Notify records a notification to operators on the session's log, which
// delivers it on the workspace stream operator consoles follow.
type Notify struct {
	OperatorIDs []uuid.UUID
	Title, Body string
}

func (c Notify) apply(m *mutation) error {
	ids := make([]string, len(c.OperatorIDs))
	for i, id := range c.OperatorIDs {
		ids[i] = domain.PrefixOperator.Format(id)
	}
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_NotificationSent{NotificationSent: &sessionv1.NotificationSent{
		OperatorIds: ids, Title: c.Title, Body: c.Body,
	}}})
	return nil
}

// AgentStateOf is the session's agent state in API form.
func AgentStateOf(s domain.Session) *sessionv1.AgentState {
	st := &sessionv1.AgentState{Active: s.Agent.Active, Instruction: s.Agent.Instruction, PausedReason: s.Agent.PausedReason}
	if s.Agent.UpdatedAt != nil {
		st.UpdatedAt = timestamp(*s.Agent.UpdatedAt)
	}
	return st
}

// All applies several changes in order, in one transaction: all of them
// or, when one fails, none.
type All []Change

func (cs All) apply(m *mutation) error {
	for _, c := range cs {
		if err := c.apply(m); err != nil {
			return err
		}
	}
	return nil
}
