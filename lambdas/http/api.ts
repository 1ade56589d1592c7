/**
 * Turns route handlers into a Lambda handler with middy: the request is checked against the
 * route's contract (path parameters, query, headers, JSON body) before the route runs, CORS is
 * answered as nft.storage answered it, and one error boundary maps every failure: a domain
 * failure to its documented 4xx/503 envelope, anything else to a logged, generic 500 that
 * carries the request id.
 */
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import * as z from 'zod/mini';
import {
  CORS_EXPOSED_HEADERS,
  CORS_METHODS,
  NO_ROUTE_MESSAGE,
  NOT_CORS_MESSAGE,
} from '../../contract/http.ts';
import type { RouteContract, RouteInput } from '../../contract/route.ts';
import { LAMBDA_PAYLOAD_BYTES } from '../../system/platform.ts';
import { type Failure, FailureError, failure } from '../core/failures.ts';
import { log, startInvocation } from '../shared/log.ts';
import { addMetricProperties, flushMetrics, recordMetric } from '../shared/metrics.ts';
import { bodyBytes } from './body.ts';
import { internalError, nftStorageError } from './nft-storage-errors.ts';
import { type ApiResponse, json, text } from './response.ts';
import { type ApiRequest, compileRoutes, matchRoute, type RouteHandler } from './router.ts';

export interface ApiOptions {
  /** Largest request body read (JSON bodies are validated, others parsed by their route). */
  maxBodyBytes: number;
}

