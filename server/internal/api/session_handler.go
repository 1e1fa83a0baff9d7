package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/session"
)

// SessionHandler serves parley.session.v1.SessionService.
type SessionHandler struct {
	sessionv1connect.UnimplementedSessionServiceHandler
	sessions *session.Service
	engine   *engine.Engine
}

func (h *SessionHandler) CreateSession(ctx context.Context, req *connect.Request[sessionv1.CreateSessionRequest]) (*connect.Response[sessionv1.CreateSessionResponse], error) {
	p := domain.PrincipalFrom(ctx)
	in := session.NewSession{
		Channel: session.EnumName(req.Msg.GetChannel()), Visitor: visitorFromProto(req.Msg.GetVisitor()),
		Data: req.Msg.GetData().AsMap(), Segments: req.Msg.GetSegments(),
	}
	workspaceID, actor := p.WorkspaceID, session.Operator
	switch p.Kind {
	case domain.PrincipalAnonymous:
		if req.Msg.GetPublicKey() == "" {
			return nil, domain.Invalid("public_key", "is required without an API token")
		}
		ws, err := h.sessions.WorkspaceByPublicKey(ctx, req.Msg.GetPublicKey())
		if err != nil {
			return nil, err
		}
		workspaceID, actor, in.WithToken = ws.ID, session.Visitor, true
		if in.Channel == "" {
			in.Channel = session.EnumName(sessionv1.Channel_CHANNEL_WEBCHAT)
		}
	case domain.PrincipalAPIToken:
		if in.Channel == "" {
			in.Channel = session.EnumName(sessionv1.Channel_CHANNEL_API)
		}
	}
	s, token, err := h.sessions.Create(ctx, workspaceID, in, actor)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.CreateSessionResponse{Session: sessionToProto(s), SessionToken: token}), nil
}

func (h *SessionHandler) GetSession(ctx context.Context, req *connect.Request[sessionv1.GetSessionRequest]) (*connect.Response[sessionv1.GetSessionResponse], error) {
	p, id, err := sessionTarget(ctx, req.Msg.GetSessionId())
	if err != nil {
		return nil, err
	}
	s, err := session.Aside(ctx, func(ctx context.Context) (domain.Session, error) { return h.sessions.Get(ctx, p.WorkspaceID, id) })
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.GetSessionResponse{Session: sessionToProto(s)}), nil
}

// sessionPage is the keyset position of ListSessions.
type sessionPage struct {
	Created time.Time `json:"c"`
	ID      uuid.UUID `json:"i"`
}

func (h *SessionHandler) ListSessions(ctx context.Context, req *connect.Request[sessionv1.ListSessionsRequest]) (*connect.Response[sessionv1.ListSessionsResponse], error) {
	p := domain.PrincipalFrom(ctx)
	f := domain.SessionFilter{
		Status: session.EnumName(req.Msg.GetStatus()), Channel: session.EnumName(req.Msg.GetChannel()),
		Label: req.Msg.GetLabel(), Limit: pageSize(req.Msg.GetPageSize()),
	}
	if a := req.Msg.GetAssigneeId(); a != "" {
		if id, err := domain.PrefixOperator.Parse("assignee_id", a); err == nil {
			f.OperatorID = &id
		} else if id, err := domain.PrefixPersona.Parse("assignee_id", a); err == nil {
			f.PersonaID = &id
		} else {
			return nil, domain.Invalid("assignee_id", "must look like operator_<uuid> or persona_<uuid>")
		}
	}
	if t := req.Msg.GetPageToken(); t != "" {
		var pos sessionPage
		if err := decodePageToken(t, &pos); err != nil {
			return nil, err
		}
		f.AfterCreated, f.AfterID = &pos.Created, pos.ID
	}
	f.Limit++ // one more tells whether a next page exists
	list, err := h.sessions.List(ctx, p.WorkspaceID, f)
	if err != nil {
		return nil, err
	}
	res := &sessionv1.ListSessionsResponse{}
	if len(list) == f.Limit {
		list = list[:len(list)-1]
		last := list[len(list)-1]
		res.NextPageToken = encodePageToken(sessionPage{Created: last.CreatedAt, ID: last.ID})
	}
	for _, s := range list {
		res.Sessions = append(res.Sessions, sessionToProto(s))
	}
	return connect.NewResponse(res), nil
}

