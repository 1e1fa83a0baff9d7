/**
 * `@parley/client/web`: {@link createParleyClient} for browsers (and any
 * runtime with `fetch`), on connect-web, plus everything `@parley/client`
 * exports.
 *
 * A browser must never hold an API token: give it a widget's session token
 * (`CreateSession` with the workspace's public key returns one), or no
 * token at all.
 *
 * @module
 */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";

import { checkBaseUrl, createParleyClientFromTransport, interceptorChain, type ParleyClient, type ParleyClientOptions } from "./client.js";

export * from "./index.js";

/** Options of the browser {@link createParleyClient}. */
export interface ParleyWebClientOptions extends ParleyClientOptions {
  /**
   * `"connect"` (the default) or `"grpc-web"`. The server accepts both.
   */
  protocol?: "connect" | "grpc-web";
  /**
   * Protobuf binary or JSON messages. The default is JSON for the Connect
   * protocol (readable in the browser's network panel) and binary for
   * gRPC-Web.
   */
  useBinaryFormat?: boolean;
  /**
   * The fetch function to call, e.g. one that sets `credentials`; the
   * global `fetch` by default.
   */
  fetch?: typeof globalThis.fetch;
}

/**
 * Returns a client of the Parley server at `options.baseUrl` that
 * authenticates with `options.token`, sending its requests with `fetch`. It
 * makes no request; the first call connects.
 */
export function createParleyClient(options: ParleyWebClientOptions): ParleyClient {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const transportOptions = {
    baseUrl,
    interceptors: interceptorChain(options, {}),
    defaultTimeoutMs: options.defaultTimeoutMs,
    fetch: options.fetch,
    useBinaryFormat: options.useBinaryFormat,
  };
  switch (options.protocol ?? "connect") {
    case "grpc-web":
      return createParleyClientFromTransport(createGrpcWebTransport(transportOptions), options.reconnect);
    case "connect":
      return createParleyClientFromTransport(createConnectTransport(transportOptions), options.reconnect);
  }
  throw new TypeError(`parley: unknown protocol ${JSON.stringify(options.protocol)}`);
}
