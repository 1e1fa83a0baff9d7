import { ConnectError } from "@connectrpc/connect";

import { ViolationsSchema, type FieldPath } from "./gen/buf/validate/validate_pb.js";
import { defineEntry } from "./variables.js";

/** How many `cause` links {@link fieldViolations} follows to a ConnectError. */
const maxCauseDepth = 8;

/**
 * Returns the fields a request was refused for, each with the reason, e.g.
 * `{ session_id: "value does not match regex pattern ..." }` or
 * `{ variables: "variable 'meta' must be a string, number or boolean" }`. It
 * reads the `buf.validate.Violations` detail that the server attaches to
 * `invalid_argument` errors (from request validation or its own checks).
 *
 * Field paths are dotted, with subscripts for list items and map entries:
 * `"visitor.email"`, `"draft.nodes[2].label"`, `'data["plan"]'`. A rule on a
 * whole message is reported under `""`. When one field has several
 * violations, their messages are joined with `"; "`.
 *
 * `err` is what a call threw: a `ConnectError`, or an error whose `cause`
 * (or its cause...) is one. For anything else, or an error that names no
 * field, the result is an empty object.
 */
export function fieldViolations(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const connectErr = findConnectError(err);
  if (connectErr === undefined) {
    return out;
  }
  for (const detail of connectErr.findDetails(ViolationsSchema)) {
    for (const violation of detail.violations) {
      const field = formatFieldPath(violation.field);
      const message = violation.message || violation.ruleId;
      const previous = Object.hasOwn(out, field) ? out[field] : undefined;
      defineEntry(out, field, previous === undefined ? message : `${previous}; ${message}`);
    }
  }
  return out;
}

/** findConnectError returns err, or the first ConnectError among its causes. */
function findConnectError(err: unknown): ConnectError | undefined {
  let current = err;
  for (let depth = 0; depth <= maxCauseDepth && current !== undefined && current !== null; depth++) {
    if (current instanceof ConnectError) {
      return current;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** formatFieldPath writes a protovalidate field path as protovalidate does. */
export function formatFieldPath(path: FieldPath | undefined): string {
  const parts: string[] = [];
  for (const element of path?.elements ?? []) {
    const subscript = element.subscript;
    switch (subscript.case) {
      case "index":
      case "intKey":
      case "uintKey":
      case "boolKey":
        parts.push(`${element.fieldName}[${String(subscript.value)}]`);
        break;
      case "stringKey":
        parts.push(`${element.fieldName}[${JSON.stringify(subscript.value)}]`);
        break;
      default:
        parts.push(element.fieldName);
    }
  }
  return parts.join(".");
}
