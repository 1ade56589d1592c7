/**
 * The provider's routes as the gateway origin serves them: every response checked against
 * contract/provider.ts, the routing spec's statuses and headers, the IPNI publisher's paths.
 */
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  AD_CACHE,
  HEAD_CACHE,
  PeerRecord,
  ProvidersResponse,
  ROUTING_CACHE,
  SignedHead,
} from '../../../contract/provider.ts';
import { encodeDagJson, signedHead } from '../../../lambdas/core/ipni/advertisement.ts';
import { adObjectKey } from '../../../lambdas/core/ipni/work.ts';
import { providerIdentity } from '../../../lambdas/core/provider/identity.ts';
import {
  type ProviderRequest,
  serveProviderRoutes,
} from '../../../lambdas/http/provider-routes.ts';
import {
  FakeAdChainStore,
  FakeBlobStore,
  FakeBlockPresence,
  FakeClock,
} from '../../support/fakes.ts';

const identity = await providerIdentity('routes test provider key seed of 32 characters or more');
const held = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(3)));

function deps() {
  const blocks = new FakeBlockPresence();
  blocks.add(held.multihash.bytes);
  return {
    blocks,
    chain: new FakeAdChainStore(),
    ads: new FakeBlobStore(),
    provider: { peerId: identity.peerId, addresses: ['/dns/gw.example/tcp/443/https'] },
    clock: new FakeClock('2024-05-06T07:08:09.000Z'),
  };
}

const request = (path: string, init: Partial<ProviderRequest> = {}): ProviderRequest => {
  const [rawPath = '', rawQuery = ''] = path.split('?');
  return { method: 'GET', rawPath, rawQuery, headers: {}, ...init };
};

const text = (body: unknown) =>
  typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);

describe('GET /routing/v1/providers/{cid}', () => {
  it('answers JSON by default, with the spec’s caching headers and open CORS', async () => {
    const response = await serveProviderRoutes(request(`/routing/v1/providers/${held}`), deps());
    expect(response?.status).toBe(200);
    expect(response?.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': ROUTING_CACHE.found,
      'last-modified': 'Mon, 06 May 2024 07:08:09 GMT',
      vary: 'Accept',
      'access-control-allow-origin': '*',
    });
    const body = z.parse(ProvidersResponse, JSON.parse(text(response?.body)));
    expect(body.Providers.map((p) => p.ID)).toEqual([identity.peerId]);
  });

  it('streams NDJSON only when asked for it', async () => {
    const accept = { accept: 'application/x-ndjson, application/json;q=0.8' };
    const response = await serveProviderRoutes(
      request(`/routing/v1/providers/${held}`, { headers: accept }),
      deps(),
    );
    expect(response?.headers['content-type']).toBe('application/x-ndjson');
    const lines = text(response?.body).split('\n').filter(Boolean);
    expect(lines.map((line) => z.parse(PeerRecord, JSON.parse(line)).ID)).toEqual([
      identity.peerId,
    ]);
    const refused = await serveProviderRoutes(
      request(`/routing/v1/providers/${held}`, { headers: { accept: 'application/x-ndjson;q=0' } }),
      deps(),
    );
    expect(refused?.headers['content-type']).toBe('application/json');
  });

  it('takes CIDv0, base36 and other codecs of a held block', async () => {
    const v0 = CID.createV0(Digest.create(0x12, new Uint8Array(32).fill(3)));
    const base36 = held.toString((await import('multiformats/bases/base36')).base36);
    for (const form of [v0.toString(), base36, CID.createV1(0x71, held.multihash).toString()]) {
      const response = await serveProviderRoutes(request(`/routing/v1/providers/${form}`), deps());
      expect(response?.status, form).toBe(200);
    }
  });

  it('honours filter-addrs and filter-protocols', async () => {
    const none = await serveProviderRoutes(
      request(`/routing/v1/providers/${held}?filter-protocols=transport-bitswap`),
      deps(),
    );
    expect(none?.status).toBe(404);
    const kept = await serveProviderRoutes(
      request(
        `/routing/v1/providers/${held}?filter-addrs=https%2Ctcp&filter-protocols=unknown,transport-ipfs-gateway-http`,
      ),
      deps(),
    );
    expect(kept?.status).toBe(200);
  });

  it('is 404 with no providers (and a shorter cache) for a block not held', async () => {
    const other = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(4)));
    const json = await serveProviderRoutes(request(`/routing/v1/providers/${other}`), deps());
    expect(json?.status).toBe(404);
    expect(json?.headers['cache-control']).toBe(ROUTING_CACHE.none);
    expect(z.parse(ProvidersResponse, JSON.parse(text(json?.body)))).toEqual({ Providers: [] });
    const ndjson = await serveProviderRoutes(
      request(`/routing/v1/providers/${other}`, { headers: { accept: 'application/x-ndjson' } }),
      deps(),
    );
    expect(ndjson?.status).toBe(404);
    expect(ndjson?.body).toBe('');
  });

  it('is 422 for what is not a CID', async () => {
    for (const bad of ['nope', 'bafy', 'Qm'.padEnd(600, 'x')]) {
      const response = await serveProviderRoutes(request(`/routing/v1/providers/${bad}`), deps());
      expect(response?.status, bad.slice(0, 20)).toBe(422);
    }
  });

  it('answers HEAD with the headers alone, and a CORS preflight', async () => {
    const head = await serveProviderRoutes(
      request(`/routing/v1/providers/${held}`, { method: 'HEAD' }),
      deps(),
    );
    expect(head?.status).toBe(200);
    expect(head?.body).toBeUndefined();
    const preflight = await serveProviderRoutes(
      request(`/routing/v1/providers/${held}`, {
        method: 'OPTIONS',
        headers: { 'access-control-request-headers': 'accept' },
      }),
      deps(),
    );
    expect(preflight?.status).toBe(204);
    expect(preflight?.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, OPTIONS',
    });
  });
});

