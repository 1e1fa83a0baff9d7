package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller. The api package maps each kind to
// one transport code; an error without a kind is internal.
type Kind int

const (
	// KindInternal is the zero value: a bug or an outage, never the caller's fault.
	KindInternal Kind = iota
	KindNotFound
	KindInvalid
	KindConflict
	KindAborted
	KindPermissionDenied
	KindUnauthenticated
	KindFailedPrecondition
	KindResourceExhausted
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not_found"
	case KindInvalid:
		return "invalid"
	case KindConflict:
		return "conflict"
	case KindAborted:
		return "aborted"
	case KindPermissionDenied:
		return "permission_denied"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindFailedPrecondition:
		return "failed_precondition"
	case KindResourceExhausted:
		return "resource_exhausted"
	default:
		return "internal"
	}
}

// Error is an error the caller can act on. Message is shown to the caller as
// is, so it must not contain secrets or internal details.
type Error struct {
	Kind    Kind
	Message string
	// Field names the request field at fault, for KindInvalid.
	Field string
	// Details carries structured information for the caller, e.g. the list
	// of validation problems behind a refused publish. The api package
	// attaches it to the transport error when it is a proto message.
	Details any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error naming the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a KindNotFound error for a resource, e.g.
// NotFound("workflow", id).
func NotFound(resource, id string) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf("%s %s not found", resource, id)}
}

// KindOf returns the kind of the first *Error in err's chain, and
// KindInternal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
