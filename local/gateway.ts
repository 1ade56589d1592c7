/**
 * A local stand-in for the API Gateway HTTP API: matches requests against the catalog's http
 * triggers, builds payload format 2.0 events, enforces the gateway's and Lambda's size limits
 * and maps structured results back to HTTP, answering errors the way API Gateway does.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpMethod } from '../system/functions.ts';
import {
  API_GATEWAY_BODY_BYTES,
  API_GATEWAY_HEADER_BYTES,
  LAMBDA_PAYLOAD_BYTES,
} from '../system/platform.ts';
import { type FunctionRuntime, LOCAL_ACCOUNT_ID, type Logger } from './lambda.ts';
import { listenOn } from './listen.ts';

/**
 * Header bytes Node parses before giving up on a request (its default is 16 KiB): well above
 * API Gateway's limit, so most oversized headers are measured and answered like any request.
 */
const PARSED_HEADER_BYTES = 64 * 1024;

export interface Route {
  method: HttpMethod;
  path: string;
  routeKey: string;
  segments: RouteSegment[];
  runtime: FunctionRuntime;
}

type RouteSegment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

/** Parses `/a/{b}/{proxy+}` into segments; a greedy variable must come last, as in API Gateway. */
export function parseRoutePath(path: string): RouteSegment[] {
  const parts = path === '/' ? [] : path.replace(/^\//, '').split('/');
  return parts.map((part, index) => {
    const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!variable) return { kind: 'literal', value: part };
    const name = variable[1] as string;
    if (!variable[2]) return { kind: 'param', name };
    if (index !== parts.length - 1) throw new Error(`greedy path variable must be last: ${path}`);
    return { kind: 'greedy', name };
  });
}

export function routesFor(runtimes: FunctionRuntime[]): Route[] {
  const routes: Route[] = [];
  const seen = new Map<string, string>();
  for (const runtime of runtimes) {
    for (const trigger of runtime.fn.triggers) {
      if (trigger.kind !== 'http') continue;
      const routeKey = `${trigger.method} ${trigger.path}`;
      const owner = seen.get(routeKey);
      if (owner) throw new Error(`route ${routeKey} is claimed by ${owner} and ${runtime.fn.name}`);
      seen.set(routeKey, runtime.fn.name);
      routes.push({ ...trigger, routeKey, segments: parseRoutePath(trigger.path), runtime });
    }
  }
  return routes;
}

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

/**
 * API Gateway's route selection: only routes of the request's method; at each segment a literal
 * beats a {param}, which beats a greedy {proxy+} (that needs at least one segment).
 */
export function matchRoute(
  routes: Route[],
  method: string,
  rawPath: string,
): RouteMatch | undefined {
  const segments = rawPath === '/' ? [] : rawPath.replace(/^\//, '').split('/');
  let best: { match: RouteMatch; rank: number[] } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const attempt = matchSegments(route, segments);
    if (!attempt) continue;
    if (!best || compareRanks(attempt.rank, best.rank) < 0) best = attempt;
  }
  return best?.match;
}

function matchSegments(route: Route, segments: string[]) {
  const pathParameters: Record<string, string> = {};
  const rank: number[] = [];
  for (const [index, segment] of route.segments.entries()) {
    if (segment.kind === 'greedy') {
      const rest = segments.slice(index);
      if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return undefined;
      pathParameters[segment.name] = decodePathPart(rest.join('/'));
      rank.push(2);
      return { match: { route, pathParameters }, rank };
    }
    const value = segments[index];
    if (value === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (decodePathPart(value) !== segment.value) return undefined;
      rank.push(0);
    } else {
      if (value === '') return undefined;
      pathParameters[segment.name] = decodePathPart(value);
      rank.push(1);
    }
  }
  if (segments.length !== route.segments.length) return undefined;
  return { match: { route, pathParameters }, rank };
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  // Equal prefixes: the longer (more literal) route is more specific.
  return b.length - a.length;
}

function decodePathPart(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Bodies API Gateway passes as text; everything else (or no content type) goes as base64. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/graphql'
  );
}

export interface RequestInfo {
  method: string;
  url: string;
  /** Header name/value pairs as received (node's rawHeaders, paired). */
  headers: [string, string][];
  body: Buffer;
  sourceIp: string;
  now: Date;
  requestId: string;
}

