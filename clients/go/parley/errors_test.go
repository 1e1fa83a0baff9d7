package parley_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/parleyhq/parley/clients/go/parley"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
)

// field builds a field path element; sub is an optional subscript.
func field(name string, sub ...any) *validate.FieldPathElement {
	e := &validate.FieldPathElement{FieldName: proto.String(name)}
	for _, s := range sub {
		switch v := s.(type) {
		case int:
			e.Subscript = &validate.FieldPathElement_Index{Index: uint64(v)}
		case string:
			e.Subscript = &validate.FieldPathElement_StringKey{StringKey: v}
		case bool:
			e.Subscript = &validate.FieldPathElement_BoolKey{BoolKey: v}
		case int64:
			e.Subscript = &validate.FieldPathElement_IntKey{IntKey: v}
		case uint64:
			e.Subscript = &validate.FieldPathElement_UintKey{UintKey: v}
		}
	}
	return e
}

func violation(msg string, path ...*validate.FieldPathElement) *validate.Violation {
	v := &validate.Violation{Message: proto.String(msg), RuleId: proto.String("rule")}
	if path != nil {
		v.Field = &validate.FieldPath{Elements: path}
	}
	return v
}

// invalid returns an invalid_argument error with details.
func invalid(details ...proto.Message) error {
	err := connect.NewError(connect.CodeInvalidArgument, errors.New("invalid request"))
	for _, m := range details {
		d, e := connect.NewErrorDetail(m)
		if e != nil {
			panic(e)
		}
		err.AddDetail(d)
	}
	return err
}

func violations(vs ...*validate.Violation) *validate.Violations {
	return &validate.Violations{Violations: vs}
}

func TestFieldViolations(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want map[string]string
	}{
		{name: "nil", err: nil, want: nil},
		{name: "not a connect error", err: errors.New("boom"), want: nil},
		{name: "no details", err: connect.NewError(connect.CodeInvalidArgument, errors.New("bad")), want: nil},
		{name: "other details only", err: invalid(structpb.NewStringValue("x")), want: nil},
		{name: "one field", err: invalid(violations(violation("value does not match regex pattern", field("session_id")))),
			want: map[string]string{"session_id": "value does not match regex pattern"}},
		{name: "server-side check (one element holding a dotted path)", err: invalid(violations(violation("must be https", field("nodes[1].url")))),
			want: map[string]string{"nodes[1].url": "must be https"}},
		{name: "nested with subscripts", err: invalid(violations(
			violation("value length must be at most 200 characters", field("draft"), field("nodes", 2), field("label")),
			violation("must be a string", field("data", "plan")),
			violation("bool key", field("m", true)),
			violation("int key", field("m", int64(-3))),
			violation("uint key", field("m", uint64(4))),
		)), want: map[string]string{
			"draft.nodes[2].label": "value length must be at most 200 characters",
			`data["plan"]`:         "must be a string",
			"m[true]":              "bool key",
			"m[-3]":                "int key",
			"m[4]":                 "uint key",
		}},
		{name: "message-level rule", err: invalid(violations(violation("exactly one field is required in oneof"))),
			want: map[string]string{"": "exactly one field is required in oneof"}},
		{name: "several on one field", err: invalid(violations(
			violation("too short", field("name")), violation("bad characters", field("name")),
		)), want: map[string]string{"name": "too short; bad characters"}},
		{name: "no message falls back to the rule id", err: invalid(violations(&validate.Violation{
			Field: &validate.FieldPath{Elements: []*validate.FieldPathElement{field("x")}}, RuleId: proto.String("string.min_len"),
		})), want: map[string]string{"x": "string.min_len"}},
		{name: "several details", err: invalid(violations(violation("a", field("a"))), violations(violation("b", field("b")))),
			want: map[string]string{"a": "a", "b": "b"}},
		{name: "wrapped", err: fmt.Errorf("trigger: %w", invalid(violations(violation("must be a string, number or boolean", field("variables"))))),
			want: map[string]string{"variables": "must be a string, number or boolean"}},
		{name: "other code", err: func() error {
			e := connect.NewError(connect.CodeNotFound, errors.New("no such persona"))
			d, _ := connect.NewErrorDetail(violations(violation("not found", field("persona_id"))))
			e.AddDetail(d)
			return e
		}(), want: map[string]string{"persona_id": "not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parley.FieldViolations(tc.err)
			if !maps.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("FieldViolations() = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// refusing answers SendMessage with an invalid_argument error naming two
// fields.
type refusing struct {
	sessionv1connect.UnimplementedSessionServiceHandler
}

func (*refusing) SendMessage(context.Context, *connect.Request[sessionv1.SendMessageRequest]) (*connect.Response[sessionv1.SendMessageResponse], error) {
	return nil, invalid(violations(
		violation("value does not match regex pattern", field("session_id")),
		violation("value length must be at least 1 characters", field("text")),
	))
}

// TestFieldViolationsAfterTheWire: the detail survives a real error
// response, with both protocols.
func TestFieldViolationsAfterTheWire(t *testing.T) {
	protocols(t, func(t *testing.T, opts ...parley.Option) {
		c, err := parley.NewClient(serve(t, &refusing{}), "tok", opts...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Sessions.SendMessage(t.Context(), connect.NewRequest(&sessionv1.SendMessageRequest{SessionId: "nope"}))
		want := map[string]string{
			"session_id": "value does not match regex pattern",
			"text":       "value length must be at least 1 characters",
		}
		if got := parley.FieldViolations(err); connect.CodeOf(err) != connect.CodeInvalidArgument || !maps.Equal(got, want) {
			t.Fatalf("SendMessage: %v; FieldViolations = %v", err, got)
		}
	})
}
