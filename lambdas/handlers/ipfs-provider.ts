/**
 * TEMPORARY, until the gateway (issue 9) merges: serves the provider's routes — delegated
 * routing and the IPNI publisher — from API Gateway events. At the merge the gateway function
 * calls serveProviderRoutes itself (before its own /ipfs/ paths) and this function goes away.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { rootPresence } from '../core/provider/presence.ts';
import { serveProviderRoutes } from '../http/provider-routes.ts';
import { loadConfig } from '../shared/config.ts';
import { ipniBucket, ipniPorts } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { providerInfo } from '../shared/provider.ts';
import { contentPorts, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const deps = {
  // TEMPORARY: roots only, until the gateway's block index answers for every block.
  blocks: rootPresence(contentPorts(config).contents),
  chain: ipniPorts(config).chain,
  ads: ipniBucket(config),
  provider: providerInfo(config),
  clock: systemClock,
};

export const handler = async (
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    headers[name.toLowerCase()] = value;
  try {
    const response = await serveProviderRoutes(
      {
        method: event.requestContext.http.method.toUpperCase(),
        rawPath: event.rawPath,
        rawQuery: event.rawQueryString ?? '',
        headers,
      },
      deps,
    );
    if (!response)
      return { statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
    const binary = response.body instanceof Uint8Array;
    return {
      statusCode: response.status,
      headers: response.headers,
      body: binary
        ? Buffer.from(response.body as Uint8Array).toString('base64')
        : ((response.body as string | undefined) ?? ''),
      isBase64Encoded: binary,
    };
  } catch (error) {
    log.error('provider route failed', { requestId: event.requestContext.requestId, error });
    const unavailable = error instanceof Error && error.name === 'FailureError';
    return {
      statusCode: unavailable ? 503 : 500,
      headers: { 'content-type': 'text/plain', ...(unavailable ? { 'retry-after': '5' } : {}) },
      body: unavailable ? 'storage unavailable; retry later' : 'internal error',
    };
  }
};
