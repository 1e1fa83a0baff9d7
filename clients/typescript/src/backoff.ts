/** How {@link Subscription}s reconnect; every field is optional. */
export interface ReconnectOptions {
  /**
   * Wait before reopening a stream that was working (it delivered an event,
   * or stayed open for at least `maxBackoffMs`). Default 250 ms.
   */
  initialBackoffMs?: number;
  /**
   * Cap of the wait, which doubles on every further attempt that was not
   * working. Each wait is shortened by a random jitter of up to half.
   * Default 15 s.
   */
  maxBackoffMs?: number;
  /**
   * How long a stream may deliver nothing, not even a heartbeat, before it
   * is considered dead and reopened. The server sends a heartbeat every 15 s
   * by default. Default 60 s; 0, a negative number or Infinity disables the
   * check.
   */
  idleTimeoutMs?: number;
}

/** ReconnectOptions with the defaults applied. */
export interface ReconnectSettings {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Infinity when disabled. */
  readonly idleTimeoutMs: number;
}

export const defaultReconnect: ReconnectSettings = {
  initialBackoffMs: 250,
  maxBackoffMs: 15_000,
  idleTimeoutMs: 60_000,
};

/** reconnectSettings applies the defaults to options, later ones winning. */
export function reconnectSettings(...options: (ReconnectOptions | undefined)[]): ReconnectSettings {
  let initialBackoffMs = defaultReconnect.initialBackoffMs;
  let maxBackoffMs = defaultReconnect.maxBackoffMs;
  let idleTimeoutMs = defaultReconnect.idleTimeoutMs;
  for (const o of options) {
    if (o?.initialBackoffMs !== undefined) initialBackoffMs = positive("initialBackoffMs", o.initialBackoffMs);
    if (o?.maxBackoffMs !== undefined) maxBackoffMs = positive("maxBackoffMs", o.maxBackoffMs);
    if (o?.idleTimeoutMs !== undefined) {
      if (Number.isNaN(o.idleTimeoutMs)) throw new RangeError("parley: idleTimeoutMs is NaN");
      idleTimeoutMs = o.idleTimeoutMs > 0 ? o.idleTimeoutMs : Infinity;
    }
  }
  return { initialBackoffMs, maxBackoffMs: Math.max(maxBackoffMs, initialBackoffMs), idleTimeoutMs };
}

function positive(name: string, ms: number): number {
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(`parley: ${name} must be a positive number of milliseconds, not ${ms}`);
  }
  return ms;
}

/**
 * reconnectDelay is the wait before the next attempt after `failures`
 * consecutive attempts that were not working: the initial backoff doubled
 * per failure, capped at the maximum, minus a random jitter of up to half.
 */
export function reconnectDelay(failures: number, settings: ReconnectSettings, random: () => number = Math.random): number {
  let delay = settings.initialBackoffMs;
  for (let i = 0; i < failures; i++) {
    if (delay >= settings.maxBackoffMs / 2) {
      delay = settings.maxBackoffMs;
      break;
    }
    delay *= 2;
  }
  delay = Math.min(delay, settings.maxBackoffMs);
  const jitter = Math.floor(random() * (Math.floor(delay / 2) + 1));
  return delay - Math.min(jitter, Math.floor(delay / 2));
}
