package api

import (
	"context"
	"errors"
	"log/slog"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/parleyhq/parley/server/internal/domain"
)

// connectCodes is the one mapping from domain error kinds to Connect codes.
var connectCodes = map[domain.Kind]connect.Code{
	domain.KindNotFound:           connect.CodeNotFound,
	domain.KindInvalid:            connect.CodeInvalidArgument,
	domain.KindConflict:           connect.CodeAlreadyExists,
	domain.KindAborted:            connect.CodeAborted,
	domain.KindPermissionDenied:   connect.CodePermissionDenied,
	domain.KindUnauthenticated:    connect.CodeUnauthenticated,
	domain.KindFailedPrecondition: connect.CodeFailedPrecondition,
	domain.KindResourceExhausted:  connect.CodeResourceExhausted,
}

// toConnectError converts an error returned by a handler into the error the
// caller sees. Domain errors keep their message; Connect errors (from the
// validate interceptor or the framework) pass through; anything else is
// logged here, once, and becomes a generic internal error.
func toConnectError(ctx context.Context, log *slog.Logger, procedure string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	var de *domain.Error
	if errors.As(err, &de) {
		if code, ok := connectCodes[de.Kind]; ok {
			out := connect.NewError(code, errors.New(de.Error()))
			attachDetails(out, de)
			return out
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, errors.New("request cancelled"))
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("request timed out"))
	}
	log.ErrorContext(ctx, "internal error", "procedure", procedure, "error", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error"))
}

// attachDetails adds machine-readable details: a protovalidate Violations
// naming the field for invalid-argument errors (the same shape the validate
// interceptor uses, so clients handle one form), and any proto Details.
func attachDetails(ce *connect.Error, de *domain.Error) {
	if de.Field != "" {
		v := &validate.Violations{Violations: []*validate.Violation{{
			Field:   &validate.FieldPath{Elements: []*validate.FieldPathElement{{FieldName: proto.String(de.Field)}}},
			RuleId:  proto.String("parley." + de.Kind.String()),
			Message: proto.String(de.Message),
		}}}
		if d, err := connect.NewErrorDetail(v); err == nil {
			ce.AddDetail(d)
		}
	}
	if m, ok := de.Details.(proto.Message); ok {
		if d, err := connect.NewErrorDetail(m); err == nil {
			ce.AddDetail(d)
		}
	}
}
