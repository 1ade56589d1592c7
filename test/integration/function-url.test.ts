/**
 * The local Function URL in RESPONSE_STREAM mode, with streaming handlers written as they are
 * for Lambda (`awslambda.streamifyResponse`, `HttpResponseStream.from`): the prelude becomes the
 * status and headers, the body is relayed as written, a failure before the response began is
 * the 502 a Function URL answers, one after it cuts the connection, and a body over Lambda's
 * streamed-response limit is cut off as Lambda cuts it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FunctionUrlServer, startFunctionUrl } from '../../local/function-url.ts';
import {
  Activity,
  FunctionRuntime,
  installAwsLambdaGlobal,
  type LambdaHandler,
  silentLogger,
} from '../../local/lambda.ts';
import { functions } from '../../system/functions.ts';

installAwsLambdaGlobal();

interface ResponseStream extends NodeJS.WritableStream {
  destroy(error?: Error): void;
}
const lambda = (
  globalThis as unknown as {
    awslambda: {
      streamifyResponse(
        handler: (event: { rawPath: string }, stream: ResponseStream) => Promise<void>,
      ): LambdaHandler;
      HttpResponseStream: {
        from(stream: ResponseStream, prelude: Record<string, unknown>): ResponseStream;
      };
    };
  }
).awslambda;

const gatewaySpec = functions.find((fn) => fn.name === 'gateway');
if (!gatewaySpec) throw new Error('no gateway in the catalog');

let server: FunctionUrlServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function serve(
  handler: (event: { rawPath: string }, stream: ResponseStream) => Promise<void>,
  maxResponseBytes?: number,
) {
  const runtime = new FunctionRuntime({
    fn: gatewaySpec as (typeof functions)[number],
    loader: () => lambda.streamifyResponse(handler),
    region: 'us-east-1',
    activity: new Activity(),
    log: silentLogger,
  });
  server = await startFunctionUrl({
    runtime,
    port: 0,
    log: silentLogger,
    ...(maxResponseBytes ? { maxResponseBytes } : {}),
  });
  return server.url;
}

const write = (stream: NodeJS.WritableStream, chunk: Uint8Array) =>
  new Promise<void>((resolve, reject) =>
    stream.write(chunk, (error) => (error ? reject(error) : resolve())),
  );

describe('the local Function URL', () => {
  it('turns the prelude into status and headers and relays the body as it is written', async () => {
    const url = await serve(async (event, stream) => {
      const out = lambda.HttpResponseStream.from(stream, {
        statusCode: 206,
        headers: { 'content-type': 'text/plain', 'x-path': event.rawPath },
      });
      for (let i = 0; i < 100; i++) await write(out, new Uint8Array(10_000).fill(i));
      out.end();
    });
    const response = await fetch(`${url}/some/path?q=1`);
    expect(response.status).toBe(206);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-path')).toBe('/some/path');
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.byteLength).toBe(1_000_000);
    expect(body[999_999]).toBe(99);
  });

  it('sends headers and an empty body when the handler only ends the stream', async () => {
    const url = await serve(async (_event, stream) => {
      lambda.HttpResponseStream.from(stream, { statusCode: 304, headers: { etag: '"x"' } }).end();
    });
    const response = await fetch(url);
    expect(response.status).toBe(304);
    expect(response.headers.get('etag')).toBe('"x"');
  });

  it('answers 502 when the handler fails before its response began', async () => {
    const url = await serve(async () => {
      throw new Error('failed at once');
    });
    const response = await fetch(url);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('cuts the connection when the handler fails after its response began', async () => {
    const url = await serve(async (_event, stream) => {
      const out = lambda.HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      await write(out, new Uint8Array(1000));
      out.destroy(new Error('a block went missing'));
    });
    // Whether or not the status line got out first, the client never sees a clean end.
    const read = async () => (await fetch(url)).arrayBuffer();
    await expect(read()).rejects.toThrow();
  });

  it("cuts a body off past Lambda's streamed-response limit", async () => {
    const tenChunks = async (_event: unknown, stream: ResponseStream) => {
      const out = lambda.HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      try {
        for (let i = 0; i < 10; i++) await write(out, new Uint8Array(64 * 1024));
        out.end();
      } catch {
        // The relay refused the write: the stream is gone, as on Lambda.
      }
    };
    const over = await serve(tenChunks, 256 * 1024);
    await expect((async () => (await fetch(over)).arrayBuffer())()).rejects.toThrow();
    await server?.stop();
    const within = await serve(tenChunks, 640 * 1024);
    expect((await (await fetch(within)).arrayBuffer()).byteLength).toBe(640 * 1024);
  });
});
