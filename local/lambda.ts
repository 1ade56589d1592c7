/**
 * A tiny Lambda runtime for the local stack: loads a function's handler module once (one warm
 * container, shared by concurrent invocations), builds a Lambda-like context and enforces the
 * function's timeout. Gateway, queue driver, scheduler and `pinstack run` all invoke through it.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Context } from 'aws-lambda';
import { type FunctionSpec, handlerEntry, type Trigger } from '../system/functions.ts';

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
  installAwsLambdaGlobal();
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
    return this.#run((handler, context) => {
      if (isStreaming(handler)) {
        throw new Error(`${this.fn.name} streams its response: invoke it with invokeStreaming`);
      }
      return handler(event as never, context);
    });
  }

  /**
   * Runs a streaming handler (wrapped in `awslambda.streamifyResponse`) with a response stream
   * that writes to `sink`, as a Function URL in RESPONSE_STREAM mode does; never throws. When
   * the handler settles the stream is ended (after a failure mid-stream: destroyed).
   */
  invokeStreaming(event: unknown, sink: StreamSink): Promise<InvokeResult> {
    return this.#run(async (handler, context) => {
      if (!isStreaming(handler)) {
        throw new Error(`${this.fn.name} is not wrapped in awslambda.streamifyResponse`);
      }
      const stream = new LambdaResponseStream(sink);
      try {
        const value = await (handler as unknown as StreamingHandler)(event, stream, context);
        await stream.finish();
        return value;
      } catch (error) {
        stream.fail(error);
        throw error;
      }
    });
  }

  #run(call: (handler: LambdaHandler, context: Context) => unknown): Promise<InvokeResult> {
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
          Promise.resolve().then(() => call(handler, context)),
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

/** Lambda's marker on a handler wrapped by `awslambda.streamifyResponse`. */
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
/** The content type that says a streamed response starts with an HTTP prelude (Function URLs). */
export const HTTP_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** Eight zero bytes end the prelude. */
const PRELUDE_DELIMITER = new Uint8Array(8);

type StreamingHandler = (
  event: unknown,
  stream: LambdaResponseStream,
  context: Context,
) => Promise<unknown>;

const isStreaming = (handler: LambdaHandler) =>
  (handler as unknown as Record<symbol, unknown>)[STREAMING] === 'response';

/** Where a streamed response goes: its content type first, then its bytes, in order. */
export interface StreamSink {
  start(contentType: string): void;
  /** Resolves when the sink can take more (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  end(): void;
  /** The handler failed after the response began (or before): cut it off. */
  abort(error: unknown): void;
}

/**
 * The `responseStream` Lambda hands a streaming handler: a Writable whose content type is set
 * before the first byte, with the hook `awslambda.HttpResponseStream.from` uses to write its
 * prelude first.
 */
export class LambdaResponseStream extends Writable {
  #contentType = 'application/octet-stream';
  #started = false;
  readonly #sink: StreamSink;
  /** Set by HttpResponseStream.from: writes the prelude before the first body byte. */
  _onBeforeFirstWrite?: (write: (chunk: Uint8Array | string) => void) => void;

  constructor(sink: StreamSink) {
    super();
    this.#sink = sink;
    // A handler may destroy the stream with an error (as on AWS): the sink is told, below.
    this.on('error', () => {});
  }

  setContentType(contentType: string): void {
    if (this.#started) throw new Error('the content type is set before the first write');
    this.#contentType = contentType;
  }

  #start(): Uint8Array[] {
    if (this.#started) return [];
    this.#started = true;
    this.#sink.start(this.#contentType);
    const first: Uint8Array[] = [];
    this._onBeforeFirstWrite?.((chunk) =>
      first.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    );
    return first;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void) {
    const pending = [...this.#start(), chunk];
    (async () => {
      for (const part of pending) await this.#sink.write(part);
    })().then(() => done(), done);
  }

  override _final(done: (error?: Error) => void) {
    const pending = this.#start();
    (async () => {
      for (const part of pending) await this.#sink.write(part);
      this.#sink.end();
    })().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void) {
    // Destroyed before it finished: the response is cut off.
    if (!this.writableFinished) {
      this.#start();
      this.#sink.abort(error);
    }
    done(error);
  }

  /** Ends the stream once the handler is done, if it did not end or destroy it itself. */
  async finish(): Promise<void> {
    if (this.destroyed) return;
    if (!this.writableEnded) this.end();
    if (!this.writableFinished) await finished(this).catch(() => {});
  }

  fail(error: unknown): void {
    if (!this.destroyed) this.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The `awslambda` global the Lambda Node.js runtime gives handlers, for the local runtime: the
 * same two functions, so a streaming handler's code runs unchanged.
 */
export function installAwsLambdaGlobal(): void {
  // The AWS SDK may have made the object already (it keeps its invoke store there): add to it.
  const globals = globalThis as { awslambda?: Record<string, unknown> };
  globals.awslambda ??= {};
  const awslambda = globals.awslambda;
  awslambda.streamifyResponse ??= <H extends object>(handler: H): H => {
    (handler as Record<symbol, unknown>)[STREAMING] = 'response';
    return handler;
  };
  awslambda.HttpResponseStream ??= {
    from(stream: LambdaResponseStream, prelude: Record<string, unknown>) {
      stream.setContentType(HTTP_PRELUDE_CONTENT_TYPE);
      const text = JSON.stringify(prelude);
      stream._onBeforeFirstWrite = (write) => {
        write(text);
        write(PRELUDE_DELIMITER);
      };
      return stream;
    },
  };
}

/**
 * Module code that gives a bare Node process what the Lambda runtime gives a handler before its
 * module loads — the `awslambda` global, when the function streams — for loading a handler or
 * its bundle outside the local stack (cold-start checks and benchmarks). Empty otherwise.
 */
export function lambdaRuntimePrelude(spec: Pick<FunctionSpec, 'triggers'>): string {
  const streams = (spec.triggers as readonly Trigger[]).some((t) => t.kind === 'url');
  if (!streams) return '';
  const self = JSON.stringify(import.meta.url);
  return `const { installAwsLambdaGlobal } = await import(${self}); installAwsLambdaGlobal();`;
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
