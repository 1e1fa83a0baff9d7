package parley_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/parleyhq/parley/clients/go/parley"
)

type plan string
type orderID uint32

func TestVariables(t *testing.T) {
	num := structpb.NewNumberValue
	for _, tc := range []struct {
		name string
		in   map[string]any
		want map[string]*structpb.Value // when valid
		err  string                     // when not: a substring of the error
	}{
		{name: "nil map", in: nil, want: map[string]*structpb.Value{}},
		{name: "strings and booleans", in: map[string]any{"plan": "pro", "vip": true, "trial": false, "empty": ""},
			want: map[string]*structpb.Value{"plan": structpb.NewStringValue("pro"), "vip": structpb.NewBoolValue(true),
				"trial": structpb.NewBoolValue(false), "empty": structpb.NewStringValue("")}},
		{name: "every integer kind", in: map[string]any{
			"int": 12345, "int8": int8(-8), "int16": int16(16), "int32": int32(-32), "int64": int64(64),
			"uint": uint(1), "uint8": uint8(8), "uint16": uint16(16), "uint32": uint32(32), "uint64": uint64(64),
		}, want: map[string]*structpb.Value{
			"int": num(12345), "int8": num(-8), "int16": num(16), "int32": num(-32), "int64": num(64),
			"uint": num(1), "uint8": num(8), "uint16": num(16), "uint32": num(32), "uint64": num(64),
		}},
		{name: "floats", in: map[string]any{"f64": 19.99, "f32": float32(0.1), "neg": -0.5},
			want: map[string]*structpb.Value{"f64": num(19.99), "f32": num(0.1), "neg": num(-0.5)}},
		{name: "named types", in: map[string]any{"plan": plan("pro"), "order_id": orderID(7)},
			want: map[string]*structpb.Value{"plan": structpb.NewStringValue("pro"), "order_id": num(7)}},
		{name: "largest exact integers", in: map[string]any{"max": int64(1 << 53), "min": int64(-1 << 53), "umax": uint64(1 << 53)},
			want: map[string]*structpb.Value{"max": num(1 << 53), "min": num(-1 << 53), "umax": num(1 << 53)}},

		{name: "nil value", in: map[string]any{"plan": "pro", "coupon": nil}, err: `variable "coupon": is nil`},
		{name: "nested map", in: map[string]any{"meta": map[string]any{"a": 1}}, err: `variable "meta": is a map[string]interface {}`},
		{name: "slice", in: map[string]any{"tags": []string{"a"}}, err: `variable "tags": is a []string`},
		{name: "struct", in: map[string]any{"when": time.Unix(0, 0)}, err: `variable "when": is a time.Time`},
		{name: "pointer", in: map[string]any{"p": new(string)}, err: `variable "p": is a *string`},
		{name: "structpb value", in: map[string]any{"v": structpb.NewStringValue("x")}, err: `variable "v": is a *structpb.Value`},
		{name: "NaN", in: map[string]any{"score": math.NaN()}, err: `variable "score": NaN is not a finite number`},
		{name: "infinity", in: map[string]any{"score": math.Inf(-1)}, err: `variable "score": -Inf is not a finite number`},
		{name: "integer too large", in: map[string]any{"order_id": int64(1<<53 + 1)}, err: `variable "order_id": 9007199254740993 does not fit`},
		{name: "integer too small", in: map[string]any{"n": int64(-1<<53 - 1)}, err: `variable "n": -9007199254740993 does not fit`},
		{name: "uint64 too large", in: map[string]any{"n": uint64(math.MaxUint64)}, err: `variable "n": 18446744073709551615 does not fit`},
		{name: "invalid UTF-8 value", in: map[string]any{"name": "caf\xe9"}, err: `variable "name": is not valid UTF-8`},
		{name: "invalid UTF-8 key", in: map[string]any{"caf\xe9": "x"}, err: `variable name "caf\xe9" is not valid UTF-8`},
		{name: "first bad key in sorted order", in: map[string]any{"b": []int{}, "a": "ok", "c": nil}, err: `variable "b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parley.Variables(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || got != nil {
					t.Fatalf("Variables() = %v, %v; want an error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Variables(): %v", err)
			}
			if want := (&structpb.Struct{Fields: tc.want}); !proto.Equal(got, want) {
				t.Fatalf("Variables() = %v, want %v", got, want)
			}
			if _, err := proto.Marshal(got); err != nil {
				t.Fatalf("the Struct does not marshal: %v", err)
			}
		})
	}
}
