package session_test

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/session"
)

// TestEnumNamesRoundTrip checks the stored names of every value of the
// enums kept as text in the database.
func TestEnumNamesRoundTrip(t *testing.T) {
	check := func(zero protoreflect.Enum, parse func(string) protoreflect.Enum, want map[protoreflect.EnumNumber]string) {
		values := zero.Descriptor().Values()
		for i := range values.Len() {
			v := values.Get(i)
			name := session.EnumName(zero.Type().New(v.Number()))
			if w, ok := want[v.Number()]; ok && name != w {
				t.Errorf("%s: stored name %q, want %q", v.FullName(), name, w)
			}
			if back := parse(name); back.Number() != v.Number() {
				t.Errorf("%s: %q parses back to %v", v.FullName(), name, back)
			}
		}
		if parse("no such value").Number() != 0 {
			t.Errorf("%s: an unknown name does not parse to the zero value", zero.Descriptor().FullName())
		}
	}
	check(sessionv1.Channel_CHANNEL_UNSPECIFIED, func(s string) protoreflect.Enum { return session.ParseEnum(sessionv1.Channel_CHANNEL_UNSPECIFIED, s) },
		map[protoreflect.EnumNumber]string{0: "", 1: "webchat", 6: "api"})
	check(sessionv1.Status_STATUS_UNSPECIFIED, func(s string) protoreflect.Enum { return session.ParseEnum(sessionv1.Status_STATUS_UNSPECIFIED, s) },
		map[protoreflect.EnumNumber]string{1: "open", 2: "resolved"})
	check(sessionv1.Actor_ACTOR_UNSPECIFIED, func(s string) protoreflect.Enum { return session.ParseEnum(sessionv1.Actor_ACTOR_UNSPECIFIED, s) },
		map[protoreflect.EnumNumber]string{1: "visitor", 2: "operator", 3: "bot"})
	check(sessionv1.InputKind_INPUT_KIND_UNSPECIFIED, func(s string) protoreflect.Enum {
		return session.ParseEnum(sessionv1.InputKind_INPUT_KIND_UNSPECIFIED, s)
	},
		map[protoreflect.EnumNumber]string{2: "email"})
}
