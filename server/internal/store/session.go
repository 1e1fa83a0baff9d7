package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// CreateSession inserts a session with no events yet. tokenHash is nil for
// sessions made by a backend.
func (s *Store) CreateSession(ctx context.Context, sess domain.Session, tokenHash []byte) (domain.Session, error) {
	data, err := json.Marshal(nonNilMap(sess.Data))
	if err != nil {
		return domain.Session{}, fmt.Errorf("encode custom data: %w", err)
	}
	row, err := s.q.CreateSession(ctx, s.conn(ctx), db.CreateSessionParams{
		WorkspaceID: sess.WorkspaceID, ID: sess.ID, Channel: sess.Channel, Data: data,
		Segments: nonNil(sess.Segments), VisitorName: sess.Visitor.Name, VisitorEmail: sess.Visitor.Email,
		VisitorPhone: sess.Visitor.Phone, TokenHash: tokenHash,
	})
	if err != nil {
		return domain.Session{}, interpretError(err, "session", domain.PrefixSession.Format(sess.ID))
	}
	return sessionFromRow(row)
}

// Session returns a session of the workspace; KindNotFound if none.
func (s *Store) Session(ctx context.Context, workspaceID, id uuid.UUID) (domain.Session, error) {
	row, err := s.q.GetSession(ctx, s.conn(ctx), db.GetSessionParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return domain.Session{}, interpretError(err, "session", domain.PrefixSession.Format(id))
	}
	return sessionFromRow(row)
}

// SessionForUpdate returns a session and locks it until the transaction in
// ctx ends: the one way to change a session and append its events. A
// session the transaction already locked is not read again.
func (s *Store) SessionForUpdate(ctx context.Context, workspaceID, id uuid.UUID) (domain.Session, error) {
	if row, ok := lockedSession(ctx, workspaceID, id); ok {
		return sessionCopy(row)
	}
	row, err := s.q.GetSessionForUpdate(ctx, s.conn(ctx), db.GetSessionForUpdateParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return domain.Session{}, interpretError(err, "session", domain.PrefixSession.Format(id))
	}
	return lockedNow(ctx, row)
}

// SessionForUpdateNow locks a session unless another transaction holds it;
// ok is false then (and when there is no such session).
func (s *Store) SessionForUpdateNow(ctx context.Context, workspaceID, id uuid.UUID) (sess domain.Session, ok bool, err error) {
	if row, ok := lockedSession(ctx, workspaceID, id); ok {
		sess, err = sessionCopy(row)
		return sess, err == nil, err
	}
	rows, err := s.q.GetSessionForUpdateSkipLocked(ctx, s.conn(ctx), db.GetSessionForUpdateSkipLockedParams{WorkspaceID: workspaceID, ID: id})
	if err != nil || len(rows) == 0 {
		return domain.Session{}, false, err
	}
	sess, err = lockedNow(ctx, db.Session(rows[0]))
	return sess, err == nil, err
}

// lockedNow remembers a session row the transaction in ctx just locked and
// returns it as a session.
func lockedNow(ctx context.Context, row db.Session) (domain.Session, error) {
	keepLocked(ctx, row)
	return sessionCopy(row)
}

// sessionCopy is sessionFromRow sharing nothing with row.
func sessionCopy(row db.Session) (domain.Session, error) {
	row.Labels, row.Segments = slices.Clone(row.Labels), slices.Clone(row.Segments)
	return sessionFromRow(row)
}

// SessionByTokenHash returns the workspace and id of the session a widget
// token belongs to; KindNotFound if none.
func (s *Store) SessionByTokenHash(ctx context.Context, hash []byte) (workspaceID, id uuid.UUID, err error) {
	row, err := s.q.GetSessionByTokenHash(ctx, s.conn(ctx), hash)
	if err != nil {
		return uuid.Nil, uuid.Nil, interpretError(err, "session token", "")
	}
	return row.WorkspaceID, row.ID, nil
}

