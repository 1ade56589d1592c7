/**
 * Every route that takes a CID, with any string in its place (and GET / with any query): never
 * a 5xx; a string that is no CID is 400 ERROR_INVALID_CID with a short message; a CID answers
 * for the content it names in whichever form it is written; nothing is written by any of it.
 */
import fc from 'fast-check';
import { base32 } from 'multiformats/bases/base32';
import { base36 } from 'multiformats/bases/base36';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { identity } from 'multiformats/hashes/identity';
import type { MultihashDigest } from 'multiformats/hashes/interface';
import { sha256 } from 'multiformats/hashes/sha2';
import { beforeAll, describe, expect, it } from 'vitest';
import { type InProcessApi, inProcessApi, storedState } from '../../support/in-process-api.ts';
import { expectNothingStored, expectSound } from './invariants.ts';

const MAX_CID_LENGTH = 512;

type Sha256Digest = MultihashDigest<typeof sha256.code>;

let api: InProcessApi;
let stored: CID;

beforeAll(async () => {
  api = await inProcessApi();
  const response = await api.request('POST', '/upload', {
    body: 'stored content',
    headers: { 'content-type': 'text/plain' },
  });
  stored = CID.parse(response.json.value.cid);
});

/** A CID string in some base, for some content: the stored one or another. */
const cidText = fc
  .record({
    which: fc.constantFrom('stored', 'other', 'identity'),
    base: fc.constantFrom(base32, base36, base58btc),
    v0: fc.boolean(),
    bytes: fc.uint8Array({ maxLength: 400 }),
  })
  .map(({ which, base, v0, bytes }) => {
    if (which === 'stored') {
      return v0 ? CID.createV0(stored.multihash as Sha256Digest).toString() : stored.toString(base);
    }
    // multiformats hashes sha2-256 synchronously in Node.
    const digest =
      which === 'identity' ? identity.digest(bytes) : (sha256.digest(bytes) as Sha256Digest);
    return CID.create(1, raw.code, digest).toString(base);
  });

/** Near-CIDs: a CID with a character changed, dropped or added, padded, or cut short. */
const nearCid = fc
  .tuple(
    cidText,
    fc.nat(),
    fc.constantFrom('change', 'drop', 'add', 'pad', 'cut'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  )
  .map(([text, at, how, c]) => {
    const i = at % text.length;
    switch (how) {
      case 'change':
        return text.slice(0, i) + c + text.slice(i + 1);
      case 'drop':
        return text.slice(0, i) + text.slice(i + 1);
      case 'add':
        return text.slice(0, i) + c + text.slice(i);
      case 'pad':
        return ` \t${text} `;
      default:
        return text.slice(0, i);
    }
  });

const anyText = fc.oneof(
  { weight: 3, arbitrary: cidText },
  { weight: 3, arbitrary: nearCid },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 500, maxLength: 3000 }) },
);

/** How the text goes into the path: percent-encoded as clients do, or raw but URL-safe. */
const inPath = fc.oneof(
  anyText.map((text) => ({ text, segment: percentEncode(text) })),
  fc
    .string({ unit: fc.constantFrom('%', 'a', 'Q', 'm', '9', 'E', 'z', '.', '~'), minLength: 1 })
    .map((segment) => ({ text: safeDecode(segment), segment })),
);

function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The CID a string names, by the API's rule: trimmed, at most 512 characters, parseable. */
function cidOf(text: string): CID | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > MAX_CID_LENGTH) return undefined;
  try {
    return CID.parse(trimmed);
  } catch {
    return undefined;
  }
}

const routes = [
  { method: 'GET', path: (s: string) => `/check/${s}`, auth: false },
  { method: 'GET', path: (s: string) => `/api/check/${s}/`, auth: false },
  { method: 'GET', path: (s: string) => `/${s}`, auth: true },
  { method: 'DELETE', path: (s: string) => `/${s}`, auth: true },
  { method: 'PATCH', path: (s: string) => `/upload/${s}`, auth: true },
] as const;

describe('CID routes', () => {
  it('answer any string soundly: 400 ERROR_INVALID_CID unless it is a CID', async () => {
    await fc.assert(
      fc.asyncProperty(inPath, fc.constantFrom(...routes), async ({ text, segment }, route) => {
        // An empty segment, `/version` and `/schema.json` are other routes.
        fc.pre(segment !== '' && !/^(version|schema\.json|api)$/i.test(segment));
        const cid = cidOf(text);
        const isStored = cid?.toV1().toString() === stored.toString();
        // Deleting would change what later runs see: only content nobody uploaded is deleted.
        fc.pre(!(route.method === 'DELETE' && isStored));
        const before = storedState(api.ports);
        // Renaming the stored upload is the only write, and it keeps the name.
        const body = route.method === 'PATCH' ? JSON.stringify({ name: 'stored' }) : undefined;
        const response = await api.request(route.method, route.path(segment), {
          body,
          headers: body ? { 'content-type': 'application/json' } : {},
          token: route.auth ? api.token : null,
        });
        expectSound(response, [text]);
        if (!cid) {
          expect(response.status, response.text).toBe(400);
          expect(response.json.error.code).toBe('ERROR_INVALID_CID');
        } else if (!isStored) {
          expect(response.status, response.text).toBe(404);
        } else {
          expect(response.status, response.text).toBe(200);
          expect(response.json.value.cid).toBe(text.trim());
        }
        expectNothingStored(api.ports, before);
      }),
      { numRuns: 1000 },
    );
  });

  it('answer any list query soundly, pages bounded', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer({ min: -5, max: 2000 }).map(String),
      fc.constantFrom('2024-01-01T00:00:00Z', '2024-13-01T00:00:00Z', 'AAAA', ''),
    );
    const query = fc.dictionary(
      fc.constantFrom('limit', 'before', 'cursor', 'name', 'token', 'other'),
      value,
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const response = await api.request('GET', `/?${new URLSearchParams(params)}`);
        expectSound(response, Object.values(params));
        const limit = Number(params.limit ?? 10);
        if (response.status === 200) {
          expect(Number.isInteger(limit) && limit >= 1 && limit <= 1000).toBe(true);
          expect(response.json.value.length).toBeLessThanOrEqual(limit);
        } else {
          expect(response.status, response.text).toBe(400);
        }
      }),
      { numRuns: 300 },
    );
  });
});
