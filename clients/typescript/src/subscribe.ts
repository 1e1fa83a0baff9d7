import { Code, ConnectError, type Client } from "@connectrpc/connect";

import { reconnectDelay, reconnectSettings, type ReconnectOptions, type ReconnectSettings } from "./backoff.js";
import type { MessageDelta, SessionEvent, SessionService, SubscribeResponse } from "./gen/parley/session/v1/session_pb.js";

/** A SessionService client, as `createClient(SessionService, transport)` makes. */
export type SessionsClient = Client<typeof SessionService>;

/** Options of {@link subscribe} and `ParleyClient.subscribe`. */
export interface SubscribeOptions extends ReconnectOptions {
  /**
   * Deliver the events with a sequence greater than this: 0 (the default)
   * for the whole log, or the sequence of the last event you processed
   * (`Session.lastSequence`, `Subscription.lastSequence`) to resume.
   */
  afterSequence?: bigint | number;
  /**
   * Stops the subscription for good: the loop reading it throws a
   * `ConnectError` with code `Canceled` (see {@link Subscription}).
   */
  signal?: AbortSignal;
  /**
   * Called with each streamed piece of a bot or AI agent message while it
   * is being written. Deltas are not part of the event log: they are not
   * replayed on resume, and the finished message arrives as an event.
   */
  onDelta?: (delta: MessageDelta) => void;
}

/**
 * Codes with which the server refuses a stream for good: retrying cannot
 * help. Every other failure (unavailable, internal, unknown, a reset
 * connection, a server restart, an idle stream) is retried.
 */
const permanentCodes: ReadonlySet<Code> = new Set([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
  Code.Unimplemented,
]);

/** isRetryable says whether reopening a stream that failed with err can help. */
export function isRetryable(err: ConnectError): boolean {
  return !permanentCodes.has(err.code);
}

/**
 * Follows the event log of one session (`SessionService.Subscribe`) across
 * disconnections. See {@link subscribe}.
 */
export class Subscription implements AsyncIterable<SessionEvent> {
  /** The session followed. */
  readonly sessionId: string;

  readonly #sessions: SessionsClient;
  readonly #settings: ReconnectSettings;
  readonly #signal: AbortSignal | undefined;
  readonly #onDelta: ((delta: MessageDelta) => void) | undefined;
  #last: bigint;
  #error: ConnectError | undefined;
  #reading = false;

  /**
   * Use {@link subscribe} or `ParleyClient.subscribe` instead. `defaults`
   * are reconnect options that `options` override.
   */
  constructor(sessions: SessionsClient, sessionId: string, options: SubscribeOptions = {}, defaults?: ReconnectOptions) {
    if (typeof sessionId !== "string") {
      throw new TypeError("parley: subscribe needs a session id string");
    }
    this.sessionId = sessionId;
    this.#sessions = sessions;
    this.#settings = reconnectSettings(defaults, options);
    this.#signal = options.signal;
    this.#onDelta = options.onDelta;
    this.#last = toSequence(options.afterSequence ?? 0n);
  }

  /**
   * The sequence of the newest event delivered, or `afterSequence` before
   * any: where a new subscription would resume.
   */
  get lastSequence(): bigint {
    return this.#last;
  }

  /**
   * The error that stopped the subscription for good, or undefined while it
   * can still deliver events.
   */
  get error(): ConnectError | undefined {
    return this.#error;
  }

