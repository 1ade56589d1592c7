/**
 * The IPFS gateway end to end on the local stack: content goes in through the real API (a file,
 * a multi-chunk file, a nested directory, an ERC-1155 /store upload, a chunked CAR upload and a
 * staged CAR), the indexer consumes the carpark's events, and the gateway — the real streaming
 * handler behind the local Function URL — reads it back. CARs are checked by a reader that
 * hashes every block and by the `ipfs-car` CLI; files are read by @helia/verified-fetch, which
 * verifies every block it fetches; every response is checked against the gateway's contract.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withHTTP } from '@helia/http';
import { createVerifiedFetch, type VerifiedFetch } from '@helia/verified-fetch';
import { createHeliaLight } from 'helia';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayOpenApiDocument } from '../../contract/gateway.ts';
import type { Block } from '../../lambdas/core/ipfs/block.ts';
import { packFile } from '../../lambdas/core/ipfs/unixfs.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { fileFromCar, readVerifiedCar, treeFromCar } from '../support/car-check.ts';
import { craftCar, sameBytes, seededBytes, utf8 } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const run = promisify(execFile);
const CHUNK = 262_144;
// The ipfs-car CLI, run by the Node running the tests.
const IPFS_CAR = fileURLToPath(import.meta.resolve('ipfs-car/bin.js'));

let stack: TestStack;
let api: ReturnType<typeof apiClient>;
let token: string;
let gateway: string;
let work: string;

interface Stored {
  cid: string;
  /** Files by path inside the content ('' for a file upload). */
  files: Map<string, Uint8Array>;
}
const uploads: Record<string, Stored> = {};
let nft: { ipnft: string; data: { image: string; properties: { video: string } } };
const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
);
const VIDEO = seededBytes(CHUNK * 2 + 99, 77);
/** Over Lambda's 6 MB buffered response limit: only a streamed response can carry it. */
const LARGE = seededBytes(14 * CHUNK * 2 + 12_345, 99);

