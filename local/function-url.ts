/**
 * A local stand-in for a Lambda Function URL in RESPONSE_STREAM mode: each request becomes the
 * payload format 2.0 event a Function URL sends, and the handler's response stream — an HTTP
 * prelude (status, headers) then the body — is relayed to the client as it is written, with
 * backpressure, so a response of any size passes through bounded memory.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { drained } from '../lambdas/shared/drain.ts';
import { LAMBDA_PAYLOAD_BYTES, LAMBDA_STREAMED_RESPONSE_BYTES } from '../system/platform.ts';
import { buildEvent, pairHeaders, readBody } from './gateway.ts';
import {
  type FunctionRuntime,
  HTTP_PRELUDE_CONTENT_TYPE,
  type Logger,
  type StreamSink,
} from './lambda.ts';
import { listenOn } from './listen.ts';

export interface FunctionUrlServer {
  url: string;
  stop(): Promise<void>;
}

export async function startFunctionUrl(options: {
  runtime: FunctionRuntime;
  port: number;
  host?: string;
  log: Logger;
  /** Body bytes a response may stream before it is cut off, as Lambda cuts it. */
  maxResponseBytes?: number;
}): Promise<FunctionUrlServer> {
  const maxResponseBytes = options.maxResponseBytes ?? LAMBDA_STREAMED_RESPONSE_BYTES;
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      options.log.info(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`);
    });
    serve(options.runtime, req, res, maxResponseBytes, options.log).catch((error: unknown) => {
      options.log.error(`function URL failed on ${req.method} ${path}`, error);
      if (!res.headersSent) internalError(res);
      else res.destroy();
    });
  });
  return listenOn(server, host, options.port);
}

async function serve(
  runtime: FunctionRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  maxResponseBytes: number,
  log: Logger,
) {
  const body = await readBody(req, LAMBDA_PAYLOAD_BYTES);
  if (!body) {
    res.writeHead(413, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
    return;
  }
  const event = buildEvent(
    {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: pairHeaders(req.rawHeaders),
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      now: new Date(),
      requestId: randomUUID(),
    },
    { route: { routeKey: '$default' }, pathParameters: {} },
  );
  const sink = responseSink(res, maxResponseBytes, () =>
    log.error(
      `${req.method} ${req.url}: response cut off at Lambda's ${maxResponseBytes}-byte limit`,
    ),
  );
  const outcome = await runtime.invokeStreaming(event, sink);
  // A handler that failed before its stream existed (e.g. at init) never told the sink.
  if (!outcome.ok && !res.writableEnded) sink.abort(outcome.error);
}

/**
 * Relays a streamed Lambda response to an HTTP response; past `maxBodyBytes` of body the
 * response is cut off (`onCutOff`), as Lambda ends a stream over its limit.
 */
export function responseSink(
  res: ServerResponse,
  maxBodyBytes = LAMBDA_STREAMED_RESPONSE_BYTES,
  onCutOff: () => void = () => {},
): StreamSink {
  let prelude: Buffer | undefined;
  let written = 0;
  const writeBody = async (chunk: Uint8Array) => {
    if (res.destroyed) throw new Error('the client went away');
    written += chunk.byteLength;
    if (written > maxBodyBytes) {
      onCutOff();
      res.destroy();
      throw new Error(`the response is over ${maxBodyBytes} bytes`);
    }
    if (chunk.byteLength > 0 && !res.write(chunk)) await drained(res);
  };
  const sendPrelude = (bytes: Buffer) => {
    const {
      statusCode = 200,
      headers = {},
      cookies = [],
    } = JSON.parse(bytes.toString('utf8')) as {
      statusCode?: number;
      headers?: Record<string, string>;
      cookies?: string[];
    };
    res.statusCode = statusCode;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  };
  return {
    start(contentType) {
      if (contentType === HTTP_PRELUDE_CONTENT_TYPE) prelude = Buffer.alloc(0);
      else res.setHeader('content-type', contentType);
    },
    async write(chunk) {
      if (prelude === undefined) return writeBody(chunk);
      prelude = Buffer.concat([prelude, chunk]);
      // JSON never holds a NUL byte: the first one starts the eight-byte delimiter.
      const end = prelude.indexOf(0);
      if (end === -1 || prelude.length < end + 8) return;
      const rest = prelude.subarray(end + 8);
      sendPrelude(prelude.subarray(0, end));
      prelude = undefined;
      await writeBody(rest);
    },
    end() {
      if (prelude !== undefined) {
        const end = prelude.indexOf(0);
        sendPrelude(end === -1 ? prelude : prelude.subarray(0, end));
      }
      res.end();
    },
    abort() {
      if (!res.headersSent) internalError(res);
      else res.destroy();
    },
  };
}

/** What a Function URL answers when the function fails before its response began. */
function internalError(res: ServerResponse) {
  res.writeHead(502, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message: 'Internal Server Error' }));
}
