// The few Node built-ins the tests use, typed by hand: the repository pins no
// @types/node. (DOM types, from tsc's default lib, cover fetch and
// AbortController.)

declare const process: { env: Record<string, string | undefined> };

declare module "node:test" {
  interface TestContext {
    after(fn: () => void | Promise<void>): void;
  }
  type TestFn = (t: TestContext) => void | Promise<void>;
  export default function test(name: string, options: { timeout?: number }, fn: TestFn): Promise<void>;
}

declare module "node:assert/strict" {
  const assert: {
    ok(value: unknown, message?: string): asserts value;
    equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    notEqual(actual: unknown, expected: unknown, message?: string): void;
    deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    match(value: string, pattern: RegExp, message?: string): void;
    throws(fn: () => unknown, check: (err: unknown) => boolean, message?: string): void;
    rejects(fn: () => Promise<unknown>, check: (err: unknown) => boolean, message?: string): Promise<void>;
    fail(message: string): never;
  };
  export default assert;
}
