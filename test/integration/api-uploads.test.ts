/**
 * The nft.storage-compatible API end to end: real handlers behind the local gateway, on the
 * embedded emulators, every response checked against the OpenAPI document.
 */

import { request as httpRequest } from 'node:http';
import * as dagPb from '@ipld/dag-pb';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Block } from '../../lambdas/core/ipfs/index.ts';
import { encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { craftCar, seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const HELLO_CID = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve';
const INLINE_LIMIT = 1_000_000;

let stack: TestStack;
let api: ReturnType<typeof apiClient>;
let alice: string;
let bob: string;

beforeAll(async () => {
  process.env.MAX_INLINE_UPLOAD_BYTES = String(INLINE_LIMIT);
  process.env.RATE_LIMIT_REQUESTS = '100000';
  stack = await withLocalStack();
  api = apiClient(stack);
  alice = (await createTestToken(stack, 'alice', 'alice laptop')).token;
  bob = (await createTestToken(stack, 'bob')).token;
});

afterAll(async () => {
  await stack?.stop();
});

/** The CID ipfs add --cid-version=1 (and the nft.storage client) computes, via the importer. */
async function referenceCid(
  entries: { path?: string; content: Uint8Array }[],
  wrapWithDirectory: boolean,
): Promise<string> {
  let last: CID | undefined;
  for await (const entry of importer(entries, new MemoryBlockstore(), {
    cidVersion: 1,
    rawLeaves: true,
    chunker: fixedSize({ chunkSize: 262_144 }),
    layout: balanced({ maxChildrenPerNode: 174 }),
    wrapWithDirectory,
  })) {
    last = entry.cid;
  }
  return String(last);
}

const carHeaders = { 'content-type': 'application/car' };

describe('authentication', () => {
  it('answers a new user with an empty list', async () => {
    const carol = (await createTestToken(stack, 'carol')).token;
    const response = await api.get('/', { token: carol });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, value: [] });
  });

  it('rejects missing, malformed, unknown and revoked tokens with 401', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'EXPECTED_BEARER_STRING'],
      [{ authorization: 'Basic abc' }, 'EXPECTED_BEARER_STRING'],
      [{ authorization: 'Bearer not-a-token' }, 'ERROR_MALFORMED_TOKEN'],
      [{ authorization: `Bearer pst_aaaaaaaaaaaaaaaa_${'A'.repeat(43)}` }, 'ERROR_TOKEN_NOT_FOUND'],
    ];
    for (const [headers, code] of cases) {
      const response = await api.get('/', { headers });
      expect(response.status, code).toBe(401);
      expect(response.body.error.code).toBe(code);
    }
    const { token, record } = await createTestToken(stack, 'dave');
    expect((await api.get('/', { token })).status).toBe(200);
    const { identityPorts } = await import('../../lambdas/shared/wiring.ts');
    const { loadConfig } = await import('../../lambdas/shared/config.ts');
    await identityPorts(loadConfig({ ...process.env, ...stack.env })).tokens.revoke(
      record.tokenId,
      new Date().toISOString(),
    );
    const revoked = await api.get('/', { token });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('ERROR_TOKEN_NOT_FOUND');
  });

  it('answers a bad token with 401 before looking at the body', async () => {
    const garbage = new TextEncoder().encode('not a car');
    const anonymous = await api.post('/upload', { body: garbage, headers: carHeaders });
    expect(anonymous.status).toBe(401);
    const unknown = await api.post('/upload', {
      body: garbage,
      headers: { ...carHeaders, authorization: `Bearer pst_aaaaaaaaaaaaaaaa_${'B'.repeat(43)}` },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('ERROR_TOKEN_NOT_FOUND');
    const valid = await api.post('/upload', { token: bob, body: garbage, headers: carHeaders });
    expect(valid.status).toBe(400);
  });

  it('serves /check and /version without a token', async () => {
    expect((await api.get('/version')).body).toMatchObject({ version: 'dev', mode: 'rw' });
    expect((await api.get(`/check/${HELLO_CID}`)).status).toBe(404);
  });
});

