/**
 * The IPFS provider end to end on the local stack: uploads are advertised on a signed IPNI
 * chain (read back over HTTP as an indexer reads it), the head is announced to an indexer (and
 * re-announced by the cron after a failure), delegated routing names the provider for what it
 * holds (roots and inner blocks, from the gateway's block index), on the gateway's origin, and
 * a release of content nobody holds any more removes its ContextID.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { contextIdOf } from '../../lambdas/core/ipni/advertisement.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { indexerView, readAdChain } from '../support/ipni.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const GATEWAY = 'https://gateway.example';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A stand-in indexer: records announces; can be told to fail the next ones. */
let indexer: Server;
let indexerUrl: string;
const announces: { path: string; body: { Cid: { '/': string }; Addrs: string[] } }[] = [];
let failAnnounces = 0;

let stack: TestStack;
let token: string;
let base: string;

beforeAll(async () => {
  indexer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (failAnnounces > 0) {
        failAnnounces--;
        res.writeHead(503).end('busy');
        return;
      }
      announces.push({ path: `${req.method} ${req.url}`, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => indexer.listen(0, '127.0.0.1', resolve));
  indexerUrl = `http://127.0.0.1:${(indexer.address() as AddressInfo).port}`;
  stack = await withLocalStack({
    env: {
      AWS_REGION: process.env.AWS_REGION,
      GATEWAY_PUBLIC_URL: GATEWAY,
      IPNI_ANNOUNCE_URLS: indexerUrl,
      // A release is due at once: the pin-status run below requests the unpin.
      UNPIN_GRACE_DAYS: '0',
    },
  });
  token = (await createTestToken(stack, 'ipni-user')).token;
  base = stack.gatewayUrl as string;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => indexer?.close(resolve));
});

async function upload(text: string): Promise<string> {
  const response = await apiClient(stack).post('/upload', {
    token,
    body: text,
    headers: { 'content-type': 'text/plain' },
  });
  expect(response.status).toBe(200);
  await stack.idle();
  return response.body.value.cid;
}

