package session

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// Events are stored as protojson with proto field names, holding only the
// payload; the header fields live in their own columns.
var (
	marshalOptions   = protojson.MarshalOptions{UseProtoNames: true}
	unmarshalOptions = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// Actor is who causes a change.
type Actor struct {
	Kind sessionv1.Actor
	// OperatorID is the operator acting, when known (ACTOR_OPERATOR).
	OperatorID *uuid.UUID
	// CauseRunID is the workflow run whose step made the change.
	CauseRunID *uuid.UUID
}

// Visitor and Operator are the actors of API callers.
var (
	Visitor  = Actor{Kind: sessionv1.Actor_ACTOR_VISITOR}
	Operator = Actor{Kind: sessionv1.Actor_ACTOR_OPERATOR}
)

// EnumName is the stored, lower-case name of an enum value without its
// prefix: EnumName(CHANNEL_WEBCHAT) is "webchat"; "" for the zero value.
func EnumName(v protoreflect.Enum) string {
	if v.Number() == 0 {
		return ""
	}
	d := v.Descriptor()
	prefix := strings.ToUpper(camelToSnake(string(d.Name()))) + "_"
	name := d.Values().ByNumber(v.Number())
	if name == nil {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(string(name.Name()), prefix))
}

// ParseEnum is the inverse of EnumName for the enum of zero; the zero value
// when name is unknown.
func ParseEnum[E interface {
	~int32
	protoreflect.Enum
}](zero E, name string) E {
	d := zero.Descriptor()
	prefix := strings.ToUpper(camelToSnake(string(d.Name()))) + "_"
	if v := d.Values().ByName(protoreflect.Name(prefix + strings.ToUpper(name))); v != nil && name != "" {
		return E(v.Number())
	}
	return zero
}

func camelToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// payloadKind is the name of the payload field set in ev, e.g. "message".
func payloadKind(ev *sessionv1.SessionEvent) string {
	m := ev.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("payload"))
	if fd == nil {
		return ""
	}
	return string(fd.Name())
}

// encodePayload returns the stored form of an event's payload.
func encodePayload(ev *sessionv1.SessionEvent) ([]byte, error) {
	return marshalOptions.Marshal(&sessionv1.SessionEvent{Payload: ev.GetPayload()})
}

// DecodeEvent turns a stored event into its API form.
func DecodeEvent(e domain.SessionEvent) (*sessionv1.SessionEvent, error) {
	ev := &sessionv1.SessionEvent{}
	if err := unmarshalOptions.Unmarshal(e.Payload, ev); err != nil {
		return nil, fmt.Errorf("decode event %d of session %s: %w", e.Sequence, e.SessionID, err)
	}
	ev.SessionId = domain.PrefixSession.Format(e.SessionID)
	ev.Sequence = e.Sequence
	ev.Actor = ParseEnum(sessionv1.Actor_ACTOR_UNSPECIFIED, e.Actor)
	if e.OperatorID != nil {
		ev.OperatorId = domain.PrefixOperator.Format(*e.OperatorID)
	}
	if e.CauseRunID != nil {
		ev.CauseRunId = domain.PrefixRun.Format(*e.CauseRunID)
	}
	ev.CreatedAt = timestamppb.New(e.CreatedAt)
	return ev, nil
}

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// DecodeEvents decodes stored events in order.
func DecodeEvents(es []domain.SessionEvent) ([]*sessionv1.SessionEvent, error) {
	out := make([]*sessionv1.SessionEvent, len(es))
	for i, e := range es {
		ev, err := DecodeEvent(e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}
