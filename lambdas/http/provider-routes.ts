/**
 * The provider's HTTP surface on the gateway origin: delegated routing under `/routing/v1/` and
 * the IPNI publisher under `/ipni/v1/ad/` (contract/provider.ts). Independent of how a request
 * arrives: the gateway function (and, until it merges, the temporary `ipfs-provider` function)
 * hands each request here first and serves its own paths when this answers undefined.
 */

import { base36 } from 'multiformats/bases/base36';
import { CID } from 'multiformats/cid';
import { MAX_CID_LENGTH } from '../../contract/limits.ts';
import {
  AD_CACHE,
  DAG_JSON_TYPE,
  HEAD_CACHE,
  IPNI_AD_PREFIX,
  JSON_TYPE,
  NDJSON_TYPE,
  NOT_IMPLEMENTED_ROUTING,
  ROUTING_CACHE,
  ROUTING_CORS,
  ROUTING_PREFIX,
} from '../../contract/provider.ts';
import { adObjectKey } from '../core/ipni/work.ts';
import type { AdChainStore, BlobStore, BlockPresence, Clock } from '../core/ports.ts';
import {
  findProviders,
  type PeerRecord,
  type ProviderInfo,
  parseFilter,
} from '../core/provider/routing.ts';

export interface ProviderRequest {
  method: string;
  rawPath: string;
  /** The query string without `?`. */
  rawQuery: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

export interface ProviderRouteDeps {
  blocks: BlockPresence;
  chain: Pick<AdChainStore, 'head'>;
  /** Where ads and entry chunks are stored (the ipni bucket). */
  ads: Pick<BlobStore, 'get'>;
  provider: ProviderInfo;
  clock: Clock;
}

/** The answer for a provider path, or undefined for a path this surface does not own. */
export async function serveProviderRoutes(
  request: ProviderRequest,
  deps: ProviderRouteDeps,
): Promise<ProviderResponse | undefined> {
  const { rawPath } = request;
  if (rawPath.startsWith(ROUTING_PREFIX))
    return withoutBodyForHead(request, await routing(request, deps));
  if (rawPath.startsWith(IPNI_AD_PREFIX))
    return withoutBodyForHead(request, await ipni(request, deps));
  return undefined;
}

function withoutBodyForHead(request: ProviderRequest, response: ProviderResponse) {
  if (request.method !== 'HEAD') return response;
  const { body: _dropped, ...rest } = response;
  return rest;
}

const plain = (status: number, message: string, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body: `${message}\n`,
});

const PROVIDERS_PATH = /^\/routing\/v1\/providers\/([^/]+)\/?$/;

function matchesNotImplemented(method: string, path: string): boolean {
  return NOT_IMPLEMENTED_ROUTING.some((route) => {
    if (route.method !== method) return false;
    const pattern = route.path.replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}/?$`).test(path);
  });
}

async function routing(
  request: ProviderRequest,
  deps: ProviderRouteDeps,
): Promise<ProviderResponse> {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  if (method === 'OPTIONS') {
    return {
      status: 204,
      headers: {
        ...ROUTING_CORS,
        'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '86400',
      },
    };
  }
  const providers = PROVIDERS_PATH.exec(request.rawPath);
  if (method === 'GET' && providers?.[1]) {
    return getProviders(decodeSegment(providers[1]), request, deps);
  }
  if (matchesNotImplemented(method, request.rawPath) || (providers && method !== 'GET')) {
    return plain(
      501,
      `${method} ${request.rawPath.split('/').slice(0, 4).join('/')} is not implemented here`,
      ROUTING_CORS,
    );
  }
  // The spec: an unknown path is 400.
  return plain(400, 'unknown routing path', ROUTING_CORS);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Any CID a client may send: base32 or base36 CIDv1, base58btc CIDv0 (Kubo passes v0 as is). */
function parseAnyCid(text: string): CID | undefined {
  if (!text || text.length > MAX_CID_LENGTH) return undefined;
  try {
    return text.startsWith('k') ? CID.parse(text, base36) : CID.parse(text);
  } catch {
    return undefined;
  }
}

/** True when the client asked for NDJSON (with a non-zero quality). */
function wantsNdjson(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (type !== NDJSON_TYPE) return false;
    const q = params.find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

async function getProviders(
  text: string,
  request: ProviderRequest,
  deps: ProviderRouteDeps,
): Promise<ProviderResponse> {
  const cid = parseAnyCid(text);
  if (!cid) return plain(422, 'not a CID', ROUTING_CORS);
  const query = new URLSearchParams(request.rawQuery);
  const records: PeerRecord[] = await findProviders(
    cid,
    {
      addrs: parseFilter(query.get('filter-addrs') ?? undefined),
      protocols: parseFilter(query.get('filter-protocols') ?? undefined),
    },
    deps,
    deps.provider,
  );
  const ndjson = wantsNdjson(request.headers.accept);
  const headers = {
    ...ROUTING_CORS,
    'content-type': ndjson ? NDJSON_TYPE : JSON_TYPE,
    'cache-control': records.length > 0 ? ROUTING_CACHE.found : ROUTING_CACHE.none,
    'last-modified': deps.clock.now().toUTCString(),
    vary: 'Accept',
  };
  const body = ndjson
    ? records.map((record) => `${JSON.stringify(record)}\n`).join('')
    : JSON.stringify({ Providers: records });
  // The spec: no matching records is a 404 (clients read it as "no providers").
  return { status: records.length > 0 ? 200 : 404, headers, body };
}

async function ipni(request: ProviderRequest, deps: ProviderRouteDeps): Promise<ProviderResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return plain(405, 'method not allowed', { allow: 'GET, HEAD' });
  }
  const name = request.rawPath.slice(IPNI_AD_PREFIX.length).replace(/\/$/, '');
  if (name === 'head') {
    const head = await deps.chain.head();
    if (!head) return { status: 204, headers: { 'cache-control': HEAD_CACHE } };
    return {
      status: 200,
      headers: { 'content-type': DAG_JSON_TYPE, 'cache-control': HEAD_CACHE },
      body: head.signedHead,
    };
  }
  const cid = name.includes('/') ? undefined : parseAnyCid(decodeSegment(name));
  if (!cid) return plain(400, 'invalid request: not a cid');
  const bytes = await deps.ads.get(adObjectKey(cid.toV1().toString()));
  if (!bytes) return plain(404, 'cid not found');
  return {
    status: 200,
    headers: {
      'content-type': DAG_JSON_TYPE,
      'cache-control': AD_CACHE,
      etag: `"${cid.toV1().toString()}"`,
      'content-length': String(bytes.length),
    },
    body: bytes,
  };
}
