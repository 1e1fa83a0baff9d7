// The SDK's own logic, without a server: variables, fieldViolations, the
// reconnect backoff, and Subscription against an in-memory SessionService
// (createRouterTransport) that fails, repeats and stalls on purpose.
// server/internal/app's TestTypeScriptSDKScenario runs it (and the installed
// package against the real server).
import test from "node:test";
import assert from "node:assert/strict";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { createRouterTransport, type HandlerContext } from "@connectrpc/connect";

import {
  Code,
  ConnectError,
  createParleyClientFromTransport,
  fieldViolations,
  isRetryable,
  SessionService,
  subscribe,
  variables,
  VariablesError,
  ViolationsSchema,
  type ParleyClient,
  type SessionEvent,
  type SubscribeRequest,
  type SubscribeResponseSchema,
  type Subscription,
} from "../src/index.js";
import { createParleyClient as createWebClient } from "../src/web.js";
import { reconnectDelay, reconnectSettings } from "../src/backoff.js";
import type { FieldPathElementSchema, ViolationSchema } from "../src/gen/buf/validate/validate_pb.js";

const isCode = (code: Code) => (err: unknown) => err instanceof ConnectError && err.code === code;

test("variables converts strings, numbers, booleans and exact bigints", {}, () => {
  assert.deepEqual(variables({ plan: "pro", order_id: 12345, ratio: 0.5, vip: true, big: 2n ** 53n, neg: -(2n ** 53n) }), {
    big: 9007199254740992,
    neg: -9007199254740992,
    order_id: 12345,
    plan: "pro",
    ratio: 0.5,
    vip: true,
  });
  assert.deepEqual(variables(undefined), {});
  assert.deepEqual(variables(null), {});
  const special = variables(JSON.parse('{"__proto__": "kept"}') as Record<string, string>);
  assert.ok(Object.hasOwn(special, "__proto__"), "a variable named __proto__ was lost");
  assert.equal(Object.getPrototypeOf(special), Object.prototype);
});

test("variables refuses what Parley cannot store, naming the key", {}, () => {
  const refuses = (vars: Record<string, unknown>, key: string, reason: RegExp) =>
    assert.throws(
      () => variables(vars as Record<string, string>),
      (err) => err instanceof VariablesError && err instanceof TypeError && err.key === key && reason.test(err.message),
      `${JSON.stringify(Object.keys(vars))}: want key ${key}`,
    );
  refuses({ plan: "pro", meta: { a: 1 } }, "meta", /"meta" is an object; want a string, number or boolean/);
  refuses({ tags: ["a"] }, "tags", /an array/);
  refuses({ when: new Date(0) }, "when", /an object \(Date\)/);
  refuses({ none: null }, "none", /is null/);
  refuses({ missing: undefined }, "missing", /is undefined/);
  refuses({ n: NaN }, "n", /finite/);
  refuses({ n: Infinity }, "n", /finite/);
  refuses({ id: 2n ** 53n + 1n }, "id", /send it as a string/);
  refuses({ text: "\uD800" }, "text", /UTF-8/);
  refuses({ "bad\uDC00": "x" }, "bad\uDC00", /name/);
  // Several bad keys: the first in sorted order.
  refuses({ zeta: {}, alpha: [], mid: "ok" }, "alpha", /array/);
  assert.throws(() => variables(new Map([["a", "b"]]) as unknown as Record<string, string>), (err) => err instanceof TypeError);
});

type ViolationInit = MessageInitShape<typeof ViolationSchema>;
type ElementInit = MessageInitShape<typeof FieldPathElementSchema>;
const path = (...elements: ElementInit[]): ViolationInit["field"] => ({ elements });

/** violationsError is an invalid_argument error as it arrives off the wire. */
function violationsError(violations: ViolationInit[]): ConnectError {
  const err = new ConnectError("invalid request", Code.InvalidArgument);
  err.details.push({ type: "buf.validate.Violations", value: toBinary(ViolationsSchema, create(ViolationsSchema, { violations })) });
  return err;
}

test("fieldViolations reads the buf.validate.Violations detail", {}, () => {
  const err = violationsError([
    { field: path({ fieldName: "session_id" }), message: "value does not match regex pattern" },
    { field: path({ fieldName: "variables" }), message: "variable 'meta' must be a string, number or boolean" },
    {
      field: path({ fieldName: "draft" }, { fieldName: "nodes", subscript: { case: "index", value: 2n } }, { fieldName: "label" }),
      message: "too long",
    },
    { field: path({ fieldName: "data", subscript: { case: "stringKey", value: "plan" } }), message: "", ruleId: "data.scalar" },
    { field: path({ fieldName: "session_id" }), message: "second problem" },
    { message: "one of the targets is required" },
  ]);
  assert.deepEqual(fieldViolations(err), {
    session_id: "value does not match regex pattern; second problem",
    variables: "variable 'meta' must be a string, number or boolean",
    "draft.nodes[2].label": "too long",
    'data["plan"]': "data.scalar",
    "": "one of the targets is required",
  });
  // Through a cause, as a wrapping error carries it.
  assert.equal(fieldViolations(new Error("trigger failed", { cause: err }))["variables"], "variable 'meta' must be a string, number or boolean");
  assert.deepEqual(fieldViolations(new ConnectError("denied", Code.PermissionDenied)), {});
  assert.deepEqual(fieldViolations(new Error("not a connect error")), {});
  assert.deepEqual(fieldViolations(undefined), {});
});

