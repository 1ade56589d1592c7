/**
 * The API in one process: the real API handlers (the same route lists their Lambdas serve)
 * wired to in-memory ports, reached through the local gateway's route selection, event
 * building (text bodies as UTF-8, others base64) and result mapping. No server, no emulators:
 * fast enough for property tests, which run hundreds of requests.
 */
import { createToken } from '../../lambdas/core/tokens.ts';
import { createApiHandler } from '../../lambdas/http/api.ts';
import type { PublicDeps, ReadDeps, WriteDeps } from '../../lambdas/http/deps.ts';
import { publicRoutes } from '../../lambdas/http/routes/public.ts';
import { readApiRoutes } from '../../lambdas/http/routes/read/index.ts';
import { writeApiRoutes } from '../../lambdas/http/routes/write/index.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { buildEvent, matchRoute, routesFor, toHttpResponse } from '../../local/gateway.ts';
import { Activity, FunctionRuntime, type LambdaHandler, silentLogger } from '../../local/lambda.ts';
import { functions, RESOURCE_ENV } from '../../system/functions.ts';
import { type FakePorts, fakePorts } from './fakes.ts';
import { validateResponse } from './openapi-validator.ts';

export interface InProcessResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body when it is JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
  json: any;
  /** What the OpenAPI document says is wrong with this response (`[]`: it is documented). */
  documentProblems: string[];
}

export interface InProcessRequest {
  body?: Uint8Array | string;
  headers?: Record<string, string>;
  /** The API key to send; `null` sends none. Defaults to the harness user's key. */
  token?: string | null;
}

export interface InProcessApi {
  ports: FakePorts;
  /** An API key of the harness user. */
  token: string;
  userId: string;
  request(method: string, path: string, options?: InProcessRequest): Promise<InProcessResponse>;
}

/** The queues as SQS would count them: empty (in-process work runs at once). */
const inProcessQueues = {
  depths: async () =>
    Object.keys(RESOURCE_ENV)
      .filter((name) => name.endsWith('Queue'))
      .map((queue) => ({
        queue,
        name: queue,
        depth: { visible: 0, inFlight: 0, delayed: 0 },
        deadLetters: 0,
      })),
};

/**
 * A fresh API over fresh in-memory ports. `env` overrides settings as environment variables
 * would; the rate limit is lifted unless `env` sets one, since the fake clock stands still.
 */
export async function inProcessApi(env: Record<string, string> = {}): Promise<InProcessApi> {
  const ports = fakePorts();
  const settings = loadConfig({ RATE_LIMIT_REQUESTS: String(Number.MAX_SAFE_INTEGER), ...env });
  const options = { maxBodyBytes: settings.MAX_INLINE_UPLOAD_BYTES };
  const publicDeps: PublicDeps = { ports, settings };
  const readDeps: ReadDeps = { ports: { ...ports, queues: inProcessQueues }, settings };
  const writeDeps: WriteDeps = { ports, settings };
  const handlers: Record<string, LambdaHandler> = {
    'api-public': createApiHandler(publicRoutes, publicDeps, options),
    'api-read': createApiHandler(readApiRoutes, readDeps, options),
    'api-write': createApiHandler(writeApiRoutes, writeDeps, options),
  };
  const activity = new Activity();
  const routes = routesFor(
    functions.map(
      (fn) =>
        new FunctionRuntime({
          fn,
          loader: () => {
            const handler = handlers[fn.name];
            if (!handler) throw new Error(`${fn.name} is not an API function`);
            return handler;
          },
          region: settings.AWS_REGION,
          activity,
          log: silentLogger,
        }),
    ),
  );
  const userId = 'property-user';
  const { token } = await createToken({ userId, name: 'properties' }, ports);
  let requests = 0;

  async function request(
    method: string,
    path: string,
    options: InProcessRequest = {},
  ): Promise<InProcessResponse> {
    const headers: [string, string][] = Object.entries(options.headers ?? {});
    const key = options.token === undefined ? token : options.token;
    if (key !== null) headers.push(['authorization', `Bearer ${key}`]);
    const body =
      typeof options.body === 'string'
        ? Buffer.from(options.body, 'utf8')
        : Buffer.from(options.body ?? new Uint8Array());
    const match = matchRoute(routes, method, path.split('?')[0] ?? '/');
    if (!match) {
      return { status: 404, headers: {}, text: 'Not Found', json: undefined, documentProblems: [] };
    }
    const event = buildEvent(
      {
        method,
        url: path,
        headers,
        body,
        sourceIp: '127.0.0.1',
        now: ports.clock.now(),
        requestId: `req-${++requests}`,
      },
      match,
    );
    const outcome = await match.route.runtime.invoke(event);
    if (!outcome.ok) throw outcome.error;
    const response = toHttpResponse(outcome.value);
    const text = response.body.toString('utf8');
    const responseHeaders = Object.fromEntries(response.headers);
    const isJson = responseHeaders['content-type']?.includes('json') && text !== '';
    const documentProblems = validateResponse({
      method,
      path: event.rawPath,
      status: response.statusCode,
      headers: responseHeaders,
      body: text,
    });
    return {
      status: response.statusCode,
      headers: responseHeaders,
      text,
      json: isJson ? JSON.parse(text) : undefined,
      documentProblems,
    };
  }

  return { ports, token, userId, request };
}

/** Counts of everything a write leaves behind in the ports, to compare before and after. */
export function storedState(ports: FakePorts) {
  return {
    uploads: ports.uploads.uploads.size,
    contents: ports.contents.contents.size,
    cars: ports.contents.cars.size,
    holders: ports.contents.holders.size,
    unconfirmed: ports.contents.unconfirmed.size,
    carpark: ports.carpark.blobs.size,
    staging: ports.staging.blobs.size,
    staged: ports.staged.staged.size,
    pinQueue: ports.pinQueue.sent.length,
    ingestQueue: ports.ingestQueue.sent.length,
  };
}
