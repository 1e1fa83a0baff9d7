package session

import (
	"errors"

	"github.com/google/uuid"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// AgentSignalKey is the custom data key that starts and pauses the AI agent
// (values "start" and "pause"), and the prefix of button values that do
// ("agent:start", "agent:pause"). The agent writes "paused:<reason>" under
// it when it pauses itself, e.g. "paused:human" when the visitor asked for
// a person.
const AgentSignalKey = "agent"

// Agent signal values.
const (
	AgentSignalStart = "start"
	AgentSignalPause = "pause"
	// AgentSignalHuman, as a button value "agent:human", asks the agent to
	// hand the conversation to a person.
	AgentSignalHuman = "human"
)

// applyAgentSignal starts or pauses the agent when value is a start or
// pause signal: start resumes the agent with the instruction it had, pause
// records "signal" as the reason. Other values change nothing.
func applyAgentSignal(m *mutation, value string) error {
	switch value {
	case AgentSignalStart:
		return SetAgent{Active: true, Resume: true}.apply(m)
	case AgentSignalPause:
		return SetAgent{PausedReason: "signal"}.apply(m)
	}
	return nil
}

// ErrAnswerStale is what AgentAnswer and HandOff return when the agent no
// longer owes that answer: it was paused meanwhile, or a later answer
// already covered the visitor's message. Nothing was changed.
var ErrAnswerStale = errors.New("the agent's answer is no longer wanted")

// AgentAnswer posts the agent's answer to the visitor's events up to
// Through, as a message or, with buttons, a button picker.
type AgentAnswer struct {
	Through  int64
	Text     string
	StreamID string
	Buttons  []*sessionv1.Button
}

func (c AgentAnswer) apply(m *mutation) error {
	if err := m.owesAnswer(c.Through); err != nil {
		return err
	}
	m.sess.Agent.AnsweredThrough = c.Through
	if len(c.Buttons) > 0 {
		return PostButtonPicker{Text: c.Text, Buttons: c.Buttons}.apply(m)
	}
	return PostMessage{Text: c.Text, StreamID: c.StreamID}.apply(m)
}

// owesAnswer is nil when the agent is active and has not answered the
// visitor's events up to through yet.
func (m *mutation) owesAnswer(through int64) error {
	if !m.sess.Agent.Active || m.sess.Agent.AnsweredThrough >= through {
		return ErrAnswerStale
	}
	return nil
}

// HandOff is the agent handing the conversation to a person: it says so
// (Text, or TextNobody when no operator is available), pauses itself with
// Reason, assigns the session to an available operator (keeping the one
// it has if they are available, else the next in round-robin order), and
// signals "paused:<Reason>" under the custom data key "agent" so
// workflows can react.
type HandOff struct {
	Through          int64
	Reason           string
	Text, TextNobody string
}

func (c HandOff) apply(m *mutation) error {
	if err := m.owesAnswer(c.Through); err != nil {
		return err
	}
	m.sess.Agent.AnsweredThrough = c.Through
	op, found, err := m.handOffOperator()
	if err != nil {
		return err
	}
	text := c.TextNobody
	if found {
		text = c.Text
	}
	changes := All{PostMessage{Text: text}, SetAgent{PausedReason: c.Reason}}
	if found {
		changes = append(changes, Assign{OperatorID: &op})
	}
	return append(changes, SetData{Key: AgentSignalKey, Value: "paused:" + c.Reason}).apply(m)
}

// handOffOperator picks who takes over from the agent: the session's
// operator when they are available, else the next available one in
// round-robin order; found is false when nobody is available.
func (m *mutation) handOffOperator() (id uuid.UUID, found bool, err error) {
	if cur := m.sess.AssigneeOperatorID; cur != nil {
		op, err := m.store.Operator(m.ctx, m.sess.WorkspaceID, *cur)
		if err != nil && domain.KindOf(err) != domain.KindNotFound {
			return uuid.Nil, false, err
		}
		if err == nil && op.Available {
			return op.ID, true, nil
		}
	}
	op, found, err := m.store.NextRoundRobinOperator(m.ctx, m.sess.WorkspaceID)
	return op.ID, found, err
}
