package outbound

import "fmt"

// ErrorKind classifies a failed call.
type ErrorKind int

const (
	KindInvalid  ErrorKind = iota + 1 // bad URL/method/header: will never work, do not retry
	KindRefused                       // the guard refused the target: do not retry
	KindNetwork                       // DNS failure, connection refused/reset, TLS error: retry
	KindTimeout                       // the call took longer than Limits.Timeout: retry
	KindTooLarge                      // the response body passed MaxBodyBytes: do not retry
)

// Error is the error returned for every failed call.
//
// Message is a complete sentence meant for the person who built the
// workflow; it names the host but never the full URL, whose query string
// may hold secrets. Err is the underlying cause, kept for errors.Is/As and
// logs; it may be nil.
type Error struct {
	Kind    ErrorKind
	Message string
	Err     error
}

// Error returns Message, or the cause's text when Message is empty.
func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func invalidf(format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Message: fmt.Sprintf(format, args...)}
}