// SessionLastSequence returns the newest sequence of a session's log.
func (s *Store) SessionLastSequence(ctx context.Context, workspaceID, id uuid.UUID) (int64, error) {
	seq, err := s.q.GetSessionLastSequence(ctx, s.conn(ctx), db.GetSessionLastSequenceParams{WorkspaceID: workspaceID, ID: id})
	return seq, interpretError(err, "session", domain.PrefixSession.Format(id))
}

// SessionHeads returns the newest sequence of each of the sessions
// (workspaceIDs[i], ids[i]) at i: 0 for one that does not exist.
func (s *Store) SessionHeads(ctx context.Context, workspaceIDs, ids []uuid.UUID) ([]int64, error) {
	rows, err := s.q.SessionHeads(ctx, s.conn(ctx), db.SessionHeadsParams{WorkspaceIds: workspaceIDs, Ids: ids})
	if err != nil {
		return nil, err
	}
	heads := make([]int64, len(ids))
	for _, r := range rows {
		if r.Position < 1 || int(r.Position) > len(heads) {
			return nil, fmt.Errorf("session heads: position %d of %d", r.Position, len(heads))
		}
		heads[r.Position-1] = r.LastSequence
	}
	return heads, nil
}

// SaveSession writes a session's whole state (locked by SessionForUpdate),
// updated now. Inside a transaction the write waits to go with the next
// statement (Store.writeRows).
func (s *Store) SaveSession(ctx context.Context, sess domain.Session) (domain.Session, error) {
	data, err := json.Marshal(nonNilMap(sess.Data))
	if err != nil {
		return domain.Session{}, fmt.Errorf("encode custom data: %w", err)
	}
	agent, err := json.Marshal(sess.Agent)
	if err != nil {
		return domain.Session{}, fmt.Errorf("encode agent state: %w", err)
	}
	row := db.Session{
		WorkspaceID: sess.WorkspaceID, ID: sess.ID, Channel: sess.Channel, Status: sess.Status, Starred: sess.Starred,
		AssigneeOperatorID: sess.AssigneeOperatorID, AssigneePersonaID: sess.AssigneePersonaID,
		Labels: slices.Clone(nonNil(sess.Labels)), Segments: slices.Clone(nonNil(sess.Segments)), Data: data,
		VisitorName: sess.Visitor.Name, VisitorEmail: sess.Visitor.Email, VisitorPhone: sess.Visitor.Phone,
		Agent: agent, LastSequence: sess.LastSequence, MessageCount: sess.MessageCount,
		CreatedAt: sess.CreatedAt, UpdatedAt: time.Now().Truncate(time.Microsecond), LastMessageAt: stored(sess.LastMessageAt),
	}
	if sess.Lead != nil {
		stage := sess.Lead.Stage
		row.LeadStage, row.LeadAmountMinor, row.LeadCreatedAt = &stage, sess.Lead.AmountMinor, stored(&sess.Lead.CreatedAt)
	}
	id := domain.PrefixSession.Format(sess.ID)
	err = s.writeRows(ctx, sessionRows, row.WorkspaceID.String()+"/"+row.ID.String(), "", sessionRow(arenaOf(ctx), row),
		func(err error) error { return interpretError(err, "session", id) })
	if err != nil {
		return domain.Session{}, err
	}
	if locked, ok := lockedSession(ctx, row.WorkspaceID, row.ID); ok {
		row.TokenHash = locked.TokenHash
		keepLocked(ctx, row)
	}
	return sessionCopy(row) // as read back
}

