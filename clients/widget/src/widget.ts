// The widget: ties the server connection, the UI and the $parley command
// vocabulary together, and keeps the state that outlives a page (open or
// closed, what has been read) in the Store.

import { ConnectError } from "@connectrpc/connect";
import type { JsonObject } from "@bufbuild/protobuf";
import { Actor, InputKind, type SessionEvent } from "../../typescript/src/gen/parley/session/v1/session_pb.js";
import { Connection, type Scalar, type Status } from "./connection.js";
import { Emitter, isEventName } from "./emitter.js";
import { Store } from "./storage.js";
import { Ui, type From, type InputType } from "./ui.js";

// What message:received handlers get.
export interface ReceivedMessage {
  sessionId: string;
  sequence: number;
  from: "bot" | "operator";
  type: "text" | "picker" | "input";
  text: string;
  buttons?: { label: string; value: string }[];
}

// The object that replaces the window.$parley array.
export interface ParleyApi {
  push(...commands: unknown[]): number;
  get(name: string): unknown;
  is(name: string): boolean;
}

const fromActor = (actor: Actor): From =>
  actor === Actor.VISITOR ? "visitor" : actor === Actor.OPERATOR ? "operator" : "bot";

const inputType = (kind: InputKind): InputType =>
  kind === InputKind.EMAIL ? "email" : kind === InputKind.PHONE ? "tel" : kind === InputKind.NUMBER ? "number" : "text";

const isScalar = (v: unknown): v is Scalar =>
  typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const warn = (...args: unknown[]) => console.warn("[parley]", ...args);

const describe = (err: unknown) => ConnectError.from(err).message;

export class Widget {
  private readonly store: Store;
  private readonly ui: Ui;
  private readonly conn: Connection;
  private readonly events = new Emitter();
  // Commands that need the session run one after another, in push order.
  private queue: Promise<unknown> = Promise.resolve();
  private open: boolean;
  private unread = 0;
  private latestSequence = 0n;
  private loadedSessionId = "";

  constructor(baseUrl: string, publicKey: string, title: string) {
    this.store = new Store(publicKey);
    this.open = this.store.open;
    this.ui = new Ui(
      {
        toggle: () => this.setOpen(!this.open, true),
        close: () => this.setOpen(false, true),
        sendText: (text) => this.enqueue("sending a message", () => this.conn.sendText(text)),
        chooseButton: (seq, value) => this.enqueue("sending a choice", () => this.conn.chooseButton(seq, value)),
        answerInput: (seq, value) => this.enqueue("sending an answer", () => this.conn.answerInput(seq, value)),
      },
      title,
    );
    this.conn = new Connection(baseUrl, publicKey, this.store, {
      onSession: () => this.onSession(),
      onLoaded: (id) => this.onLoaded(id),
      onEvent: (ev, live) => this.onEvent(ev, live),
      onDelta: (d) => this.ui.delta(d.streamId, d.text),
      onStatus: (s) => this.onStatus(s),
    });
  }

  start(): void {
    this.ui.setOpen(this.open, false);
    this.ui.mount();
    this.conn.start();
  }

  api(): ParleyApi {
    return {
      push: (...commands: unknown[]) => {
        for (const c of commands) this.command(c);
        return commands.length;
      },
      get: (name) => this.get(name),
      is: (name) => this.get(name) === true,
    };
  }

  private get(name: string): unknown {
    switch (name) {
      case "session:identifier":
        return this.loadedSessionId || null;
      case "chat:opened":
        return this.open;
      case "chat:closed":
        return !this.open;
      case "chat:unread:count":
        return this.unread;
      default:
        warn(`unknown property "${name}"`);
        return undefined;
    }
  }

  // --- State ---

  private setOpen(open: boolean, byVisitor: boolean): void {
    if (open === this.open) return;
    this.open = open;
    this.store.update({ open });
    this.ui.setOpen(open, byVisitor);
    if (open) {
      this.markRead();
      this.events.emit("chat:opened");
    } else {
      this.events.emit("chat:closed");
    }
  }

  private markRead(): void {
    this.unread = 0;
    this.ui.setUnread(0);
    if (this.latestSequence > 0n) this.store.update({ readSequence: Number(this.latestSequence) });
  }

  private onSession(): void {
    this.ui.clear();
    this.unread = 0;
    this.ui.setUnread(0);
    this.latestSequence = 0n;
  }

  private onLoaded(sessionId: string): void {
    this.loadedSessionId = sessionId;
    this.events.emit("session:loaded", sessionId);
  }