test("reconnectDelay doubles from the initial wait up to the cap, minus up to half", {}, () => {
  const settings = reconnectSettings({ initialBackoffMs: 250, maxBackoffMs: 15_000 });
  const noJitter = () => 0;
  const fullJitter = () => 0.999999;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 50].map((f) => reconnectDelay(f, settings, noJitter)),
    [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000],
  );
  assert.deepEqual([0, 6].map((f) => reconnectDelay(f, settings, fullJitter)), [125, 7500]);
  assert.throws(() => reconnectSettings({ initialBackoffMs: 0 }), (err) => err instanceof RangeError);
  assert.equal(reconnectSettings({ idleTimeoutMs: 0 }).idleTimeoutMs, Infinity);
  assert.equal(reconnectSettings({ initialBackoffMs: 100, maxBackoffMs: 10 }).maxBackoffMs, 100);
});

test("isRetryable: only codes retrying cannot fix stop a subscription", {}, () => {
  for (const code of [Code.Unauthenticated, Code.PermissionDenied, Code.NotFound, Code.InvalidArgument, Code.Unimplemented]) {
    assert.equal(isRetryable(new ConnectError("x", code)), false, Code[code]);
  }
  for (const code of [Code.Unavailable, Code.Internal, Code.Unknown, Code.DeadlineExceeded, Code.Canceled, Code.ResourceExhausted, Code.Aborted]) {
    assert.equal(isRetryable(new ConnectError("x", code)), true, Code[code]);
  }
});

const sessionId = "session_00000000-0000-4000-8000-000000000001";
type Item = MessageInitShape<typeof SubscribeResponseSchema>;
const event = (sequence: number): Item => ({ item: { case: "event", value: { sessionId, sequence: BigInt(sequence) } } });
const heartbeat = (last: number): Item => ({ item: { case: "heartbeat", value: { lastSequence: BigInt(last) } } });

/** One Subscribe call of the fake server: what it streams. */
type Attempt = (ctx: HandlerContext) => AsyncIterable<Item>;

/** untilAborted streams nothing until the client goes away. */
const untilAborted: Attempt = async function* (ctx) {
  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
};

/**
 * fakeServer answers each Subscribe with the next attempt (then with
 * untilAborted) and records the after_sequence of every request.
 */
function fakeServer(attempts: Attempt[]): { client: ParleyClient; requests: bigint[] } {
  const requests: bigint[] = [];
  const transport = createRouterTransport((router) =>
    router.service(SessionService, {
      subscribe(req: SubscribeRequest, ctx: HandlerContext) {
        requests.push(req.afterSequence);
        assert.equal(req.sessionId, sessionId);
        return (attempts.shift() ?? untilAborted)(ctx);
      },
    }),
  );
  return { client: createParleyClientFromTransport(transport, { initialBackoffMs: 1, maxBackoffMs: 5 }), requests };
}

/** readAll collects a subscription's sequences until its loop throws. */
async function readAll(sub: Subscription, seen: bigint[] = []): Promise<{ seen: bigint[]; error: unknown }> {
  try {
    for await (const ev of sub) {
      seen.push(ev.sequence);
    }
  } catch (error) {
    return { seen, error };
  }
  assert.fail("the subscription loop ended without an error");
}

test("subscribe resumes after the last sequence, never repeats one, and stops on a permanent code", { timeout: 10_000 }, async () => {
  const deltas: string[] = [];
  const { client, requests } = fakeServer([
    async function* () {
      yield heartbeat(2);
      yield event(1);
      yield event(2);
      throw new ConnectError("connection reset", Code.Unavailable);
    },
    async function* () {
      // A server may repeat what the client already has: it is skipped.
      yield event(1);
      yield event(2);
      yield { item: { case: "delta", value: { streamId: "s1", index: 0, text: "Hel" } } };
      yield event(3);
      // ends normally, as on a server shutdown: reopened
    },
    async function* () {
      yield event(5); // sequences may skip numbers the credential cannot see
      throw new ConnectError("network", Code.Internal);
    },
    async function* () {
      throw new ConnectError("token revoked", Code.PermissionDenied);
    },
  ]);
  const sub = client.subscribe(sessionId, { onDelta: (d) => deltas.push(d.text) });
  const { seen, error } = await readAll(sub);
  assert.deepEqual(seen, [1n, 2n, 3n, 5n]);
  assert.deepEqual(requests, [0n, 2n, 3n, 5n], "after_sequence of each reconnection");
  assert.deepEqual(deltas, ["Hel"]);
  assert.ok(isCode(Code.PermissionDenied)(error), `stopped with ${String(error)}`);
  assert.equal(sub.error, error);
  assert.equal(sub.lastSequence, 5n);
  // A stopped subscription throws its error again, without a new request.
  await assert.rejects(() => readAll(sub).then((r) => Promise.reject(r.error)), (err) => err === error);
  assert.equal(requests.length, 4);
});

