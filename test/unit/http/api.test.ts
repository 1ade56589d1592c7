import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { route } from '../../../contract/route.ts';
import { storageError } from '../../../lambdas/adapters/aws-errors.ts';
import { FailureError, failure } from '../../../lambdas/core/failures.ts';
import { createApiHandler } from '../../../lambdas/http/api.ts';
import { implementer } from '../../../lambdas/http/router.ts';

function event(
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} /{proxy+}`,
    rawPath,
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-123',
      routeKey: `${method} /{proxy+}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}

const context = { awsRequestId: 'aws-req' } as Context;

const seen: string[] = [];
const implement = implementer<{ tag: string }>();
const anyBody = { 200: { description: 'ok', json: z.unknown() } };
const get = (path: string, legacyAlias = false) =>
  route({
    operationId: path,
    method: 'GET',
    path,
    summary: path,
    tag: 'test',
    auth: 'none',
    legacyAlias,
    responses: anyBody,
  });
const dependencyDown = (make: () => Error) => async (): Promise<never> => {
  // What the adapters throw for such an SDK error.
  throw storageError(make(), 'DynamoDB');
};

const routes = [
  implement(
    route({
      ...get('/check/{cid}', true),
      params: z.object({ cid: z.string() }),
      query: z.object({ n: z.optional(z.coerce.number().check(z.int(), z.maximum(5))) }),
    }),
    async ({ params }, { deps }) => {
      seen.push(params.cid);
      return { status: 200, body: { ok: true, value: deps.tag } };
    },
  ),
  implement(get('/store'), async () => ({ status: 200, body: { ok: true } })),
  implement(get('/boom'), async () => {
    throw new Error('secret internal detail');
  }),
  implement(
    get('/down'),
    dependencyDown(() => {
      const error = new Error('connect ECONNREFUSED 127.0.0.1:4566') as Error & { code: string };
      error.code = 'ECONNREFUSED';
      return error;
    }),
  ),
  implement(
    get('/throttled'),
    dependencyDown(() => {
      const error = new Error('Rate exceeded');
      error.name = 'ProvisionedThroughputExceededException';
      return error;
    }),
  ),
  // Quotes escape to two bytes each when the result is serialized: 3.5 MB of them is 7 MB.
  implement(get('/huge'), async () => ({
    status: 200,
    body: { ok: true, value: '"'.repeat(3_500_000) },
  })),
  implement(get('/big'), async () => ({
    status: 200,
    body: { ok: true, value: 'x'.repeat(5_000_000) },
  })),
  implement(get('/expected'), async () => {
    throw new FailureError(failure.rateLimited(7));
  }),
];

const handler = createApiHandler(routes, { tag: 'deps' }, { maxBodyBytes: 1024 });
const call = async (e: APIGatewayProxyEventV2) =>
  (await handler(e, context)) as APIGatewayProxyStructuredResultV2 & {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };

describe('API edge', () => {
  it('routes case-insensitively, with a trailing slash and the /api alias', async () => {
    for (const path of [
      '/check/abc',
      '/check/abc/',
      '/api/check/abc',
      '/CHECK/abc',
      '/Api/Check/abc/',
    ]) {
      const response = await call(event('GET', path));
      expect(response.statusCode, path).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ ok: true, value: 'deps' });
    }
    expect(seen.slice(-5)).toEqual(['abc', 'abc', 'abc', 'abc', 'abc']);
  });

  it('has no /api alias where the route says so, and answers unknown paths with plain 404', async () => {
    expect((await call(event('GET', '/store'))).statusCode).toBe(200);
    const response = await call(event('GET', '/api/store'));
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('not found');
  });

  it('answers an unexpected failure with a generic 500 that carries the request id, logging the cause', async () => {
    const logged = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env.LOG_LEVEL = 'error';
    try {
      const response = await call(event('GET', '/boom'));
      expect(response.statusCode).toBe(500);
      const body = JSON.parse(response.body);
      expect(body).toEqual({
        ok: false,
        error: { code: 'ERROR_INTERNAL', message: 'Internal server error (request req-123)' },
      });
      expect(response.body).not.toContain('secret internal detail');
      const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
      expect(line).toMatchObject({ level: 'ERROR', requestId: 'req-123' });
      expect(line.error.message).toBe('secret internal detail');
    } finally {
      process.env.LOG_LEVEL = 'silent';
      logged.mockRestore();
    }
  });

  it("answers a result over Lambda's 6 MB limit with a logged 500, not a silent one", async () => {
    const logged = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env.LOG_LEVEL = 'error';
    try {
      const response = await call(event('GET', '/huge'));
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body).error.message).toBe(
        'Internal server error (request req-123)',
      );
      const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
      expect(line).toMatchObject({ level: 'ERROR', requestId: 'req-123' });
      expect(line.error.message).toMatch(/over Lambda's 6291456-byte limit/);
      // Just under the limit goes out as it is.
      expect((await call(event('GET', '/big'))).statusCode).toBe(200);
    } finally {
      process.env.LOG_LEVEL = 'silent';
      logged.mockRestore();
    }
  });

  it('answers a dependency that is down or throttling with 503, never with not found', async () => {
    for (const path of ['/down', '/throttled']) {
      const response = await call(event('GET', path));
      expect(response.statusCode, path).toBe(503);
      const body = JSON.parse(response.body);
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('ERROR_SERVICE_UNAVAILABLE');
      expect(body.error.message).toContain('req-123');
      expect(response.headers['retry-after']).toBe('5');
    }
  });

  it('rejects parameters the contract does not accept with 400 invalid params, before the route runs', async () => {
    const before = seen.length;
    const bad = event('GET', '/check/abc');
    bad.queryStringParameters = { n: '9' };
    const response = await call(bad);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      ok: false,
      error: { code: 'HTTP_ERROR', message: expect.stringMatching(/^invalid params: n: /) },
    });
    expect(seen.length).toBe(before);
  });

  it('maps expected failures to their status, code and headers', async () => {
    const response = await call(event('GET', '/expected'));
    expect(response.statusCode).toBe(429);
    expect(JSON.parse(response.body)).toEqual({
      ok: false,
      error: { code: 'ERROR_RATE_LIMITED', message: 'You are being rate limited' },
    });
    expect(response.headers['retry-after']).toBe('7');
  });

  it('answers CORS preflights as nft.storage did', async () => {
    const preflight = await call(
      event('OPTIONS', '/upload', {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      }),
    );
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST,DELETE,PATCH,OPTIONS',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '86400',
    });
    const plain = await call(event('OPTIONS', '/upload'));
    expect(plain.statusCode).toBe(405);
    expect(plain.body).toBe('Non CORS options request not allowed');
  });

  it('takes an empty preflight header as a missing one, and never sends an empty allow-origin', async () => {
    const full = {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization',
    };
    for (const name of Object.keys(full)) {
      const response = await call(event('OPTIONS', '/upload', { ...full, [name]: '' }));
      expect(response.statusCode, name).toBe(405);
      expect(response.headers['access-control-allow-origin'], name).toMatch(
        /^(\*|https:\/\/app\.example)$/,
      );
    }
  });

  it('adds CORS headers to normal and error responses', async () => {
    const withOrigin = await call(event('GET', '/check/x', { origin: 'https://app.example' }));
    expect(withOrigin.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(withOrigin.headers.vary).toBe('Origin');
    const failed = await call(event('GET', '/expected'));
    expect(failed.headers['access-control-allow-origin']).toBe('*');
  });
});
