// The widget's link to the server: one session (created with the
// workspace's public key, then authorised by its session token), its event
// history, and a Subscribe stream that resumes after the last sequence seen.
// Every event reaches onEvent once, in sequence order.

import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { JsonObject } from "@bufbuild/protobuf";
import {
  Channel,
  SessionService,
  type MessageDelta,
  type Session,
  type SessionEvent,
  type Visitor,
} from "../../typescript/src/gen/parley/session/v1/session_pb.js";
import type { Store } from "./storage.js";

export type Scalar = string | number | boolean;

export type Status = "connecting" | "online" | "reconnecting" | "unavailable";

export interface ConnectionHooks {
  // A (new) session is in use; everything shown so far belongs to another.
  onSession(sessionId: string): void;
  // The history has been delivered; later events are live.
  onLoaded(sessionId: string): void;
  // live is false for events read from the history on load.
  onEvent(event: SessionEvent, live: boolean): void;
  onDelta(delta: MessageDelta): void;
  onStatus(status: Status): void;
}

// A stream that delivers nothing (not even a heartbeat) for this long is
// presumed dead; the server sends heartbeats every 15 s by default.
const streamIdleMs = 65_000;
const historyPageSize = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// backoff: 0.5 s doubling to 15 s, with jitter so a restarted server is not
// hit by every widget at once.
const backoff = (failures: number) => Math.min(15_000, 500 * 2 ** Math.min(failures, 5)) * (0.75 + Math.random() * 0.5);

// The stored session is gone or its token no longer valid.
const rejected = (err: unknown) => {
  const code = ConnectError.from(err).code;
  return code === Code.Unauthenticated || code === Code.PermissionDenied || code === Code.NotFound;
};

// A request the server will refuse however often it is retried.
const fatal = (err: unknown) => {
  const code = ConnectError.from(err).code;
  return rejected(err) || code === Code.InvalidArgument || code === Code.FailedPrecondition;
};

export class Connection {
  private readonly client: Client<typeof SessionService>;
  private token = "";
  private sessionId = "";
  private lastSequence = 0n;
  // generation changes with every session; loops of an older one stop.
  private generation = 0;
  private streamAbort: AbortController | undefined;
  private catchingUp: Promise<void> | undefined;
  private catchUpAgain = false;
  private readyPromise!: Promise<string>;
  private resolveReady!: (sessionId: string) => void;

  constructor(
    baseUrl: string,
    private readonly publicKey: string,
    private readonly store: Store,
    private readonly hooks: ConnectionHooks,
  ) {
    const bearer: Interceptor = (next) => async (req) => {
      if (this.token && req.method.name !== "CreateSession") req.header.set("Authorization", `Bearer ${this.token}`);
      return next(req);
    };
    this.client = createClient(SessionService, createConnectTransport({ baseUrl, interceptors: [bearer] }));
    this.resetReady();
  }

  // ready resolves with the session id once the session is usable and its
  // history delivered.
  get ready(): Promise<string> {
    return this.readyPromise;
  }

  get currentSessionId(): string {
    return this.sessionId;
  }

  private resetReady(): void {
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  start(): void {
    void this.establish(++this.generation);
  }

  private async establish(gen: number): Promise<void> {
    this.hooks.onStatus("connecting");
    for (let failures = 0; gen === this.generation; failures++) {
      try {
        const stored = this.store.session();
        if (stored) {
          this.use(stored.sessionId, stored.sessionToken);
          try {
            await this.loadHistory(gen);
            break;
          } catch (err) {
            if (!rejected(err)) throw err;
            // The session was deleted or its token revoked: start over.
            console.warn("[parley] the stored session was refused, starting a new one:", ConnectError.from(err).message);
            this.store.forgetSession();
            if (gen !== this.generation) return;
          }
        }
        let created;
        try {
          created = await this.client.createSession({ publicKey: this.publicKey, channel: Channel.WEBCHAT });
        } catch (err) {
          if (fatal(err)) {
            console.error(`[parley] cannot open a chat session with public key ${this.publicKey}:`, ConnectError.from(err).message);
            this.hooks.onStatus("unavailable");
            return;
          }
          throw err;
        }
        if (gen !== this.generation) return;
        const sessionId = created.session?.id ?? "";
        this.store.update({ sessionId, sessionToken: created.sessionToken, lastSequence: 0, readSequence: 0 });
        this.use(sessionId, created.sessionToken);
        await this.loadHistory(gen);
        break;
      } catch (err) {
        if (gen !== this.generation) return;
        if (failures === 0) console.warn("[parley] cannot reach the chat server, retrying:", ConnectError.from(err).message);
        this.hooks.onStatus("reconnecting");
        await sleep(backoff(failures));
      }
    }
    if (gen !== this.generation) return;
    this.hooks.onLoaded(this.sessionId);
    this.resolveReady(this.sessionId);
    void this.streamLoop(gen);
  }

  private use(sessionId: string, token: string): void {
    this.sessionId = sessionId;
    this.token = token;
    this.lastSequence = 0n;
    this.hooks.onSession(sessionId);
  }

  private async loadHistory(gen: number): Promise<void> {
    await this.readAfter(gen, false);
  }

  // readAfter delivers every event after the last one seen, page by page.
  private async readAfter(gen: number, live: boolean): Promise<void> {
    for (;;) {
      const page = await this.client.listEvents({
        sessionId: this.sessionId,
        afterSequence: this.lastSequence,
        pageSize: historyPageSize,
      });
      if (gen !== this.generation) return;
      for (const ev of page.events) this.ingest(ev, live);
      if (!page.hasMore || page.events.length === 0) return;
    }
  }

  // ingest delivers an event if it is the next one; an event from further
  // ahead (a response that overtook the stream) triggers a catch-up read so
  // nothing is skipped.
  private ingest(ev: SessionEvent, live: boolean): void {
    if (ev.sessionId !== this.sessionId || ev.sequence <= this.lastSequence) return;
    if (ev.sequence !== this.lastSequence + 1n) {
      void this.catchUp();
      return;
    }
    this.lastSequence = ev.sequence;
    this.store.update({ lastSequence: Number(ev.sequence) });
    try {
      this.hooks.onEvent(ev, live);
    } catch (err) {
      console.error("[parley] rendering event", ev.sequence, err);
    }
  }

  private catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    const gen = this.generation;
    this.catchingUp = (async () => {
      try {
        do {
          this.catchUpAgain = false;
          await this.readAfter(gen, true);
        } while (this.catchUpAgain && gen === this.generation);
      } catch (err) {
        console.warn("[parley] reading new events:", ConnectError.from(err).message);
      } finally {
        this.catchingUp = undefined;
      }
    })();
    return this.catchingUp;
  }