export function createApiHandler<D>(
  handlers: readonly RouteHandler<D>[],
  deps: D,
  options: ApiOptions,
) {
  const compiled = compileRoutes(handlers);
  /** The route each request matched, for its metric line. */
  const routeOf = new WeakMap<APIGatewayProxyEventV2, string>();

  const dispatch = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<ApiResponse> => {
    const method = event.requestContext.http.method.toUpperCase();
    const headers = lowerCaseHeaders(event.headers);
    if (method === 'OPTIONS') return preflight(headers);
    const found = matchRoute(compiled, method, event.rawPath);
    if (!found) return text(404, NO_ROUTE_MESSAGE);
    const request: ApiRequest = {
      event,
      method,
      params: found.params,
      query: event.queryStringParameters ?? {},
      headers,
      requestId: requestIdOf(event, context),
    };
    const { handler } = found.route;
    routeOf.set(event, handler.contract.operationId);
    const input = validateInput(handler.contract, request, options);
    const result = await handler.run(input, { deps, request });
    // A text body with its own media type (an HTML page, Prometheus text) goes out as it is.
    const own = result.headers ?? {};
    if (typeof result.body === 'string' && own['content-type']) {
      return fitsLambda({ statusCode: result.status, headers: own, body: result.body });
    }
    return fitsLambda(json(result.status, result.body, result.headers));
  };

  let started = 0;
  /** Registered first, so it sees the answer last: after the error boundary and CORS. */
  const invocation = {
    before: async (request: { event: APIGatewayProxyEventV2; context: Context }) => {
      started = performance.now();
      startInvocation(request.context, correlationIds(request.event, request.context));
    },
    after: async (request: {
      event: APIGatewayProxyEventV2;
      response: APIGatewayProxyStructuredResultV2 | null | undefined;
    }) => {
      const status = request.response?.statusCode ?? 500;
      recordMetric('RequestLatency', performance.now() - started);
      if (status >= 500) recordMetric('ServerErrors', 1);
      addMetricProperties({
        route: routeOf.get(request.event) ?? 'none',
        method: request.event.requestContext?.http?.method ?? '',
        status,
      });
      flushMetrics();
    },
  };

  return (
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(dispatch, {
      timeoutEarlyInMillis: 0,
    })
      .use({ before: invocation.before, after: invocation.after, onError: invocation.after })
      // CORS is registered before the error boundary so that its onError runs after it.
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

/**
 * Lambda drops a result over its payload limit and API Gateway answers a bare 500 with nothing
 * logged; failing here instead logs the cause with the request id and answers the 500 envelope.
 * Routes size their pages to stay far below it; this catches the one that did not.
 */
function fitsLambda(response: ApiResponse): ApiResponse {
  // Serializing can at most double a body (escapes) plus headers: small bodies always fit.
  if (Buffer.byteLength(response.body ?? '') * 2 + 64 * 1024 < LAMBDA_PAYLOAD_BYTES) {
    return response;
  }
  const bytes = Buffer.byteLength(JSON.stringify(response));
  if (bytes > LAMBDA_PAYLOAD_BYTES) {
    throw new Error(
      `response of ${bytes} bytes is over Lambda's ${LAMBDA_PAYLOAD_BYTES}-byte limit`,
    );
  }
  return response;
}

/** Checks params, query, headers and a JSON body against the contract, in that order. */
export function validateInput<C extends RouteContract>(
  contract: C,
  request: ApiRequest,
  options: ApiOptions,
): RouteInput<C> {
  const problems: string[] = [];
  const parse = (schema: z.ZodMiniType | undefined, value: unknown, where: string) => {
    if (!schema) return {};
    const parsed = z.safeParse(schema, value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      problems.push(`${path || where}: ${issue.message}`);
    }
    return undefined;
  };
  const params = parse(contract.params, request.params, 'path');
  const query = parse(contract.query, request.query, 'query');
  const headers = parse(contract.headers, request.headers, 'headers');
  let body: unknown;
  if (contract.body?.json) {
    const bytes = bodyBytes(request, options.maxBodyBytes);
    body = parse(contract.body.json, parseJson(bytes), 'body');
  }
  if (problems.length > 0) {
    throw new FailureError(failure.invalidRequest(`invalid params: ${problems.join('; ')}`));
  }
  return { params, query, headers, body } as RouteInput<C>;
}

function parseJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

function errorResponse(
  error: unknown,
  requestId: string,
  event: APIGatewayProxyEventV2,
): ApiResponse {
  const where = `${event.requestContext.http.method} ${event.rawPath}`;
  let response: ReturnType<typeof internalError>;
  if (error instanceof FailureError) {
    const known: Failure = error.failure;
    if (known.name === 'StorageUnavailable') {
      log.error('storage unavailable', { requestId, where, error: known.cause });
    }
    response = nftStorageError(known, requestId);
  } else {
    log.error('unexpected failure', { requestId, where, error });
    response = internalError(requestId);
  }
  return json(response.status, response.body, response.headers);
}

function preflight(headers: Record<string, string | undefined>): ApiResponse {
  const origin = headers.origin;
  const requestMethod = headers['access-control-request-method'];
  const requestHeaders = headers['access-control-request-headers'];
  if (!origin || !requestMethod || !requestHeaders) return text(405, NOT_CORS_MESSAGE);
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
      // An empty Origin is no origin: never an empty allow-origin header.
      'access-control-allow-origin': origin || '*',
      'access-control-expose-headers': CORS_EXPOSED_HEADERS,
      ...(origin ? { vary: 'Origin' } : {}),
    },
  };
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined) {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
}

/**
 * Correlation ids of a request: API Gateway's request id (also in error messages), a client's
 * own `x-correlation-id` or `x-request-id` (printable and bounded, else left out), and the X-Ray
 * trace.
 */
function correlationIds(event: APIGatewayProxyEventV2, context: Context) {
  const headers = lowerCaseHeaders(event.headers);
  const supplied = headers['x-correlation-id'] ?? headers['x-request-id'];
  return {
    requestId: requestIdOf(event, context),
    correlation_id:
      supplied && /^[\x21-\x7e]{1,128}$/.test(supplied) ? supplied : requestIdOf(event, context),
    traceId: headers['x-amzn-trace-id'],
  };
}

function requestIdOf(event: APIGatewayProxyEventV2, context: Context): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
}
