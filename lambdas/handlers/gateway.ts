/**
 * The IPFS gateway's origin: a Lambda Function URL in response-streaming mode behind its own
 * CloudFront distribution (locally, the local stack's server on GATEWAY_PORT drives this same
 * handler). Bodies are written as they are read, with backpressure. The IPFS provider's routes
 * (delegated routing, the IPNI publisher's ads) are answered first, on this same origin.
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { VIEWER_HOST_HEADER } from '../../contract/provider.ts';
import { BlockSource, newBlockCaches } from '../core/gateway/blocks.ts';
import { type GatewayResponse, serveGateway } from '../core/gateway/serve.ts';
import { blockIndexPresence } from '../core/provider/presence.ts';
import { type ProviderRequest, serveProviderRoutes } from '../http/provider-routes.ts';
import { loadConfig } from '../shared/config.ts';
import { contentTypeOf } from '../shared/content-type.ts';
import { drained } from '../shared/drain.ts';
import { ipniBucket, ipniPorts } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { providerInfo } from '../shared/provider.ts';
import { blockIndex, carpark, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const ports = { blocks: blockIndex(config), carpark: carpark(config) };
const provider = {
  blocks: blockIndexPresence(ports.blocks),
  chain: ipniPorts(config).chain,
  ads: ipniBucket(config),
  clock: systemClock,
};

/** The provider's answer, or undefined for a path of the gateway's own. */
async function providerRoutes(
  request: ProviderRequest,
  requestId: string,
): Promise<GatewayResponse | undefined> {
  try {
    const info = providerInfo(config, request.headers[VIEWER_HOST_HEADER]);
    const response = await serveProviderRoutes(request, { ...provider, provider: info });
    if (!response) return undefined;
    const { body, ...rest } = response;
    return typeof body === 'string' ? { ...rest, body: Buffer.from(body) } : { ...rest, body };
  } catch (error) {
    log.error('provider route failed', { requestId, path: request.rawPath, error });
    const unavailable = error instanceof Error && error.name === 'FailureError';
    return {
      status: unavailable ? 503 : 500,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        ...(unavailable ? { 'retry-after': '5' } : {}),
      },
      body: Buffer.from(unavailable ? 'storage unavailable; retry later\n' : 'internal error\n'),
    };
  }
}
// Block locations never change: a warm container keeps what it learnt.
const caches = newBlockCaches();

export const handler = awslambda.streamifyResponse(
  async (event: LambdaFunctionURLEvent, responseStream) => {
    const requestId = event.requestContext.requestId;
    const method = event.requestContext.http.method;
    const request = {
      method,
      rawPath: event.rawPath,
      rawQuery: event.rawQueryString ?? '',
      headers: event.headers,
    };
    const response: GatewayResponse =
      (await providerRoutes(request, requestId)) ??
      (await serveGateway(request, {
        source: new BlockSource(ports, caches),
        contentTypeOf,
        requestId,
        onError: (error) => log.error('gateway failed', { requestId, error }),
      }));
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
