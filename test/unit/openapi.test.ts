import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../contract/api.ts';
import { MAX_BLOCK_BYTES } from '../../contract/limits.ts';
import { ERROR_CODES } from '../../contract/schema.ts';
import { type Failure, failure } from '../../lambdas/core/failures.ts';
import type { ReadDeps } from '../../lambdas/http/deps.ts';
import { nftStorageError } from '../../lambdas/http/nft-storage-errors.ts';
import type { RouteContext } from '../../lambdas/http/router.ts';
import { readApiRoutes } from '../../lambdas/http/routes/read/index.ts';
import { schemaRoutes } from '../../lambdas/http/routes/read/schema.ts';
import { writeApiRoutes } from '../../lambdas/http/routes/write/index.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { settings } from '../../system/settings.ts';

/** The operations anyone may call, without an API key. */
const PUBLIC_OPERATIONS = [
  'checkContent',
  'getMetrics',
  'getSchema',
  'getStats',
  'getStatus',
  'getStatusPage',
  'getVersion',
];

import {
  documentedResponses,
  findOperation,
  HTTP_METHODS,
  openApiDocument,
  type ParameterObject,
  type Reference,
  type ResponseObject,
  resolvePointer,
  validateHandlerResponse,
  validateResponse,
} from '../support/openapi-validator.ts';

const doc = openApiDocument;

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  HTTP_METHODS.flatMap((method) => {
    const operation = item[method];
    return operation ? [{ path, method, operation }] : [];
  }),
);

function deref<T>(value: T | Reference): T {
  if (typeof value === 'object' && value !== null && '$ref' in value) {
    return deref(resolvePointer(value.$ref) as T | Reference);
  }
  return value as T;
}

function collectRefs(value: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => collectRefs(item, `${at}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string'
      ? [{ at, ref: inner }]
      : collectRefs(inner, `${at}/${key}`),
  );
}

/** URI fragments of every schema: component schemas and every `schema` field. */
function schemaLocations(value: unknown, at = '#'): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${at}/${encodeURIComponent(key.replaceAll('~', '~0').replaceAll('/', '~1'))}`;
    const isSchema = key === 'schema' || at === '#/components/schemas';
    return isSchema ? [here] : schemaLocations(inner, here);
  });
}