describe('the rest of /routing/v1', () => {
  it('is 501 for the operations this server does not implement', async () => {
    const cases: [string, string][] = [
      ['GET', `/routing/v1/peers/${identity.peerId}`],
      ['GET', '/routing/v1/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8'],
      ['PUT', '/routing/v1/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8'],
      ['PUT', '/routing/v1/providers'],
      ['PUT', '/routing/v1/peers'],
      ['GET', `/routing/v1/dht/closest/peers/${identity.peerId}`],
      ['POST', `/routing/v1/providers/${held}`],
    ];
    for (const [method, path] of cases) {
      const response = await serveProviderRoutes(request(path, { method }), deps());
      expect(response?.status, `${method} ${path}`).toBe(501);
    }
  });

  it('is 400 for a path the routing API does not have', async () => {
    for (const path of ['/routing/v1/', '/routing/v1/nothing', '/routing/v1/providers/a/b']) {
      expect((await serveProviderRoutes(request(path), deps()))?.status, path).toBe(400);
    }
  });

  it('leaves every other path to the gateway', async () => {
    for (const path of ['/ipfs/bafkqaaa', '/routing/v2/providers/x', '/', '/ipni/v1/other']) {
      expect(await serveProviderRoutes(request(path), deps()), path).toBeUndefined();
    }
  });
});

describe('/ipni/v1/ad', () => {
  it('answers the head, signed, never cached; 204 before the first ad', async () => {
    const d = deps();
    const empty = await serveProviderRoutes(request('/ipni/v1/ad/head'), d);
    expect(empty?.status).toBe(204);
    const ad = CID.create(1, 0x0129, Digest.create(0x12, new Uint8Array(32).fill(9)));
    const signed = new TextDecoder().decode(await signedHead(ad, identity.key));
    await d.chain.claim({ seq: 1, ad: ad.toString(), keys: [], signedHead: signed, created: '' });
    const response = await serveProviderRoutes(request('/ipni/v1/ad/head'), d);
    expect(response?.status).toBe(200);
    expect(response?.headers['cache-control']).toBe(HEAD_CACHE);
    const body = z.parse(SignedHead, JSON.parse(text(response?.body)));
    expect(body.head['/']).toBe(ad.toString());
  });

  it('serves an ad or entry chunk as stored, immutable; 404 when unknown, 400 when no CID', async () => {
    const d = deps();
    const block = await encodeDagJson({ Entries: [held.multihash.bytes] });
    await d.ads.put(adObjectKey(block.cid.toString()), block.bytes);
    const response = await serveProviderRoutes(request(`/ipni/v1/ad/${block.cid}`), d);
    expect(response?.status).toBe(200);
    expect(response?.body).toEqual(block.bytes);
    expect(response?.headers).toMatchObject({
      'cache-control': AD_CACHE,
      etag: `"${block.cid}"`,
      'content-length': String(block.bytes.length),
    });
    const missing = CID.create(1, 0x0129, Digest.create(0x12, new Uint8Array(32)));
    expect((await serveProviderRoutes(request(`/ipni/v1/ad/${missing}`), d))?.status).toBe(404);
    expect((await serveProviderRoutes(request('/ipni/v1/ad/not-a-cid'), d))?.status).toBe(400);
    expect(
      (await serveProviderRoutes(request(`/ipni/v1/ad/${block.cid}`, { method: 'PUT' }), d))
        ?.status,
    ).toBe(405);
  });
});
