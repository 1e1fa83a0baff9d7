package session

// Internal test package: the stored form is made by the unexported
// encodePayload, which Service.applyLocked calls for every event.

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// benchEvents are typical events of a workflow run: a bot message, a
// button picker and a variable set by a step.
func benchEvents() []struct {
	name string
	ev   *sessionv1.SessionEvent
} {
	return []struct {
		name string
		ev   *sessionv1.SessionEvent
	}{
		{"message", &sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_Message{Message: &sessionv1.MessagePosted{
			Text: "Hi Ada, your order A-10293 has shipped with DHL Express (tracking JD014600006281234567). " +
				"It should arrive on Tuesday 14 May. Reply here if anything looks wrong!",
			StreamId: "stream_7f3c2a9e",
		}}}},
		{"button_picker", &sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_ButtonPicker{ButtonPicker: &sessionv1.ButtonPickerPosted{
			Text: "Did that answer your question, Ada?",
			Buttons: []*sessionv1.Button{
				{Label: "Yes, thanks 👍", Value: "yes"},
				{Label: "No, I need a person", Value: "human"},
				{Label: "Track another order", Value: "track"},
			},
		}}}},
		{"data_set", &sessionv1.SessionEvent{Payload: &sessionv1.SessionEvent_DataSet{DataSet: &sessionv1.DataSet{
			Key: "order_total", Value: structpb.NewNumberValue(149.9),
		}}}},
	}
}

// stored returns ev as the store hands it back: its encoded payload and
// the header columns of an event a workflow run caused.
func stored(b *testing.B, ev *sessionv1.SessionEvent) domain.SessionEvent {
	b.Helper()
	payload, err := encodePayload(ev)
	if err != nil {
		b.Fatal(err)
	}
	run := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	return domain.SessionEvent{
		WorkspaceID: uuid.MustParse("1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
		SessionID:   uuid.MustParse("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
		Sequence:    42, ID: 1042, Xid: 977,
		Kind: payloadKind(ev), Actor: EnumName(sessionv1.Actor_ACTOR_BOT), CauseRunID: &run,
		Payload: payload, CreatedAt: time.Date(2025, 5, 12, 9, 30, 15, 123456000, time.UTC),
	}
}

// BenchmarkEncodeEvent is the stored form of an event's payload (protojson).
func BenchmarkEncodeEvent(b *testing.B) {
	for _, c := range benchEvents() {
		b.Run(c.name, func(b *testing.B) {
			raw, err := encodePayload(c.ev)
			if err != nil {
				b.Fatal(err)
			}
			back := &sessionv1.SessionEvent{}
			if err := unmarshalOptions.Unmarshal(raw, back); err != nil || !proto.Equal(back, c.ev) {
				b.Fatalf("stored payload %s decodes to %v, %v", raw, back, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encodePayload(c.ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeEvent turns a stored event into its API form, as every
// change and every catch-up read of a subscription does.
func BenchmarkDecodeEvent(b *testing.B) {
	for _, c := range benchEvents() {
		b.Run(c.name, func(b *testing.B) {
			e := stored(b, c.ev)
			ev, err := DecodeEvent(e)
			if err != nil {
				b.Fatal(err)
			}
			want := proto.CloneOf(c.ev)
			want.SessionId = "session_7c9e6679-7425-40de-944b-e07fc1f90ae7"
			want.Sequence = 42
			want.Actor = sessionv1.Actor_ACTOR_BOT
			want.CauseRunId = "run_6ba7b810-9dad-11d1-80b4-00c04fd430c8"
			want.CreatedAt = timestamp(e.CreatedAt)
			if !proto.Equal(ev, want) {
				b.Fatalf("DecodeEvent = %v, want %v", ev, want)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeEvent(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSubscribeWire encodes one Subscribe stream item holding an
// event, as connect's codecs do: protobuf binary (gRPC, gRPC-Web, Connect
// with useBinaryFormat) and protojson (Connect's default in the browser).
func BenchmarkSubscribeWire(b *testing.B) {
	codecs := []struct {
		name      string
		marshal   func(proto.Message) ([]byte, error)
		unmarshal func([]byte, proto.Message) error
	}{
		{"proto", proto.Marshal, proto.Unmarshal},
		{"json", protojson.MarshalOptions{}.Marshal, protojson.Unmarshal},
	}
	for _, c := range benchEvents() {
		ev, err := DecodeEvent(stored(b, c.ev))
		if err != nil {
			b.Fatal(err)
		}
		item := &sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Event{Event: ev}}
		for _, codec := range codecs {
			b.Run(c.name+"/"+codec.name, func(b *testing.B) {
				wire, err := codec.marshal(item)
				if err != nil {
					b.Fatal(err)
				}
				back := &sessionv1.SubscribeResponse{}
				if err := codec.unmarshal(wire, back); err != nil || !proto.Equal(back, item) {
					b.Fatalf("wire form decodes to %v, %v; want %v", back, err, item)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := codec.marshal(item); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
