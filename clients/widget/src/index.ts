// Entry point of widget.js. A page loads it with
//
//   <script>window.$parley = window.$parley || [];</script>
//   <script src="https://parley.example.com/widget.js" data-public-key="pk_..." async></script>
//
// Commands pushed onto the $parley array before the script arrives run in
// order once it does; afterwards $parley.push runs them directly.

import { Widget } from "./widget.js";

declare global {
  interface Window {
    $parley?: unknown;
  }
}

const marker = "__parleyWidget";

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.publicKey) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="/widget.js"][data-public-key]');
}

function boot(): void {
  const existing = window.$parley;
  if (typeof existing === "object" && existing !== null && marker in existing) {
    console.warn("[parley] widget.js is loaded twice; the second copy does nothing");
    return;
  }
  const script = ownScript();
  const publicKey = script?.dataset.publicKey ?? "";
  if (!script || !publicKey) {
    console.error('[parley] widget.js needs a data-public-key attribute on its <script> tag, e.g. <script src=".../widget.js" data-public-key="pk_..." async>');
    return;
  }
  // The API is where widget.js came from, unless data-api-url says otherwise.
  const baseUrl = (script.dataset.apiUrl || new URL(script.src, window.location.href).origin).replace(/\/+$/, "");
  const widget = new Widget(baseUrl, publicKey, script.dataset.title || "Chat with us");
  const pending: unknown[] = Array.isArray(existing) ? existing.slice() : [];
  const api = widget.api();
  Object.defineProperty(api, marker, { value: true });
  window.$parley = api;
  widget.start();
  api.push(...pending);
}

boot();
