import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";

import type { ReconnectOptions } from "./backoff.js";
import { AgentService } from "./gen/parley/agent/v1/agent_pb.js";
import { SessionService } from "./gen/parley/session/v1/session_pb.js";
import { WorkflowService } from "./gen/parley/workflow/v1/workflow_pb.js";
import { Subscription, type SubscribeOptions } from "./subscribe.js";

/**
 * A connection to one Parley server with one credential. Its fields are
 * the generated Connect clients of the three services; use them directly.
 * A client should be reused: it keeps its connections open.
 */
export interface ParleyClient {
  /**
   * Manages workflows, their versions and runs, and starts runs
   * (`triggerWorkflow`).
   */
  readonly workflows: Client<typeof WorkflowService>;
  /**
   * Manages sessions and their messages, custom data, labels and assignees,
   * and streams their events. For a stream that survives disconnections use
   * {@link ParleyClient.subscribe} instead of `sessions.subscribe`.
   */
  readonly sessions: Client<typeof SessionService>;
  /**
   * Starts and pauses the AI agent on sessions and manages personas and
   * knowledge-base articles.
   */
  readonly agent: Client<typeof AgentService>;
  /**
   * Follows the events of a session across disconnections: see
   * {@link Subscription}. The client's `reconnect` options are the defaults.
   */
  subscribe(sessionId: string, options?: SubscribeOptions): Subscription;
}

/** Options common to `createParleyClient` of `@parley/client/node` and `/web`. */
export interface ParleyClientOptions {
  /**
   * The server's URL, e.g. `"https://parley.example.com"` or
   * `"http://localhost:8080"`, possibly with a path prefix when a reverse
   * proxy serves Parley under one. No query or fragment.
   */
  baseUrl: string;
  /**
   * Sent as `Authorization: Bearer <token>`: an API token (backends only),
   * or a widget's session token. Omit it for no credentials.
   */
  token?: string;
  /**
   * Connect interceptors for every call, including the streams of
   * `subscribe`, the first one outermost. The Authorization header the SDK
   * sets wins over one an interceptor sets.
   */
  interceptors?: Interceptor[];
  /** Default timeout of unary calls, in milliseconds (per call: `{ timeoutMs }`). */
  defaultTimeoutMs?: number;
  /** Defaults for the reconnection of `subscribe`. */
  reconnect?: ReconnectOptions;
}

/**
 * Builds a {@link ParleyClient} on a transport you made yourself, e.g.
 * `createRouterTransport` in tests, or a connect-node transport with
 * options `createParleyClient` does not offer. Put the credentials into the
 * transport's interceptors (see {@link bearerToken}).
 */
export function createParleyClientFromTransport(transport: Transport, reconnect?: ReconnectOptions): ParleyClient {
  const sessions = createClient(SessionService, transport);
  return {
    workflows: createClient(WorkflowService, transport),
    sessions,
    agent: createClient(AgentService, transport),
    subscribe: (sessionId, options) => new Subscription(sessions, sessionId, options, reconnect),
  };
}

/** An interceptor that sends `Authorization: Bearer <token>` on every call. */
export function bearerToken(token: string): Interceptor {
  checkToken(token);
  return (next) => (req) => {
    req.header.set("Authorization", `Bearer ${token}`);
    return next(req);
  };
}

/**
 * checkBaseUrl returns baseUrl without trailing slashes, or throws when it
 * is not an http(s) URL with a host and without query or fragment.
 */
export function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`parley: base URL ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`parley: base URL ${JSON.stringify(baseUrl)}: scheme must be http or https`);
  }
  if (url.search !== "" || url.hash !== "" || baseUrl.includes("?") || baseUrl.includes("#")) {
    throw new TypeError(`parley: base URL ${JSON.stringify(baseUrl)} must not have a query or fragment`);
  }
  return url.href.replace(/\/+$/, "");
}

/** checkToken throws for a token that cannot go into a header. */
export function checkToken(token: string): void {
  if (typeof token !== "string" || /[\r\n]/.test(token)) {
    throw new TypeError("parley: the token must be a string without line breaks");
  }
}

/**
 * interceptorChain puts the caller's interceptors outside and the SDK's
 * headers innermost, so that they win.
 */
export function interceptorChain(options: ParleyClientOptions, headers: Record<string, string>): Interceptor[] {
  const sdk: Record<string, string> = { ...headers };
  if (options.token !== undefined && options.token !== "") {
    checkToken(options.token);
    sdk["Authorization"] = `Bearer ${options.token}`;
  }
  const setHeaders: Interceptor = (next) => (req) => {
    for (const [name, value] of Object.entries(sdk)) {
      req.header.set(name, value);
    }
    return next(req);
  };
  return [...(options.interceptors ?? []), setHeaders];
}
