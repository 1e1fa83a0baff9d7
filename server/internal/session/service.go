package session

import (
	"context"
	"time"

	"github.com/google/uuid"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// Service is the session API's logic.
type Service struct {
	store *store.Store
	sinks []TriggerSink
	hub   *Hub
}

// NewService returns a Service on st. Call Hub().Run to stream events.
func NewService(st *store.Store, opts HubOptions) *Service {
	return &Service{store: st, hub: newHub(st, opts)}
}

// AddTriggerSink plugs in a receiver of trigger events (the engine). Call it
// before serving.
func (s *Service) AddTriggerSink(sink TriggerSink) { s.sinks = append(s.sinks, sink) }

// Hub is the service's event fan-out.
func (s *Service) Hub() *Hub { return s.hub }

// NewSession is what a session starts with.
type NewSession struct {
	Channel  string
	Visitor  domain.Visitor
	Data     map[string]any
	Segments []string
	// WithToken issues a session token (widget callers).
	WithToken bool
}

// Create makes a session, logs its SessionCreated event, and returns it with
// its session token when asked for one.
func (s *Service) Create(ctx context.Context, workspaceID uuid.UUID, in NewSession, actor Actor) (domain.Session, string, error) {
	if in.Channel == "" {
		in.Channel = EnumName(sessionv1.Channel_CHANNEL_WEBCHAT)
	}
	var token string
	var hash []byte
	if in.WithToken {
		token = auth.NewSessionSecret()
		hash = auth.HashSecret(token)
	}
	var out domain.Session
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		created, err := s.store.CreateSession(ctx, domain.Session{
			WorkspaceID: workspaceID, ID: domain.NewID(), Channel: in.Channel, Visitor: in.Visitor,
			Data: in.Data, Segments: in.Segments,
		}, hash)
		if err != nil {
			return err
		}
		out, _, err = s.applyLocked(ctx, created, actor, sessionCreated{})
		return err
	})
	return out, token, err
}

// sessionCreated records a session's first event.
type sessionCreated struct{}

func (sessionCreated) apply(m *mutation) error {
	m.emit(&sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_SessionCreated{SessionCreated: &sessionv1.SessionCreated{
		Channel: ParseEnum(sessionv1.Channel_CHANNEL_UNSPECIFIED, m.sess.Channel), Visitor: VisitorOf(m.sess),
	}}})
	return nil
}

// Get returns a session of the workspace.
func (s *Service) Get(ctx context.Context, workspaceID, id uuid.UUID) (domain.Session, error) {
	return s.store.Session(ctx, workspaceID, id)
}

// LastSequence returns the sequence of a session's newest event (0 when it
// has none). KindNotFound when the session does not exist.
func (s *Service) LastSequence(ctx context.Context, workspaceID, id uuid.UUID) (int64, error) {
	return s.store.SessionLastSequence(ctx, workspaceID, id)
}

// List returns a page of sessions, newest first.
func (s *Service) List(ctx context.Context, workspaceID uuid.UUID, f domain.SessionFilter) ([]domain.Session, error) {
	return s.store.ListSessions(ctx, workspaceID, f)
}

// Events returns up to limit events after a sequence, and whether more
// follow. KindNotFound when the session does not exist.
func (s *Service) Events(ctx context.Context, workspaceID, id uuid.UUID, after int64, limit int) ([]*sessionv1.SessionEvent, bool, error) {
	stored, err := s.store.SessionEvents(ctx, workspaceID, id, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(stored) == 0 { // no session, or nothing after the sequence
		if _, err := s.store.SessionLastSequence(ctx, workspaceID, id); err != nil {
			return nil, false, err
		}
	}
	more := len(stored) > limit
	if more {
		stored = stored[:limit]
	}
	evs, err := DecodeEvents(stored)
	return evs, more, err
}

// Apply makes a change to a session in one transaction: the new state, its
// events (numbered after the last one) and what the trigger sinks write all
// commit together or not at all. It returns the new state and the events.
func (s *Service) Apply(ctx context.Context, workspaceID, id uuid.UUID, actor Actor, c Change) (domain.Session, []*sessionv1.SessionEvent, error) {
	var (
		sess domain.Session
		evs  []*sessionv1.SessionEvent
	)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		locked, err := s.store.SessionForUpdate(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		sess, evs, err = s.applyLocked(ctx, locked, actor, c)
		return err
	})
	return sess, evs, err
}

