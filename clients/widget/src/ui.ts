// The chat UI: a launcher button with an unread badge and a panel with the
// conversation and a composer, inside an open shadow root. It renders what it
// is told and reports what the visitor does; it knows nothing of the server.
//
// Elements carry data-parley attributes (launcher, badge, panel, close,
// messages, message, text, button, answer, composer, ...) as a stable hook
// for tests and for pages that style or script around the widget.

import { styles } from "./styles.js";

export type From = "visitor" | "bot" | "operator";
export type InputType = "text" | "email" | "tel" | "number";

export interface UiActions {
  toggle(): void;
  close(): void;
  sendText(text: string): Promise<void>;
  chooseButton(pickerSequence: bigint, value: string): Promise<void>;
  answerInput(requestSequence: bigint, value: string): Promise<void>;
}

const chatIcon =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.5 21l3.9-2.1c1.1.3 2.3.5 3.6.5 5.5 0 10-3.8 10-8.5S17.5 3 12 3z"/></svg>';
const closeIcon =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"/></svg>';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const message = (from: From, sequence: bigint | undefined, kind: string, time?: Date) => {
  const li = el("li", { class: "message", "data-parley": "message", "data-from": from, "data-kind": kind });
  if (sequence !== undefined) li.dataset.sequence = String(sequence);
  if (time) li.title = time.toLocaleString();
  return li;
};

const bubble = (text: string) => el("div", { class: "bubble", "data-parley": "text" }, text);

export class Ui {
  readonly host: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly status: HTMLDivElement;
  private readonly subtitle: HTMLSpanElement;
  private readonly composer: HTMLFormElement;
  private readonly input: HTMLInputElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly composerError: HTMLParagraphElement;
  private readonly pickers = new Map<string, HTMLElement>();
  private readonly answers = new Map<string, HTMLFormElement>();
  private readonly streaming = new Map<string, HTMLElement>();
  private open = false;

