// What the widget remembers in the visitor's browser, per workspace public
// key, so a reload (or another page of the same site) continues the same
// conversation.

export interface Stored {
  sessionId: string;
  sessionToken: string;
  // Newest event sequence the widget has seen.
  lastSequence: number;
  // Newest sequence seen while the chat was open: bot and operator messages
  // after it are unread.
  readSequence: number;
  open: boolean;
}

// localStorage can be missing or throw (disabled storage, privacy modes);
// the widget then keeps its state in memory for the life of the page.
const memory = new Map<string, string>();

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return memory.get(key) ?? null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    if (value === null) memory.delete(key);
    else memory.set(key, value);
  }
}

export class Store {
  private readonly key: string;
  private state: Partial<Stored>;

  constructor(publicKey: string) {
    this.key = `parley:${publicKey}`;
    this.state = Store.parse(read(this.key));
  }

  private static parse(raw: string | null): Partial<Stored> {
    if (!raw) return {};
    try {
      const v: unknown = JSON.parse(raw);
      if (!v || typeof v !== "object") return {};
      const o = v as Record<string, unknown>;
      const out: Partial<Stored> = {};
      if (typeof o.sessionId === "string") out.sessionId = o.sessionId;
      if (typeof o.sessionToken === "string") out.sessionToken = o.sessionToken;
      if (typeof o.lastSequence === "number") out.lastSequence = o.lastSequence;
      if (typeof o.readSequence === "number") out.readSequence = o.readSequence;
      if (typeof o.open === "boolean") out.open = o.open;
      return out;
    } catch {
      return {};
    }
  }

  // session returns the stored session, if there is a complete one.
  session(): { sessionId: string; sessionToken: string } | undefined {
    const { sessionId, sessionToken } = this.state;
    return sessionId && sessionToken ? { sessionId, sessionToken } : undefined;
  }

  get lastSequence(): number {
    return this.state.lastSequence ?? 0;
  }
  get readSequence(): number {
    return this.state.readSequence ?? 0;
  }
  get open(): boolean {
    return this.state.open ?? false;
  }

  update(patch: Partial<Stored>): void {
    this.state = { ...this.state, ...patch };
    write(this.key, JSON.stringify(this.state));
  }

  // forgetSession drops the session but keeps UI preferences.
  forgetSession(): void {
    const { open } = this.state;
    this.state = open === undefined ? {} : { open };
    write(this.key, JSON.stringify(this.state));
  }
}
