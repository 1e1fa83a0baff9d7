import type { JsonObject } from "@bufbuild/protobuf";

/** A value a run variable or a custom data entry can hold. */
export type VariableValue = string | number | boolean | bigint;

/** Variables as plain JavaScript: names to strings, numbers or booleans. */
export type VariablesInit = Readonly<Record<string, VariableValue>>;

/**
 * Thrown by {@link variables} for a value Parley cannot store; `key` names
 * the variable.
 */
export class VariablesError extends TypeError {
  /** The variable whose name or value was refused. */
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`parley: variable ${JSON.stringify(key)} ${reason}`);
    this.name = "VariablesError";
    this.key = key;
  }
}

/** 2^53: every integer up to it has an exact float64 (protobuf number). */
const maxExactInteger = 2n ** 53n;

/**
 * Converts a plain object into the `google.protobuf.Struct` that run
 * variables (`TriggerWorkflowRequest.variables`, `TestWorkflowRequest.variables`)
 * and initial custom data (`CreateSessionRequest.data`) are sent as.
 *
 * Values must be strings, booleans, finite numbers, or bigints within ±2^53
 * (sent as numbers; larger ones would lose digits: send them as strings).
 * Anything else (null, undefined, objects, arrays, dates, NaN, Infinity) and
 * strings or names with a lone UTF-16 surrogate (not valid UTF-8) throw a
 * {@link VariablesError} naming the key; with several bad keys, the first
 * in sorted order. The server refuses the same values with
 * `invalid_argument`; this check fails before the request is sent.
 *
 * `undefined` or `null` gives an empty object.
 */
export function variables(vars?: VariablesInit | null): JsonObject {
  const out: JsonObject = {};
  if (vars === undefined || vars === null) {
    return out;
  }
  if (!isPlainObject(vars)) {
    throw new TypeError(`parley: variables must be a plain object of names to values, not ${describe(vars)}`);
  }
  for (const key of Object.keys(vars).sort()) {
    if (hasLoneSurrogate(key)) {
      throw new VariablesError(key, "has a name that is not valid UTF-8 (a lone surrogate)");
    }
    defineEntry(out, key, scalar(key, vars[key]));
  }
  return out;
}

/** scalar checks and converts one value. */
function scalar(key: string, value: unknown): string | number | boolean {
  switch (typeof value) {
    case "string":
      if (hasLoneSurrogate(value)) {
        throw new VariablesError(key, "is not valid UTF-8 (a lone surrogate)");
      }
      return value;
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new VariablesError(key, `is ${value}; want a finite number`);
      }
      return value;
    case "bigint":
      if (value > maxExactInteger || value < -maxExactInteger) {
        throw new VariablesError(key, `is ${value}, which a protobuf number (float64) cannot hold exactly; send it as a string`);
      }
      return Number(value);
  }
  throw new VariablesError(key, `is ${describe(value)}; want a string, number or boolean`);
}

/** describe names a value's kind for an error message. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === "string" && name !== "Object" ? `an object (${name})` : "an object";
  }
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A UTF-16 surrogate without its pair has no UTF-8 encoding. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasLoneSurrogate(s: string): boolean {
  return loneSurrogate.test(s);
}

/**
 * defineEntry sets an own property, also for names such as "__proto__" that
 * plain assignment would treat specially.
 */
export function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