async function head() {
  const response = await fetch(`${base}/ipni/v1/ad/head`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
  const body = (await response.json()) as { head: { '/': string } };
  return CID.parse(body.head['/']);
}

async function readChain() {
  const get = async (cid: string) => {
    const response = await fetch(`${base}/ipni/v1/ad/${cid}`);
    if (response.status === 404) return undefined;
    expect(response.headers.get('cache-control')).toBe('public, max-age=29030400, immutable');
    return new Uint8Array(await response.arrayBuffer());
  };
  return readAdChain(get, await head());
}

const peerId = () => stack.env.PROVIDER_PEER_ID as string;

describe('the IPFS provider on the local stack', () => {
  it('has a peer ID from the key file in its data dir, on GET /version', async () => {
    const version = await apiClient(stack).get('/version');
    expect(version.body.peerId).toBe(peerId());
    expect(peerId()).toMatch(/^12D3KooW/);
    // The test fixture keeps one key per process (a warm publisher keeps the key it read).
    expect(stack.env.PROVIDER_KEY_FILE).toMatch(/provider\.key$/);
  });

  it('has no chain before anything is stored', async () => {
    expect((await fetch(`${base}/ipni/v1/ad/head`)).status).toBe(204);
  });

  it('advertises an upload, signed, under its content, and announces the head', async () => {
    const cid = await upload('advertise me');
    const ads = await readChain();
    expect(ads).toHaveLength(1);
    const [ad] = ads;
    expect(ad?.signer).toBe(peerId());
    expect(ad?.provider).toBe(peerId());
    expect(ad?.addresses).toEqual(['/dns/gateway.example/tcp/443/https']);
    const root = CID.parse(cid);
    expect(ad?.contextId).toBe(hex(await contextIdOf(root)));
    expect(ad?.entries).toContain(hex(root.multihash.bytes));

    const announced = announces.at(-1);
    expect(announced?.path).toBe('PUT /announce');
    expect(announced?.body.Cid['/']).toBe(ad?.cid.toString());
  });

  it('extends the chain with each upload', async () => {
    const before = await head();
    const cid = await upload('and me');
    const ads = await readChain();
    expect(ads.at(-1)?.previous?.toString()).toBe(before.toString());
    const view = indexerView(ads);
    expect(
      view.get(hex(await contextIdOf(CID.parse(cid))))?.has(hex(CID.parse(cid).multihash.bytes)),
    ).toBe(true);
  });

  it('serves ads and entry chunks as stored, and refuses what is not one', async () => {
    const adCid = await head();
    const ad = await fetch(`${base}/ipni/v1/ad/${adCid}`);
    const bytes = new Uint8Array(await ad.arrayBuffer());
    expect(hex((await sha256.digest(bytes)).digest)).toBe(hex(adCid.multihash.digest));
    expect(ad.headers.get('etag')).toBe(`"${adCid}"`);
    expect((await fetch(`${base}/ipni/v1/ad/not-a-cid`)).status).toBe(400);
    const missing = CID.create(1, 0x0129, Digest.create(0x12, new Uint8Array(32)));
    expect((await fetch(`${base}/ipni/v1/ad/${missing}`)).status).toBe(404);
  });

  it('names itself as the provider of what it holds, in JSON and NDJSON', async () => {
    const cid = await upload('route to me');
    const json = await fetch(`${base}/routing/v1/providers/${cid}`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.headers.get('vary')).toBe('Accept');
    expect(json.headers.get('cache-control')).toMatch(/max-age=300/);
    expect(await json.json()).toEqual({
      Providers: [
        {
          Schema: 'peer',
          ID: peerId(),
          Addrs: ['/dns/gateway.example/tcp/443/https'],
          Protocols: ['transport-ipfs-gateway-http'],
        },
      ],
    });
    const ndjson = await fetch(`${base}/routing/v1/providers/${cid}`, {
      headers: { accept: 'application/x-ndjson, application/json;q=0.8' },
    });
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await ndjson.text()).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).ID)).toEqual([peerId()]);

    // Any CID of the same multihash is the same block.
    const asDagPb = CID.createV1(0x70, CID.parse(cid).multihash);
    expect((await fetch(`${base}/routing/v1/providers/${asDagPb}`)).status).toBe(200);
  });

  it('names itself as the provider of inner blocks too (the block index), not only roots', async () => {
    const form = new FormData();
    const inner = new TextEncoder().encode('an inner file\n');
    form.append('file', new Blob([inner]), 'dir/inner.txt');
    form.append('file', new Blob([new TextEncoder().encode('another\n')]), 'dir/other.txt');
    const response = await apiClient(stack).post('/upload', { token, body: form });
    expect(response.status, response.text).toBe(200);
    await stack.idle();
    // A one-chunk file is one raw block (CIDv1 with raw leaves, as Kubo adds it).
    const leaf = CID.createV1(0x55, await sha256.digest(inner));
    const found = await fetch(`${base}/routing/v1/providers/${leaf}`);
    expect(found.status).toBe(200);
    expect(((await found.json()) as { Providers: { ID: string }[] }).Providers[0]?.ID).toBe(
      peerId(),
    );
    // …and advertises it under its content's ContextID.
    const view = indexerView(await readChain());
    const root = CID.parse(response.body.value.cid);
    expect(view.get(hex(await contextIdOf(root)))?.has(hex(leaf.multihash.bytes))).toBe(true);
  });

  it('answers 404 with no providers for a CID not held, and the spec’s codes otherwise', async () => {
    const unknown = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(1)));
    const none = await fetch(`${base}/routing/v1/providers/${unknown}`);
    expect(none.status).toBe(404);
    expect(none.headers.get('cache-control')).toMatch(/max-age=15/);
    expect(await none.json()).toEqual({ Providers: [] });
    expect((await fetch(`${base}/routing/v1/providers/nonsense`)).status).toBe(422);
    expect((await fetch(`${base}/routing/v1/peers/${peerId()}`)).status).toBe(501);
    expect(
      (
        await fetch(
          `${base}/routing/v1/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8`,
        )
      ).status,
    ).toBe(501);
    expect((await fetch(`${base}/routing/v1/elsewhere`)).status).toBe(400);
  });

  it('withdraws content with a removal ad when its release is due (delete, then the unpin)', async () => {
    const cid = await upload('withdraw me');
    expect(indexerView(await readChain()).has(hex(await contextIdOf(CID.parse(cid))))).toBe(true);
    expect((await apiClient(stack).delete(`/${cid}`, { token })).status).toBe(202);
    const run = await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    expect(run.value).toMatchObject({ unpinsRequested: 1 });
    await stack.idle();
    const ads = await readChain();
    expect(ads.at(-1)?.isRm).toBe(true);
    expect(indexerView(ads).has(hex(await contextIdOf(CID.parse(cid))))).toBe(false);
    // Removed, it is no longer named as held by delegated routing either.
    expect((await fetch(`${base}/routing/v1/providers/${cid}`)).status).toBe(404);
    // A repeated run has nothing more to release, and the chain nothing more to say.
    await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    await stack.idle();
    expect(await readChain()).toHaveLength(ads.length);
  });

  it('advertises content again when it is uploaded again after its removal', async () => {
    const cid = await upload('back again');
    const context = hex(await contextIdOf(CID.parse(cid)));
    expect((await apiClient(stack).delete(`/${cid}`, { token })).status).toBe(202);
    await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    await stack.idle();
    expect(indexerView(await readChain()).has(context)).toBe(false);
    expect(await upload('back again')).toBe(cid);
    const ads = await readChain();
    expect(ads.at(-1)?.isRm).toBe(false);
    expect(indexerView(ads).has(context)).toBe(true);
  });

  it('re-announces, from the cron, a head an indexer failed to take', async () => {
    failAnnounces = 1;
    await upload('announce me later');
    const missed = await head();
    expect(announces.at(-1)?.body.Cid['/']).not.toBe(missed.toString());
    const result = await runJob('ipni-announce', { dataDir: stack.dataDir, print: () => {} });
    expect(result.value).toMatchObject({ head: missed.toString(), announced: [indexerUrl] });
    expect(announces.at(-1)?.body.Cid['/']).toBe(missed.toString());
    // Told once: the next run has nothing to say.
    const again = await runJob('ipni-announce', { dataDir: stack.dataDir, print: () => {} });
    expect(again.value).toMatchObject({ announced: [], current: 1 });
  });
});
