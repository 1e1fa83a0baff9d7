// Callbacks registered with ["on", name, fn] and removed with ["off", name, fn?].

export const eventNames = ["chat:opened", "chat:closed", "session:loaded", "message:sent", "message:received"] as const;
export type EventName = (typeof eventNames)[number];

export const isEventName = (name: unknown): name is EventName => (eventNames as readonly unknown[]).includes(name);

type Handler = (...args: unknown[]) => void;

export class Emitter {
  private readonly handlers = new Map<EventName, Handler[]>();

  on(name: EventName, fn: Handler): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn]);
  }

  // off removes fn, or every handler of name when fn is omitted.
  off(name: EventName, fn?: Handler): void {
    if (!fn) this.handlers.delete(name);
    else this.handlers.set(name, (this.handlers.get(name) ?? []).filter((h) => h !== fn));
  }

  // emit calls the handlers after the current task, so a handler that pushes
  // commands or throws does not disturb the widget's own state changes.
  emit(name: EventName, ...args: unknown[]): void {
    for (const fn of this.handlers.get(name) ?? []) this.call(name, fn, args);
  }

  call(name: EventName, fn: Handler, args: unknown[]): void {
    setTimeout(() => {
      try {
        fn(...args);
      } catch (err) {
        console.error(`[parley] a "${name}" handler threw:`, err);
      }
    }, 0);
  }
}
