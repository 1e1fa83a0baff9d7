/**
 * `@parley/client/node`: {@link createParleyClient} for Node.js, on
 * connect-node (HTTP/2 by default, or HTTP/1.1), plus everything
 * `@parley/client` exports.
 *
 * @module
 */
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";

import { checkBaseUrl, createParleyClientFromTransport, interceptorChain, type ParleyClient, type ParleyClientOptions } from "./client.js";
import { sdkVersion } from "./version.js";

export * from "./index.js";

/** Options of the Node.js {@link createParleyClient}. */
export interface ParleyNodeClientOptions extends ParleyClientOptions {
  /**
   * `"2"` (the default): HTTP/2, over TLS for https:// URLs and cleartext
   * with prior knowledge (h2c) for http:// URLs, as the Parley server
   * speaks; all calls and streams share one connection, pinged when idle.
   * `"1.1"`: HTTP/1.1, e.g. behind a proxy that does not forward HTTP/2;
   * every open stream then holds a connection of its own.
   */
  httpVersion?: "2" | "1.1";
  /**
   * `"connect"` (the default) or `"grpc"`. The server accepts both on the
   * same port; gRPC requires HTTP/2.
   */
  protocol?: "connect" | "grpc";
  /** Protobuf binary (the default) or JSON messages, for the Connect protocol. */
  useBinaryFormat?: boolean;
  /**
   * Put in front of the User-Agent header, before the SDK's own
   * `parley-node/<version>`, e.g. `"acme-billing/2.3"`.
   */
  userAgent?: string;
}

/** Keep-alive of the HTTP/2 connection, as the Go SDK's. */
const http2Ping = { pingIntervalMs: 30_000, pingTimeoutMs: 15_000 } as const;

/**
 * Returns a client of the Parley server at `options.baseUrl` that
 * authenticates with `options.token`. It makes no request; the first call
 * connects.
 *
 * ```ts
 * const parley = createParleyClient({ baseUrl: "http://localhost:8080", token: process.env.PARLEY_TOKEN });
 * const { runId } = await parley.workflows.triggerWorkflow({ workflowId, sessionId, variables: variables({ plan: "pro" }) });
 * ```
 */
export function createParleyClient(options: ParleyNodeClientOptions): ParleyClient {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const userAgent = [options.userAgent, `parley-node/${sdkVersion}`].filter((s) => s !== undefined && s !== "").join(" ");
  const interceptors = interceptorChain(options, { "User-Agent": userAgent });
  const common = { baseUrl, interceptors, defaultTimeoutMs: options.defaultTimeoutMs };
  const httpVersion = options.httpVersion ?? "2";
  switch (options.protocol ?? "connect") {
    case "grpc":
      if (httpVersion !== "2") {
        throw new TypeError('parley: gRPC needs httpVersion "2"');
      }
      return createParleyClientFromTransport(createGrpcTransport({ ...common, ...http2Ping }), options.reconnect);
    case "connect": {
      const useBinaryFormat = options.useBinaryFormat ?? true;
      const transport =
        httpVersion === "2"
          ? createConnectTransport({ ...common, useBinaryFormat, httpVersion, ...http2Ping })
          : createConnectTransport({ ...common, useBinaryFormat, httpVersion });
      return createParleyClientFromTransport(transport, options.reconnect);
    }
  }
  throw new TypeError(`parley: unknown protocol ${JSON.stringify(options.protocol)}`);
}
