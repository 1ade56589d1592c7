/**
 * A tiny Lambda runtime for the local stack: loads a function's handler module once (one warm
 * container, shared by concurrent invocations), builds a Lambda-like context and enforces the
 * function's timeout. Gateway, queue driver, scheduler and `pinstack run` all invoke through it.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type FunctionSpec, handlerEntry } from '../system/functions.ts';

/** Any Lambda handler; callers pass the event type the function's trigger produces. */
export type LambdaHandler = (event: never, context: Context) => unknown;

/** Resolves a function's handler; the default imports `lambdas/handlers/<name>.ts`. */
export type HandlerLoader = (fn: FunctionSpec) => LambdaHandler | Promise<LambdaHandler>;

/** Where log lines and invocation errors go; the stack is silent unless given one. */
export interface Logger {
  info(line: string): void;
  error(line: string, error?: unknown): void;
}

export const silentLogger: Logger = { info() {}, error() {} };

export const consoleLogger: Logger = {
  info: (line) => console.log(line),
  error: (line, error) => (error === undefined ? console.error(line) : console.error(line, error)),
};

/** The account id every local ARN uses (the emulators' own default). */
export const LOCAL_ACCOUNT_ID = '000000000000';

const repoRoot = new URL('../', import.meta.url);

/** Loads handlers from `<root>/lambdas/handlers/<name>.ts`; root defaults to this repository. */
export function moduleHandlerLoader(root: URL = repoRoot): HandlerLoader {
  return async (fn) => {
    const entry = handlerEntry(fn);
    const module: { handler?: unknown } = await import(new URL(entry, root).href);
    if (typeof module.handler !== 'function') {
      throw new Error(`${entry} does not export a handler function`);
    }
    return module.handler as LambdaHandler;
  };
}

export type InvokeResult =
  | { ok: true; value: unknown; durationMs: number }
  | { ok: false; error: unknown; timedOut: boolean; durationMs: number };

/** Counts work in flight (invocations, notification deliveries) so shutdown and tests can wait. */
export class Activity {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await work();
    } finally {
      this.#count--;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** Resolves once nothing is in flight. */
  settled(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export interface FunctionRuntimeOptions {
  fn: FunctionSpec;
  loader: HandlerLoader;
  region: string;
  activity: Activity;
  log: Logger;
}

/** One function's warm container. */
export class FunctionRuntime {
  readonly fn: FunctionSpec;
  readonly #loader: HandlerLoader;
  readonly #region: string;
  readonly #activity: Activity;
  readonly #log: Logger;
  #handler: Promise<LambdaHandler> | undefined;

  constructor(options: FunctionRuntimeOptions) {
    this.fn = options.fn;
    this.#loader = options.loader;
    this.#region = options.region;
    this.#activity = options.activity;
    this.#log = options.log;
  }

  /** Runs the handler once with the function's timeout; never throws. */
  invoke(event: unknown): Promise<InvokeResult> {
    return this.#activity.track(async () => {
      const started = Date.now();
      const timeoutMs = this.fn.timeoutSeconds * 1000;
      const context = lambdaContext(this.fn, this.#region, started + timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new InvocationTimeout(this.fn, timeoutMs)), timeoutMs);
      });
      try {
        const handler = await Promise.race([this.#load(), timeout]);
        const value = await Promise.race([
          Promise.resolve().then(() => handler(event as never, context)),
          timeout,
        ]);
        return { ok: true, value, durationMs: Date.now() - started };
      } catch (error) {
        const timedOut = error instanceof InvocationTimeout;
        this.#log.error(
          `${this.fn.name} ${context.awsRequestId} ${timedOut ? 'timed out' : 'failed'}`,
          error,
        );
        return { ok: false, error, timedOut, durationMs: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    });
  }

  /** Loads the module on first use, like a cold start; a failed init is retried next time. */
  #load(): Promise<LambdaHandler> {
    this.#handler ??= Promise.resolve()
      .then(() => this.#loader(this.fn))
      .catch((error: unknown) => {
        this.#handler = undefined;
        throw error;
      });
    return this.#handler;
  }
}

export class InvocationTimeout extends Error {
  override name = 'InvocationTimeout';
  constructor(fn: FunctionSpec, timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds (${fn.name})`);
  }
}

function lambdaContext(fn: FunctionSpec, region: string, deadline: number): Context {
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise instead');
  };
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
