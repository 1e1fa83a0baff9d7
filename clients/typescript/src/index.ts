/**
 * `@parley/client`: the generated Parley services and messages, and the
 * helpers that do not depend on a transport. `createParleyClient` is in
 * `@parley/client/node` (connect-node) and `@parley/client/web`
 * (connect-web, fetch); both also export everything here.
 *
 * @module
 */

export { createParleyClientFromTransport, bearerToken } from "./client.js";
export type { ParleyClient, ParleyClientOptions } from "./client.js";
export { subscribe, Subscription, isRetryable } from "./subscribe.js";
export type { SessionsClient, SubscribeOptions } from "./subscribe.js";
export type { ReconnectOptions } from "./backoff.js";
export { variables, VariablesError } from "./variables.js";
export type { VariableValue, VariablesInit } from "./variables.js";
export { fieldViolations } from "./errors.js";
export { sdkVersion } from "./version.js";

// Errors of every call are ConnectErrors; re-exported so that callers need
// no direct dependency on @connectrpc/connect to inspect them.
export { Code, ConnectError } from "@connectrpc/connect";
export type { CallOptions, Client, Interceptor, Transport } from "@connectrpc/connect";
// The plain-JavaScript form of google.protobuf.Struct fields (variables, data).
export type { JsonObject, JsonValue } from "@bufbuild/protobuf";

// The raw validation detail, for callers who want more than fieldViolations.
export { ViolationsSchema, ViolationSchema, FieldPathSchema } from "./gen/buf/validate/validate_pb.js";
export type { Violations, Violation, FieldPath, FieldPathElement } from "./gen/buf/validate/validate_pb.js";

// The services and their messages and enums (protoc-gen-es output).
export * from "./gen/parley/workflow/v1/graph_pb.js";
export * from "./gen/parley/workflow/v1/workflow_pb.js";
export * from "./gen/parley/session/v1/session_pb.js";
export * from "./gen/parley/agent/v1/agent_pb.js";
// Two packages define an Operator: the session's is a team member, the
// workflow's a condition operator, exported as ConditionOperator.
export { type Operator, OperatorSchema } from "./gen/parley/session/v1/session_pb.js";
export { Operator as ConditionOperator, OperatorSchema as ConditionOperatorSchema } from "./gen/parley/workflow/v1/graph_pb.js";