func (h *SessionHandler) SendMessage(ctx context.Context, req *connect.Request[sessionv1.SendMessageRequest]) (*connect.Response[sessionv1.SendMessageResponse], error) {
	p, id, err := sessionTarget(ctx, req.Msg.GetSessionId())
	if err != nil {
		return nil, err
	}
	// Answers to pickers and inputs are always the visitor's.
	actor := actorOf(p)
	var change session.Change
	switch c := req.Msg.GetContent().(type) {
	case *sessionv1.SendMessageRequest_Text:
		change = session.PostMessage{Text: c.Text}
	case *sessionv1.SendMessageRequest_Note:
		if p.Kind == domain.PrincipalSession {
			return nil, domain.Errorf(domain.KindPermissionDenied, "a visitor cannot post private notes")
		}
		change = session.PostNote{Text: c.Note}
	case *sessionv1.SendMessageRequest_Button:
		actor, change = session.Visitor, session.ChooseButton{PickerSequence: c.Button.GetPickerSequence(), Value: c.Button.GetValue()}
	case *sessionv1.SendMessageRequest_Input:
		actor, change = session.Visitor, session.AnswerInput{RequestSequence: c.Input.GetRequestSequence(), Value: c.Input.GetValue()}
	default:
		return nil, domain.Invalid("content", "set text, note, button or input")
	}
	_, evs, err := h.sessions.Apply(ctx, p.WorkspaceID, id, actor, change)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.SendMessageResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) ListEvents(ctx context.Context, req *connect.Request[sessionv1.ListEventsRequest]) (*connect.Response[sessionv1.ListEventsResponse], error) {
	p, id, err := sessionTarget(ctx, req.Msg.GetSessionId())
	if err != nil {
		return nil, err
	}
	size := 100
	if n := req.Msg.GetPageSize(); n > 0 {
		size = int(n)
	}
	evs, more, err := h.sessions.Events(ctx, p.WorkspaceID, id, req.Msg.GetAfterSequence(), size)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.ListEventsResponse{Events: visibleEvents(p, evs), HasMore: more}), nil
}