  constructor(private readonly actions: UiActions, title: string) {
    // A custom element name, so page rules for div and the like miss it.
    this.host = document.createElement("parley-widget");
    this.host.setAttribute("data-parley", "widget");
    const root = this.host.attachShadow({ mode: "open" });

    this.launcher = el("button", {
      type: "button",
      class: "launcher",
      "data-parley": "launcher",
      "aria-label": "Open chat",
      "aria-expanded": "false",
      "aria-controls": "parley-panel",
    });
    this.launcher.innerHTML = chatIcon;
    this.badge = el("span", { class: "badge", "data-parley": "badge", "aria-live": "polite", hidden: "" });
    this.launcher.append(this.badge);
    this.launcher.addEventListener("click", () => this.actions.toggle());

    const close = el("button", { type: "button", class: "close", "data-parley": "close", "aria-label": "Close chat" });
    close.innerHTML = closeIcon;
    close.addEventListener("click", () => this.actions.close());
    this.subtitle = el("span", { class: "subtitle", "data-parley": "presence" }, "Connecting…");
    const heading = el("h2", { class: "title", id: "parley-title" }, title, this.subtitle);

    this.status = el("div", { class: "status", "data-parley": "status", role: "status", hidden: "" });
    this.list = el("ol", { class: "messages", "data-parley": "messages", role: "log", "aria-live": "polite", "aria-labelledby": "parley-title" });

    this.input = el("input", {
      type: "text",
      "data-parley": "composer-input",
      "aria-label": "Message",
      placeholder: "Type a message…",
      autocomplete: "off",
      maxlength: "10000",
    });
    this.sendButton = el("button", { type: "submit", class: "send", "data-parley": "send", "aria-label": "Send message" }, "Send");
    this.composer = el("form", { class: "composer", "data-parley": "composer" }, this.input, this.sendButton);
    this.composerError = el("p", { class: "error", "data-parley": "error", role: "alert", hidden: "" });
    this.composer.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submitText();
    });

    this.panel = el(
      "section",
      { class: "panel", id: "parley-panel", "data-parley": "panel", role: "dialog", "aria-labelledby": "parley-title", hidden: "" },
      el("header", { class: "header" }, heading, close),
      this.status,
      this.list,
      this.composerError,
      this.composer,
    );
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.actions.close();
    });

    root.append(el("style", {}, styles), this.panel, this.launcher);
  }

  // mount adds the widget to the page once it has a body.
  mount(): void {
    const attach = () => document.body.append(this.host);
    if (document.body) attach();
    else document.addEventListener("DOMContentLoaded", attach, { once: true });
  }

  setVisible(visible: boolean): void {
    this.host.toggleAttribute("data-hidden", !visible);
  }

  setOpen(open: boolean, focus: boolean): void {
    this.open = open;
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    this.launcher.innerHTML = open ? closeIcon : chatIcon;
    this.launcher.append(this.badge);
    if (open) {
      this.scrollToEnd();
      if (focus) this.input.focus();
    } else if (focus) {
      this.launcher.focus();
    }
  }

  setUnread(count: number): void {
    this.badge.textContent = count > 99 ? "99+" : String(count);
    this.badge.hidden = count === 0;
    this.badge.setAttribute("aria-label", `${count} unread message${count === 1 ? "" : "s"}`);
  }

  setPresence(text: string): void {
    this.subtitle.textContent = text;
  }

  // setEnabled turns the composer off when the chat cannot be used at all.
  setEnabled(enabled: boolean): void {
    this.input.disabled = !enabled;
    this.sendButton.disabled = !enabled;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
    this.status.hidden = text === "";
  }

  // clear empties the conversation (a new session replaced the old one).
  clear(): void {
    this.list.replaceChildren();
    this.pickers.clear();
    this.answers.clear();
    this.streaming.clear();
  }

  addText(from: From, sequence: bigint | undefined, text: string, time?: Date): void {
    if (from !== "visitor") this.clearStreaming();
    this.append(message(from, sequence, "text", time), bubble(text));
  }

  addPicker(sequence: bigint, text: string, buttons: { label: string; value: string }[], time?: Date): void {
    this.clearStreaming();
    const li = message("bot", sequence, "picker", time);
    const group = el("div", { class: "choices", role: "group", "aria-label": text || "Choices" });
    for (const b of buttons) {
      const button = el("button", { type: "button", class: "choice", "data-parley": "button", "data-value": b.value, "aria-pressed": "false" }, b.label);
      button.addEventListener("click", () => void this.choose(sequence, group, button, b.value));
      group.append(button);
    }
    this.pickers.set(String(sequence), group);
    this.append(li, ...(text ? [bubble(text)] : []), group);
  }

  private async choose(sequence: bigint, group: HTMLElement, chosen: HTMLButtonElement, value: string): Promise<void> {
    this.markChosen(group, value);
    try {
      await this.actions.chooseButton(sequence, value);
      this.composerError.hidden = true;
    } catch (err) {
      // Let the visitor try again.
      for (const b of group.querySelectorAll("button")) {
        b.disabled = false;
        b.setAttribute("aria-pressed", "false");
      }
      chosen.focus();
      this.showError(err);
    }
  }

  private markChosen(group: HTMLElement, value: string): void {
    for (const b of group.querySelectorAll("button")) {
      b.disabled = true;
      b.setAttribute("aria-pressed", String(b.dataset.value === value));
    }
  }

  // pickerAnswered disables a picker once a choice for it is in the log.
  pickerAnswered(pickerSequence: bigint, value: string): void {
    const group = this.pickers.get(String(pickerSequence));
    if (group) this.markChosen(group, value);
  }

  addInput(sequence: bigint, text: string, type: InputType, placeholder: string, time?: Date): void {
    this.clearStreaming();
    const li = message("bot", sequence, "input", time);
    const field = el("input", {
      type,
      "data-parley": "answer-input",
      "aria-label": text || "Your answer",
      placeholder: placeholder || (type === "email" ? "name@example.com" : type === "tel" ? "+1 555 0100" : ""),
      required: "",
      maxlength: "2000",
      autocomplete: type === "email" ? "email" : type === "tel" ? "tel" : "off",
    });
    if (type === "number") field.setAttribute("step", "any");
    const submit = el("button", { type: "submit", class: "send", "data-parley": "answer-submit" }, "Send");
    const form = el("form", { class: "answer", "data-parley": "answer" }, field, submit);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = field.value.trim();
      if (!value || !form.reportValidity()) return;
      void this.answer(sequence, form, value);
    });
    this.answers.set(String(sequence), form);
    this.append(li, ...(text ? [bubble(text)] : []), form);
  }

  private async answer(sequence: bigint, form: HTMLFormElement, value: string): Promise<void> {
    this.disableForm(form);
    try {
      await this.actions.answerInput(sequence, value);
      this.composerError.hidden = true;
    } catch (err) {
      for (const c of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>("input, button")) c.disabled = false;
      this.showError(err);
    }
  }

  private disableForm(form: HTMLFormElement): void {
    for (const c of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>("input, button")) c.disabled = true;
  }

  inputAnswered(requestSequence: bigint): void {
    const form = this.answers.get(String(requestSequence));
    if (form) this.disableForm(form);
  }

  // delta shows part of a bot or agent message still being written.
  delta(streamId: string, text: string): void {
    let li = this.streaming.get(streamId);
    if (!li) {
      li = message("bot", undefined, "text");
      li.dataset.streaming = "";
      li.append(bubble(""));
      this.streaming.set(streamId, li);
      this.list.append(li);
    }
    const b = li.querySelector(".bubble");
    if (b) b.textContent += text;
    this.scrollToEnd();
  }

  // clearStreaming drops partial messages: the final message replaces them.
  private clearStreaming(): void {
    for (const li of this.streaming.values()) li.remove();
    this.streaming.clear();
  }

  private append(li: HTMLLIElement, ...children: Node[]): void {
    li.append(...children);
    this.list.append(li);
    this.scrollToEnd();
  }

  private scrollToEnd(): void {
    if (this.open) this.list.scrollTop = this.list.scrollHeight;
  }

  private async submitText(): Promise<void> {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.sendButton.disabled = true;
    this.composerError.hidden = true;
    try {
      await this.actions.sendText(text);
    } catch (err) {
      // Give the text back so nothing typed is lost.
      if (!this.input.value) this.input.value = text;
      this.showError(err);
    } finally {
      this.sendButton.disabled = false;
    }
  }

  private showError(err: unknown): void {
    console.warn("[parley]", err);
    this.composerError.textContent = "Could not send. Please try again.";
    this.composerError.hidden = false;
  }
}