  private onStatus(status: Status): void {
    switch (status) {
      case "connecting":
        this.ui.setPresence("Connecting…");
        break;
      case "online":
        this.ui.setPresence("We usually reply in a few minutes");
        this.ui.setStatus("");
        break;
      case "reconnecting":
        this.ui.setStatus("Connection lost. Reconnecting…");
        break;
      case "unavailable":
        this.ui.setPresence("Unavailable");
        this.ui.setEnabled(false);
        this.ui.setStatus("The chat is not available right now.");
        break;
    }
  }

  private onEvent(ev: SessionEvent, live: boolean): void {
    this.latestSequence = ev.sequence;
    const from = fromActor(ev.actor);
    const time = ev.createdAt ? new Date(Number(ev.createdAt.seconds) * 1000) : undefined;
    const p = ev.payload;
    switch (p.case) {
      case "message":
        this.ui.addText(from, ev.sequence, p.value.text, time);
        if (from === "visitor") {
          if (live) this.events.emit("message:sent", { sessionId: ev.sessionId, sequence: Number(ev.sequence), text: p.value.text });
        } else {
          this.received(ev, live, { from, type: "text", text: p.value.text });
        }
        break;
      case "buttonPicker": {
        const buttons = p.value.buttons.map((b) => ({ label: b.label, value: b.value }));
        this.ui.addPicker(ev.sequence, p.value.text, buttons, time);
        this.received(ev, live, { from: "bot", type: "picker", text: p.value.text, buttons });
        break;
      }
      case "buttonChosen": {
        const button = p.value.button;
        this.ui.addText("visitor", ev.sequence, button?.label || button?.value || "", time);
        this.ui.pickerAnswered(p.value.pickerSequence, button?.value ?? "");
        break;
      }
      case "inputRequested":
        this.ui.addInput(ev.sequence, p.value.text, inputType(p.value.kind), p.value.placeholder, time);
        this.received(ev, live, { from: "bot", type: "input", text: p.value.text });
        break;
      case "inputAnswered":
        this.ui.addText("visitor", ev.sequence, p.value.value, time);
        this.ui.inputAnswered(p.value.requestSequence);
        break;
      default:
      // Data, labels, segments, status and the like are not part of the
      // visitor's view of the conversation.
    }
    if (this.open) this.store.update({ readSequence: Number(ev.sequence) });
  }

  private received(ev: SessionEvent, live: boolean, m: Omit<ReceivedMessage, "sessionId" | "sequence">): void {
    if (m.from !== "bot" && m.from !== "operator") return;
    if (!this.open && Number(ev.sequence) > this.store.readSequence) {
      this.unread++;
      this.ui.setUnread(this.unread);
    }
    if (live) this.events.emit("message:received", { sessionId: ev.sessionId, sequence: Number(ev.sequence), ...m });
  }

  // enqueue runs a task after every earlier one; its failure is logged and
  // passed to the caller, and does not stop later tasks.
  private enqueue(what: string, task: () => Promise<unknown>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run.then(
      () => undefined,
      (err: unknown) => {
        warn(`${what} failed:`, describe(err));
        throw err;
      },
    );
  }

  // command runs a command an SDK user pushed; a command that needs the
  // session waits for it.
  private enqueueCommand(what: string, task: () => Promise<unknown>): void {
    this.enqueue(what, task).catch(() => undefined);
  }

  // --- The $parley vocabulary ---

  private command(item: unknown): void {
    try {
      this.dispatch(item);
    } catch (err) {
      warn("command", item, "failed:", err);
    }
  }

  private dispatch(item: unknown): void {
    if (!Array.isArray(item) || typeof item[0] !== "string" || typeof item[1] !== "string") {
      warn('a command is an array like ["do", "chat:open"]; ignoring', item);
      return;
    }
    const [verb, name] = item as [string, string];
    if (verb === "on" || verb === "off") {
      this.subscribe(verb, name, item[2]);
      return;
    }
    const args: unknown[] = Array.isArray(item[2]) ? item[2] : item[2] === undefined ? [] : [item[2]];
    switch (`${verb} ${name}`) {
      case "do chat:open":
        this.setOpen(true, false);
        return;
      case "do chat:close":
        this.setOpen(false, false);
        return;
      case "do chat:toggle":
        this.setOpen(!this.open, false);
        return;
      case "do chat:show":
        this.ui.setVisible(true);
        return;
      case "do chat:hide":
        this.ui.setVisible(false);
        return;
      case "do bot:scenario:run":
        this.runScenario(args);
        return;
      case "do message:send":
        this.sendMessage(args);
        return;
      case "set session:data":
        this.setSessionData(args);
        return;
      case "set session:segments":
        this.setSegments(args);
        return;
      case "set user:email":
      case "set user:nickname":
      case "set user:phone":
        this.setUser(name, args[0]);
        return;
      default:
        warn(`unknown command ${JSON.stringify([verb, name])}; ignoring it`);
    }
  }

