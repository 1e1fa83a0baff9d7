package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/api/openapi"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// The JSON trigger endpoints of seeds 000 and 001, for backends:
//
//	POST /api/scenario/{workflow_id}/trigger/  -> WorkflowService.TriggerWorkflow
//	POST /api/agent/trigger/                   -> AgentService.TriggerAgent
//
// They are a thin edge over the RPCs: each request is decoded, turned into
// the RPC's request message and passed to the same handler method through
// the same interceptors (see interceptors.unary), so authentication,
// scopes, validation, logging and metrics are the RPC's own. Errors come
// back as JSON {"code", "message"} (and "field" when one field is at
// fault) with an HTTP status.

// restMaxBody bounds a trigger request's body.
const restMaxBody = 64 << 10

// restMaxIdempotencyKey bounds the Idempotency-Key header, as the RPC's
// idempotency_key field.
const restMaxIdempotencyKey = 200

type restEndpoints struct {
	rpc       *interceptors
	workflows *WorkflowHandler
	agent     *AgentHandler
	log       *slog.Logger
}

// registerREST adds e's JSON endpoints (with and without the trailing
// slash) and the OpenAPI document to mux.
func registerREST(mux *http.ServeMux, e *restEndpoints, publicURL string) {
	for _, p := range []string{"/api/scenario/{workflow_id}/trigger/{$}", "/api/scenario/{workflow_id}/trigger"} {
		mux.Handle(p, e.handle(e.triggerWorkflow))
	}
	for _, p := range []string{"/api/agent/trigger/{$}", "/api/agent/trigger"} {
		mux.Handle(p, e.handle(e.triggerAgent))
	}
	mux.Handle("GET /api/openapi.json", openAPIHandler(publicURL))
}

// openAPIHandler serves the endpoints' OpenAPI document with this server's
// public URL as its server.
func openAPIHandler(publicURL string) http.Handler {
	doc := openapi.Document
	if publicURL != "" {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			panic("openapi.json: " + err.Error())
		}
		m["servers"] = []map[string]string{{"url": publicURL}}
		var err error
		if doc, err = json.MarshalIndent(m, "", "  "); err != nil {
			panic("openapi.json: " + err.Error())
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(doc)
	})
}

// restError is a failed request: an HTTP status and the JSON body.
type restError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *restError) Error() string { return e.Message }

func badRequest(field, format string, args ...any) *restError {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &restError{status: http.StatusBadRequest, Code: connect.CodeInvalidArgument.String(), Message: msg, Field: field}
}

// restCall is one endpoint's work: the decoded body in, the response
// message out.
type restCall func(ctx context.Context, r *http.Request, body map[string]json.RawMessage) (proto.Message, error)

// handle checks the method, content type and size, decodes the JSON
// object, runs call and writes its response or error.
func (e *restEndpoints) handle(call restCall) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := e.serve(w, r, call)
		if err != nil {
			e.writeError(w, r, err)
			return
		}
		out, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(res)
		if err != nil {
			e.writeError(w, r, err)
			return
		}
		writeBody(w, http.StatusOK, out)
	})
}

func (e *restEndpoints) serve(w http.ResponseWriter, r *http.Request, call restCall) (proto.Message, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &restError{status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: fmt.Sprintf("method %s: this endpoint takes POST", r.Method)}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, &restError{status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: fmt.Sprintf("Content-Type %q: send the body as application/json", r.Header.Get("Content-Type"))}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, restMaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &restError{status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
			Message: fmt.Sprintf("the body is larger than %d bytes", restMaxBody)}
	}
	if err != nil {
		return nil, badRequest("", "reading the body: %v", err)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return nil, badRequest("", "the body must be a JSON object: %v", jsonProblem(err))
	}
	return call(r.Context(), r, body)
}

// jsonProblem says what is wrong with a body that is not a JSON object.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "got null"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		return "got a JSON " + typ.Value
	}
	return err.Error()
}

// fields decodes the body's fields into the given targets; a field that is
// not listed, or has the wrong JSON type, is an error naming it.
func fields(body map[string]json.RawMessage, targets map[string]any) error {
	for _, name := range slices.Sorted(maps.Keys(body)) { // the same error for the same body
		raw := body[name]
		target, ok := targets[name]
		if !ok {
			known := slices.Sorted(maps.Keys(targets))
			return badRequest(name, "unknown field (this endpoint takes %s)", strings.Join(known, ", "))
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return badRequest(name, "must be %s", describe(target))
		}
	}
	return nil
}

func describe(target any) string {
	switch target.(type) {
	case *string:
		return "a string"
	case *map[string]any:
		return "an object of strings, numbers and booleans"
	}
	return "of another type"
}

// triggerWorkflow is POST /api/scenario/{workflow_id}/trigger/.
func (e *restEndpoints) triggerWorkflow(ctx context.Context, r *http.Request, body map[string]json.RawMessage) (proto.Message, error) {
	id, err := workflow.DecodeWorkflowID(r.PathValue("workflow_id"))
	if err != nil {
		return nil, err
	}
	var (
		sessionID string
		variables map[string]any
	)
	if err := fields(body, map[string]any{"session_id": &sessionID, "variables": &variables}); err != nil {
		return nil, err
	}
	if err := requireField("session_id", sessionID); err != nil {
		return nil, err
	}
	vars, err := variablesStruct(variables)
	if err != nil {
		return nil, err
	}
	key := r.Header.Get("Idempotency-Key")
	if utf8.RuneCountInString(key) > restMaxIdempotencyKey {
		return nil, badRequest("Idempotency-Key", "must be at most %d characters", restMaxIdempotencyKey)
	}
	return callUnary(ctx, e.rpc, workflowv1connect.WorkflowServiceTriggerWorkflowProcedure, r.Header, &workflowv1.TriggerWorkflowRequest{
		WorkflowId: id, SessionId: sessionID, Variables: vars, IdempotencyKey: key,
	}, e.workflows.TriggerWorkflow)
}