  /**
   * Yields the session's events in sequence order. The loop ends only by
   * throwing: a `ConnectError` with the server's code when it refuses the
   * stream for good (unauthenticated, permission_denied, not_found,
   * invalid_argument, unimplemented), or with code `Canceled` once the
   * signal fires. Failures that are retried are not reported.
   *
   * Breaking out of the loop closes the stream and keeps the subscription:
   * a later loop continues after the last event delivered. Looping over a
   * stopped subscription throws its error again. Two loops must not read
   * one subscription at the same time.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<SessionEvent, void, undefined> {
    if (this.#error !== undefined) {
      throw this.#error;
    }
    if (this.#reading) {
      throw new Error("parley: a Subscription is already being read by another loop");
    }
    this.#reading = true;
    try {
      let failures = 0; // consecutive attempts that were not working
      for (;;) {
        this.#stopIfAborted();
        const attempt = yield* this.#follow();
        this.#stopIfAborted();
        if (attempt.error !== undefined && !isRetryable(attempt.error)) {
          this.#error = attempt.error;
          throw attempt.error;
        }
        if (attempt.working) {
          failures = 0;
        }
        await sleep(reconnectDelay(failures, this.#settings), this.#signal);
        failures++;
      }
    } finally {
      this.#reading = false;
    }
  }

  /** stopIfAborted stops the subscription for good once the signal fired. */
  #stopIfAborted(): void {
    if (this.#signal?.aborted) {
      this.#error ??= new ConnectError("parley: subscription aborted", Code.Canceled, undefined, undefined, this.#signal.reason);
      throw this.#error;
    }
  }

  /**
   * follow runs one stream until it ends, yielding its new events, and
   * tells whether it was working (it delivered a new event, or stayed open
   * at least as long as the longest backoff) and how it ended.
   */
  async *#follow(): AsyncGenerator<SessionEvent, Attempt, undefined> {
    const opened = Date.now();
    const abort = new AbortController();
    const forward = (): void => abort.abort(this.#signal?.reason);
    this.#signal?.addEventListener("abort", forward, { once: true });
    // A stream that delivers nothing, not even the periodic heartbeat, is
    // stuck: aborting it ends the read with an error and the stream is
    // reopened.
    const idle = new IdleTimer(this.#settings.idleTimeoutMs, () => abort.abort(new Error("parley: stream idle")));
    let items: AsyncIterator<SubscribeResponse> | undefined;
    let working = false;
    const attempt = (error?: ConnectError): Attempt => ({
      working: working || Date.now() - opened >= this.#settings.maxBackoffMs,
      error,
    });
    try {
      const request = { sessionId: this.sessionId, afterSequence: this.#last };
      items = this.#sessions.subscribe(request, { signal: abort.signal })[Symbol.asyncIterator]();
      idle.start();
      for (;;) {
        let next: IteratorResult<SubscribeResponse>;
        try {
          next = await items.next();
        } catch (err) {
          return attempt(ConnectError.from(err));
        }
        if (next.done) {
          return attempt(); // the server ended the stream, e.g. shutting down
        }
        idle.start();
        const item = next.value.item;
        if (item.case === "delta") {
          this.#onDelta?.(item.value);
        }
        if (item.case !== "event" || item.value.sequence <= this.#last) {
          continue; // a heartbeat, a delta, or an event already delivered
        }
        this.#last = item.value.sequence;
        working = true;
        idle.stop(); // the caller's time with the event is not idleness
        yield item.value;
        idle.start();
      }
    } finally {
      idle.stop();
      this.#signal?.removeEventListener("abort", forward);
      abort.abort(); // first, so that closing never waits on a live stream
      await items?.return?.().catch(() => undefined);
    }
  }
}

/** How one stream of a subscription ended. */
interface Attempt {
  readonly working: boolean;
  /** undefined when the server ended the stream normally. */
  readonly error: ConnectError | undefined;
}

/**
 * Follows the events of session `sessionId` with a sequence greater than
 * `options.afterSequence`: first those already in the log, then new ones as
 * they happen, across disconnections:
 *
 * ```ts
 * for await (const event of subscribe(sessions, sessionId)) {
 *   handle(event);
 * }
 * ```
 *
 * Nothing is sent until the subscription is read. Reading it opens a
 * `SessionService.Subscribe` stream and, whenever that stream fails or ends,
 * reopens it after a backoff, asking for the events after the last one
 * delivered, so that none is missed or delivered twice. Sequences increase
 * strictly; they may skip numbers for events the credential may not see (a
 * widget's session token does not see private notes). Heartbeats are not
 * delivered; message deltas go to `options.onDelta`.
 *
 * `ParleyClient.subscribe` is this function on the client's sessions.
 */
export function subscribe(sessions: SessionsClient, sessionId: string, options?: SubscribeOptions): Subscription {
  return new Subscription(sessions, sessionId, options);
}

/** toSequence checks a sequence given as a bigint or a number. */
function toSequence(value: bigint | number): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`parley: afterSequence ${value} is not an integer`);
  }
  const sequence = BigInt(value);
  if (sequence < 0n) {
    throw new RangeError(`parley: afterSequence ${value} is negative`);
  }
  return sequence;
}

/** IdleTimer calls onIdle once it has run for timeoutMs without a restart. */
class IdleTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {}

  /** start (re)starts the countdown. */
  start(): void {
    this.stop();
    if (Number.isFinite(this.timeoutMs)) {
      this.#timer = setTimeout(this.onIdle, this.timeoutMs);
    }
  }

  stop(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** sleep waits ms milliseconds, or less when signal fires. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
