// The widget's stylesheet, scoped by its shadow root: the page's CSS does not
// reach in and this does not leak out.
export const styles = `
:host {
  all: initial;
  position: fixed;
  right: 20px;
  bottom: 20px;
  z-index: 2147483000;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2330;
  --parley-accent: #4f46e5;
  --parley-accent-dark: #4338ca;
  --parley-accent-text: #ffffff;
}
:host([data-hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 2px solid var(--parley-accent); outline-offset: 2px; }

.launcher {
  position: relative;
  display: grid;
  place-items: center;
  width: 56px;
  height: 56px;
  margin-left: auto;
  border: 0;
  border-radius: 50%;
  background: var(--parley-accent);
  color: var(--parley-accent-text);
  box-shadow: 0 6px 20px rgba(31, 35, 48, 0.25);
  transition: transform 0.15s ease, background 0.15s ease;
}
.launcher:hover { background: var(--parley-accent-dark); transform: scale(1.05); }
.launcher svg { width: 26px; height: 26px; fill: currentColor; }
.badge {
  position: absolute;
  top: -4px;
  right: -4px;
  min-width: 22px;
  height: 22px;
  padding: 0 6px;
  border: 2px solid #fff;
  border-radius: 11px;
  background: #e11d48;
  color: #fff;
  font-size: 12px;
  font-weight: 700;
  line-height: 18px;
  text-align: center;
}

.panel {
  display: flex;
  flex-direction: column;
  width: 360px;
  height: min(560px, calc(100vh - 110px));
  margin-bottom: 14px;
  overflow: hidden;
  border-radius: 14px;
  background: #fff;
  box-shadow: 0 12px 40px rgba(31, 35, 48, 0.28);
}
@media (max-width: 480px) {
  .panel { width: calc(100vw - 24px); height: calc(100vh - 100px); }
}
.header {
  display: flex;
  align-items: center;
  gap: 10px;
  padding: 14px 14px 14px 18px;
  background: var(--parley-accent);
  color: var(--parley-accent-text);
}
.title { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.subtitle { display: block; font-size: 12px; font-weight: 400; opacity: 0.85; }
.close {
  display: grid;
  place-items: center;
  width: 32px;
  height: 32px;
  border: 0;
  border-radius: 8px;
  background: transparent;
  color: inherit;
}
.close:hover { background: rgba(255, 255, 255, 0.18); }
.close svg { width: 18px; height: 18px; fill: currentColor; }

.status {
  padding: 6px 14px;
  background: #fff7e6;
  color: #8a5a00;
  font-size: 12px;
  text-align: center;
}

.messages {
  flex: 1;
  margin: 0;
  padding: 14px;
  overflow-y: auto;
  list-style: none;
  background: #f6f7fb;
}
.message { display: flex; flex-direction: column; align-items: flex-start; margin: 0 0 10px; }
.message[data-from="visitor"] { align-items: flex-end; }
.bubble {
  max-width: 82%;
  padding: 9px 13px;
  border-radius: 16px 16px 16px 4px;
  background: #fff;
  box-shadow: 0 1px 2px rgba(31, 35, 48, 0.08);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}
.message[data-from="visitor"] .bubble {
  border-radius: 16px 16px 4px 16px;
  background: var(--parley-accent);
  color: var(--parley-accent-text);
}
.message[data-from="operator"] .bubble { background: #e8f5ee; }
.message[data-streaming] .bubble { opacity: 0.8; }
.sender { margin: 0 4px 3px; color: #6b7080; font-size: 11px; }

.choices { display: flex; flex-wrap: wrap; gap: 6px; max-width: 92%; margin-top: 8px; }
.choice {
  padding: 7px 13px;
  border: 1.5px solid var(--parley-accent);
  border-radius: 999px;
  background: #fff;
  color: var(--parley-accent);
  font-weight: 600;
}
.choice:hover:not(:disabled) { background: var(--parley-accent); color: var(--parley-accent-text); }
.choice:disabled { cursor: default; opacity: 0.5; }
.choice[aria-pressed="true"] { background: var(--parley-accent); color: var(--parley-accent-text); opacity: 1; }

.answer, .composer { display: flex; gap: 6px; }
.answer { width: 92%; margin-top: 8px; }
.answer input, .composer input {
  flex: 1;
  min-width: 0;
  padding: 9px 12px;
  border: 1px solid #d5d8e2;
  border-radius: 10px;
  background: #fff;
}
.answer input:focus, .composer input:focus { border-color: var(--parley-accent); outline: none; }
.send {
  padding: 0 14px;
  border: 0;
  border-radius: 10px;
  background: var(--parley-accent);
  color: var(--parley-accent-text);
  font-weight: 600;
}
.send:hover:not(:disabled) { background: var(--parley-accent-dark); }
.send:disabled, .answer input:disabled { cursor: default; opacity: 0.5; }
.composer { padding: 10px; border-top: 1px solid #e6e8ef; background: #fff; }
.error { margin: 0 10px 8px; color: #b42318; font-size: 12px; }
`;