describe('POST /upload', () => {
  it('stores a raw body as one unwrapped file with the known CID', async () => {
    const response = await api.post('/upload', {
      token: alice,
      body: 'hello world!',
      headers: { 'content-type': 'text/plain', 'x-name': encodeURIComponent('greeting ✓') },
    });
    expect(response.status).toBe(200);
    expect(response.body.ok).toBe(true);
    expect(response.body.value).toMatchObject({
      cid: HELLO_CID,
      type: 'text/plain',
      scope: 'alice laptop',
      files: [],
      size: 12,
      name: 'greeting ✓',
      pin: { cid: HELLO_CID, size: 12, status: 'pinned' },
      deals: [],
    });
    const check = await api.get(`/check/${HELLO_CID}/`);
    expect(check.body.value).toMatchObject({ cid: HELLO_CID, pin: { status: 'pinned', size: 12 } });
    expect(JSON.stringify(check.body)).not.toContain('alice');
  });

  it('computes the same CID as ipfs-unixfs-importer for a multi-chunk file', async () => {
    const content = seededBytes(900_000, 7);
    const response = await api.post('/upload', {
      token: alice,
      body: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.body.value.cid).toBe(await referenceCid([{ content }], false));
    expect(response.body.value.cid).toMatch(/^bafybei/);
    expect(response.body.value.pin.status).toBe('pinned');
  });

  it('wraps multipart files in a directory, keeping sub-paths, as the importer does', async () => {
    const a = seededBytes(300_000, 1);
    const b = new TextEncoder().encode('second file');
    const form = new FormData();
    form.append('file', new Blob([a], { type: 'image/png' }), 'art/a.png');
    form.append('file', new Blob([b], { type: 'text/plain' }), 'readme.txt');
    form.append('other', 'ignored');
    const response = await api.post('/upload', { token: alice, body: form });
    expect(response.status).toBe(200);
    const expected = await referenceCid(
      [
        { path: 'art/a.png', content: a },
        { path: 'readme.txt', content: b },
      ],
      true,
    );
    expect(response.body.value).toMatchObject({
      cid: expected,
      type: 'directory',
      files: [
        { name: 'art/a.png', type: 'image/png' },
        { name: 'readme.txt', type: 'text/plain' },
      ],
    });
  });

  it('keeps binary bytes intact whatever text-like content type curl sends', async () => {
    const jpegish = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
    const response = await api.post('/upload', {
      token: alice,
      body: jpegish,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    expect(response.body.value.cid).toBe(await referenceCid([{ content: jpegish }], false));
    expect(response.body.value.size).toBe(jpegish.length);
  });

  it('records the measured size of a complete CAR, not what its root claims', async () => {
    const leaf = seededBytes(1000, 81);
    const leafCid = CID.create(1, raw.code, await sha256.digest(leaf));
    const inflated = dagPb.encode(
      dagPb.prepare({ Links: [{ Hash: leafCid, Name: 'x', Tsize: 10_000_000_000_000 }] }),
    );
    const rootCid = CID.create(1, dagPb.code, await sha256.digest(inflated));
    const car = await craftCar(
      [rootCid],
      [
        { cid: rootCid, bytes: inflated },
        { cid: leafCid, bytes: leaf },
      ],
    );
    const response = await api.post('/upload', { token: alice, body: car, headers: carHeaders });
    expect(response.status).toBe(200);
    expect(response.body.value.pin).toMatchObject({
      status: 'pinned',
      size: inflated.length + leaf.length,
    });
  });

  it('rejects an empty body and multipart without file parts with 400', async () => {
    const empty = await api.post('/upload', { token: alice, body: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toEqual({ code: 'HTTP_ERROR', message: 'empty payload' });
    const form = new FormData();
    form.append('file', 'just a string');
    const stringPart = await api.post('/upload', { token: alice, body: form });
    expect(stringPart.status).toBe(400);
    expect(stringPart.body.error.code).toBe('HTTP_ERROR');
  });

  it('answers a body over the inline limit with 413 pointing to chunked and staged uploads, storing nothing', async () => {
    const content = seededBytes(INLINE_LIMIT + 1, 99);
    const response = await api.post('/upload', {
      token: bob,
      body: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('ERROR_PAYLOAD_TOO_LARGE');
    expect(response.body.error.message).toMatch(/CAR chunks/);
    expect(response.body.error.message).toMatch(/staged-uploads/);
    const cid = await referenceCid([{ content }], false);
    expect((await api.get(`/check/${cid}`)).status).toBe(404);
    expect((await api.get('/', { token: bob })).body.value).toEqual([]);
  });

  it.each([
    ['just over the limit', INLINE_LIMIT + 1],
    ['over the base64 event limit', 5_000_000],
    ["over API Gateway's body limit", 11 * 1024 * 1024],
  ])(
    'answers a body %s with the nft.storage 413 envelope naming the limit',
    async (_label, size) => {
      const response = await fetch(`${stack.apiUrl}/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(size, 7),
      }).catch(() => undefined);
      // A body the front refuses before reading may cut the connection before fetch reads the
      // answer; the raw request below sees it whatever the client does.
      const answer = response
        ? { status: response.status, body: await response.json() }
        : await (async () => {
            const raw = await rawPost(stack.apiUrl, '/upload', size);
            return { status: raw.status, body: JSON.parse(raw.body) };
          })();
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({
        ok: false,
        error: {
          code: 'ERROR_PAYLOAD_TOO_LARGE',
          message: expect.stringContaining(`at most ${INLINE_LIMIT} bytes inline`),
        },
      });
      expect(answer.body.error.message).toMatch(/staged-uploads/);
    },
  );

  it('stores a valid CAR under its root and is idempotent on retry', async () => {
    const packed = await packFile(seededBytes(5000, 3));
    if (!packed.ok) throw new Error('pack failed');
    const car = await encodeCar(packed.value.root, packed.value.blocks);
    const first = await api.post('/upload/', { token: bob, body: car, headers: carHeaders });
    const retry = await api.post('/api/upload', { token: bob, body: car, headers: carHeaders });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(first.body.value).toMatchObject({
      cid: packed.value.root.toString(),
      type: 'application/car',
      pin: { status: 'pinned', size: 5000 },
    });
    const mine = (await api.get('/', { token: bob })).body.value as { cid: string }[];
    expect(mine.filter((u) => u.cid === packed.value.root.toString())).toHaveLength(1);
    // Retries keep the first upload's time.
    expect(retry.body.value.created).toBe(first.body.value.created);
  });

  it('rejects every CAR rule violation with 400 ERROR_INVALID_CAR naming the problem, storing nothing', async () => {
    const good = await packFile(seededBytes(3000, 11));
    if (!good.ok) throw new Error('pack failed');
    const block = good.value.blocks[0] as Block;
    const other = await packFile(seededBytes(3000, 12));
    if (!other.ok) throw new Error('pack failed');
    const otherBlock = other.value.blocks[0] as Block;
    const tampered = { cid: block.cid, bytes: seededBytes(3000, 14) };

    const cases: [string, Uint8Array, RegExp][] = [
      ['garbage', new TextEncoder().encode('not a car at all'), /./],
      ['no roots', await craftCar([], [block]), /missing roots/],
      [
        'two roots',
        await craftCar([block.cid, otherBlock.cid], [block, otherBlock]),
        /too many roots/,
      ],
      ['empty', await craftCar([block.cid], []), /empty CAR/],
      ['missing root block', await craftCar([block.cid], [otherBlock]), /missing root block/],
      ['hash mismatch', await craftCar([block.cid], [tampered]), new RegExp(`hash.*${block.cid}`)],
    ];
    // A block over 2 MiB cannot fit under this stack's 1 MB inline limit: the unit tests of
    // validateCar and the staged-upload test cover it.
    for (const [name, body, message] of cases) {
      const response = await api.post('/upload', { token: bob, body, headers: carHeaders });
      expect(response.status, name).toBe(400);
      expect(response.body.error.code, name).toBe('ERROR_INVALID_CAR');
      expect(response.body.error.message, name).toMatch(message);
    }
    for (const root of [block.cid, otherBlock.cid]) {
      expect((await api.get(`/check/${root}`)).status).toBe(404);
    }
  });

  it('rejects an unsupported multihash with 400 ERROR_INVALID_CAR', async () => {
    const bytes = new TextEncoder().encode('blake3');
    // 0x1e = blake3, which the block validator cannot verify.
    const cid = CID.create(1, raw.code, Digest.create(0x1e, seededBytes(32, 5)));
    const response = await api.post('/upload', {
      token: bob,
      body: await craftCar([cid], [{ cid, bytes }]),
      headers: carHeaders,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ERROR_INVALID_CAR');
    expect(response.body.error.message).toMatch(/unsupported multihash/);
  });
});

describe('chunked CARs', () => {
  it('pins only when the union of chunks is the whole DAG, with the whole-DAG size counted once', async () => {
    const content = seededBytes(1_300_000, 21);
    const packed = await packFile(content);
    if (!packed.ok) throw new Error('pack failed');
    const [rootBlock, ...leaves] = packed.value.blocks as [Block, ...Block[]];
    expect(leaves.length).toBeGreaterThanOrEqual(5);
    const root = packed.value.root;
    const half = Math.ceil(leaves.length / 2);
    const first = await craftCar([root], [rootBlock, ...leaves.slice(0, half)]);
    const second = await craftCar([root], [rootBlock, ...leaves.slice(half)]);
    const node = dagPb.decode(rootBlock.bytes);
    const dagSize = rootBlock.bytes.length + node.Links.reduce((n, l) => n + (l.Tsize ?? 0), 0);

    const one = await api.post('/upload', { token: alice, body: first, headers: carHeaders });
    expect(one.status).toBe(200);
    expect(one.body.value.pin).toMatchObject({ status: 'pinning', size: dagSize });
    await stack.idle();
    expect((await api.get(`/${root}`, { token: alice })).body.value.pin.status).toBe('pinning');

    const two = await api.post('/upload', { token: alice, body: second, headers: carHeaders });
    expect(two.status).toBe(200);
    await stack.idle();
    const status = await api.get(`/${root}`, { token: alice });
    expect(status.body.value).toMatchObject({
      size: dagSize,
      pin: { status: 'pinned', size: dagSize },
    });
    expect(dagSize).toBeGreaterThan(content.length);
    expect(dagSize).toBeLessThan(content.length * 1.01);
    const mine = (await api.get('/?limit=1000', { token: alice })).body.value as { cid: string }[];
    expect(mine.filter((u) => u.cid === root.toString())).toHaveLength(1);
  });
});

describe('sharing, authorization and deletion', () => {
  it('lets two users share one content record while each has an upload', async () => {
    const body = seededBytes(4096, 31);
    const a = await api.post('/upload', { token: alice, body });
    const b = await api.post('/upload', { token: bob, body });
    expect(a.body.value.cid).toBe(b.body.value.cid);
    expect(b.body.value.pin.created).toBe(a.body.value.pin.created);
    expect(b.body.value.scope).not.toBe(a.body.value.scope);
    const cid = a.body.value.cid;
    expect((await api.get(`/${cid}`, { token: alice })).status).toBe(200);
    expect((await api.get(`/${cid}`, { token: bob })).status).toBe(200);
  });

  it("never shows or deletes another user's upload", async () => {
    const body = seededBytes(2048, 41);
    const cid = (await api.post('/upload', { token: alice, body })).body.value.cid;
    const seen = await api.get(`/${cid}`, { token: bob });
    expect(seen.status).toBe(404);
    expect(seen.body.error).toEqual({ code: 'HTTP_ERROR', message: 'NFT not found' });
    expect((await api.delete(`/${cid}`, { token: bob })).status).toBe(404);
    expect((await api.get(`/${cid}`, { token: alice })).status).toBe(200);
    const bobs = (await api.get('/?limit=1000', { token: bob })).body.value as { cid: string }[];
    expect(bobs.map((u) => u.cid)).not.toContain(cid);
  });

  it('soft-deletes, keeps /check answering, and restores on upload again', async () => {
    const body = seededBytes(1024, 51);
    const cid = (await api.post('/upload', { token: alice, body })).body.value.cid;
    const deleted = await api.delete(`/${cid}/`, { token: alice });
    expect(deleted.status).toBe(202);
    expect(deleted.body).toEqual({ ok: true });
    expect((await api.get(`/${cid}`, { token: alice })).status).toBe(404);
    expect((await api.delete(`/${cid}`, { token: alice })).status).toBe(404);
    expect((await api.get(`/check/${cid}`)).body.value.pin.status).toBe('pinned');
    const list = (await api.get('/?limit=1000', { token: alice })).body.value as { cid: string }[];
    expect(list.map((u) => u.cid)).not.toContain(cid);
    expect((await api.post('/upload', { token: alice, body })).status).toBe(200);
    expect((await api.get(`/${cid}`, { token: alice })).status).toBe(200);
  });

  it('keeps the name and type of an upload the caller uploads again, unless x-name is sent', async () => {
    const content = 'uploaded twice';
    const first = await api.post('/upload', {
      token: alice,
      body: content,
      headers: { 'content-type': 'text/plain', 'x-name': encodeURIComponent('my notes') },
    });
    expect(first.status).toBe(200);
    const cid = first.body.value.cid;
    const again = await api.post('/upload', {
      token: alice,
      body: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(again.body.value).toMatchObject({ cid, name: 'my notes', type: 'text/plain' });
    expect((await api.get(`/${cid}`, { token: alice })).body.value).toMatchObject({
      name: 'my notes',
      type: 'text/plain',
      created: first.body.value.created,
    });
    const renamed = await api.post('/upload', {
      token: alice,
      body: content,
      headers: { 'content-type': 'image/png', 'x-name': 'renamed' },
    });
    expect(renamed.body.value).toMatchObject({ cid, name: 'renamed', type: 'text/plain' });
  });

  it('resolves the CIDv0 and CIDv1 forms of a root to one upload, echoing the form asked for', async () => {
    const form = new FormData();
    form.append('file', new Blob([seededBytes(100, 61)]), 'x.bin');
    const v1 = (await api.post('/upload', { token: alice, body: form })).body.value.cid as string;
    const v0 = CID.parse(v1).toV0().toString();
    const viaV0 = await api.get(`/${v0}`, { token: alice });
    expect(viaV0.status).toBe(200);
    expect(viaV0.body.value.cid).toBe(v0);
    expect((await api.get(`/check/${v0}`)).body.value).toMatchObject({ cid: v0, pin: { cid: v1 } });
  });

  it('answers malformed CIDs with 400 ERROR_INVALID_CID', async () => {
    for (const path of ['/not-a-cid', '/check/not-a-cid']) {
      const response = await api.get(path, { token: alice });
      expect(response.status, path).toBe(400);
      expect(response.body.error).toEqual({
        code: 'ERROR_INVALID_CID',
        message: 'Invalid CID: not-a-cid',
      });
    }
  });
});

describe('listing, renaming, /store', () => {
  it('pages newest first with an exact cursor, filtering by name prefix and token', async () => {
    const erin = (await createTestToken(stack, 'erin', 'first')).token;
    const erin2 = (await createTestToken(stack, 'erin', 'second')).token;
    const cids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await api.post('/upload', {
        token: i < 5 ? erin : erin2,
        body: `file number ${i}`,
        headers: { 'x-name': i % 2 ? `odd-${i}` : `even-${i}` },
      });
      cids.push(response.body.value.cid);
    }
    const seen: string[] = [];
    let path = '/?limit=3';
    for (let page = 0; page < 5 && path; page++) {
      const response = await api.get(path, { token: erin });
      seen.push(...(response.body.value as { cid: string }[]).map((u) => u.cid));
      const cursor = response.headers.get('x-next-cursor');
      path = cursor ? `/?limit=3&cursor=${cursor}` : '';
    }
    expect(seen).toEqual([...cids].reverse());

    const odd = (await api.get('/?name=odd-', { token: erin })).body.value as { name: string }[];
    expect(odd.map((u) => u.name)).toEqual(['odd-5', 'odd-3', 'odd-1']);
    const { record } = await createTestToken(stack, 'erin', 'unused');
    const none = await api.get(`/?token=${record.tokenId}`, { token: erin });
    expect(none.body.value).toEqual([]);
    // Someone else's token id finds nothing, even though that token made uploads.
    const other = await createTestToken(stack, 'frank');
    await api.post('/upload', { token: other.token, body: 'frank was here' });
    const foreign = await api.get(`/?token=${other.record.tokenId}`, { token: erin });
    expect(foreign.status).toBe(200);
    expect(foreign.body.value).toEqual([]);
    const own = await api.get(`/?token=${other.record.tokenId}`, { token: other.token });
    expect(own.body.value).toHaveLength(1);
  });

  it('rejects bad list parameters with 400 invalid params', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'before=yesterday', 'cursor=%%%']) {
      const response = await api.get(`/?${query}`, { token: alice });
      expect(response.status, query).toBe(400);
      expect(response.body.error.message, query).toMatch(/^invalid params/);
    }
  });

  it('renames an upload', async () => {
    const cid = (await api.post('/upload', { token: alice, body: 'rename me' })).body.value.cid;
    const renamed = await api.patch(`/upload/${cid}`, {
      token: alice,
      body: JSON.stringify({ name: 'new name' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.value.name).toBe('new name');
    const bad = await api.patch(`/upload/${cid}`, { token: alice, body: '{"name": ""}' });
    expect(bad.status).toBe(400);
    const other = await api.patch(`/upload/${cid}`, { token: bob, body: '{"name": "x"}' });
    expect(other.status).toBe(404);
  });

  it('stores ERC-1155 metadata with /store', async () => {
    const form = new FormData();
    form.append(
      'meta',
      JSON.stringify({
        name: 'Pin',
        description: 'a pin',
        image: null,
        properties: { video: null },
      }),
    );
    form.append('image', new Blob([seededBytes(2000, 71)], { type: 'image/png' }), 'pin.png');
    form.append(
      'properties.video',
      new Blob([seededBytes(3000, 72)], { type: 'video/mp4' }),
      'pin.mp4',
    );
    const response = await api.post('/store', { token: alice, body: form });
    expect(response.status).toBe(200);
    const { ipnft, url, data } = response.body.value;
    expect(ipnft).toMatch(/^bafyrei/);
    expect(url).toBe(`ipfs://${ipnft}/metadata.json`);
    expect(data.image).toMatch(/^ipfs:\/\/bafybei\w+\/pin\.png$/);
    expect(data.properties.video).toMatch(/^ipfs:\/\/bafybei\w+\/pin\.mp4$/);
    const status = await api.get(`/${ipnft}`, { token: alice });
    expect(status.body.value).toMatchObject({ type: 'nft', pin: { status: 'pinned' } });

    const noMeta = new FormData();
    noMeta.append('image', new Blob([seededBytes(10, 1)]), 'a.png');
    const missing = await api.post('/store', { token: alice, body: noMeta });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('missing `meta` in multipart');
    const notMultipart = await api.post('/store', { token: alice, body: '{}' });
    expect(notMultipart.status).toBe(400);
  });
});

/** A POST that declares `size` bytes and sends only the start: what the front answers first. */
function rawPost(apiUrl: string, path: string, size: number) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(path, apiUrl);
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST' },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.setHeader('content-length', String(size));
    request.on('error', reject);
    request.write(Buffer.alloc(1024));
  });
}
