/** What the interop tests that run daemons share: a free port to give one, and polling it. */
import { createServer } from 'node:net';

/** A port free now on 127.0.0.1 (for a program that needs one named before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Polls `probe` until it returns a value (a throw counts as not yet), or fails after `ms`
 * saying what it waited for (`what` may be a function, to describe the state at that point).
 */
export async function waitFor<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting for ${typeof what === 'function' ? what() : what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
