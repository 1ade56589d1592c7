/**
 * POST /upload with a raw body: any bytes under any Content-Type (and any `x-name`). A file
 * type gets the CID ipfs-unixfs-importer computes for the bytes, sized by the bytes stored;
 * every other answer is a sound 4xx that stores nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessApi, storedState } from '../../support/in-process-api.ts';
import { exportFile, seededBytes } from '../../support/ipfs-fixtures.ts';
import {
  expectNothingStored,
  expectSound,
  importerRoot,
  readCar,
  storedCar,
} from './invariants.ts';

const CHUNK = 262_144;
const MAX_NAME = 1024;
const MAX_TYPE = 255;

const bytes = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 2, arbitrary: fc.string().map((text) => new Uint8Array(Buffer.from(text))) },
  // Around the chunk size, and past it: one raw block, or leaves under a dag-pb node.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17), fc.integer())
      .map(([length, seed]) => seededBytes(length, seed)),
  },
);

const mediaTypes = fc.constantFrom(
  'text/plain',
  'text/plain; charset=utf-8',
  'application/octet-stream',
  'image/png',
  'application/json',
  'application/x-www-form-urlencoded',
  'application/car',
  'application/vnd.ipld.car',
  'multipart/form-data; boundary=x',
  'Text/HTML ; q=1',
  'no-slash',
  ' padded/type ',
);

const contentTypeHeader = fc.oneof(
  { weight: 6, arbitrary: fc.mixedCase(mediaTypes) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }).map((n) => `x/${'y'.repeat(n)}`) },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

/** A name as encodeURIComponent sends it, or whatever a careless client puts in the header. */
const nameHeader = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }).map(encodeUri) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: MAX_NAME - 2, max: MAX_NAME + 2 }).map((n) => 'n'.repeat(n)),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('%', 'a', 'E', '9', 'é', ' ') }) },
);

/** encodeURIComponent, with lone surrogates sent as U+FFFD (as a UTF-8 encoder would). */
function encodeUri(text: string): string {
  return encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
}

function decodedName(header: string | undefined): string | undefined | Error {
  if (header === undefined || header === '') return undefined;
  try {
    const name = decodeURIComponent(header);
    return name.length > MAX_NAME ? new Error('too long') : name;
  } catch {
    return new Error('not URI-encoded');
  }
}

const mediaTypeOf = (header: string | undefined) =>
  (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

describe('POST /upload, raw body', () => {
  it('stores any bytes as the importer file, or answers a sound 4xx that stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, contentTypeHeader, nameHeader, async (body, type, xName) => {
        const api = await inProcessApi();
        const before = storedState(api.ports);
        const headers: Record<string, string> = {};
        if (type !== undefined) headers['content-type'] = type;
        if (xName !== undefined) headers['x-name'] = xName;
        const response = await api.request('POST', '/upload', { body, headers });
        expectSound(response, [type ?? '', xName ?? '']);

        const media = mediaTypeOf(type);
        const name = decodedName(xName);
        const isFile =
          !['multipart/form-data', 'application/car', 'application/vnd.ipld.car'].includes(media) &&
          media.length <= MAX_TYPE;
        if (body.length === 0 || !isFile || name instanceof Error) {
          expect(response.status, response.text).toBeGreaterThanOrEqual(400);
          expectNothingStored(api.ports, before);
          return;
        }
        expect(response.status, response.text).toBe(200);
        const expected = await importerRoot([{ content: body }], false);
        const { value } = response.json;
        expect(value.cid).toBe(expected);
        expect(value.type).toBe(media);
        expect(value.name).toBe(name ?? `Upload at ${api.ports.clock.now().toISOString()}`);

        const car = readCar(storedCar(api.ports));
        expect(car.roots).toEqual([expected]);
        expect(value.size).toBe(car.distinctBytes);
        if (body.length <= CHUNK) expect(value.size).toBe(body.length);
        const stored = await exportFile(expected, car.blocks);
        expect(Buffer.compare(stored, body)).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});
