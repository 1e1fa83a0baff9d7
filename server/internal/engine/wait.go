package engine

import (
	"context"
	"sync"

	"github.com/google/uuid"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/session"
)

// resumeWaiting answers the session's waiting runs that the event is for
// and hands each to a new job, in the event's transaction. An operator's
// message cancels the waits that asked for it.
func (e *Engine) resumeWaiting(ctx context.Context, t session.Trigger) error {
	answer := waitAnswerer(t.Event)
	if answer == nil {
		return nil
	}
	runs, err := e.store.WaitingSessionRuns(ctx, t.Session.WorkspaceID, t.Session.ID)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Wait == nil || r.Wait.Answer != nil {
			continue
		}
		a := answer(r.Wait)
		if a == nil {
			continue
		}
		r.Wait.Answer = a
		r.WakeAt = nil
		r.Status = domain.RunPending
		if err := e.handOff(ctx, &r); err != nil {
			return err
		}
	}
	return nil
}

// waitAnswerer returns what the event answers to a wait (nil when it does
// not), or nil when the event answers no wait at all.
func waitAnswerer(ev *sessionv1.SessionEvent) func(w *domain.RunWait) *domain.RunWaitAnswer {
	seq := ev.GetSequence()
	switch p := ev.GetPayload().(type) {
	case *sessionv1.SessionEvent_Message:
		switch ev.GetActor() {
		case sessionv1.Actor_ACTOR_VISITOR:
			return func(w *domain.RunWait) *domain.RunWaitAnswer {
				if w.Kind != domain.WaitMessage {
					return nil
				}
				return &domain.RunWaitAnswer{Value: p.Message.GetText(), Sequence: seq}
			}
		case sessionv1.Actor_ACTOR_OPERATOR:
			return func(w *domain.RunWait) *domain.RunWaitAnswer {
				if !w.CancelOnOperatorReply {
					return nil
				}
				return &domain.RunWaitAnswer{Sequence: seq, Cancelled: true}
			}
		}
	case *sessionv1.SessionEvent_ButtonChosen:
		return answerTo(domain.WaitButton, p.ButtonChosen.GetPickerSequence(), p.ButtonChosen.GetButton().GetValue(), seq)
	case *sessionv1.SessionEvent_InputAnswered:
		return answerTo(domain.WaitInput, p.InputAnswered.GetRequestSequence(), p.InputAnswered.GetValue(), seq)
	}
	return nil
}

// answerTo answers waits of kind for the question at question (or for any
// question of that kind).
func answerTo(kind string, question int64, value string, seq int64) func(w *domain.RunWait) *domain.RunWaitAnswer {
	return func(w *domain.RunWait) *domain.RunWaitAnswer {
		if w.Kind != kind || (w.QuestionSequence != 0 && w.QuestionSequence != question) {
			return nil
		}
		return &domain.RunWaitAnswer{Value: value, Sequence: seq}
	}
}

// causeInfo is the run whose step is executing, carried in the context of
// the step's transaction so that the trigger sink can apply the loop guard
// and say in the step what it stopped.
type causeInfo struct {
	runID, workflowID uuid.UUID
	depth             int32

	mu    sync.Mutex
	notes []string
}

func (c *causeInfo) note(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, s)
}

// takeNotes returns the notes so far and clears them.
func (c *causeInfo) takeNotes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.notes
	c.notes = nil
	return n
}

type causeKey struct{}

func withCause(ctx context.Context, c *causeInfo) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

func causeOf(ctx context.Context) *causeInfo {
	c, _ := ctx.Value(causeKey{}).(*causeInfo)
	return c
}
