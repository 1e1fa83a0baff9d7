// A browser widget's view of a running server, through connect-web's
// fetch-based transport: open a session with the workspace's public key, read
// its Subscribe stream while the visitor posts, resume after a disconnect.
// server/internal/app's TestTypeScriptWidgetClientStreams starts the server
// and sets PARLEY_URL, PARLEY_PUBLIC_KEY and PARLEY_TOKEN (an API token).
import test from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Actor, SessionService, type SessionEvent, type SubscribeResponse } from "../src/gen/parley/session/v1/session_pb.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (server/internal/app's TestTypeScriptWidgetClientStreams sets it)`);
  return value;
}
const baseUrl = env("PARLEY_URL");
const publicKey = env("PARLEY_PUBLIC_KEY");
const apiToken = env("PARLEY_TOKEN");

type Sessions = Client<typeof SessionService>;

const bearer = (token: string): Interceptor => (next) => async (req) => {
  req.header.set("Authorization", `Bearer ${token}`);
  return next(req);
};

// Stream reads one Subscribe call, with a deadline on every read.
class Stream {
  private readonly abort = new AbortController();
  private readonly items: AsyncIterator<SubscribeResponse>;
  constructor(client: Sessions, sessionId: string, afterSequence: bigint) {
    const call = client.subscribe({ sessionId, afterSequence }, { signal: this.abort.signal });
    this.items = call[Symbol.asyncIterator]();
  }
  async next(what: string, ms = 10_000): Promise<SubscribeResponse> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} on the stream within ${ms} ms`)), ms);
    });
    try {
      const r = await Promise.race([this.items.next(), late]);
      if (r.done) assert.fail(`the stream ended while waiting for ${what}`);
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  }
  // nextEvent skips heartbeats and message deltas.
  async nextEvent(what: string): Promise<SessionEvent> {
    for (;;) {
      const { item } = await this.next(what);
      if (item.case === "event") return item.value;
    }
  }
  close(): void {
    this.abort.abort();
  }
}

const textOf = (ev: SessionEvent) => (ev.payload.case === "message" ? ev.payload.value.text : `(${ev.payload.case})`);
const codeIs = (code: Code) => (err: unknown) => ConnectError.from(err).code === code;

for (const useBinaryFormat of [false, true]) {
  test(`widget session stream over fetch (${useBinaryFormat ? "binary" : "JSON"})`, { timeout: 60_000 }, async (t) => {
    // Close every stream however the test ends, or node waits on them.
    const streams: Stream[] = [];
    t.after(() => streams.forEach((s) => s.close()));
    const subscribe = (c: Sessions, id: string, after: bigint) => {
      const s = new Stream(c, id, after);
      streams.push(s);
      return s;
    };
    const client = (token?: string) =>
      createClient(SessionService, createConnectTransport({ baseUrl, useBinaryFormat, interceptors: token ? [bearer(token)] : [] }));

    // The widget has only the public key: no Authorization header.
    const anonymous = client();
    const created = await anonymous.createSession({ publicKey });
    const sessionId = created.session?.id ?? "";
    assert.ok(sessionId.startsWith("session_"), `CreateSession returned session id ${sessionId}`);
    assert.ok(created.sessionToken, "CreateSession returned no session token to a widget");
    const visitor = client(created.sessionToken);

    const live = subscribe(visitor, sessionId, 0n);
    const opening = await live.next("opening heartbeat");
    assert.equal(opening.item.case, "heartbeat", "the stream does not open with a heartbeat");
    const first = await live.nextEvent("event 1");
    assert.equal(first.sequence, 1n);
    assert.equal(first.payload.case, "sessionCreated");

    const texts = ["hello", "is anyone there?", "thanks"];
    for (const text of texts) {
      await visitor.sendMessage({ sessionId, content: { case: "text", value: text } });
    }
    for (const [i, text] of texts.entries()) {
      const ev = await live.nextEvent(`message "${text}"`);
      assert.equal(ev.sequence, BigInt(i + 2), `message "${text}"`);
      assert.equal(ev.sessionId, sessionId);
      assert.equal(ev.actor, Actor.VISITOR);
      assert.equal(textOf(ev), text);
    }

    // The widget disconnects; a read after the abort fails as Canceled.
    live.close();
    await assert.rejects(() => live.next("end after abort"), codeIs(Code.Canceled));

    // While it is away an operator (API token) replies; resuming after 4
    // brings that reply and nothing the widget already had.
    const reply = await client(apiToken).sendMessage({ sessionId, content: { case: "text", value: "an operator reply" } });
    assert.equal(reply.event?.sequence, 5n);
    const resumed = subscribe(visitor, sessionId, 4n);
    const { item } = await resumed.next("opening heartbeat after resume");
    assert.ok(item.case === "heartbeat", `resumed stream opened with ${item.case}`);
    assert.equal(item.value.lastSequence, 5n);
    const missed = await resumed.nextEvent("missed sequence 5");
    assert.equal(missed.sequence, 5n, "first event after resuming at 4");
    assert.equal(missed.actor, Actor.OPERATOR);
    assert.equal(textOf(missed), "an operator reply");
    // Exactly 5: the next event on the stream is the next one sent.
    await visitor.sendMessage({ sessionId, content: { case: "text", value: "back again" } });
    const next = await resumed.nextEvent("sequence 6");
    assert.equal(next.sequence, 6n);
    assert.equal(textOf(next), "back again");
    resumed.close();

    // The session token opens its own session only.
    const other = await anonymous.createSession({ publicKey });
    const foreign = subscribe(visitor, other.session?.id ?? "", 0n);
    await assert.rejects(() => foreign.next("error"), codeIs(Code.PermissionDenied));
  });
}