// applyLocked runs c on a session locked in the transaction in ctx.
func (s *Service) applyLocked(ctx context.Context, locked domain.Session, actor Actor, c Change) (domain.Session, []*sessionv1.SessionEvent, error) {
	m := &mutation{ctx: ctx, store: s.store, now: time.Now(), actor: actor, sess: locked}
	if err := c.apply(m); err != nil {
		return domain.Session{}, nil, err
	}
	if len(m.out) == 0 {
		return locked, nil, nil
	}
	evs := make([]*sessionv1.SessionEvent, len(m.out))
	for i, p := range m.out {
		m.sess.LastSequence++
		payload, err := encodePayload(p.ev)
		if err != nil {
			return domain.Session{}, nil, err
		}
		stored, err := s.store.AppendSessionEvent(ctx, domain.SessionEvent{
			WorkspaceID: m.sess.WorkspaceID, SessionID: m.sess.ID, Sequence: m.sess.LastSequence,
			Kind: payloadKind(p.ev), Actor: EnumName(actor.Kind), OperatorID: actor.OperatorID,
			CauseRunID: actor.CauseRunID, ReplyTo: p.replyTo, Payload: payload, CreatedAt: m.now,
		})
		if err != nil {
			return domain.Session{}, nil, err
		}
		if evs[i], err = DecodeEvent(stored); err != nil {
			return domain.Session{}, nil, err
		}
	}
	saved, err := s.store.SaveSession(ctx, m.sess)
	if err != nil {
		return domain.Session{}, nil, err
	}
	for i, p := range m.out {
		t := Trigger{Kinds: append(p.extra, triggerKinds(evs[i])...), Session: saved, Event: evs[i], Actor: actor}
		for _, sink := range s.sinks {
			if err := sink.SessionTriggered(ctx, t); err != nil {
				return domain.Session{}, nil, err
			}
		}
	}
	return saved, evs, nil
}

// ResolveSessionToken returns the principal of a widget's session token;
// KindNotFound when no session has it. It makes Service an
// auth.SessionTokenResolver.
func (s *Service) ResolveSessionToken(ctx context.Context, hash []byte) (domain.Principal, error) {
	workspaceID, id, err := s.store.SessionByTokenHash(ctx, hash)
	if err != nil {
		return domain.Principal{}, err
	}
	return domain.Principal{Kind: domain.PrincipalSession, WorkspaceID: workspaceID, SessionID: id}, nil
}

// WorkspaceByPublicKey returns the workspace a widget's public key opens.
func (s *Service) WorkspaceByPublicKey(ctx context.Context, key string) (domain.Workspace, error) {
	return s.store.WorkspaceByPublicKey(ctx, key)
}

// CreateOperator adds a team member to the workspace.
func (s *Service) CreateOperator(ctx context.Context, workspaceID uuid.UUID, name, email string, available bool) (domain.Operator, error) {
	return s.store.CreateOperator(ctx, domain.Operator{WorkspaceID: workspaceID, ID: domain.NewID(), Name: name, Email: email, Available: available})
}

// Operators lists the workspace's team members.
func (s *Service) Operators(ctx context.Context, workspaceID uuid.UUID) ([]domain.Operator, error) {
	return s.store.Operators(ctx, workspaceID)
}

// SetOperatorAvailability marks a team member available or away.
func (s *Service) SetOperatorAvailability(ctx context.Context, workspaceID, id uuid.UUID, available bool) (domain.Operator, error) {
	return s.store.SetOperatorAvailability(ctx, workspaceID, id, available)
}
