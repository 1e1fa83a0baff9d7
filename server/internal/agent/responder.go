package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/store"
)

// Responder is the agent at work. While the agent is active on a session,
// each message of the visitor gets an answer, posted by the agent as a
// message event (streamed first as deltas when the provider streams); a
// visitor who asks for a person, or a provider that fails, gets a hand-off
// (session.HandOff). Answers are River jobs inserted in the transaction of
// the visitor's message, so none is lost, and they are posted in the order
// of the messages: an answer the conversation has moved past is dropped.
//
// The answers run on the process's job queue (the engine's): give Jobs to
// the queue, then Attach the queue.
type Responder struct {
	kb       *Service
	sessions *session.Service
	provider Provider
	workers  int
	queue    *store.Queue
	log      *slog.Logger
	locks    sessionLocks
}

// ResponderOptions configures a Responder. Zero values take the defaults.
type ResponderOptions struct {
	// Provider writes the answers (default Builtin).
	Provider Provider
	// Workers is how many answers this process writes at once (default 10).
	Workers int
	Log     *slog.Logger
}

// queueName is the River queue of the agent's jobs.
const queueName = "parley_agent"

// NewResponder returns a responder that answers the visitors of sessions
// once attached to a queue.
func NewResponder(sessions *session.Service, kb *Service, opts ResponderOptions) *Responder {
	if opts.Provider == nil {
		opts.Provider = Builtin{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Workers <= 0 {
		opts.Workers = 10
	}
	return &Responder{kb: kb, sessions: sessions, provider: opts.Provider, workers: opts.Workers, log: opts.Log}
}

// Jobs are the responder's jobs, for the queue that runs them.
func (r *Responder) Jobs() store.JobSet {
	return store.JobSet{Queue: queueName, Workers: r.workers, Register: func(w *river.Workers) {
		river.AddWorker(w, &replyWorker{r: r})
	}}
}

// Attach makes the responder queue its answers on q, which runs Jobs, and
// react to the sessions' events. Call it before serving.
func (r *Responder) Attach(q *store.Queue) {
	r.queue = q
	r.sessions.AddTriggerSink(r)
}

// replyArgs is the job that answers the visitor's event at Sequence.
type replyArgs struct {
	WorkspaceID uuid.UUID `json:"workspace_id"`
	SessionID   uuid.UUID `json:"session_id"`
	Sequence    int64     `json:"sequence"`
}

func (replyArgs) Kind() string { return "parley_agent_reply" }

func (replyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: 5}
}

// SessionTriggered queues an answer to a visitor's message, or to their
// click on a "Talk to a person" button, while the agent is active. It makes
// Responder a session.TriggerSink.
func (r *Responder) SessionTriggered(ctx context.Context, t session.Trigger) error {
	if !t.Session.Agent.Active || !(isVisitorMessage(t.Event) || asksForHuman(t.Event)) {
		return nil
	}
	return r.queue.Enqueue(ctx, replyArgs{WorkspaceID: t.Session.WorkspaceID, SessionID: t.Session.ID, Sequence: t.Event.GetSequence()}, nil)
}

func isVisitorMessage(ev *sessionv1.SessionEvent) bool {
	return ev.GetMessage() != nil && ev.GetActor() == sessionv1.Actor_ACTOR_VISITOR
}

// humanButtonValue is the value of the agent's "Talk to a person" button.
const humanButtonValue = session.AgentSignalKey + ":" + session.AgentSignalHuman

// asksForHuman: the visitor clicked "Talk to a person" or wrote that they
// want one.
func asksForHuman(ev *sessionv1.SessionEvent) bool {
	return ev.GetButtonChosen().GetButton().GetValue() == humanButtonValue ||
		(isVisitorMessage(ev) && wantsHuman(ev.GetMessage().GetText()))
}

type replyWorker struct {
	river.WorkerDefaults[replyArgs]
	r *Responder
}

func (w *replyWorker) Work(ctx context.Context, job *river.Job[replyArgs]) error {
	return w.r.reply(ctx, job.Args)
}

// Conversation limits.
const (
	historyEvents     = 60 // most recent events an answer reads
	retrievedArticles = 3  // articles retrieved for an answer
)

// Hand-off messages, by whether an operator was available.
var handOffTexts = map[string][2]string{
	"human": {
		"Of course. I've passed the conversation to our team; someone will reply here shortly.",
		"Of course. Nobody from our team is available right now, but they will reply here as soon as they can.",
	},
	"error": {
		"Sorry, I can't answer that right now. I've passed the conversation to our team; someone will reply here shortly.",
		"Sorry, I can't answer that right now. Our team will reply here as soon as they can.",
	},
}

func (r *Responder) reply(ctx context.Context, a replyArgs) error {
	defer r.locks.lock(a.SessionID)()
	sess, err := r.sessions.Get(ctx, a.WorkspaceID, a.SessionID)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !sess.Agent.Active || sess.Agent.AnsweredThrough >= a.Sequence {
		return nil
	}
	evs, _, err := r.sessions.Events(ctx, a.WorkspaceID, a.SessionID, max(0, a.Sequence-historyEvents), historyEvents)
	if err != nil {
		return err
	}
	if len(evs) == 0 || evs[len(evs)-1].GetSequence() < a.Sequence {
		return fmt.Errorf("event %d of the session is missing", a.Sequence)
	}
	evs = evs[:len(evs)-int(evs[len(evs)-1].GetSequence()-a.Sequence)]
	if asksForHuman(evs[len(evs)-1]) {
		return r.handOff(ctx, sess, a.Sequence, "human")
	}
	q := Question{Instruction: sess.Agent.Instruction}
	q.Text, q.History = conversation(evs, sess.Agent.AnsweredThrough)
	if q.Text == "" {
		return nil
	}
	if sess.AssigneePersonaID != nil {
		p, err := r.kb.Persona(ctx, a.WorkspaceID, *sess.AssigneePersonaID)
		if err != nil && domain.KindOf(err) != domain.KindNotFound {
			return err
		}
		if err == nil {
			q.Persona = &p
		}
	}
	if q.Articles, err = r.kb.Search(ctx, a.WorkspaceID, q.Text, retrievedArticles); err != nil && domain.KindOf(err) != domain.KindInvalid {
		return err
	}
	streamID := "stream_" + uuid.NewString()
	var deltas int32
	ans, err := r.provider.Answer(ctx, q, func(text string) error {
		d := &sessionv1.MessageDelta{StreamId: streamID, Index: deltas, Text: text}
		deltas++
		return r.sessions.Hub().PublishDelta(ctx, a.SessionID, d)
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down or out of time: the job retries
		}
		r.log.Warn("the agent could not answer; handing off to a person",
			"session", domain.PrefixSession.Format(a.SessionID), "provider", r.provider.Name(), "error", err)
		return r.handOff(ctx, sess, a.Sequence, "error")
	}
	answer := session.AgentAnswer{Through: a.Sequence, Text: ans.Text}
	if deltas > 0 {
		answer.StreamID = streamID
	}
	if ans.OfferHuman {
		answer.Buttons = []*sessionv1.Button{{Label: "Talk to a person", Value: humanButtonValue}}
	}
	return r.apply(ctx, sess, answer)
}

func (r *Responder) handOff(ctx context.Context, sess domain.Session, through int64, reason string) error {
	texts := handOffTexts[reason]
	return r.apply(ctx, sess, session.HandOff{Through: through, Reason: reason, Text: texts[0], TextNobody: texts[1]})
}

// apply makes a change as the agent; a change the conversation has moved
// past is dropped.
func (r *Responder) apply(ctx context.Context, sess domain.Session, c session.Change) error {
	_, _, err := r.sessions.Apply(ctx, sess.WorkspaceID, sess.ID, session.Actor{Kind: sessionv1.Actor_ACTOR_AGENT}, c)
	if errors.Is(err, session.ErrAnswerStale) {
		return nil
	}
	return err
}

// conversation splits a session's events into the visitor's messages the
// agent has not answered (those after answered, one per line) and the
// turns before them.
func conversation(evs []*sessionv1.SessionEvent, answered int64) (question string, history []Turn) {
	var pending []string
	for _, ev := range evs {
		if isVisitorMessage(ev) && ev.GetSequence() > answered {
			pending = append(pending, ev.GetMessage().GetText())
			continue
		}
		if t, ok := turnOf(ev); ok {
			history = append(history, t)
		}
	}
	return strings.Join(pending, "\n"), history
}

// Turns are the conversation turns among a session's events, in order.
func Turns(evs []*sessionv1.SessionEvent) []Turn {
	var out []Turn
	for _, ev := range evs {
		if t, ok := turnOf(ev); ok {
			out = append(out, t)
		}
	}
	return out
}

// Transcript writes turns one per line, "Visitor: …", "Agent: …" or
// "Operator: …".
func Transcript(turns []Turn) string {
	var b strings.Builder
	for _, t := range turns {
		role := string(t.Role)
		fmt.Fprintf(&b, "%s%s: %s\n", strings.ToUpper(role[:1]), role[1:], t.Text)
	}
	return b.String()
}

// turnOf is the conversation turn an event is, if it is one.
func turnOf(ev *sessionv1.SessionEvent) (Turn, bool) {
	role := RoleAgent
	switch ev.GetActor() {
	case sessionv1.Actor_ACTOR_VISITOR:
		role = RoleVisitor
	case sessionv1.Actor_ACTOR_OPERATOR:
		role = RoleOperator
	}
	var text string
	switch p := ev.GetPayload().(type) {
	case *sessionv1.SessionEvent_Message:
		text = p.Message.GetText()
	case *sessionv1.SessionEvent_ButtonPicker:
		text = p.ButtonPicker.GetText()
	case *sessionv1.SessionEvent_InputRequested:
		text = p.InputRequested.GetText()
	case *sessionv1.SessionEvent_ButtonChosen:
		text = p.ButtonChosen.GetButton().GetLabel()
	case *sessionv1.SessionEvent_InputAnswered:
		text = p.InputAnswered.GetValue()
	}
	return Turn{Role: role, Text: text}, text != ""
}

// sessionLocks serializes the answers of one session within the process,
// so they are written in the order of the messages; across replicas the
// session's AnsweredThrough drops an answer that comes too late.
type sessionLocks struct {
	mu sync.Mutex
	m  map[uuid.UUID]*sessionLock
}

type sessionLock struct {
	sync.Mutex
	refs int
}

// lock locks the session and returns the unlock.
func (l *sessionLocks) lock(id uuid.UUID) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[uuid.UUID]*sessionLock{}
	}
	sl := l.m[id]
	if sl == nil {
		sl = &sessionLock{}
		l.m[id] = sl
	}
	sl.refs++
	l.mu.Unlock()
	sl.Lock()
	return func() {
		sl.Unlock()
		l.mu.Lock()
		if sl.refs--; sl.refs == 0 {
			delete(l.m, id)
		}
		l.mu.Unlock()
	}
}
