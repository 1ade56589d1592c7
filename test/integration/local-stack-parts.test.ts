/**
 * The local stack's pure pieces, table-driven: API Gateway route selection and result mapping,
 * batch failure parsing, and S3 request classification and event key encoding.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { failedIds } from '../../local/event-source.ts';
import {
  isTextContentType,
  matchRoute,
  parseRoutePath,
  routesFor,
  toHttpResponse,
} from '../../local/gateway.ts';
import { Activity, FunctionRuntime, silentLogger } from '../../local/lambda.ts';
import { encodeEventKey, objectCreatedEvent, parseS3Request } from '../../local/notifications.ts';
import { functions } from '../../system/functions.ts';

const catalogRoutes = routesFor(
  functions.map(
    (fn) =>
      new FunctionRuntime({
        fn,
        loader: () => () => undefined,
        region: 'us-east-1',
        activity: new Activity(),
        log: silentLogger,
      }),
  ),
);

describe('catalog route selection', () => {
  it.each([
    ['GET', '/version', 'api-public', 'GET /version', undefined],
    ['GET', '/api/version', 'api-public', 'GET /api/version', undefined],
    ['GET', '/schema.json', 'api-read', 'GET /{proxy+}', { proxy: 'schema.json' }],
    ['GET', '/check/bafyabc', 'api-public', 'GET /check/{proxy+}', { proxy: 'bafyabc' }],
    ['GET', '/api/check/bafy/x', 'api-public', 'GET /api/check/{proxy+}', { proxy: 'bafy/x' }],
    ['GET', '/', 'api-read', 'GET /', undefined],
    ['GET', '/bafyabc', 'api-read', 'GET /{proxy+}', { proxy: 'bafyabc' }],
    ['GET', '/versions', 'api-read', 'GET /{proxy+}', { proxy: 'versions' }],
    ['OPTIONS', '/upload', 'api-read', 'OPTIONS /{proxy+}', { proxy: 'upload' }],
    ['POST', '/upload', 'api-write', 'POST /{proxy+}', { proxy: 'upload' }],
    ['PATCH', '/upload/bafy', 'api-write', 'PATCH /{proxy+}', { proxy: 'upload/bafy' }],
    ['DELETE', '/bafyabc', 'api-write', 'DELETE /{proxy+}', { proxy: 'bafyabc' }],
  ])('%s %s -> %s (%s)', (method, path, fn, routeKey, params) => {
    const match = matchRoute(catalogRoutes, method, path);
    expect(match?.route.runtime.fn.name).toBe(fn);
    expect(match?.route.routeKey).toBe(routeKey);
    expect(
      Object.keys(match?.pathParameters ?? {}).length ? match?.pathParameters : undefined,
    ).toEqual(params);
  });

  it.each([
    ['POST', '/'],
    ['DELETE', '/'],
    ['PUT', '/upload'],
    ['HEAD', '/version'],
  ])('%s %s has no route', (method, path) => {
    expect(matchRoute(catalogRoutes, method, path)).toBeUndefined();
  });

  it('refuses a greedy variable that is not last', () => {
    expect(() => parseRoutePath('/{proxy+}/x')).toThrow('greedy path variable must be last');
  });
});

describe('result mapping', () => {
  it('treats a non-structured result as a 200 JSON body', () => {
    const response = toHttpResponse([1, 2]);
    expect(response.statusCode).toBe(200);
    expect(response.body.toString()).toBe('[1,2]');
  });

  it('maps an oversized result (over 6 MB) to 500, saying why', () => {
    const why: string[] = [];
    const response = toHttpResponse({ statusCode: 200, body: 'x'.repeat(6_300_000) }, (w) =>
      why.push(w),
    );
    expect(response.statusCode).toBe(500);
    expect(why).toEqual([expect.stringMatching(/6300\d+ bytes, over Lambda's 6291456-byte limit/)]);
  });

  it('maps a non-string body or a bad status to 500, saying why', () => {
    const why: string[] = [];
    expect(toHttpResponse({ statusCode: 200, body: { a: 1 } }, (w) => why.push(w)).statusCode).toBe(
      500,
    );
    expect(toHttpResponse({ statusCode: 700 }, (w) => why.push(w)).statusCode).toBe(500);
    expect(why).toEqual(["the result's body is not a string", expect.stringMatching(/700/)]);
  });

  it.each([
    ['text/plain', true],
    ['application/json; charset=utf-8', true],
    ['application/vnd.api+json', true],
    ['application/x-www-form-urlencoded', true],
    ['multipart/form-data; boundary=x', false],
    ['application/car', false],
    [undefined, false],
  ])('content type %s is text: %s', (type, text) => {
    expect(isTextContentType(type)).toBe(text);
  });
});

describe('batch item failures', () => {
  const records = ['a', 'b'].map((messageId) => ({ messageId }) as SQSRecord);

  it.each([
    ['no response', undefined, new Set()],
    ['an empty list', { batchItemFailures: [] }, new Set()],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, new Set(['b'])],
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'zzz' }] }, 'all'],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }, 'all'],
    ['a malformed list', { batchItemFailures: 'b' }, 'all'],
  ])('%s', (_, response, expected) => {
    expect(failedIds(response, records)).toEqual(expected);
  });
});

describe('S3 request classification', () => {
  const classify = (method: string, url: string, headers: Record<string, string> = {}) =>
    objectCreatedEvent(
      method,
      parseS3Request(url, { host: '127.0.0.1:4566', ...headers }),
      headers,
    );

  it.each([
    ['PUT', '/b/cars/x.car', {}, 'ObjectCreated:Put'],
    ['PUT', '/b/cars/x.car?x-id=PutObject', {}, 'ObjectCreated:Put'],
    ['PUT', '/b/cars/x.car?X-Amz-Algorithm=AWS4&X-Amz-Signature=s', {}, 'ObjectCreated:Put'],
    ['PUT', '/b/cars/x.car', { 'x-amz-copy-source': 'a/b' }, 'ObjectCreated:Copy'],
    ['POST', '/b/cars/x.car?uploadId=1', {}, 'ObjectCreated:CompleteMultipartUpload'],
    ['POST', '/b', { 'content-type': 'multipart/form-data; boundary=z' }, 'ObjectCreated:Post'],
    ['PUT', '/b/cars/x.car?partNumber=1&uploadId=1', {}, undefined],
    ['PUT', '/b/cars/x.car?tagging', {}, undefined],
    ['POST', '/b/cars/x.car?uploads', {}, undefined],
    ['POST', '/b?delete', {}, undefined],
    ['PUT', '/b', {}, undefined],
    ['GET', '/b/cars/x.car', {}, undefined],
    ['DELETE', '/b/cars/x.car', {}, undefined],
  ])('%s %s %j -> %s', (method, url, headers, expected) => {
    expect(classify(method, url, headers)).toBe(expected);
  });

  it('reads bucket and key path-style and virtual-hosted-style, decoding the key', () => {
    expect(parseS3Request('/bucket/a%20b/c%2Bd', { host: '127.0.0.1:1' })).toMatchObject({
      bucket: 'bucket',
      key: 'a b/c+d',
    });
    expect(parseS3Request('/a%20b', { host: 'bucket.s3.localhost:1' })).toMatchObject({
      bucket: 'bucket',
      key: 'a b',
    });
  });

  it.each([
    ['cars/plain.car', 'cars/plain.car'],
    ['cars/with space.car', 'cars/with+space.car'],
    ['cars/(x)+y=z&é.car', 'cars/%28x%29%2By%3Dz%26%C3%A9.car'],
    ['a_b-c.d*e~f', 'a_b-c.d*e%7Ef'],
  ])('encodes %s in events as %s', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
  });
});