test("each permanent code stops the subscription at once", { timeout: 10_000 }, async () => {
  for (const code of [Code.Unauthenticated, Code.NotFound, Code.InvalidArgument, Code.Unimplemented]) {
    const { client, requests } = fakeServer([
      async function* () {
        throw new ConnectError("refused", code);
      },
    ]);
    // subscribe() on a sessions client is what ParleyClient.subscribe does.
    const { seen, error } = await readAll(subscribe(client.sessions, sessionId, { afterSequence: 7 }));
    assert.deepEqual(seen, []);
    assert.ok(isCode(code)(error), `${Code[code]}: stopped with ${String(error)}`);
    assert.deepEqual(requests, [7n]);
  }
});

test("breaking out of the loop closes the stream and keeps the position", { timeout: 10_000 }, async () => {
  let closed = false;
  const { client, requests } = fakeServer([
    async function* (ctx) {
      ctx.signal.addEventListener("abort", () => (closed = true));
      yield event(1);
      yield event(2);
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    },
    async function* (ctx) {
      yield event(2);
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    },
  ]);
  const sub = client.subscribe(sessionId);
  const first: SessionEvent[] = [];
  for await (const ev of sub) {
    first.push(ev);
    break;
  }
  assert.deepEqual(first.map((e) => e.sequence), [1n]);
  assert.equal(sub.error, undefined);
  for await (const ev of sub) {
    assert.equal(ev.sequence, 2n, "the next loop continues after the last event delivered");
    break;
  }
  assert.ok(closed, "breaking out did not close the first stream");
  assert.deepEqual(requests, [0n, 1n]);
});

test("the signal stops a subscription for good with Canceled", { timeout: 10_000 }, async () => {
  const { client, requests } = fakeServer([
    async function* (ctx) {
      yield event(1);
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    },
  ]);
  const abort = new AbortController();
  const sub = client.subscribe(sessionId, { signal: abort.signal });
  const seen: bigint[] = [];
  let error: unknown;
  try {
    for await (const ev of sub) {
      seen.push(ev.sequence);
      abort.abort(); // e.g. the user closed the page
    }
  } catch (err) {
    error = err;
  }
  assert.deepEqual(seen, [1n]);
  assert.ok(isCode(Code.Canceled)(error), `stopped with ${String(error)}`);
  assert.equal(sub.error, error);
  const again = await readAll(sub);
  assert.equal(again.error, error);
  assert.deepEqual(requests, [0n], "an aborted subscription reconnected");
});

test("a stream that delivers nothing for the idle timeout is reopened", { timeout: 10_000 }, async () => {
  const { client, requests } = fakeServer([
    untilAborted, // silent: no heartbeat, no event
    async function* () {
      yield event(1);
    },
  ]);
  for await (const ev of client.subscribe(sessionId, { idleTimeoutMs: 50 })) {
    assert.equal(ev.sequence, 1n);
    break;
  }
  assert.deepEqual(requests, [0n, 0n]);
});

test("createParleyClient sends the token over any interceptor's and calls baseUrl's path", { timeout: 10_000 }, async () => {
  const calls: { url: string; authorization: string | null; trace: string | null }[] = [];
  const fakeFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    calls.push({ url: String(input), authorization: headers.get("Authorization"), trace: headers.get("X-Trace") });
    return new Response(JSON.stringify({ session: { id: sessionId } }), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const parley = createWebClient({
    baseUrl: "https://parley.example.com/prefix/",
    token: "secret",
    fetch: fakeFetch,
    interceptors: [
      (next) => (req) => {
        req.header.set("Authorization", "Bearer from-interceptor");
        req.header.set("X-Trace", "t1");
        return next(req);
      },
    ],
  });
  const res = await parley.sessions.getSession({ sessionId });
  assert.equal(res.session?.id, sessionId);
  assert.deepEqual(calls, [
    { url: "https://parley.example.com/prefix/parley.session.v1.SessionService/GetSession", authorization: "Bearer secret", trace: "t1" },
  ]);
  for (const bad of ["ftp://parley.example.com", "https://parley.example.com/?x=1", "https://parley.example.com/#top", "localhost:8080"]) {
    assert.throws(() => createWebClient({ baseUrl: bad }), (err) => err instanceof TypeError, bad);
  }
  assert.throws(() => createWebClient({ baseUrl: "http://localhost", token: "a\nb" }), (err) => err instanceof TypeError);
});