// ListSessions returns a page of the workspace's sessions, newest first.
func (s *Store) ListSessions(ctx context.Context, workspaceID uuid.UUID, f domain.SessionFilter) ([]domain.Session, error) {
	rows, err := s.q.ListSessions(ctx, s.conn(ctx), db.ListSessionsParams{
		WorkspaceID: workspaceID, Status: f.Status, Channel: f.Channel, Label: f.Label,
		OperatorID: f.OperatorID, PersonaID: f.PersonaID, AfterCreated: f.AfterCreated, AfterID: f.AfterID,
		PageLimit: int32(f.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Session, len(rows))
	for i, r := range rows {
		if out[i], err = sessionFromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sessionFromRow(r db.Session) (domain.Session, error) {
	sess := domain.Session{
		WorkspaceID: r.WorkspaceID, ID: r.ID, Channel: r.Channel, Status: r.Status, Starred: r.Starred,
		AssigneeOperatorID: r.AssigneeOperatorID, AssigneePersonaID: r.AssigneePersonaID,
		Labels: r.Labels, Segments: r.Segments,
		Visitor:      domain.Visitor{Name: r.VisitorName, Email: r.VisitorEmail, Phone: r.VisitorPhone},
		LastSequence: r.LastSequence, MessageCount: r.MessageCount,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, LastMessageAt: r.LastMessageAt,
	}
	if err := json.Unmarshal(r.Data, &sess.Data); err != nil {
		return domain.Session{}, fmt.Errorf("decode custom data of session %s: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Agent, &sess.Agent); err != nil {
		return domain.Session{}, fmt.Errorf("decode agent state of session %s: %w", r.ID, err)
	}
	if r.LeadStage != nil && r.LeadCreatedAt != nil {
		sess.Lead = &domain.Lead{Stage: *r.LeadStage, AmountMinor: r.LeadAmountMinor, CreatedAt: *r.LeadCreatedAt}
	}
	return sess, nil
}

// AppendSessionEvent inserts one event, created at e.CreatedAt (or now);
// the caller holds the session lock and gives the next sequence. Once the
// event is committed the OnEventsCommitted functions hear of it. Inside a
// transaction the insert waits to go with the next statement (Store.writeRows),
// so the event returned has no ID and Xid: only reads give those.
func (s *Store) AppendSessionEvent(ctx context.Context, e domain.SessionEvent) (domain.SessionEvent, error) {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	e.CreatedAt = e.CreatedAt.Truncate(time.Microsecond)
	name := fmt.Sprintf("%s#%d", domain.PrefixSession.Format(e.SessionID), e.Sequence)
	if err := s.writeRows(ctx, eventRows, "", "", eventRow(arenaOf(ctx), e), func(err error) error { return interpretError(err, "event", name) }); err != nil {
		return domain.SessionEvent{}, err
	}
	e.ID, e.Xid = 0, 0
	if !noteEvent(ctx, e) {
		s.eventsCommitted([]domain.SessionEvent{e})
	}
	return e, nil
}

// SessionEvent returns one event of a session; KindNotFound if none.
func (s *Store) SessionEvent(ctx context.Context, workspaceID, sessionID uuid.UUID, sequence int64) (domain.SessionEvent, error) {
	row, err := s.q.GetSessionEvent(ctx, s.conn(ctx), db.GetSessionEventParams{WorkspaceID: workspaceID, SessionID: sessionID, Sequence: sequence})
	if err != nil {
		return domain.SessionEvent{}, interpretError(err, "event", fmt.Sprintf("%d", sequence))
	}
	return eventFromRow(row), nil
}

// SessionEvents returns up to limit events of a session after a sequence.
func (s *Store) SessionEvents(ctx context.Context, workspaceID, sessionID uuid.UUID, after int64, limit int) ([]domain.SessionEvent, error) {
	rows, err := s.q.ListSessionEvents(ctx, s.conn(ctx), db.ListSessionEventsParams{
		WorkspaceID: workspaceID, SessionID: sessionID, AfterSequence: after, PageLimit: int32(limit),
	})
	return eventsFromRows(rows), err
}

// WorkspaceEvents returns up to limit events of the workspace after a
// cursor, in cursor order. It returns only events of transactions older than
// every running one, so an event that commits later always sorts after the
// last one returned: resuming from the last cursor misses nothing.
func (s *Store) WorkspaceEvents(ctx context.Context, workspaceID uuid.UUID, after domain.WorkspaceCursor, limit int) ([]domain.SessionEvent, error) {
	rows, err := s.q.ListWorkspaceEvents(ctx, s.conn(ctx), db.ListWorkspaceEventsParams{
		WorkspaceID: workspaceID, AfterXid: after.Xid, AfterID: after.ID, PageLimit: int32(limit),
	})
	return eventsFromRows(rows), err
}

// WorkspaceEventsHead returns the cursor of the newest event WorkspaceEvents
// can return now; the zero cursor when there is none.
func (s *Store) WorkspaceEventsHead(ctx context.Context, workspaceID uuid.UUID) (domain.WorkspaceCursor, error) {
	row, err := s.q.WorkspaceEventsHead(ctx, s.conn(ctx), workspaceID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.WorkspaceCursor{}, nil
	}
	return domain.WorkspaceCursor{Xid: row.Xid, ID: row.ID}, err
}

func eventsFromRows(rows []db.SessionEvent) []domain.SessionEvent {
	out := make([]domain.SessionEvent, len(rows))
	for i, r := range rows {
		out[i] = eventFromRow(r)
	}
	return out
}

func eventFromRow(r db.SessionEvent) domain.SessionEvent {
	return domain.SessionEvent{
		WorkspaceID: r.WorkspaceID, SessionID: r.SessionID, Sequence: r.Sequence, ID: r.ID, Xid: r.Xid,
		Kind: r.Kind, Actor: r.Actor, OperatorID: r.OperatorID, CauseRunID: r.CauseRunID, ReplyTo: r.ReplyTo,
		Payload: r.Payload, CreatedAt: r.CreatedAt,
	}
}

// CreateOperator inserts an operator; KindConflict when the email is taken.
func (s *Store) CreateOperator(ctx context.Context, o domain.Operator) (domain.Operator, error) {
	row, err := s.q.CreateOperator(ctx, s.conn(ctx), db.CreateOperatorParams{
		WorkspaceID: o.WorkspaceID, ID: o.ID, Name: o.Name, Email: o.Email, Available: o.Available,
	})
	return operatorFromRow(row), interpretError(err, "operator with email", o.Email)
}

// Operator returns an operator of the workspace; KindNotFound if none.
func (s *Store) Operator(ctx context.Context, workspaceID, id uuid.UUID) (domain.Operator, error) {
	row, err := s.q.GetOperator(ctx, s.conn(ctx), db.GetOperatorParams{WorkspaceID: workspaceID, ID: id})
	return operatorFromRow(row), interpretError(err, "operator", domain.PrefixOperator.Format(id))
}

// Operators lists the workspace's operators by name.
func (s *Store) Operators(ctx context.Context, workspaceID uuid.UUID) ([]domain.Operator, error) {
	rows, err := s.q.ListOperators(ctx, s.conn(ctx), workspaceID)
	out := make([]domain.Operator, len(rows))
	for i, r := range rows {
		out[i] = operatorFromRow(r)
	}
	return out, err
}

// SetOperatorAvailability marks an operator available or not.
func (s *Store) SetOperatorAvailability(ctx context.Context, workspaceID, id uuid.UUID, available bool) (domain.Operator, error) {
	row, err := s.q.SetOperatorAvailability(ctx, s.conn(ctx), db.SetOperatorAvailabilityParams{WorkspaceID: workspaceID, ID: id, Available: available})
	return operatorFromRow(row), interpretError(err, "operator", domain.PrefixOperator.Format(id))
}

func operatorFromRow(r db.Operator) domain.Operator {
	return domain.Operator{
		WorkspaceID: r.WorkspaceID, ID: r.ID, Name: r.Name, Email: r.Email, Available: r.Available, CreatedAt: r.CreatedAt,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// SessionEventAnswered reports whether the picker or input request at
// sequence already has an answer.
func (s *Store) SessionEventAnswered(ctx context.Context, workspaceID, sessionID uuid.UUID, sequence int64) (bool, error) {
	return s.q.SessionEventAnswered(ctx, s.conn(ctx), db.SessionEventAnsweredParams{WorkspaceID: workspaceID, SessionID: sessionID, ReplyTo: &sequence})
}

// SessionHasVisitorMessage reports whether the visitor has written yet.
func (s *Store) SessionHasVisitorMessage(ctx context.Context, workspaceID, sessionID uuid.UUID) (bool, error) {
	return s.q.SessionHasVisitorMessage(ctx, s.conn(ctx), db.SessionHasVisitorMessageParams{WorkspaceID: workspaceID, SessionID: sessionID})
}