describe('OpenAPI document', () => {
  it('is an OpenAPI 3.1 document that survives JSON serialisation unchanged', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).not.toBe('');
    expect(doc.info.version).not.toBe('');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('gives every path at least one operation and only path-item fields', () => {
    const allowed = new Set<string>([...HTTP_METHODS, 'servers', 'summary', 'description']);
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\//);
      expect(
        Object.keys(item).filter((key) => !allowed.has(key)),
        path,
      ).toEqual([]);
      expect(
        HTTP_METHODS.some((method) => item[method]),
        path,
      ).toBe(true);
    }
  });

  it('resolves every $ref inside the document', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(20);
    const broken = refs.filter(({ ref }) => resolvePointer(ref) === undefined);
    expect(broken).toEqual([]);
  });

  it('has unique operationIds', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation a success response and a schema for every body', () => {
    for (const { path, method, operation } of operations) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(operation.responses);
      expect(
        statuses.some((status) => /^2\d\d$/.test(status)),
        where,
      ).toBe(true);
      for (const [status, value] of Object.entries(operation.responses)) {
        expect(status, where).toMatch(/^[1-5](\d\d|XX)$/);
        const response = deref<ResponseObject>(value);
        expect(response.description, `${where} ${status}`).toBeTruthy();
        if (status === '204') {
          expect(response.content, `${where} ${status}`).toBeUndefined();
          continue;
        }
        const content = Object.values(response.content ?? {});
        expect(content.length, `${where} ${status} has no content`).toBeGreaterThan(0);
        for (const media of content) expect(media.schema, `${where} ${status}`).toBeDefined();
      }
    }
  });

  it('declares every path template parameter as a required path parameter', () => {
    for (const { path, method, operation } of operations) {
      if (method === 'options') continue;
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operation.parameters ?? [])
        .map((p) => deref<ParameterObject>(p))
        .filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), `${method} ${path}`).toEqual(inPath.sort());
      for (const p of declared) expect(p.required, `${method} ${path} ${p.name}`).toBe(true);
    }
  });

  it('compiles every schema in it (components, bodies, parameters, headers) as strict 2020-12', () => {
    const ajv = new Ajv2020({ strict: true });
    addFormatsModule.default(ajv);
    // The OpenAPI fields around the schemas, declared so strict mode accepts the wrapper.
    for (const keyword of Object.keys(doc)) ajv.addKeyword({ keyword });
    ajv.addSchema({ ...doc, $id: 'https://doc.invalid/' });
    const locations = schemaLocations(doc);
    expect(locations.length).toBeGreaterThan(60);
    for (const pointer of locations) {
      expect(() => ajv.compile({ $ref: `https://doc.invalid/${pointer}` }), pointer).not.toThrow();
    }
  });

  it('requires the bearer scheme everywhere except the public operations', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    const publicIds = operations
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ operation }) => operation.operationId)
      .filter((id) => !id.startsWith('preflight'));
    expect(publicIds.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
  });

  it('documents exactly the routes the handlers serve, with their /api aliases', () => {
    // Every route a function serves, once (api-read also serves the public ones).
    const routes = [...new Set([...readApiRoutes, ...writeApiRoutes].map((h) => h.contract))];
    expect(new Set(routes)).toEqual(new Set(apiRoutes));
    const documented = operations
      .filter(({ method }) => method !== 'options')
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(documented.sort());
    for (const route of routes) {
      const servers = doc.paths[route.path]?.servers?.map((s) => s.url) ?? ['/'];
      expect(servers.includes('/api'), `${route.method} ${route.path} alias`).toBe(
        route.legacyAlias,
      );
    }
  });

  it('answers CORS preflights on every path', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(Object.keys(item.options?.responses ?? {}).sort(), path).toEqual([
        '204',
        '405',
        '431',
      ]);
    }
  });

  it('lists every error code the edge can answer with, under its status', () => {
    const codes = (doc.components.schemas as Record<string, { enum?: string[] }>).ErrorCode?.enum;
    expect(codes).toEqual([...ERROR_CODES]);
    const cases: { failure: Failure; method: string; path: string }[] = [
      { failure: failure.missingToken(), method: 'GET', path: '/' },
      { failure: failure.malformedToken(), method: 'GET', path: '/{cid}' },
      { failure: failure.unknownToken(), method: 'DELETE', path: '/{cid}' },
      { failure: failure.unknownUser(), method: 'POST', path: '/store' },
      { failure: failure.rateLimited(7), method: 'PATCH', path: '/upload/{cid}' },
      { failure: failure.invalidCid('nope'), method: 'GET', path: '/check/{cid}' },
      {
        failure: failure.invalidCar('missing-roots', 'missing roots'),
        method: 'POST',
        path: '/upload',
      },
      { failure: failure.emptyContent('empty payload'), method: 'POST', path: '/upload' },
      { failure: failure.invalidPath('duplicate path "a"'), method: 'POST', path: '/upload' },
      {
        failure: failure.invalidMeta('meta must be a JSON object'),
        method: 'POST',
        path: '/store',
      },
      { failure: failure.invalidRequest('invalid params: limit'), method: 'GET', path: '/' },
      { failure: failure.notFound('NFT not found'), method: 'GET', path: '/check/{cid}' },
      {
        failure: failure.notFound('Staged upload not found'),
        method: 'GET',
        path: '/staged-uploads/{id}',
      },
      { failure: failure.payloadTooLarge('too big'), method: 'POST', path: '/store' },
      { failure: failure.storageUnavailable(new Error('down')), method: 'GET', path: '/' },
    ];
    for (const { failure: f, method, path } of cases) {
      const answer = nftStorageError(f, 'req-1');
      expect(codes).toContain(answer.body.error.code);
      const errors = validateResponse({
        method,
        path,
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
      });
      expect(errors, f.name).toEqual([]);
    }
    expect(codes).toContain('ERROR_INTERNAL');
  });

  it('quotes the real limits in its descriptions', () => {
    const defaults = loadConfig({});
    expect(defaults.MAX_INLINE_UPLOAD_BYTES).toBe(4 * 1024 * 1024);
    const text = JSON.stringify(doc);
    expect(text).toContain(`${MAX_BLOCK_BYTES} bytes`);
    expect(text).toContain(`${defaults.MAX_INLINE_UPLOAD_BYTES} bytes`);
    expect(text).toContain(`${defaults.MAX_STAGED_UPLOAD_BYTES} bytes`);
    expect(text).toContain(`valid ${defaults.STAGED_URL_LIFETIME_SECONDS} seconds`);
    expect(doc.info.description).toContain(
      `${defaults.RATE_LIMIT_REQUESTS} requests per ${defaults.RATE_LIMIT_WINDOW_SECONDS} seconds`,
    );
  });
});

const validPin = {
  cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  created: '2024-05-01T10:00:00.000Z',
  size: 1234,
  status: 'pinned',
};