/** Builds the payload format 2.0 event API Gateway would send for this request and route. */
export function buildEvent(
  request: RequestInfo,
  match: { route: Pick<Route, 'routeKey'>; pathParameters: Record<string, string> },
): APIGatewayProxyEventV2 {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : request.url.slice(queryStart + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }

  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }

  const host = headers.host ?? 'localhost';
  // A text type with bytes that are not UTF-8 (e.g. curl --data-binary of an image, sent as
  // form-urlencoded) would be mangled as a string: such bodies go as base64 too.
  const isText = isTextContentType(headers['content-type']) && isUtf8(request.body);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: match.route.routeKey,
      stage: '$default',
      time: formatRequestTime(request.now),
      timeEpoch: request.now.getTime(),
    },
    ...(Object.keys(match.pathParameters).length > 0
      ? { pathParameters: match.pathParameters }
      : {}),
    ...(request.body.length > 0 ? { body: request.body.toString(isText ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: request.body.length > 0 && !isText,
  };
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export interface HttpResponse {
  statusCode: number;
  headers: [string, string][];
  body: Buffer;
}

const jsonMessage = (statusCode: number, message: string): HttpResponse => ({
  statusCode,
  headers: [['content-type', 'application/json']],
  body: Buffer.from(JSON.stringify({ message })),
});

export const NOT_FOUND = jsonMessage(404, 'Not Found');
export const TOO_LARGE = jsonMessage(413, 'Request Entity Too Large');
export const HEADERS_TOO_LARGE = jsonMessage(431, 'Request Header Fields Too Large');
export const INTERNAL_ERROR = jsonMessage(500, 'Internal Server Error');

/**
 * Maps a handler's result the way payload format 2.0 does: a structured result (with
 * statusCode) is taken as is; any other value is sent as a 200 JSON body. A malformed or
 * oversized result is an integration failure, i.e. 500.
 */
export function toHttpResponse(
  result: unknown,
  /** Told why a result became a 500 (API Gateway logs nothing; the local stack says why). */
  onInvalid: (why: string) => void = () => {},
): HttpResponse {
  let serialized: string;
  try {
    serialized = JSON.stringify(result) ?? 'null';
  } catch {
    onInvalid('the result is not serializable');
    return INTERNAL_ERROR;
  }
  const bytes = Buffer.byteLength(serialized);
  if (bytes > LAMBDA_PAYLOAD_BYTES) {
    onInvalid(`the result is ${bytes} bytes, over Lambda's ${LAMBDA_PAYLOAD_BYTES}-byte limit`);
    return INTERNAL_ERROR;
  }

  if (!isStructured(result)) {
    return {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(typeof result === 'string' ? result : serialized),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = result;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    onInvalid(`the result's statusCode ${String(statusCode)} is not an HTTP status`);
    return INTERNAL_ERROR;
  }
  if (body !== undefined && typeof body !== 'string') {
    onInvalid("the result's body is not a string");
    return INTERNAL_ERROR;
  }
  const pairs: [string, string][] = Object.entries(headers).map(([name, value]) => [
    name.toLowerCase(),
    String(value),
  ]);
  for (const cookie of cookies) pairs.push(['set-cookie', String(cookie)]);
  return {
    statusCode,
    headers: pairs,
    body:
      body === undefined ? Buffer.alloc(0) : Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'),
  };
}

interface StructuredResult {
  statusCode: number;
  headers?: Record<string, unknown>;
  cookies?: unknown[];
  body?: unknown;
  isBase64Encoded?: boolean;
}

function isStructured(value: unknown): value is StructuredResult {
  return typeof value === 'object' && value !== null && 'statusCode' in value;
}

export interface GatewayOptions {
  runtimes: FunctionRuntime[];
  port: number;
  host?: string;
  log: Logger;
  /**
   * The answer to a body too large to reach a function (its size, when known). Default: API
   * Gateway's own 413; the local stack answers as the CDN in front of the deployed API does.
   */
  tooLarge?: (bodyBytes: number | undefined) => HttpResponse;
  /** The answer to a request line and headers over API Gateway's limit (their size, if known). */
  headersTooLarge?: (headerBytes: number | undefined) => HttpResponse;
}

export interface Gateway {
  url: string;
  /** Stops accepting requests and waits for the ones in flight to be answered. */
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const routes = routesFor(options.runtimes);
  const host = options.host ?? '127.0.0.1';
  const refusals: Refusals = {
    body: options.tooLarge ?? (() => TOO_LARGE),
    headers: options.headersTooLarge ?? (() => HEADERS_TOO_LARGE),
  };
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      options.log.info(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`);
    });
    handle(routes, req, res, refusals, options.log).catch((error: unknown) => {
      options.log.error(`gateway failed on ${req.method} ${path}`, error);
      if (!res.headersSent) send(res, INTERNAL_ERROR, randomUUID());
      else res.destroy();
    });
  };
  const server: Server = createServer({ maxHeaderSize: PARSED_HEADER_BYTES }, serve);
  // Headers past what Node parses never become a request: answer them on the socket, with the
  // same refusal as headers over the limit (Node's own answer is an empty 431).
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      const response = refusals.headers(undefined);
      const head = [
        `HTTP/1.1 ${response.statusCode} Request Header Fields Too Large`,
        ...response.headers.map(([name, value]) => `${name}: ${value}`),
        `content-length: ${response.body.length}`,
        'connection: close',
      ];
      socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), response.body]));
      options.log.info(`request headers over ${PARSED_HEADER_BYTES} bytes: ${response.statusCode}`);
    } else {
      socket.destroy(error);
    }
  });
  // A client that asks before sending a body (Expect: 100-continue) is refused up front when
  // the declared size is over the limit, instead of being invited to send it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared <= API_GATEWAY_BODY_BYTES && headerBytes(req) <= API_GATEWAY_HEADER_BYTES) {
      res.writeContinue();
    }
    serve(req, res);
  });
  return listenOn(server, host, options.port);
}

interface Refusals {
  body: NonNullable<GatewayOptions['tooLarge']>;
  headers: NonNullable<GatewayOptions['headersTooLarge']>;
}

/** What API Gateway counts against its header limit: the request line and header values. */
function headerBytes(req: IncomingMessage): number {
  const requestLine = `${req.method} ${req.url} HTTP/${req.httpVersion}`;
  let bytes = Buffer.byteLength(requestLine);
  for (let i = 1; i < req.rawHeaders.length; i += 2) {
    bytes += Buffer.byteLength(req.rawHeaders[i] as string);
  }
  return bytes;
}

async function handle(
  routes: Route[],
  req: IncomingMessage,
  res: ServerResponse,
  refusals: Refusals,
  log: Logger,
): Promise<void> {
  const requestId = randomUUID();
  const headerSize = headerBytes(req);
  if (headerSize > API_GATEWAY_HEADER_BYTES) {
    return reject(req, res, refusals.headers(headerSize), requestId);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > API_GATEWAY_BODY_BYTES) {
    return reject(req, res, refusals.body(declared), requestId);
  }

  const body = await readBody(req, API_GATEWAY_BODY_BYTES);
  if (!body) return reject(req, res, refusals.body(undefined), requestId);

  const url = req.url ?? '/';
  const method = req.method ?? 'GET';
  const match = matchRoute(routes, method, url.split('?')[0] ?? '/');
  if (!match) return send(res, NOT_FOUND, requestId);

  const event = buildEvent(
    {
      method,
      url,
      headers: pairHeaders(req.rawHeaders),
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      now: new Date(),
      requestId,
    },
    match,
  );
  if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_PAYLOAD_BYTES) {
    return send(res, refusals.body(body.length), requestId);
  }
  const outcome = await match.route.runtime.invoke(event);
  const invalid = (why: string) =>
    log.error(
      `${match.route.runtime.fn.name} answered ${method} ${url} (request ${requestId}) with a 500: ${why}`,
    );
  send(res, outcome.ok ? toHttpResponse(outcome.value, invalid) : INTERNAL_ERROR, requestId);
}

/** Buffers the body, or returns undefined as soon as it grows past `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Answers without reading the rest of the body, then drops the connection. */
function reject(req: IncomingMessage, res: ServerResponse, response: HttpResponse, id: string) {
  res.shouldKeepAlive = false;
  res.once('finish', () => req.destroy());
  send(res, response, id);
}

function send(res: ServerResponse, response: HttpResponse, requestId: string): void {
  const headers: [string, string][] = [...response.headers, ['apigw-requestid', requestId]];
  res.statusCode = response.statusCode;
  for (const [name, value] of headers) res.appendHeader(name, value);
  res.setHeader('content-length', response.body.length);
  res.end(response.body);
}

export function pairHeaders(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}
