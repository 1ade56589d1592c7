/**
 * The IPFS gateway's origin: a Lambda Function URL in response-streaming mode behind its own
 * CloudFront distribution (locally, the local stack's server on GATEWAY_PORT drives this same
 * handler). Bodies are written as they are read, with backpressure.
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { BlockSource, newBlockCaches } from '../core/gateway/blocks.ts';
import { serveGateway } from '../core/gateway/serve.ts';
import { loadConfig } from '../shared/config.ts';
import { contentTypeOf } from '../shared/content-type.ts';
import { drained } from '../shared/drain.ts';
import { log } from '../shared/log.ts';
import { blockIndex, carpark } from '../shared/wiring.ts';

const config = loadConfig();
const ports = { blocks: blockIndex(config), carpark: carpark(config) };
// Block locations never change: a warm container keeps what it learnt.
const caches = newBlockCaches();

export const handler = awslambda.streamifyResponse(
  async (event: LambdaFunctionURLEvent, responseStream) => {
    const requestId = event.requestContext.requestId;
    const method = event.requestContext.http.method;
    const response = await serveGateway(
      {
        method,
        rawPath: event.rawPath,
        rawQuery: event.rawQueryString ?? '',
        headers: event.headers,
      },
      {
        source: new BlockSource(ports, caches),
        contentTypeOf,
        requestId,
        onError: (error) => log.error('gateway failed', { requestId, error }),
      },
    );
    const stream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: response.status,
      headers: response.headers,
    });
    const body = method === 'HEAD' ? undefined : response.body;
    if (!body || body instanceof Uint8Array) {
      stream.end(body);
      return;
    }
    try {
      for await (const chunk of body) {
        if (!stream.write(chunk)) await drained(stream);
      }
      stream.end();
    } catch (error) {
      // The status is sent: cutting the stream off is how the client learns it is incomplete.
      log.warn('gateway stream cut off', { requestId, path: event.rawPath, error });
      stream.destroy(error as Error);
    }
  },
);