func (h *SessionHandler) SetData(ctx context.Context, req *connect.Request[sessionv1.SetDataRequest]) (*connect.Response[sessionv1.SetDataResponse], error) {
	evs, err := h.applyTo(ctx, req.Msg.GetSessionId(), session.SetData{Key: req.Msg.GetKey(), Value: req.Msg.GetValue().AsInterface()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.SetDataResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) UpdateLabels(ctx context.Context, req *connect.Request[sessionv1.UpdateLabelsRequest]) (*connect.Response[sessionv1.UpdateLabelsResponse], error) {
	s, evs, err := h.applyFull(ctx, req.Msg.GetSessionId(), session.UpdateLabels{Add: req.Msg.GetAdd(), Remove: req.Msg.GetRemove()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.UpdateLabelsResponse{Session: s, Events: evs}), nil
}

func (h *SessionHandler) UpdateSegments(ctx context.Context, req *connect.Request[sessionv1.UpdateSegmentsRequest]) (*connect.Response[sessionv1.UpdateSegmentsResponse], error) {
	s, evs, err := h.applyFull(ctx, req.Msg.GetSessionId(), session.UpdateSegments{Add: req.Msg.GetAdd(), Remove: req.Msg.GetRemove()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.UpdateSegmentsResponse{Session: s, Events: evs}), nil
}

func (h *SessionHandler) SetStatus(ctx context.Context, req *connect.Request[sessionv1.SetStatusRequest]) (*connect.Response[sessionv1.SetStatusResponse], error) {
	evs, err := h.applyTo(ctx, req.Msg.GetSessionId(), session.SetStatus{Status: session.EnumName(req.Msg.GetStatus())})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.SetStatusResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) SetStarred(ctx context.Context, req *connect.Request[sessionv1.SetStarredRequest]) (*connect.Response[sessionv1.SetStarredResponse], error) {
	evs, err := h.applyTo(ctx, req.Msg.GetSessionId(), session.SetStarred{Starred: req.Msg.GetStarred()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.SetStarredResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) Assign(ctx context.Context, req *connect.Request[sessionv1.AssignRequest]) (*connect.Response[sessionv1.AssignResponse], error) {
	var change session.Assign
	switch t := req.Msg.GetTarget().(type) {
	case *sessionv1.AssignRequest_OperatorId:
		id, err := domain.PrefixOperator.Parse("operator_id", t.OperatorId)
		if err != nil {
			return nil, err
		}
		change.OperatorID = &id
	case *sessionv1.AssignRequest_PersonaId:
		id, err := domain.PrefixPersona.Parse("persona_id", t.PersonaId)
		if err != nil {
			return nil, err
		}
		change.PersonaID = &id
	}
	evs, err := h.applyTo(ctx, req.Msg.GetSessionId(), change)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.AssignResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) SetLead(ctx context.Context, req *connect.Request[sessionv1.SetLeadRequest]) (*connect.Response[sessionv1.SetLeadResponse], error) {
	evs, err := h.applyTo(ctx, req.Msg.GetSessionId(), session.SetLead{Stage: req.Msg.GetStage(), AmountMinor: req.Msg.GetExpectedAmountMinor()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.SetLeadResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) UpdateVisitor(ctx context.Context, req *connect.Request[sessionv1.UpdateVisitorRequest]) (*connect.Response[sessionv1.UpdateVisitorResponse], error) {
	evs, err := h.applyTo(ctx, req.Msg.GetSessionId(), session.UpdateVisitor{Visitor: visitorFromProto(req.Msg.GetVisitor())})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.UpdateVisitorResponse{Event: lastEvent(evs)}), nil
}

func (h *SessionHandler) Subscribe(ctx context.Context, req *connect.Request[sessionv1.SubscribeRequest], stream *connect.ServerStream[sessionv1.SubscribeResponse]) error {
	sub, err := h.openSubscription(ctx, req, stream)
	if err != nil {
		return err
	}
	return h.sessions.Hub().FollowSession(ctx, sub.workspace, sub.session, req.Msg.GetAfterSequence(), sub.event, sub.delta, sub.heartbeat)
}

// subscription is an open Subscribe stream: it keeps no more of its caller
// than it needs, as it lives as long as the stream.
type subscription struct {
	caller             domain.PrincipalKind
	workspace, session uuid.UUID
	stream             *connect.ServerStream[sessionv1.SubscribeResponse]
}

func (s *subscription) event(ev *sessionv1.SessionEvent) error {
	if !visibleTo(s.caller, ev) {
		return nil
	}
	return s.stream.Send(&sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Event{Event: ev}})
}

func (s *subscription) delta(d *sessionv1.MessageDelta) error {
	return s.stream.Send(&sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Delta{Delta: d}})
}

func (s *subscription) heartbeat(hb session.Heartbeat[int64]) error {
	return s.stream.Send(&sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Heartbeat{Heartbeat: &sessionv1.Heartbeat{
		Time: timestamppb.New(hb.Time), LastSequence: hb.Head,
	}}})
}

// openSubscription checks a Subscribe request and sends the stream's
// first heartbeat: the client learns it is connected (and the head of the
// log) without waiting for an event. It reads the session's head aside, so
// that the stream's stack does not grow past 8 KiB (see session.Aside), and
// it is kept out of line, as are the other steps of a stream's start, so
// that their frames are not on the stack of an idle stream: a stream waits
// with under 3 KiB of stack in use, and the runtime shrinks its stack to
// 8 KiB.
//
//go:noinline
func (h *SessionHandler) openSubscription(ctx context.Context, req *connect.Request[sessionv1.SubscribeRequest], stream *connect.ServerStream[sessionv1.SubscribeResponse]) (*subscription, error) {
	p, id, err := sessionTarget(ctx, req.Msg.GetSessionId())
	if err != nil {
		return nil, err
	}
	head, err := session.Aside(ctx, func(ctx context.Context) (int64, error) { return h.sessions.LastSequence(ctx, p.WorkspaceID, id) })
	if err != nil {
		return nil, err
	}
	if after := req.Msg.GetAfterSequence(); after > head {
		return nil, domain.Invalid("after_sequence", "is past the newest event of the session (%d)", head)
	}
	sub := &subscription{caller: p.Kind, workspace: p.WorkspaceID, session: id, stream: stream}
	return sub, sub.heartbeat(session.Heartbeat[int64]{Time: time.Now(), Head: head})
}

func (h *SessionHandler) SubscribeWorkspace(ctx context.Context, req *connect.Request[sessionv1.SubscribeWorkspaceRequest], stream *connect.ServerStream[sessionv1.SubscribeWorkspaceResponse]) error {
	p := domain.PrincipalFrom(ctx)
	var from domain.WorkspaceCursor
	if c := req.Msg.GetAfterCursor(); c != "" {
		var err error
		if from, err = decodeWorkspaceCursor(c); err != nil {
			return err
		}
	} else {
		var err error
		from, err = session.Aside(ctx, func(ctx context.Context) (domain.WorkspaceCursor, error) { return h.sessions.Hub().WorkspaceHead(ctx, p.WorkspaceID) })
		if err != nil {
			return err
		}
	}
	heartbeat := func(hb session.Heartbeat[domain.WorkspaceCursor]) error {
		return stream.Send(&sessionv1.SubscribeWorkspaceResponse{Item: &sessionv1.SubscribeWorkspaceResponse_Heartbeat{
			Heartbeat: &sessionv1.Heartbeat{Time: timestamppb.New(hb.Time)},
		}})
	}
	if err := heartbeat(session.Heartbeat[domain.WorkspaceCursor]{Time: time.Now(), Head: from}); err != nil {
		return err
	}
	return h.sessions.Hub().FollowWorkspace(ctx, p.WorkspaceID, from,
		func(c domain.WorkspaceCursor, ev *sessionv1.SessionEvent) error {
			return stream.Send(&sessionv1.SubscribeWorkspaceResponse{Item: &sessionv1.SubscribeWorkspaceResponse_Event{
				Event: &sessionv1.WorkspaceEvent{Cursor: encodeWorkspaceCursor(c), Event: ev},
			}})
		}, heartbeat)
}

// Workspace cursors are opaque to clients: base64url of "<xid>.<id>".
func encodeWorkspaceCursor(c domain.WorkspaceCursor) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", c.Xid, c.ID))
}

func decodeWorkspaceCursor(s string) (domain.WorkspaceCursor, error) {
	var c domain.WorkspaceCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, domain.Invalid("after_cursor", "is not a cursor from this stream")
	}
	if n, err := fmt.Sscanf(string(b), "%d.%d", &c.Xid, &c.ID); err != nil || n != 2 || c.Xid < 0 || c.ID < 0 {
		return c, domain.Invalid("after_cursor", "is not a cursor from this stream")
	}
	return c, nil
}

func (h *SessionHandler) CreateOperator(ctx context.Context, req *connect.Request[sessionv1.CreateOperatorRequest]) (*connect.Response[sessionv1.CreateOperatorResponse], error) {
	p := domain.PrincipalFrom(ctx)
	o, err := h.sessions.CreateOperator(ctx, p.WorkspaceID, req.Msg.GetName(), req.Msg.GetEmail(), req.Msg.GetAvailable())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.CreateOperatorResponse{Operator: operatorToProto(o)}), nil
}

func (h *SessionHandler) ListOperators(ctx context.Context, _ *connect.Request[sessionv1.ListOperatorsRequest]) (*connect.Response[sessionv1.ListOperatorsResponse], error) {
	p := domain.PrincipalFrom(ctx)
	list, err := h.sessions.Operators(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	res := &sessionv1.ListOperatorsResponse{}
	for _, o := range list {
		res.Operators = append(res.Operators, operatorToProto(o))
	}
	return connect.NewResponse(res), nil
}

func (h *SessionHandler) SetOperatorAvailability(ctx context.Context, req *connect.Request[sessionv1.SetOperatorAvailabilityRequest]) (*connect.Response[sessionv1.SetOperatorAvailabilityResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixOperator.Parse("operator_id", req.Msg.GetOperatorId())
	if err != nil {
		return nil, err
	}
	o, err := h.sessions.SetOperatorAvailability(ctx, p.WorkspaceID, id, req.Msg.GetAvailable())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&sessionv1.SetOperatorAvailabilityResponse{Operator: operatorToProto(o)}), nil
}

// sessionTarget returns the caller and the session a request names.
func sessionTarget(ctx context.Context, sessionID string) (domain.Principal, uuid.UUID, error) {
	id, err := domain.PrefixSession.Parse("session_id", sessionID)
	return domain.PrincipalFrom(ctx), id, err
}

// actorOf is who a caller acts as: a widget is the visitor, a backend an
// operator.
func actorOf(p domain.Principal) session.Actor {
	if p.Kind == domain.PrincipalSession {
		return session.Visitor
	}
	return session.Operator
}

// applyTo applies a change to the named session as the caller.
func (h *SessionHandler) applyTo(ctx context.Context, sessionID string, c session.Change) ([]*sessionv1.SessionEvent, error) {
	_, evs, err := h.applyFull(ctx, sessionID, c)
	return evs, err
}

// applyFull is applyTo that also returns the session's new state.
func (h *SessionHandler) applyFull(ctx context.Context, sessionID string, c session.Change) (*sessionv1.Session, []*sessionv1.SessionEvent, error) {
	p, id, err := sessionTarget(ctx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	s, evs, err := h.sessions.Apply(ctx, p.WorkspaceID, id, actorOf(p), c)
	if err != nil {
		return nil, nil, err
	}
	return sessionToProto(s), evs, nil
}

// lastEvent is the event a single-event response carries: nil when the
// change changed nothing.
func lastEvent(evs []*sessionv1.SessionEvent) *sessionv1.SessionEvent {
	if len(evs) == 0 {
		return nil
	}
	return evs[len(evs)-1]
}

func visitorFromProto(v *sessionv1.Visitor) domain.Visitor {
	return domain.Visitor{Name: v.GetName(), Email: v.GetEmail(), Phone: v.GetPhone()}
}

func sessionToProto(s domain.Session) *sessionv1.Session {
	data, _ := structpb.NewStruct(s.Data) // values are strings, numbers and booleans
	return &sessionv1.Session{
		Id:      domain.PrefixSession.Format(s.ID),
		Channel: session.ParseEnum(sessionv1.Channel_CHANNEL_UNSPECIFIED, s.Channel),
		Status:  session.ParseEnum(sessionv1.Status_STATUS_UNSPECIFIED, s.Status),
		Starred: s.Starred, Assignee: session.AssigneeOf(s), Labels: s.Labels, Segments: s.Segments,
		Data: data, Visitor: session.VisitorOf(s), Lead: session.LeadOf(s),
		Agent:        session.AgentStateOf(s),
		LastSequence: s.LastSequence, MessageCount: s.MessageCount,
		CreatedAt: timestamppb.New(s.CreatedAt), UpdatedAt: timestamppb.New(s.UpdatedAt),
		LastMessageAt: optionalTimestamp(s.LastMessageAt),
	}
}

func operatorToProto(o domain.Operator) *sessionv1.Operator {
	return &sessionv1.Operator{
		Id: domain.PrefixOperator.Format(o.ID), Name: o.Name, Email: o.Email, Available: o.Available,
		CreatedAt: timestamppb.New(o.CreatedAt),
	}
}

// visibleTo reports whether a caller may see an event: a visitor's widget
// does not see private notes or operator notifications.
func visibleTo(caller domain.PrincipalKind, ev *sessionv1.SessionEvent) bool {
	if caller != domain.PrincipalSession {
		return true
	}
	return ev.GetNote() == nil && ev.GetNotificationSent() == nil
}

// visibleEvents keeps the events a caller may see.
func visibleEvents(p domain.Principal, evs []*sessionv1.SessionEvent) []*sessionv1.SessionEvent {
	out := evs[:0:0]
	for _, ev := range evs {
		if visibleTo(p.Kind, ev) {
			out = append(out, ev)
		}
	}
	return out
}
