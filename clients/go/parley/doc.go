// Package parley is the Go client of the Parley API: typed clients for its
// three services, plus the few helpers that the generated code cannot give.
//
// # Connecting
//
// [NewClient] takes the server's base URL and an API token and returns a
// [Client] whose fields are the generated Connect clients:
//
//   - Client.Workflows: workflows, versions, runs, snippets
//     (parley.workflow.v1.WorkflowService);
//   - Client.Sessions: sessions, messages, custom data, event streams
//     (parley.session.v1.SessionService);
//   - Client.Agent: the AI agent, personas and the knowledge base
//     (parley.agent.v1.AgentService).
//
// Requests and responses are the generated protobuf messages of
// github.com/parleyhq/parley/gen/parley/{workflow,session,agent}/v1, wrapped
// in connect.Request and connect.Response as usual with Connect:
//
//	res, err := c.Sessions.GetSession(ctx, connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: id}))
//
// Every call carries "Authorization: Bearer <token>". The token may be empty
// for the one call a widget makes anonymously (CreateSession with a public
// key); a client built with the session token it returns then acts as that
// visitor on that session only.
//
// The client speaks the Connect protocol by default and gRPC with
// [WithGRPC]. For an http:// URL it uses cleartext HTTP/2 (h2c), which the
// Parley server accepts on its single port; for https:// it uses TLS and
// negotiates HTTP/2. [WithHTTPClient] replaces the transport entirely, e.g.
// to go through an HTTP/1.1-only proxy (Connect protocol only) or to use
// custom TLS settings.
//
// # Errors
//
// Failed calls return a *connect.Error: read its code with connect.CodeOf.
// The server maps its errors onto the standard codes (not_found,
// invalid_argument, permission_denied, unauthenticated, already_exists,
// aborted, failed_precondition, resource_exhausted). An invalid_argument
// error names the offending field; [FieldViolations] returns field → message.
//
// # Run variables
//
// Workflow run variables and session custom data are protobuf Structs whose
// values may only be strings, numbers or booleans. [Variables] builds one
// from a Go map and says which key is not allowed before anything is sent.
//
// # Event streams
//
// [Client.Subscribe] follows one session's event log. Unlike the raw
// SessionService.Subscribe stream it survives disconnections: it reconnects
// with capped exponential backoff, resumes after the last sequence it
// delivered, never delivers a sequence twice, and hides heartbeats. Read it
// with a range loop over [Subscription.Events].
package parley
