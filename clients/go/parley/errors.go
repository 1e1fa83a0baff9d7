package parley

import (
	"errors"
	"strconv"
	"strings"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
)

// FieldViolations returns the fields a request was refused for, each with
// the reason, e.g. {"session_id": "value does not match regex pattern ..."}
// or {"variables": "variable 'meta' must be a string, number or boolean"}.
// It reads the buf.validate.Violations detail that the server attaches to
// invalid_argument errors (from request validation or from its own checks).
//
// Field paths are dotted, with subscripts for list items and map entries:
// "visitor.email", "draft.nodes[2].label", `data["plan"]`. A rule on a whole
// message is reported under "". When one field has several violations,
// their messages are joined with "; ". FieldViolations returns nil when err
// is nil, is not (and does not wrap) a *connect.Error, or names no field.
func FieldViolations(err error) map[string]string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	var out map[string]string
	for _, d := range ce.Details() {
		if d.Type() != "buf.validate.Violations" {
			continue
		}
		m, derr := d.Value()
		if derr != nil {
			continue
		}
		vs, ok := m.(*validate.Violations)
		if !ok {
			continue
		}
		for _, v := range vs.GetViolations() {
			if out == nil {
				out = make(map[string]string)
			}
			field := fieldPath(v.GetField())
			msg := v.GetMessage()
			if msg == "" {
				msg = v.GetRuleId()
			}
			if prev, ok := out[field]; ok {
				msg = prev + "; " + msg
			}
			out[field] = msg
		}
	}
	return out
}

// fieldPath formats a field path as protovalidate does.
func fieldPath(p *validate.FieldPath) string {
	var b strings.Builder
	for i, e := range p.GetElements() {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.GetFieldName())
		switch s := e.GetSubscript().(type) {
		case *validate.FieldPathElement_Index:
			b.WriteString("[" + strconv.FormatUint(s.Index, 10) + "]")
		case *validate.FieldPathElement_BoolKey:
			b.WriteString("[" + strconv.FormatBool(s.BoolKey) + "]")
		case *validate.FieldPathElement_IntKey:
			b.WriteString("[" + strconv.FormatInt(s.IntKey, 10) + "]")
		case *validate.FieldPathElement_UintKey:
			b.WriteString("[" + strconv.FormatUint(s.UintKey, 10) + "]")
		case *validate.FieldPathElement_StringKey:
			b.WriteString("[" + strconv.Quote(s.StringKey) + "]")
		}
	}
	return b.String()
}
