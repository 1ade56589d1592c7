/**
 * Reading a gateway request: Accept negotiation, byte ranges and entity-bytes, as tables, and
 * as properties over any input (never a throw, never a range outside the content, never a 5xx).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveEntityBytes } from '../../../lambdas/core/gateway/car.ts';
import { negotiate, parseGatewayRequest } from '../../../lambdas/core/gateway/request.ts';
import { parseRange } from '../../../lambdas/core/gateway/serve.ts';
import { GatewayWorld } from '../../support/gateway-world.ts';
import { utf8 } from '../../support/ipfs-fixtures.ts';
import { file } from './fixtures.ts';

describe('Accept negotiation', () => {
  it.each([
    ['application/vnd.ipld.raw', 'raw'],
    ['application/vnd.ipld.car', 'car'],
    ['Application/VND.IPLD.CAR; version=1', 'car'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', undefined],
    ['*/*', undefined],
    ['application/vnd.ipld.raw;q=0, application/vnd.ipld.car;q=0.1', 'car'],
    ['application/vnd.ipld.car;q=0.2, application/vnd.ipld.raw;q=0.9', 'raw'],
    ['application/vnd.ipld.dag-json', 'dag-json'],
    ['application/json', 'json'],
    ['', undefined],
  ])('%j asks for %s', (accept, format) => {
    expect(negotiate(accept)?.format).toBe(format);
  });

  it('reads Accept parameters, quoted or not', () => {
    expect(negotiate('application/vnd.ipld.car; order="dfs"; dups=y')?.params).toMatchObject({
      order: 'dfs',
      dups: 'y',
    });
  });
});

describe('Range', () => {
  it.each([
    ['bytes=0-9', 100, { first: 0, last: 9 }],
    ['bytes=90-', 100, { first: 90, last: 99 }],
    ['bytes=-10', 100, { first: 90, last: 99 }],
    ['bytes=-1000', 100, { first: 0, last: 99 }],
    ['bytes=50-5000', 100, { first: 50, last: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=9-3', 100, undefined],
    ['bits=0-1', 100, undefined],
  ])('%s of %i bytes is %j', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it('never yields a range outside the content', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(10_000_000), (tail, size) => {
        const range = parseRange(`bytes=${tail}`, size);
        if (range === undefined || range === 'unsatisfiable') return;
        expect(range.first).toBeGreaterThanOrEqual(0);
        expect(range.last).toBeLessThan(size);
        expect(range.first).toBeLessThanOrEqual(range.last);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('entity-bytes', () => {
  it.each([
    [{ from: 0, to: undefined }, 100, [0, 99]],
    [{ from: -10, to: undefined }, 100, [90, 99]],
    [{ from: 10, to: -10 }, 100, [10, 90]],
    [{ from: 0, to: 1000 }, 100, [0, 99]],
    [{ from: -1000, to: 5 }, 100, [0, 5]],
  ] as const)('%j of %i bytes covers %j', (bytes, size, expected) => {
    expect(resolveEntityBytes(bytes, size)).toEqual(expected);
  });
});

describe('any request', () => {
  it('is parsed without throwing, and answered without a 5xx', async () => {
    const world = new GatewayWorld();
    const stored = await file(utf8('any request'));
    await world.storeCar([stored.root], stored.blocks);
    const segment = fc.oneof(
      fc.constant(stored.root.toString()),
      fc.constant('bafkqaaa'),
      fc.string({ maxLength: 20 }),
    );
    const query = fc.dictionary(
      fc.constantFrom('format', 'dag-scope', 'entity-bytes', 'car-dups', 'filename', 'download'),
      fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('car', 'raw', 'entity', '0:*', 'y')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        query,
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        async (segments, params, accept, range) => {
          const path = `/ipfs/${segments.map(encodeURIComponent).join('/')}`;
          const rawQuery = new URLSearchParams(params).toString();
          const headers = { ...(accept ? { accept } : {}), ...(range ? { range } : {}) };
          expect(() =>
            parseGatewayRequest({ method: 'GET', rawPath: path, rawQuery, headers }),
          ).not.toThrow();
          const answer = await world.request(`${path}?${rawQuery}`, { headers });
          expect(answer.status, `${path}?${rawQuery}`).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
    expect(world.errors).toEqual([]);
  });
});