const validStatus = {
  cid: 'QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco',
  created: '2024-05-01T10:00:00.123Z',
  type: 'directory',
  scope: 'ci key',
  files: [{ name: 'cat.png', type: 'image/png' }],
  size: 1234,
  name: 'Upload at 2024-05-01T10:00:00.123Z',
  pin: validPin,
  deals: [],
};

const getStatus = (value: unknown) =>
  validateResponse({ method: 'GET', path: '/{cid}', status: 200, body: { ok: true, value } });

describe('validateResponse', () => {
  it('accepts a correct status object', () => {
    expect(getStatus(validStatus)).toEqual([]);
  });

  it('rejects a status object with a missing field', () => {
    const { scope: _scope, ...withoutScope } = validStatus;
    expect(getStatus(withoutScope)).toEqual([
      "GET /{cid} -> 200: body/value must have required property 'scope'",
    ]);
  });

  it('rejects an unknown pin status', () => {
    const errors = getStatus({ ...validStatus, pin: { ...validPin, status: 'PinQueued' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('/value/pin/status must be equal to one of the allowed values');
  });

  it('rejects an extra field, a negative size and a created without a time zone', () => {
    const errors = getStatus({
      ...validStatus,
      size: -1,
      created: '2024-05-01T10:00:00',
      requestId: 'abc',
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('must NOT have additional properties ("requestId")'),
        expect.stringContaining('/value/size must be >= 0'),
        expect.stringContaining('/value/created must match format "date-time"'),
      ]),
    );
  });

  it('rejects a bare status object that lacks the envelope', () => {
    expect(
      validateResponse({ method: 'GET', path: '/{cid}', status: 200, body: validStatus }),
    ).not.toEqual([]);
  });

  it('rejects an error code the status does not carry', () => {
    const body = { ok: false, error: { code: 'ERROR_INVALID_CAR', message: 'Invalid CAR' } };
    expect(validateResponse({ method: 'GET', path: '/{cid}', status: 400, body })).toEqual([
      'GET /{cid} -> 400: body/error/code must be equal to constant ("ERROR_INVALID_CID")',
      'GET /{cid} -> 400: body/error/message must match pattern "^Invalid CID: "',
    ]);
  });

  it('requires Retry-After on a 429', () => {
    const body = {
      ok: false,
      error: { code: 'ERROR_RATE_LIMITED', message: 'You are being rate limited' },
    };
    const response = { method: 'POST', path: '/upload', status: 429, body };
    expect(validateResponse(response)).toEqual([
      'POST /upload -> 429: missing required header Retry-After',
    ]);
    expect(validateResponse({ ...response, headers: { 'retry-after': 'soon' } })).toEqual([
      'POST /upload -> 429: header Retry-After must match pattern "^[1-9][0-9]*$"',
    ]);
    expect(validateResponse({ ...response, headers: { 'Retry-After': '9' } })).toEqual([]);
  });

  it('rejects undocumented statuses, operations and content types', () => {
    expect(validateResponse({ method: 'GET', path: '/version', status: 404, body: {} })).toEqual([
      'GET /version -> 404: status not documented for /version (documented: 200, 431, 500)',
    ]);
    expect(validateResponse({ method: 'PUT', path: '/upload', status: 200, body: {} })).toEqual([
      'PUT /upload -> 200: no such operation in the OpenAPI document',
    ]);
    expect(
      validateResponse({
        method: 'GET',
        path: '/{cid}',
        status: 404,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: 'not found',
      }),
    ).toEqual([
      'GET /{cid} -> 404: content-type "text/plain;charset=UTF-8" not documented (application/json)',
    ]);
  });

  it('rejects a malformed next-page header and a body on a 204', () => {
    expect(
      validateResponse({
        method: 'GET',
        path: '/',
        status: 200,
        headers: { 'x-next-cursor': 'not a cursor!' },
        body: { ok: true, value: [validStatus] },
      }),
    ).toEqual(['GET / -> 200: header X-Next-Cursor must match pattern "^[A-Za-z0-9_-]{1,400}$"']);
    const preflightHeaders = {
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST,DELETE,PATCH,OPTIONS',
      'access-control-allow-headers': 'authorization',
      'access-control-max-age': '86400',
    };
    const preflight = {
      method: 'OPTIONS',
      path: '/upload',
      status: 204,
      headers: preflightHeaders,
    };
    expect(validateResponse({ ...preflight, body: '' })).toEqual([]);
    expect(validateResponse({ ...preflight, body: '{}' })).toEqual([
      'OPTIONS /upload -> 204: expected no body, got {}',
    ]);
  });

  it('matches concrete request paths like the router: /api alias, trailing slash, fixed first', () => {
    expect(findOperation('GET', '/api/check/bafy/')?.template).toBe('/check/{cid}');
    expect(findOperation('get', '/api')?.template).toBe('/');
    expect(findOperation('GET', '/bafy')?.template).toBe('/{cid}');
    expect(findOperation('GET', '/Version/')?.template).toBe('/version');
    expect(findOperation('POST', '/upload/')?.template).toBe('/upload');
    expect(findOperation('POST', '/api/store')).toBeUndefined();
    expect(findOperation('GET', '/upload/bafy/extra')).toBeUndefined();
  });

  it('validates a handler result with a JSON string body', () => {
    const result = {
      statusCode: 202,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: JSON.stringify({ ok: true }),
    };
    expect(validateHandlerResponse({ method: 'DELETE', path: '/bafy/' }, result)).toEqual([]);
    expect(
      validateHandlerResponse(
        { method: 'DELETE', path: '/bafy/' },
        { ...result, body: '{"ok":true,"value":null}' },
      ),
    ).toEqual(['DELETE /bafy/ -> 202: body must NOT have additional properties ("value")']);
  });

  const serve = (settings: Partial<ReadDeps['settings']>) =>
    schemaRoutes
      .find((r) => r.contract.path === '/schema.json')
      ?.run({ params: {}, query: {}, headers: {}, body: undefined }, {
        deps: { settings },
      } as unknown as RouteContext<ReadDeps>);
  const defaults = {
    RATE_LIMIT_REQUESTS: settings.RATE_LIMIT_REQUESTS.default,
    RATE_LIMIT_WINDOW_SECONDS: settings.RATE_LIMIT_WINDOW_SECONDS.default,
    MAX_INLINE_UPLOAD_BYTES: settings.MAX_INLINE_UPLOAD_BYTES.default,
    MAX_STAGED_UPLOAD_BYTES: settings.MAX_STAGED_UPLOAD_BYTES.default,
    STAGED_PART_BYTES: settings.STAGED_PART_BYTES.default,
  };

  it('accepts the document as GET /schema.json serves it', async () => {
    const result = await serve(defaults);
    expect(result).toBeDefined();
    if (!result) return;
    const served = { statusCode: result.status, headers: {}, body: JSON.stringify(result.body) };
    expect(validateHandlerResponse({ method: 'GET', path: '/schema.json' }, served)).toEqual([]);
    expect(JSON.parse(served.body)).toEqual(doc);
  });

  it("serves the deployment's limits: a staged CAR's size has the deployment's maximum", async () => {
    const result = await serve({
      ...defaults,
      MAX_STAGED_UPLOAD_BYTES: 1234,
      RATE_LIMIT_REQUESTS: 7,
    });
    type Served = {
      info: { description: string };
      paths: Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: unknown }> } } }
      >;
    };
    const sizeMaximum = (document: unknown) => {
      const body = (document as Served).paths['/staged-uploads']?.post.requestBody;
      const schema = body?.content['application/json']?.schema as
        | { properties: { size: { maximum?: number } } }
        | undefined;
      return schema?.properties.size.maximum;
    };
    const served = result?.body as Served;
    expect(sizeMaximum(served)).toBe(1234);
    expect(served.info.description).toContain('at most 1234 bytes per CAR');
    expect(served.info.description).toContain('Rate limit: 7 requests');
    expect(sizeMaximum(doc)).toBe(settings.MAX_STAGED_UPLOAD_BYTES.default);
  });

  it('gives every preflight its path parameters and non-empty preflight headers', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const parameters = (
        item as {
          options: { parameters: { name: string; in: string; schema: { minLength?: number } }[] };
        }
      ).options.parameters;
      expect(
        parameters.filter((p) => p.in === 'path').map((p) => p.name),
        path,
      ).toEqual(names);
      for (const header of parameters.filter((p) => p.in === 'header')) {
        expect(header.schema.minLength, `${path} ${header.name}`).toBe(1);
      }
    }
  });

  it('lists every documented response for coverage checks', () => {
    const all = documentedResponses();
    expect(all).toContainEqual({ method: 'DELETE', path: '/{cid}', status: '202' });
    expect(all).toContainEqual({ method: 'GET', path: '/', status: '429' });
    expect(all.filter((r) => r.method === 'OPTIONS')).toHaveLength(
      Object.keys(doc.paths).length * 3,
    );
  });

  it('documents the 431 for headers over the limit on every operation', () => {
    const operations = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).filter((op) => typeof op === 'object' && op && 'responses' in op),
    ) as { responses: Record<string, unknown> }[];
    expect(operations.length).toBeGreaterThan(10);
    for (const op of operations) expect(Object.keys(op.responses)).toContain('431');
  });
});