  private subscribe(verb: "on" | "off", name: string, fn: unknown): void {
    if (!isEventName(name)) {
      warn(`unknown event "${name}"; ignoring ["${verb}", "${name}"]`);
      return;
    }
    if (verb === "off") {
      this.events.off(name, typeof fn === "function" ? (fn as () => void) : undefined);
      return;
    }
    if (typeof fn !== "function") {
      warn(`["on", "${name}", fn] needs a function`);
      return;
    }
    const handler = fn as (...args: unknown[]) => void;
    this.events.on(name, handler);
    // A session:loaded handler registered after the load still learns the id.
    if (name === "session:loaded" && this.loadedSessionId) this.events.call(name, handler, [this.loadedSessionId]);
  }

  private runScenario(args: unknown[]): void {
    const [workflowId, vars] = args;
    if (typeof workflowId !== "string" || !workflowId) {
      warn('bot:scenario:run needs a workflow id: ["do", "bot:scenario:run", ["scenario_..."]]');
      return;
    }
    let variables: JsonObject | undefined;
    if (vars !== undefined && vars !== null) {
      if (!isPlainObject(vars)) {
        warn("bot:scenario:run variables must be an object of strings, numbers and booleans; ignoring", vars);
      } else {
        variables = {};
        for (const [k, v] of Object.entries(vars)) {
          if (isScalar(v)) variables[k] = v;
          else warn(`bot:scenario:run variable "${k}" must be a string, number or boolean; leaving it out`);
        }
      }
    }
    this.enqueueCommand(`running workflow ${workflowId}`, () => this.conn.runWorkflow(workflowId, variables));
  }

  private sendMessage(args: unknown[]): void {
    // Crisp's form is ["text", "Hello"]; ["Hello"] is accepted too.
    const text = args.length >= 2 && args[0] === "text" ? args[1] : args[0];
    if (typeof text !== "string" || !text.trim()) {
      warn('message:send needs text: ["do", "message:send", ["text", "Hello"]]');
      return;
    }
    this.enqueueCommand("sending a message", () => this.conn.sendText(text));
  }

  // setSessionData accepts [key, value], [{key: value, ...}] and
  // [[[key, value], ...]]. Every pair is sent, even a value the key already
  // has: workflows may trigger on each update.
  private setSessionData(args: unknown[]): void {
    const pairs: [unknown, unknown][] = [];
    const first = args[0];
    if (typeof first === "string") pairs.push([first, args[1]]);
    else if (isPlainObject(first)) pairs.push(...Object.entries(first));
    else if (Array.isArray(first)) {
      if (typeof first[0] === "string") pairs.push([first[0], first[1]]);
      else for (const p of first) if (Array.isArray(p)) pairs.push([p[0], p[1]]);
    }
    if (pairs.length === 0) {
      warn('session:data needs ["key", value] or [{key: value}]; ignoring', args);
      return;
    }
    for (const [key, value] of pairs) {
      if (typeof key !== "string" || !key) {
        warn("session:data key must be a non-empty string; ignoring", key);
      } else if (!isScalar(value)) {
        warn(`session:data "${key}" must be a string, number or boolean; ignoring`, value);
      } else {
        this.enqueueCommand(`setting session data "${key}"`, () => this.conn.setData(key, value));
      }
    }
  }

  // setSegments accepts [["a", "b"]] (adds them) and [["a", "b"], true]
  // (replaces the session's segments with them).
  private setSegments(args: unknown[]): void {
    const [list, overwrite] = Array.isArray(args[0]) ? [args[0] as unknown[], args[1] === true] : [args, false];
    const segments = [...new Set(list.filter((s): s is string => typeof s === "string" && s !== ""))];
    if (list.some((s) => typeof s !== "string" || s === "")) warn("session:segments are non-empty strings; leaving out the others in", list);
    this.enqueueCommand("updating segments", async () => {
      if (!overwrite) return this.conn.updateSegments(segments, []);
      const current = (await this.conn.session())?.segments ?? [];
      return this.conn.updateSegments(
        segments.filter((s) => !current.includes(s)),
        current.filter((s) => !segments.includes(s)),
      );
    });
  }

  private setUser(name: string, value: unknown): void {
    if (typeof value !== "string") {
      warn(`${name} needs a string: ["set", "${name}", ["..."]]`);
      return;
    }
    const field = name === "user:email" ? "email" : name === "user:phone" ? "phone" : "name";
    this.enqueueCommand(`setting ${name}`, () => this.conn.updateVisitor({ [field]: value }));
  }
}
