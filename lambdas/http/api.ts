/**
 * Turns a route table into a Lambda handler with middy: request parsing, CORS as nft.storage
 * answered it, and one error boundary. Expected failures become their 4xx envelope; anything
 * else is logged with the request id and answered with a generic 5xx that carries the id.
 */
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { failures } from '../core/errors.ts';
import { log } from '../shared/log.ts';
import { ApiError, type ApiResponse, failed, json, text } from './response.ts';
import { type ApiRequest, compileRoutes, matchRoute, type Route } from './router.ts';

const CORS_METHODS = 'GET,POST,DELETE,PATCH,OPTIONS';

export function createApiHandler<D>(routes: Route<D>[], deps: D) {
  const compiled = compileRoutes(routes);

  const dispatch = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<ApiResponse> => {
    const method = event.requestContext.http.method.toUpperCase();
    const headers = lowerCaseHeaders(event.headers);
    if (method === 'OPTIONS') return preflight(headers);
    const found = matchRoute(compiled, method, event.rawPath);
    if (!found) return text(404, 'not found');
    const request: ApiRequest = {
      event,
      method,
      params: found.params,
      query: event.queryStringParameters ?? {},
      headers,
      requestId: requestIdOf(event, context),
    };
    return found.route.run(request, deps);
  };

  return (
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(dispatch, {
      timeoutEarlyInMillis: 0,
    })
      // CORS is registered first so that its onError runs after the error boundary's.
      .use({ after: addCors, onError: addCors })
      .use({
        onError: async (request) => {
          request.response = errorResponse(
            request.error,
            requestIdOf(request.event, request.context),
            request.event,
          );
        },
      })
  );
}

function errorResponse(
  error: unknown,
  requestId: string,
  event: APIGatewayProxyEventV2,
): ApiResponse {
  if (error instanceof ApiError) return failed(error.failure);
  const where = `${event.requestContext.http.method} ${event.rawPath}`;
  if (isDependencyDown(error)) {
    log.error('dependency unavailable', { requestId, where, error });
    return failed(
      failures.unavailable(`A storage service is unavailable; retry later (request ${requestId})`, {
        'retry-after': '5',
      }),
    );
  }
  log.error('unexpected failure', { requestId, where, error });
  return json(500, {
    ok: false,
    error: { code: 'ERROR_INTERNAL', message: `Internal server error (request ${requestId})` },
  });
}

/** Throttling, timeouts, 5xx from AWS and refused connections: the dependency, not us. */
export function isDependencyDown(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown })
    .$metadata;
  const code = (error as { code?: string }).code;
  return (
    (meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500) ||
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|ServiceUnavailable|TimeoutError|SlowDown/.test(
      error.name,
    ) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      code ?? '',
    ) ||
    (error.cause instanceof Error && isDependencyDown(error.cause))
  );
}

function preflight(headers: Record<string, string | undefined>): ApiResponse {
  const origin = headers.origin;
  const requestMethod = headers['access-control-request-method'];
  const requestHeaders = headers['access-control-request-headers'];
  if (!origin || !requestMethod || !requestHeaders) {
    return text(405, 'Non CORS options request not allowed');
  }
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': CORS_METHODS,
      'access-control-allow-headers': requestHeaders,
      'access-control-max-age': '86400',
      vary: 'Origin',
    },
    body: '',
  };
}

async function addCors(request: {
  event: APIGatewayProxyEventV2;
  response: APIGatewayProxyStructuredResultV2 | null | undefined;
}) {
  if (!request.response) return;
  request.response = withCors(
    request.response as ApiResponse,
    lowerCaseHeaders(request.event.headers).origin,
  );
}

function withCors(response: ApiResponse, origin: string | undefined): ApiResponse {
  if (response.headers['access-control-allow-origin']) return response;
  return {
    ...response,
    headers: {
      ...response.headers,
      'access-control-allow-origin': origin ?? '*',
      'access-control-expose-headers': 'Link, Retry-After, X-Next-Cursor',
      ...(origin ? { vary: 'Origin' } : {}),
    },
  };
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined) {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
}

function requestIdOf(event: APIGatewayProxyEventV2, context: Context): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
}
