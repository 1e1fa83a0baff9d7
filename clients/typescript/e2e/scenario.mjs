// The SDK scenario, run by server/internal/app's TestTypeScriptSDKScenario
// from a temporary project where the packed @parley/client is installed: it
// imports the package by name, as a user's code does, never the source tree.
//
// Environment: PARLEY_URL, PARLEY_TOKEN (all scopes), PARLEY_READER_TOKEN
// (sessions:read only), PARLEY_UNKNOWN_TOKEN (well-formed, never issued)
// and PARLEY_TRANSPORT, one of
//   node-h2    @parley/client/node, Connect over HTTP/2 (h2c)
//   node-h1    @parley/client/node, Connect over HTTP/1.1
//   node-grpc  @parley/client/node, gRPC over HTTP/2
//   web        @parley/client/web, Connect (JSON) over Node's fetch
//   web-grpc   @parley/client/web, gRPC-Web over Node's fetch
import assert from "node:assert/strict";
import net from "node:net";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (TestTypeScriptSDKScenario sets it)`);
  return value;
};
const baseUrl = env("PARLEY_URL");
const token = env("PARLEY_TOKEN");
const readerToken = env("PARLEY_READER_TOKEN");
const transport = env("PARLEY_TRANSPORT");

const transports = {
  "node-h2": { entry: "@parley/client/node", options: { httpVersion: "2" } },
  "node-h1": { entry: "@parley/client/node", options: { httpVersion: "1.1" } },
  "node-grpc": { entry: "@parley/client/node", options: { protocol: "grpc" } },
  web: { entry: "@parley/client/web", options: {} },
  "web-grpc": { entry: "@parley/client/web", options: { protocol: "grpc-web" } },
};
const chosen = transports[transport];
assert.ok(chosen, `unknown PARLEY_TRANSPORT ${transport}`);
// The Go test checks that this is the installed copy.
console.log(`resolved ${chosen.entry} to ${import.meta.resolve(chosen.entry)}`);
const { createParleyClient, variables, fieldViolations, VariablesError, Code, ConnectError, Channel, Actor } = await import(chosen.entry);

// The web transport must go through fetch: count the calls.
let fetchCalls = 0;
const countingFetch = (...args) => {
  fetchCalls++;
  return globalThis.fetch(...args);
};

/** client makes a client of the chosen transport. */
const client = (url, credential, extra = {}) =>
  createParleyClient({
    baseUrl: url,
    token: credential,
    ...chosen.options,
    ...(chosen.entry.endsWith("/web") ? { fetch: countingFetch } : {}),
    ...extra,
  });

/** failure returns the ConnectError that promise rejects with. */
async function failure(what, promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ConnectError, `${what}: threw ${err}, not a ConnectError`);
    return err;
  }
  assert.fail(`${what} succeeded`);
}

/** assertStops reads a subscription the server refuses: no event, one error. */
async function assertStops(what, sub, code) {
  const err = await failure(what, (async () => {
    for await (const ev of sub) {
      assert.fail(`${what}: delivered event ${ev.sequence}`);
    }
  })());
  assert.equal(err.code, code, `${what}: ${err.message}`);
  assert.equal(sub.error, err, `${what}: Subscription.error`);
  return err;
}

const deadline = () => AbortSignal.timeout(60_000); // a hung stream fails instead of blocking
const parley = client(baseUrl, token);

// A session, and a published workflow: programmatic trigger -> send message -> end.
const created = await parley.sessions.createSession({ channel: Channel.API });
const sessionId = created.session?.id ?? "";
assert.match(sessionId, /^session_/);
const template = "Your {{ plan }} plan linked to order {{ order_id }}.";
const rendered = "Your pro plan linked to order 12345.";
const wf = await parley.workflows.createWorkflow({
  name: `TypeScript SDK order confirmation (${transport})`,
  draft: {
    nodes: [
      { id: "start", position: { x: 0, y: 0 }, config: { case: "programmatic", value: {} } },
      { id: "confirm", position: { x: 0, y: 150 }, config: { case: "sendMessage", value: { text: template } } },
      { id: "done", position: { x: 0, y: 300 }, config: { case: "end", value: {} } },
    ],
    edges: [
      { fromNode: "start", toNode: "confirm" },
      { fromNode: "confirm", fromPort: "next", toNode: "done" },
    ],
  },
});
const workflowId = wf.workflow?.id ?? "";
await parley.workflows.publishWorkflow({ workflowId });
console.log(`session ${sessionId}, workflow ${workflowId} published`);

// Subscribe, and once the stream delivers (session_created, so it is live)
// trigger the workflow with variables; the rendered message arrives on it.
const vars = variables({ plan: "pro", order_id: 12345 });
const sub = parley.subscribe(sessionId, { signal: deadline() });
let runId = "";
let last = 0n;
let bot;
for await (const ev of sub) {
  assert.ok(ev.sequence > last && ev.sessionId === sessionId, `event ${ev.sequence} of ${ev.sessionId} after ${last}`);
  last = ev.sequence;
  if (runId === "") {
    ({ runId } = await parley.workflows.triggerWorkflow({ workflowId, sessionId, variables: vars }));
    assert.match(runId, /^run_/);
  }
  if (ev.actor === Actor.BOT && ev.payload.case === "message") {
    bot = ev;
    break;
  }
}
assert.equal(bot.payload.value.text, rendered);
assert.equal(bot.causeRunId, runId);
assert.equal(sub.error, undefined);
assert.equal(sub.lastSequence, bot.sequence);
console.log(`run ${runId}: bot message ${bot.sequence} "${bot.payload.value.text}"`);

// invalid_argument, with the field named: a nested variable sent as is
// (variables() refuses it before sending), and a malformed session id.
let err = await failure(
  "nested variable",
  parley.workflows.triggerWorkflow({ workflowId, sessionId, variables: { plan: "pro", meta: { a: 1 } } }),
);
assert.equal(err.code, Code.InvalidArgument, err.message);
assert.match(fieldViolations(err).variables ?? "", /'meta'/, JSON.stringify(fieldViolations(err)));
assert.throws(() => variables({ plan: "pro", meta: { a: 1 } }), (e) => e instanceof VariablesError && e.key === "meta");
err = await failure("bad session id", parley.sessions.getSession({ sessionId: "order-12345" }));
assert.equal(err.code, Code.InvalidArgument, err.message);
assert.ok(fieldViolations(err).session_id, `violations ${JSON.stringify(fieldViolations(err))}`);
console.log(`invalid_argument: session_id: ${fieldViolations(err).session_id}`);

// A subscription the server refuses for good stops with that error instead
// of retrying: a position past the end of the log, an unknown session.
err = await assertStops("after_sequence past the end", parley.subscribe(sessionId, { afterSequence: last + 1000n }), Code.InvalidArgument);
assert.ok(fieldViolations(err).after_sequence, `violations ${JSON.stringify(fieldViolations(err))}`);
await assertStops("unknown session", parley.subscribe("session_00000000-0000-4000-8000-000000000000"), Code.NotFound);

// A token with sessions:read only: may not trigger, reads the stream.
const reader = client(baseUrl, readerToken);
err = await failure("trigger with a sessions:read token", reader.workflows.triggerWorkflow({ workflowId, sessionId, variables: vars }));
assert.equal(err.code, Code.PermissionDenied, err.message);
assert.deepEqual(fieldViolations(err), {});
console.log(`permission_denied: ${err.rawMessage}`);
for await (const ev of reader.subscribe(sessionId, { afterSequence: bot.sequence - 1n, signal: deadline() })) {
  assert.equal(ev.sequence, bot.sequence);
  assert.equal(ev.payload.value.text, rendered);
  break;
}

// An unknown token is refused on calls and stops a subscription.
const stranger = client(baseUrl, env("PARLEY_UNKNOWN_TOKEN"));
err = await failure("unknown token", stranger.sessions.getSession({ sessionId }));
assert.equal(err.code, Code.Unauthenticated, err.message);
await assertStops("unknown token", stranger.subscribe(sessionId), Code.Unauthenticated);

// Reconnection: follow the session through a TCP proxy, cut every
// connection, post while it is down: the subscription reopens after the
// last sequence it delivered and yields the next one, exactly once.
const proxy = await startProxy(new URL(baseUrl));
try {
  const viaProxy = client(proxy.url, token, { reconnect: { initialBackoffMs: 20, maxBackoffMs: 200 } });
  const live = viaProxy.subscribe(sessionId, { afterSequence: bot.sequence, signal: deadline() });
  const post = (text) => parley.sessions.sendMessage({ sessionId, content: { case: "text", value: text } });
  const seen = [];
  let cut = false;
  await post("before the cut");
  for await (const ev of live) {
    seen.push(ev.sequence);
    assert.equal(ev.payload.case, "message");
    if (!cut) {
      assert.equal(ev.payload.value.text, "before the cut");
      proxy.cutAll();
      cut = true;
      await post("after the cut");
      continue;
    }
    assert.equal(ev.payload.value.text, "after the cut");
    break;
  }
  assert.deepEqual(seen, [bot.sequence + 1n, bot.sequence + 2n], "sequences across the reconnection");
  assert.ok(proxy.accepted() >= 2, `the proxy saw ${proxy.accepted()} connection(s): no reconnection happened`);
  console.log(`resumed after a cut: sequences ${seen.join(", ")} over ${proxy.accepted()} connections`);
} finally {
  proxy.close();
}

if (chosen.entry.endsWith("/web")) {
  assert.ok(fetchCalls > 0, "the web transport never called fetch");
}
console.log(`ok ${transport}${chosen.entry.endsWith("/web") ? ` (${fetchCalls} fetch calls)` : ""}`);

/**
 * startProxy forwards a local port to target's; cutAll destroys every
 * connection, as a network failure or a restarting load balancer would.
 */
async function startProxy(target) {
  const sockets = new Set();
  let accepted = 0;
  const server = net.createServer((downstream) => {
    accepted++;
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    downstream.pipe(upstream).pipe(downstream);
    downstream.on("close", () => upstream.destroy());
    upstream.on("close", () => downstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    accepted: () => accepted,
    cutAll: () => sockets.forEach((s) => s.destroy()),
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}