  private async streamLoop(gen: number): Promise<void> {
    for (let failures = 0; gen === this.generation; ) {
      const abort = new AbortController();
      this.streamAbort = abort;
      let idle = setTimeout(() => abort.abort(), streamIdleMs);
      try {
        const stream = this.client.subscribe({ sessionId: this.sessionId, afterSequence: this.lastSequence }, { signal: abort.signal });
        for await (const res of stream) {
          clearTimeout(idle);
          idle = setTimeout(() => abort.abort(), streamIdleMs);
          if (gen !== this.generation) return;
          switch (res.item.case) {
            case "heartbeat":
              failures = 0;
              this.hooks.onStatus("online");
              break;
            case "event":
              this.ingest(res.item.value, true);
              break;
            case "delta":
              this.hooks.onDelta(res.item.value);
              break;
          }
        }
      } catch (err) {
        if (gen !== this.generation) return;
        if (rejected(err)) {
          console.warn("[parley] the session was refused, starting a new one:", ConnectError.from(err).message);
          this.renew();
          return;
        }
      } finally {
        clearTimeout(idle);
      }
      if (gen !== this.generation) return;
      // The stream ended (server restart, proxy timeout, network): resume
      // after the last sequence seen.
      this.hooks.onStatus("reconnecting");
      await sleep(backoff(failures++));
    }
  }

  // renew drops the current session and opens a new one.
  private renew(): void {
    this.store.forgetSession();
    this.sessionId = "";
    this.token = "";
    this.resetReady();
    this.streamAbort?.abort();
    void this.establish(++this.generation);
  }

  // --- Commands. Each waits for the session, then calls one RPC. ---

  async sendText(text: string): Promise<void> {
    const sessionId = await this.ready;
    const res = await this.client.sendMessage({ sessionId, content: { case: "text", value: text } });
    if (res.event) this.ingest(res.event, true);
  }

  async chooseButton(pickerSequence: bigint, value: string): Promise<void> {
    const sessionId = await this.ready;
    const res = await this.client.sendMessage({ sessionId, content: { case: "button", value: { pickerSequence, value } } });
    if (res.event) this.ingest(res.event, true);
  }

  async answerInput(requestSequence: bigint, value: string): Promise<void> {
    const sessionId = await this.ready;
    const res = await this.client.sendMessage({ sessionId, content: { case: "input", value: { requestSequence, value } } });
    if (res.event) this.ingest(res.event, true);
  }

  async runWorkflow(workflowId: string, variables: JsonObject | undefined): Promise<string> {
    const sessionId = await this.ready;
    const res = await this.client.runWorkflow({ sessionId, workflowId, variables });
    return res.runId;
  }

  async setData(key: string, value: Scalar): Promise<void> {
    const sessionId = await this.ready;
    const kind =
      typeof value === "string"
        ? ({ case: "stringValue", value } as const)
        : typeof value === "number"
          ? ({ case: "numberValue", value } as const)
          : ({ case: "boolValue", value } as const);
    const res = await this.client.setData({ sessionId, key, value: { kind } });
    if (res.event) this.ingest(res.event, true);
  }

  async session(): Promise<Session | undefined> {
    const sessionId = await this.ready;
    return (await this.client.getSession({ sessionId })).session;
  }

  async updateSegments(add: string[], remove: string[]): Promise<void> {
    if (add.length === 0 && remove.length === 0) return;
    const sessionId = await this.ready;
    await this.client.updateSegments({ sessionId, add, remove });
  }

  async updateVisitor(change: Partial<Pick<Visitor, "name" | "email" | "phone">>): Promise<void> {
    const current = (await this.session())?.visitor;
    const visitor = { name: current?.name ?? "", email: current?.email ?? "", phone: current?.phone ?? "", ...change };
    await this.client.updateVisitor({ sessionId: this.sessionId, visitor });
  }
}
