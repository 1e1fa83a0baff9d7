// The demo page in a real Chromium: the widget loads from the server, runs
// the sample workflows through $parley commands, counts unread messages while
// closed and restores the conversation after a reload.
//
//   PARLEY_URL=http://127.0.0.1:8080 node clients/widget/test/demo.browser.mjs
//
// server/internal/app's TestWidgetDemoInChromium starts the server and runs
// this. Optional: PARLEY_TOKEN (an API token) adds checks of the session's
// event log; CHROMIUM overrides /usr/bin/chromium. Writes a screenshot to
// test-artifacts/widget-demo.png. Exits non-zero on the first failure.
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const baseUrl = (process.env.PARLEY_URL ?? "").replace(/\/+$/, "");
if (!baseUrl) {
  console.error("PARLEY_URL is not set (server/internal/app's TestWidgetDemoInChromium sets it)");
  process.exit(2);
}
const apiToken = process.env.PARLEY_TOKEN ?? "";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const artifacts = path.join(root, "test-artifacts");
const screenshot = path.join(artifacts, "widget-demo.png");
const timeout = 15_000;

const texts = {
  welcome: "Hi! Welcome to the Parley demo.",
  picker: "What can we help you with?",
  chose: "You chose: Talk to a human. Thanks, we will take it from here.",
  support: "Your pro plan linked to order 12345 is in good hands (priority customer: true).",
  agentOn: "The AI agent is on.",
  agentPaused: "The AI agent is paused.",
};

// Playwright's CSS selectors pierce the widget's open shadow root.
const sel = {
  launcher: '[data-parley="launcher"]',
  badge: '[data-parley="badge"]',
  panel: '[data-parley="panel"]',
  close: '[data-parley="close"]',
  message: '[data-parley="message"]',
  button: '[data-parley="button"]',
};

const log = [];
let passed = 0;
async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    console.log(`not ok ${passed + 1} - ${name}`);
    throw err;
  }
  passed++;
  console.log(`ok ${passed} - ${name}`);
}

// waitUntil polls fn until it returns a truthy value.
async function waitUntil(what, fn, ms = timeout) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const botMessage = (page, text) => page.locator(`${sel.message}[data-from="bot"]`, { hasText: text });

async function waitForCount(locator, n, what) {
  await waitUntil(`${n} × ${what}`, async () => (await locator.count()) === n);
}

// conversation lists the rendered messages, hidden or not.
const conversation = (page) =>
  page.locator(sel.message).evaluateAll((els) =>
    els.map((e) => ({
      sequence: e.getAttribute("data-sequence"),
      from: e.getAttribute("data-from"),
      text: e.querySelector('[data-parley="text"]')?.textContent ?? "",
    })),
  );

const sessionIdOf = (page) =>
  waitUntil("session:loaded", () =>
    page.evaluate(() => (window.$parley && typeof window.$parley.get === "function" ? window.$parley.get("session:identifier") : null)),
  );

// storedSessionId reads what the widget keeps in localStorage.
const storedSessionId = (page) =>
  page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith("parley:")) return JSON.parse(localStorage.getItem(key) ?? "{}").sessionId ?? null;
    }
    return null;
  });