// triggerAgent is POST /api/agent/trigger/.
func (e *restEndpoints) triggerAgent(ctx context.Context, r *http.Request, body map[string]json.RawMessage) (proto.Message, error) {
	var sessionID, instruction, personaID string
	if err := fields(body, map[string]any{"session_id": &sessionID, "instruction": &instruction, "persona_id": &personaID}); err != nil {
		return nil, err
	}
	if err := requireField("session_id", sessionID); err != nil {
		return nil, err
	}
	return callUnary(ctx, e.rpc, agentv1connect.AgentServiceTriggerAgentProcedure, r.Header,
		&agentv1.TriggerAgentRequest{SessionId: sessionID, Instruction: instruction, PersonaId: personaID}, e.agent.TriggerAgent)
}

func requireField(name, v string) error {
	if v == "" {
		return badRequest(name, "required")
	}
	return nil
}

// variablesStruct converts the variables object; the RPC's validation
// refuses values that are not strings, numbers or booleans, naming the key.
func variablesStruct(vars map[string]any) (*structpb.Struct, error) {
	if len(vars) == 0 {
		return nil, nil
	}
	s, err := structpb.NewStruct(vars)
	if err != nil {
		return nil, badRequest("variables", "%v", err)
	}
	return s, nil
}

// restStatuses maps Connect codes to the HTTP statuses of the JSON
// endpoints. It differs from Connect's own mapping where HTTP has a more
// precise status: a precondition (workflow not published) is 412, a
// conflict (idempotency key reused) 409.
var restStatuses = map[connect.Code]int{
	connect.CodeCanceled:           499,
	connect.CodeInvalidArgument:    http.StatusBadRequest,
	connect.CodeDeadlineExceeded:   http.StatusGatewayTimeout,
	connect.CodeNotFound:           http.StatusNotFound,
	connect.CodeAlreadyExists:      http.StatusConflict,
	connect.CodePermissionDenied:   http.StatusForbidden,
	connect.CodeResourceExhausted:  http.StatusTooManyRequests,
	connect.CodeFailedPrecondition: http.StatusPreconditionFailed,
	connect.CodeAborted:            http.StatusConflict,
	connect.CodeOutOfRange:         http.StatusBadRequest,
	connect.CodeUnimplemented:      http.StatusNotImplemented,
	connect.CodeInternal:           http.StatusInternalServerError,
	connect.CodeUnavailable:        http.StatusServiceUnavailable,
	connect.CodeDataLoss:           http.StatusInternalServerError,
	connect.CodeUnauthenticated:    http.StatusUnauthorized,
}

// asRESTError turns an error from decoding or from the RPC into the error
// the caller sees.
func asRESTError(err error) *restError {
	var re *restError
	if errors.As(err, &re) {
		return re
	}
	ce := connectErrorOf(err)
	status, ok := restStatuses[ce.Code()]
	if !ok {
		status = http.StatusInternalServerError
	}
	out := &restError{status: status, Code: ce.Code().String(), Message: ce.Message()}
	if v := violationsOf(ce); len(v) > 0 {
		msgs := make([]string, len(v))
		for i, viol := range v {
			msgs[i] = fieldPath(viol) + ": " + viol.GetMessage()
		}
		out.Message, out.Field = strings.Join(msgs, "; "), fieldPath(v[0])
	}
	if header, ok := restHeaderFields[out.Field]; ok {
		out.Message = header + strings.TrimPrefix(out.Message, out.Field)
		out.Field = header
	}
	return out
}

// restHeaderFields are RPC fields the JSON endpoints take as headers, so
// errors name what the caller sent.
var restHeaderFields = map[string]string{"idempotency_key": "Idempotency-Key"}

// connectErrorOf is err as a Connect error; a domain error from this edge
// (a malformed workflow id) is converted as handlers' errors are.
func connectErrorOf(err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	converted := toConnectError(context.Background(), slog.New(slog.DiscardHandler), "rest", err)
	errors.As(converted, &ce)
	return ce
}

func violationsOf(ce *connect.Error) []*validate.Violation {
	for _, d := range ce.Details() {
		if m, err := d.Value(); err == nil {
			if v, ok := m.(*validate.Violations); ok {
				return v.GetViolations()
			}
		}
	}
	return nil
}

func fieldPath(v *validate.Violation) string {
	parts := make([]string, 0, len(v.GetField().GetElements()))
	for _, el := range v.GetField().GetElements() {
		part := el.GetFieldName()
		if k, ok := el.GetSubscript().(*validate.FieldPathElement_StringKey); ok {
			part += "." + k.StringKey
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ".")
}

func (e *restEndpoints) writeError(w http.ResponseWriter, r *http.Request, err error) {
	re := asRESTError(err)
	if re.status >= 500 {
		e.log.ErrorContext(r.Context(), "trigger endpoint failed", "path", r.URL.Path, "error", err)
	}
	if re.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
	}
	writeJSON(w, re.status, re)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal","message":"internal error"}`)
	}
	writeBody(w, status, b)
}

// writeBody writes b, which is JSON, and a newline.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
