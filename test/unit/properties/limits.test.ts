/**
 * Limits hold before anything is written: a body over the inline limit is 413 on every write
 * route, a staged upload over its limit is refused before anything is signed, and JSON bodies
 * of any shape (rename, staging) answer soundly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessApi, storedState } from '../../support/in-process-api.ts';
import { expectNothingStored, expectSound, importerRoot } from './invariants.ts';

const LIMIT = 4096;
const STAGED_LIMIT = 1_000_000;
const SHA256 = `${'A'.repeat(42)}A=`;

const writes = fc.constantFrom(
  { path: '/upload', type: 'application/octet-stream' },
  { path: '/upload', type: 'Application/CAR' },
  { path: '/upload', type: 'multipart/form-data; boundary=x' },
  { path: '/store', type: 'multipart/form-data; boundary=x' },
  { path: '/api/upload', type: 'text/plain' },
);

describe('limits', () => {
  it('answer a body over the inline limit with 413 on every write route, storing nothing', async () => {
    const api = await inProcessApi({ MAX_INLINE_UPLOAD_BYTES: String(LIMIT) });
    const size = fc.oneof(
      fc.integer({ min: LIMIT - 8, max: LIMIT + 8 }),
      fc.integer({ min: 1, max: 3 * LIMIT }),
    );
    await fc.assert(
      fc.asyncProperty(writes, size, fc.integer(), async (route, length, seed) => {
        const before = storedState(api.ports);
        const body = new Uint8Array(length).fill(seed & 0xff);
        const response = await api.request('POST', route.path, {
          body,
          headers: { 'content-type': route.type },
        });
        expectSound(response);
        if (length > LIMIT) {
          expect(response.status, response.text).toBe(413);
          expect(response.json.error.code).toBe('ERROR_PAYLOAD_TOO_LARGE');
        } else {
          expect(response.status, response.text).not.toBe(413);
        }
        if (response.status !== 200) expectNothingStored(api.ports, before);
      }),
      { numRuns: 200 },
    );
  });

  it('refuse a directory of more than 10,000 files before packing or storing anything', async () => {
    const api = await inProcessApi();
    const parts = Array.from(
      { length: 10_001 },
      (_, i) =>
        `--b\r\nContent-Disposition: form-data; name="file"; filename="f${i}"\r\n\r\n${i}\r\n`,
    );
    const before = storedState(api.ports);
    const response = await api.request('POST', '/upload', {
      body: `${parts.join('')}--b--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expectSound(response);
    expect(response.status).toBe(400);
    expect(response.json.error.message).toBe(
      'too many files: 10001 > 10000 in one directory upload',
    );
    expectNothingStored(api.ports, before);
  });

  it('answer any staging request soundly, signing nothing it refuses', async () => {
    const api = await inProcessApi({ MAX_STAGED_UPLOAD_BYTES: String(STAGED_LIMIT) });
    const request = fc.oneof(
      fc.record(
        {
          size: fc.oneof(
            fc.integer({ min: STAGED_LIMIT - 2, max: STAGED_LIMIT + 2 }),
            fc.integer({ min: -2, max: 10 }),
            fc.double(),
            fc.string(),
          ),
          sha256: fc.oneof(fc.constant(SHA256), fc.string({ maxLength: 50 })),
          name: fc.oneof(fc.string(), fc.constant('  '), fc.integer()),
          extra: fc.jsonValue(),
        },
        { requiredKeys: ['size', 'sha256'] },
      ),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(request, async (body) => {
        const signed = api.ports.staging.signed.length;
        const staged = api.ports.staged.staged.size;
        const text = JSON.stringify(body) ?? '';
        const response = await api.request('POST', '/staged-uploads', {
          body: text,
          headers: { 'content-type': 'application/json' },
        });
        expectSound(response, [text]);
        if (response.status === 200) {
          const size = (body as { size: number }).size;
          expect(Number.isInteger(size) && size > 0 && size <= STAGED_LIMIT).toBe(true);
          expect(api.ports.staging.signed.length).toBe(signed + 1);
          expect(api.ports.staged.staged.size).toBe(staged + 1);
        } else {
          expect(api.ports.staging.signed.length).toBe(signed);
          expect(api.ports.staged.staged.size).toBe(staged);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('end a page of GET / before it outgrows a Lambda answer, whatever its uploads hold', async () => {
    // Inline file lists as uploads keep them (at most 32 KB of JSON each), and the longest
    // names and types an upload may have, in characters of 1 to 4 UTF-8 bytes or JSON escapes.
    const char = fc.constantFrom('a', 'é', '日', '🙂', '"');
    const cids: string[] = [];
    await fc.assert(
      fc.asyncProperty(char, char, async (nameChar, fileChar) => {
        const api = await inProcessApi();
        const fileName = fileChar.repeat(250 / fileChar.length);
        const files: { name: string; type: string }[] = [];
        while (
          Buffer.byteLength(JSON.stringify([...files, { name: fileName, type: 'x' }])) <=
          32 * 1024
        ) {
          files.push({ name: fileName, type: 'x' });
        }
        for (let i = 0; i < 1000; i++) {
          const created = new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString();
          const cid =
            cids[i] ?? (await importerRoot([{ content: new Uint8Array([i, i >> 8]) }], false));
          cids[i] = cid;
          await api.ports.uploads.create({
            userId: api.userId,
            cid,
            sourceCid: cid,
            name: nameChar.repeat(1024 / nameChar.length),
            type: `x/${nameChar.repeat(250 / nameChar.length)}`,
            files,
            tokenId: 'aaaaaaaaaaaaaaaa',
            tokenName: nameChar,
            created,
            updated: created,
          });
        }
        const response = await api.request('GET', '/?limit=1000');
        expectSound(response);
        expect(response.status).toBe(200);
        expect(response.json.value.length).toBeGreaterThan(0);
      }),
      { numRuns: 3 },
    );
  });

  it('answer any rename body soundly', async () => {
    const api = await inProcessApi();
    const uploaded = await api.request('POST', '/upload', {
      body: 'rename me',
      headers: { 'content-type': 'text/plain' },
    });
    const cid = uploaded.json.value.cid;
    const json = fc.oneof(
      fc.record({ name: fc.oneof(fc.string(), fc.jsonValue()) }),
      fc.integer({ min: 1020, max: 1030 }).map((n) => ({ name: ` ${'n'.repeat(n)} ` })),
      fc.jsonValue(),
    );
    const body = fc.oneof(
      json.map((value) => JSON.stringify(value)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const before = storedState(api.ports);
        const response = await api.request('PATCH', `/upload/${cid}`, {
          body: text,
          headers: { 'content-type': 'application/json' },
        });
        expectSound(response, [text]);
        expectNothingStored(api.ports, before);
        const stored = await api.ports.uploads.get(api.userId, cid);
        if (response.status === 200) expect(stored?.name).toBe(response.json.value.name);
        else expect(response.status, response.text).toBe(400);
      }),
      { numRuns: 200 },
    );
  });
});