async function listEvents(sessionId) {
  const events = [];
  for (let after = "0"; ; ) {
    const res = await fetch(`${baseUrl}/parley.session.v1.SessionService/ListEvents`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiToken}` },
      body: JSON.stringify({ sessionId, afterSequence: after, pageSize: 1000 }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, `ListEvents: ${JSON.stringify(body)}`);
    events.push(...(body.events ?? []));
    if (!body.hasMore || !body.events?.length) return events;
    after = body.events.at(-1).sequence;
  }
}

await fs.mkdir(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // Playwright gives the browser a fresh, temporary profile.
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(timeout);
  page = await context.newPage();
  page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (err) => log.push(`[pageerror] ${err.stack ?? err}`));
  page.on("requestfailed", (r) => log.push(`[requestfailed] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) log.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
  });

  let sessionId;
  await step("the demo page loads and shows the launcher", async () => {
    const res = await page.goto(`${baseUrl}/demo`);
    assert.equal(res?.status(), 200, `GET /demo answered ${res?.status()}`);
    assert.equal(await page.title(), "Parley widget demo");
    await page.locator(sel.launcher).waitFor({ state: "visible" });
    assert.equal(await page.locator('main [role="alert"]').count(), 0, "the page reports missing sample workflows");
    assert.ok(await page.locator(sel.panel).isHidden(), "the chat starts open");
  });

  await step("a session is created and session:loaded reports its id", async () => {
    sessionId = await sessionIdOf(page);
    assert.match(sessionId, /^session_[0-9a-f-]{36}$/);
    assert.equal(await storedSessionId(page), sessionId);
    await waitUntil("the session id on the page", async () => (await page.locator("#session-id").textContent()) === sessionId);
  });

  await step("opening the chat runs the welcome workflow: greeting and button picker", async () => {
    await page.locator(sel.launcher).click();
    await page.locator(sel.panel).waitFor({ state: "visible" });
    await botMessage(page, texts.welcome).waitFor();
    const picker = page.locator(`${sel.message}[data-kind="picker"]`, { hasText: texts.picker });
    await picker.waitFor();
    assert.deepEqual(await picker.locator(sel.button).allTextContents(), ["Track an order", "Talk to a human"]);
  });

  await step('choosing "Talk to a human" answers the picker and continues the workflow', async () => {
    await page.locator(sel.button, { hasText: "Talk to a human" }).click();
    await botMessage(page, texts.chose).waitFor();
    await page.locator(`${sel.message}[data-from="visitor"]`, { hasText: "Talk to a human" }).waitFor();
    for (const b of await page.locator(sel.button).all()) assert.ok(await b.isDisabled(), "a picker button is still enabled after the choice");
  });

  await step('"Start Support Chat" runs the support workflow with its variables', async () => {
    await page.getByRole("button", { name: "Start Support Chat", exact: true }).click();
    await botMessage(page, texts.support).waitFor();
  });

  await step('"start" twice sets the same session data twice and the agent workflow answers twice', async () => {
    const start = page.getByRole("button", { name: "start", exact: true });
    const on = botMessage(page, texts.agentOn);
    await start.click();
    await waitForCount(on, 1, texts.agentOn);
    await start.click();
    await waitForCount(on, 2, texts.agentOn);
  });

  await step('with the chat closed, "pause" brings an unread message: the badge shows 1', async () => {
    await page.locator(sel.close).click();
    await page.locator(sel.panel).waitFor({ state: "hidden" });
    assert.ok(await page.locator(sel.badge).isHidden(), "the badge shows before anything is unread");
    await page.getByRole("button", { name: "pause", exact: true }).click();
    await waitForCount(botMessage(page, texts.agentPaused), 1, texts.agentPaused);
    await page.locator(sel.badge).waitFor({ state: "visible" });
    assert.equal((await page.locator(sel.badge).textContent())?.trim(), "1");
  });

  let before;
  await step("every message is shown once, in sequence order", async () => {
    before = await conversation(page);
    const sequences = before.map((m) => Number(m.sequence));
    assert.deepEqual(sequences, [...new Set(sequences)].sort((a, b) => a - b), `sequences ${sequences}`);
    assert.deepEqual(
      before.filter((m) => m.from !== "visitor").map((m) => m.text),
      [texts.welcome, texts.picker, texts.chose, texts.support, texts.agentOn, texts.agentOn, texts.agentPaused],
    );
  });

  if (apiToken) {
    await step("the session's event log holds each custom data update (API)", async () => {
      const events = await listEvents(sessionId);
      const sets = events.filter((e) => e.dataSet?.key === "enum").map((e) => [e.dataSet.value, Boolean(e.dataSet.unchanged)]);
      assert.deepEqual(sets, [
        ["start_chatbot", false],
        ["start_chatbot", true],
        ["pause_chatbot", false],
      ]);
    });
  }

  await step("after a reload: same session, same conversation, still closed, still 1 unread", async () => {
    await page.reload();
    assert.equal(await sessionIdOf(page), sessionId, "the session id changed across the reload");
    assert.equal(await storedSessionId(page), sessionId);
    await waitUntil(`${before.length} messages`, async () => (await page.locator(sel.message).count()) >= before.length);
    assert.deepEqual(await conversation(page), before);
    assert.ok(await page.locator(sel.panel).isHidden(), "the chat opened by itself after the reload");
    await page.locator(sel.badge).waitFor({ state: "visible" });
    assert.equal((await page.locator(sel.badge).textContent())?.trim(), "1");
  });

  await step("opening the chat clears the badge, shows the history and greets again", async () => {
    await page.locator(sel.launcher).click();
    await page.locator(sel.panel).waitFor({ state: "visible" });
    await page.locator(sel.badge).waitFor({ state: "hidden" });
    await waitForCount(botMessage(page, texts.welcome), 2, texts.welcome);
    await waitForCount(page.locator(`${sel.message}[data-kind="picker"]`), 2, "pickers");
    const now = await conversation(page);
    assert.deepEqual(now.slice(0, before.length), before);
    await page.locator(sel.message).last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  await step("an open chat stays open across a reload", async () => {
    await page.reload();
    assert.equal(await sessionIdOf(page), sessionId);
    await page.locator(sel.panel).waitFor({ state: "visible" });
    await waitUntil("the history", async () => (await page.locator(sel.message).count()) >= before.length + 2);
  });

  const errors = log.filter((l) => l.startsWith("[pageerror]"));
  assert.deepEqual(errors, [], "uncaught errors on the page");
  console.log(`# ${passed} checks passed; session ${sessionId}; screenshot ${path.relative(root, screenshot)}`);
} catch (err) {
  console.log(`# failed: ${err?.stack ?? err}`);
  if (page) {
    const failure = path.join(artifacts, "widget-demo-failure.png");
    await page.screenshot({ path: failure, fullPage: true }).then(
      () => console.log(`# screenshot of the failure: ${path.relative(root, failure)}`),
      () => undefined,
    );
  }
  console.log(`# browser log:\n${log.join("\n") || "(empty)"}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