beforeAll(async () => {
  process.env.RATE_LIMIT_REQUESTS = '100000';
  stack = await withLocalStack();
  api = apiClient(stack);
  token = (await createTestToken(stack, 'gateway-tester')).token;
  gateway = stack.gatewayUrl as string;
  work = await mkdtemp(join(tmpdir(), 'pinstack-gateway-'));

  const post = async (body: RequestInit['body'], headers: Record<string, string> = {}) => {
    const response = await api.post('/upload', { token, body, headers });
    expect(response.status, response.text).toBe(200);
    return response.body.value.cid as string;
  };

  const small = utf8('hello gateway');
  uploads.file = { cid: await post(small), files: new Map([['', small]]) };
  const multi = seededBytes(5 * CHUNK + 4321, 12);
  uploads.multiChunk = { cid: await post(multi), files: new Map([['', multi]]) };

  const tree = new Map<string, Uint8Array>([
    ['index.txt', utf8('top level\n')],
    ['art/cat.png', PNG],
    ['art/deep/nested/blob.bin', seededBytes(3 * CHUNK + 5, 13)],
    ['meta/1.json', utf8('{"name":"token 1"}')],
  ]);
  const form = new FormData();
  for (const [name, content] of tree) form.append('file', new Blob([content]), name);
  uploads.directory = { cid: await post(form), files: tree };

  const store = new FormData();
  store.append(
    'meta',
    JSON.stringify({
      name: 'Gateway NFT',
      description: 'read back',
      image: null,
      properties: { video: null },
    }),
  );
  store.append('image', new Blob([PNG], { type: 'image/png' }), 'cat.png');
  store.append('properties.video', new Blob([VIDEO], { type: 'video/mp4' }), 'clip.mp4');
  const stored = await api.post('/store', { token, body: store });
  expect(stored.status, stored.text).toBe(200);
  nft = stored.body.value;

  // A CAR split the way the nft.storage client's splitter does: every chunk carries the root.
  const packed = await packFile(LARGE);
  if (!packed.ok) throw new Error(packed.error.message);
  const [rootBlock, ...leaves] = packed.value.blocks as [Block, ...Block[]];
  for (let at = 0; at < leaves.length; at += 14) {
    const chunk = await craftCar([packed.value.root], [rootBlock, ...leaves.slice(at, at + 14)]);
    expect(chunk.byteLength).toBeLessThan(4 * 1024 * 1024);
    await post(chunk, { 'content-type': 'application/car' });
  }
  uploads.chunkedCar = { cid: packed.value.root.toString(), files: new Map([['', LARGE]]) };

  await stack.idle();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A GET or HEAD of the gateway, checked against its contract. */
async function get(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${gateway}${path}`, { ...init, redirect: 'manual' });
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = Object.fromEntries(response.headers.entries());
  expect(contractProblems(init.method ?? 'GET', path, response.status, headers), path).toEqual([]);
  return { status: response.status, headers, body };
}

/** The status must be documented for the operation and its required headers present. */
function contractProblems(
  method: string,
  path: string,
  status: number,
  headers: Record<string, string>,
): string[] {
  const doc = gatewayOpenApiDocument() as unknown as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  const [cidAndPath = ''] = path.split('?');
  const template =
    cidAndPath.split('/').filter(Boolean).length > 2 ? '/ipfs/{cid}/{path}' : '/ipfs/{cid}';
  const operation = doc.paths[template]?.[method.toLowerCase()];
  if (!operation) return [`no ${method} ${template} in the gateway document`];
  const response = operation.responses[String(status)] as
    | { headers?: Record<string, { required?: boolean }> }
    | undefined;
  if (!response) return [`${status} is not documented for ${method} ${template}`];
  return Object.entries(response.headers ?? {})
    .filter(([name, spec]) => spec.required && headers[name.toLowerCase()] === undefined)
    .map(([name]) => `${status} lacks the required ${name} header`);
}

async function carOf(path: string) {
  const answer = await get(path, { headers: { accept: 'application/vnd.ipld.car' } });
  expect(answer.status).toBe(200);
  return { answer, car: await readVerifiedCar(answer.body) };
}

/** `ipfs-car unpack` (which verifies every block it reads) on a CAR from the gateway. */
async function unpackWithIpfsCar(bytes: Uint8Array, name: string): Promise<string> {
  const car = join(work, `${name}.car`);
  const out = join(work, `${name}.out`);
  await writeFile(car, bytes);
  await run(process.execPath, [IPFS_CAR, 'unpack', car, '--output', out]);
  return out;
}

describe('CARs of every kind of upload', () => {
  it.each(['file', 'multiChunk', 'directory', 'chunkedCar'])(
    '%s: a complete CAR whose every block hashes right, unpacked by ipfs-car to the uploaded bytes',
    async (kind) => {
      const { cid, files } = uploads[kind] as Stored;
      const { answer, car } = await carOf(`/ipfs/${cid}?format=car`);
      expect(answer.headers['content-type']).toBe(
        'application/vnd.ipld.car;version=1;order=dfs;dups=n',
      );
      expect(car.roots.map(String)).toEqual([cid]);
      const tree = await treeFromCar(car, cid);
      expect([...tree.keys()].sort()).toEqual([...files.keys()].sort());
      for (const [name, content] of files) {
        expect(sameBytes(tree.get(name) as Uint8Array, content), name).toBe('same');
      }
      const out = await unpackWithIpfsCar(answer.body, kind);
      for (const [name, content] of files) {
        const bytes = await readFile(name === '' ? out : join(out, name));
        expect(sameBytes(bytes, content), `ipfs-car ${name}`).toBe('same');
      }
    },
  );

  it('/store: the dag-cbor root, its files and metadata.json, every block verified', async () => {
    const { car } = await carOf(`/ipfs/${nft.ipnft}?format=car`);
    expect(car.roots.map(String)).toEqual([nft.ipnft]);
    expect(sameBytes(await fileFromCar(car, `${nft.ipnft}/image/cat.png`), PNG)).toBe('same');
    const video = await fileFromCar(car, `${nft.ipnft}/properties/video/clip.mp4`);
    expect(sameBytes(video, VIDEO)).toBe('same');
    const metadata = JSON.parse(
      new TextDecoder().decode(await fileFromCar(car, `${nft.ipnft}/metadata.json`)),
    );
    expect(metadata).toMatchObject({ name: 'Gateway NFT', image: nft.data.image });
    // `ipfs-car blocks` verifies every block's hash (it exits non-zero on a mismatch).
    const file = join(work, 'store.car');
    await writeFile(file, (await get(`/ipfs/${nft.ipnft}?format=car`)).body);
    const { stdout } = await run(process.execPath, [IPFS_CAR, 'blocks', file]);
    expect(stdout.trim().split('\n')).toHaveLength(car.blocks.length);
    // The image's directory, by its own CID, unpacks as a UnixFS directory.
    const imageDir = nft.data.image.slice('ipfs://'.length).split('/')[0] as string;
    const { answer } = await carOf(`/ipfs/${imageDir}?format=car`);
    const out = await unpackWithIpfsCar(answer.body, 'store-image');
    expect(sameBytes(await readFile(join(out, 'cat.png')), PNG)).toBe('same');
  });

  it('a path inside a directory: path blocks first, the CAR rooted at the requested CID', async () => {
    const { cid, files } = uploads.directory as Stored;
    const path = 'art/deep/nested/blob.bin';
    const { answer, car } = await carOf(`/ipfs/${cid}/${path}?format=car`);
    expect(car.roots.map(String)).toEqual([cid]);
    const roots = answer.headers['x-ipfs-roots']?.split(',') ?? [];
    expect(car.blocks.slice(0, 4).map((b) => String(b.cid))).toEqual(roots.slice(0, 4));
    expect(sameBytes(await fileFromCar(car, `${cid}/${path}`), files.get(path) as Uint8Array)).toBe(
      'same',
    );
  });

  it('entity-bytes and dag-scope over HTTP', async () => {
    const { cid, files } = uploads.multiChunk as Stored;
    const content = files.get('') as Uint8Array;
    const { car } = await carOf(`/ipfs/${cid}?format=car&entity-bytes=${CHUNK}:${2 * CHUNK - 1}`);
    expect(car.blocks).toHaveLength(2);
    const part = await fileFromCar(car, cid, { offset: CHUNK, length: CHUNK });
    expect(sameBytes(part, content.subarray(CHUNK, 2 * CHUNK))).toBe('same');
    const { car: block } = await carOf(`/ipfs/${cid}?format=car&dag-scope=block`);
    expect(block.blocks.map((b) => String(b.cid))).toEqual([cid]);
  });
});

describe('deserialized content', () => {
  it.each(['file', 'multiChunk', 'directory', 'chunkedCar'])(
    '%s: the uploaded bytes, by root and by path',
    async (kind) => {
      const { cid, files } = uploads[kind] as Stored;
      for (const [name, content] of files) {
        const path = name === '' ? `/ipfs/${cid}` : `/ipfs/${cid}/${name}`;
        const answer = await get(path);
        expect(answer.status, path).toBe(200);
        expect(sameBytes(answer.body, content), path).toBe('same');
        expect(answer.headers['content-length']).toBe(String(content.byteLength));
      }
    },
  );

  it('streams a file far above the 6 MB a buffered Lambda response can carry', async () => {
    const { cid } = uploads.chunkedCar as Stored;
    expect(LARGE.byteLength).toBeGreaterThan(6 * 1024 * 1024);
    const response = await fetch(`${gateway}/ipfs/${cid}`);
    let received = 0;
    const hash = createHash('sha256');
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      received += chunk.byteLength;
      hash.update(chunk);
    }
    expect(received).toBe(LARGE.byteLength);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(LARGE).digest('hex'));
  });

  it('resolves the CID of a file inside a directory like a root', async () => {
    const { cid, files } = uploads.directory as Stored;
    const head = await get(`/ipfs/${cid}/art/deep/nested/blob.bin`, { method: 'HEAD' });
    const inner = head.headers['x-ipfs-roots']?.split(',').at(-1) as string;
    expect(inner).not.toBe(cid);
    const direct = await get(`/ipfs/${inner}`);
    expect(sameBytes(direct.body, files.get('art/deep/nested/blob.bin') as Uint8Array)).toBe(
      'same',
    );
    const raw = await get(`/ipfs/${inner}?format=raw`);
    expect(raw.status).toBe(200);
  });

  it('/store: the root as JSON, the media and metadata.json by path, typed', async () => {
    const root = await get(`/ipfs/${nft.ipnft}`);
    expect(root.headers['content-type']).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(root.body))).toMatchObject({
      name: 'Gateway NFT',
      type: 'nft',
    });
    // What a marketplace does with the metadata: follow ipfs:// URLs through the gateway.
    const metadataUrl = `/ipfs/${nft.ipnft}/metadata.json`;
    const metadata = JSON.parse(new TextDecoder().decode((await get(metadataUrl)).body));
    const image = await get(`/ipfs/${metadata.image.slice('ipfs://'.length)}`);
    expect(image.headers['content-type']).toBe('image/png');
    expect(sameBytes(image.body, PNG)).toBe('same');
    const video = await get(`/ipfs/${metadata.properties.video.slice('ipfs://'.length)}`);
    expect(video.headers['content-type']).toBe('video/mp4');
    expect(sameBytes(video.body, VIDEO)).toBe('same');
  });

  it('lists a directory as HTML after redirecting to its trailing slash', async () => {
    const { cid } = uploads.directory as Stored;
    const redirect = await get(`/ipfs/${cid}/art`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`/ipfs/${cid}/art/`);
    const listing = await get(`/ipfs/${cid}/art/`);
    expect(listing.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(new TextDecoder().decode(listing.body)).toContain('href="./cat.png"');
  });

  it('keeps deleted content readable while it is still held (until its unpin runs)', async () => {
    const content = utf8('deleted but held');
    const cid = (await api.post('/upload', { token, body: content })).body.value.cid;
    await stack.idle();
    expect((await api.delete(`/${cid}`, { token })).status).toBe(202);
    const answer = await get(`/ipfs/${cid}`);
    expect(answer.status).toBe(200);
    expect(sameBytes(answer.body, content)).toBe('same');
  });
});

describe('the HTTP surface over the Function URL', () => {
  it('Range: 206 across chunks, 416 past the end', async () => {
    const { cid, files } = uploads.multiChunk as Stored;
    const content = files.get('') as Uint8Array;
    const part = await get(`/ipfs/${cid}`, {
      headers: { range: `bytes=${CHUNK - 10}-${CHUNK + 9}` },
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(
      `bytes ${CHUNK - 10}-${CHUNK + 9}/${content.byteLength}`,
    );
    expect(sameBytes(part.body, content.subarray(CHUNK - 10, CHUNK + 10))).toBe('same');
    const past = await get(`/ipfs/${cid}`, { headers: { range: `bytes=${content.byteLength}-` } });
    expect(past.status).toBe(416);
  });

  it('HEAD: the headers of GET, Content-Length included, and no body', async () => {
    const { cid } = uploads.multiChunk as Stored;
    for (const query of ['', '?format=raw', '?format=car']) {
      const full = await get(`/ipfs/${cid}${query}`);
      const head = await get(`/ipfs/${cid}${query}`, { method: 'HEAD' });
      expect(head.status, query).toBe(200);
      expect(head.body.byteLength, query).toBe(0);
      // Hop-by-hop headers belong to the connection (undici closes it after a HEAD); a
      // streamed CAR has no length either way.
      const endToEnd = (headers: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(headers).filter(
            ([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name),
          ),
        );
      const getHeaders = endToEnd(full.headers);
      const headHeaders = endToEnd(head.headers);
      expect(headHeaders, query).toEqual(getHeaders);
    }
  });

  it('If-None-Match: 304 with the ETag of the format asked for', async () => {
    const { cid } = uploads.file as Stored;
    for (const query of ['', '?format=raw', '?format=car']) {
      const first = await get(`/ipfs/${cid}${query}`, { method: 'HEAD' });
      const again = await get(`/ipfs/${cid}${query}`, {
        headers: { 'if-none-match': first.headers.etag as string },
      });
      expect(again.status, query).toBe(304);
      expect(again.body.byteLength).toBe(0);
    }
  });

  it('the probe: HEAD /ipfs/bafkqaaa?format=raw is 200, and its CAR holds no block', async () => {
    const head = await get('/ipfs/bafkqaaa?format=raw', { method: 'HEAD' });
    expect(head.status).toBe(200);
    const raw = await get('/ipfs/bafkqaaa?format=raw');
    expect(raw.body.byteLength).toBe(0);
    const { car } = await carOf('/ipfs/bafkqaaa?format=car');
    expect(car.roots.map(String)).toEqual(['bafkqaaa']);
    expect(car.blocks).toEqual([]);
  });

  it('identity CIDs are answered from the CID itself', async () => {
    const { identity } = await import('multiformats/hashes/identity');
    const cid = CID.createV1(0x55, identity.digest(utf8('inline content')));
    const answer = await get(`/ipfs/${cid}?format=raw`);
    expect(new TextDecoder().decode(answer.body)).toBe('inline content');
  });

  it('an unknown CID is 404 at once, never 502 or 504', async () => {
    const unknown = CID.createV1(
      0x55,
      (await import('multiformats/hashes/sha2')).sha256.digest(
        utf8('nobody uploaded this'),
      ) as never,
    );
    for (const query of ['', '?format=raw', '?format=car']) {
      const answer = await get(`/ipfs/${unknown}${query}`);
      expect(answer.status, query).toBe(404);
      expect(answer.headers['cache-control']).toBe('no-cache');
    }
  });

  it('a DAG still missing a chunk: 200, then the stream is cut off, not ended cleanly', async () => {
    const packed = await packFile(seededBytes(20 * CHUNK, 123));
    if (!packed.ok) throw new Error(packed.error.message);
    const [rootBlock, ...leaves] = packed.value.blocks as [Block, ...Block[]];
    const first = await craftCar([packed.value.root], [rootBlock, ...leaves.slice(0, 10)]);
    const posted = await api.post('/upload', {
      token,
      body: first,
      headers: { 'content-type': 'application/car' },
    });
    expect(posted.status).toBe(200);
    await stack.idle();
    for (const query of ['?format=car', '']) {
      const response = await fetch(`${gateway}/ipfs/${packed.value.root}${query}`);
      expect(response.status, query).toBe(200);
      await expect(response.arrayBuffer(), query).rejects.toThrow();
    }
  });

  it('every trustless header on a raw block', async () => {
    const { cid } = uploads.file as Stored;
    const answer = await get(`/ipfs/${cid}?format=raw&filename=block.bin`);
    expect(answer.headers).toMatchObject({
      'content-type': 'application/vnd.ipld.raw',
      'content-disposition': 'attachment; filename="block.bin"',
      'x-content-type-options': 'nosniff',
      'cache-control': 'public, max-age=29030400, immutable',
      etag: `"${cid}.raw"`,
      'x-ipfs-path': `/ipfs/${cid}`,
      'x-ipfs-roots': cid,
      'content-length': String(answer.body.byteLength),
    });
  });
});

describe('an independent verifying client', () => {
  let verifiedFetch: VerifiedFetch;

  beforeAll(async () => {
    // Only this gateway: no delegated routers, no public gateways, local HTTP allowed.
    const helia = withHTTP(createHeliaLight(), {
      delegatedRouters: [],
      recursiveGateways: [gateway],
      allowLocal: true,
    });
    // helia 7.1.15 waits forever for providers without one non-fallback router.
    helia.addRouter({ name: 'none', async *findProviders() {} } as never);
    verifiedFetch = await createVerifiedFetch(helia);
  });

  afterAll(async () => {
    await verifiedFetch?.stop();
  });

  it.each([
    ['file', ''],
    ['multiChunk', ''],
    ['directory', 'art/deep/nested/blob.bin'],
    ['directory', 'meta/1.json'],
    ['chunkedCar', ''],
  ])('@helia/verified-fetch reads %s %s, verifying every block', async (kind, path) => {
    const { cid, files } = uploads[kind] as Stored;
    const response = await verifiedFetch(`ipfs://${cid}${path ? `/${path}` : ''}`, {
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(sameBytes(bytes, files.get(path) as Uint8Array)).toBe('same');
  });

  it('@helia/verified-fetch reads an ERC-1155 image through the /store root', async () => {
    const response = await verifiedFetch(`ipfs://${nft.ipnft}/image/cat.png`, {
      signal: AbortSignal.timeout(30_000),
    });
    expect(sameBytes(new Uint8Array(await response.arrayBuffer()), PNG)).toBe('same');
  });
});
