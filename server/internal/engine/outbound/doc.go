// Package outbound makes the HTTP calls that workflow steps send to
// partners' endpoints (the "fetch API" and "send webhook" nodes).
//
// Every connection a Client opens is checked by a Guard at dial time, after
// DNS resolution, so a workflow cannot reach loopback, private or cloud
// metadata addresses unless the operator allows them (SSRF protection).
// Calls are bounded by Limits, and every failure is an *Error whose Kind
// tells the engine whether retrying can help (Retryable, Backoff).
//
// The package also signs webhook bodies (Signature, Verify) and reads values
// out of decoded JSON responses (Lookup).
package outbound
