package parley

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"
)

// maxExactInteger is the largest integer every smaller one of which a
// float64 (the only number type of a protobuf Struct) holds exactly: 2^53.
const maxExactInteger = 1 << 53

// Variables converts vars into the Struct that run variables
// (TriggerWorkflowRequest.Variables, RunWorkflowRequest.Variables) and
// initial custom data (CreateSessionRequest.Data) are sent as.
//
// Values must be strings, booleans or numbers: any Go integer or float
// type, including named types such as `type Plan string`. Everything else
// (nil, maps, slices, structs, time.Time...) is refused with an error naming
// the key, as are strings that are not valid UTF-8, NaN and infinities, and
// integers beyond ±2^53, which a protobuf number (a float64) cannot hold
// exactly: send those as strings. When several keys are wrong, the error
// names the first in sorted order.
//
// A nil or empty map gives an empty Struct.
func Variables(vars map[string]any) (*structpb.Struct, error) {
	out := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(vars))}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("parley: variable name %q is not valid UTF-8", k)
		}
		v, err := scalar(vars[k])
		if err != nil {
			return nil, fmt.Errorf("parley: variable %q: %w", k, err)
		}
		out.Fields[k] = v
	}
	return out, nil
}

// scalar converts one string, number or boolean.
func scalar(x any) (*structpb.Value, error) {
	if x == nil {
		return nil, fmt.Errorf("is nil; want a string, number or boolean")
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("is not valid UTF-8")
		}
		return structpb.NewStringValue(s), nil
	case reflect.Bool:
		return structpb.NewBoolValue(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := rv.Int()
		if n > maxExactInteger || n < -maxExactInteger {
			return nil, fmt.Errorf("%d does not fit a protobuf number (float64) exactly; send it as a string", n)
		}
		return structpb.NewNumberValue(float64(n)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := rv.Uint()
		if n > maxExactInteger {
			return nil, fmt.Errorf("%d does not fit a protobuf number (float64) exactly; send it as a string", n)
		}
		return structpb.NewNumberValue(float64(n)), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a finite number", f)
		}
		if rv.Kind() == reflect.Float32 {
			// The float64 nearest the float32's shortest decimal form, so
			// that float32(0.1) renders as 0.1, not 0.10000000149011612.
			f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64)
		}
		return structpb.NewNumberValue(f), nil
	}
	return nil, fmt.Errorf("is a %T; want a string, number or boolean", x)
}
