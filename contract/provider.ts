/**
 * The IPFS provider's wire contract, served on the gateway origin beside `/ipfs/`: delegated
 * routing (specs.ipfs.tech/routing/http-routing-v1) and the IPNI HTTP publisher
 * (ipni/specs IPNI_HTTP_PROVIDER.md). These are IPFS protocols, not nft.storage routes: their
 * bodies, statuses and headers are the specs', not the `{ok,…}` envelopes.
 */
import * as z from 'zod/mini';
import { MAX_CID_LENGTH } from './limits.ts';
import { route } from './route.ts';
import { described, named } from './schema.ts';

export const ROUTING_PREFIX = '/routing/v1/';
export const IPNI_AD_PREFIX = '/ipni/v1/ad/';

/**
 * The host a viewer asked the gateway's CDN for, copied by the CDN's viewer-request function
 * (the origin itself sees its Function URL's host): where the provider tells clients to fetch.
 */
export const VIEWER_HOST_HEADER = 'x-pinstack-viewer-host';

export const JSON_TYPE = 'application/json';
export const NDJSON_TYPE = 'application/x-ndjson';
/** How ads and entry chunks are served: their stored dag-json bytes exactly. */
export const DAG_JSON_TYPE = 'application/json';

/**
 * Routing answers may be cached, shorter when nothing was found (the spec's example values).
 * `stale-*` is how long a cache may answer from an old result while it asks again.
 */
export const ROUTING_CACHE = {
  found: 'public, max-age=300, stale-while-revalidate=172800, stale-if-error=172800',
  none: 'public, max-age=15, stale-while-revalidate=172800, stale-if-error=172800',
} as const;
/** Ads and entry chunks are immutable; the head is always asked again. */
export const AD_CACHE = 'public, max-age=29030400, immutable';
export const HEAD_CACHE = 'no-cache, no-store, must-revalidate';
/** The routing spec asks for CORS open to every site. */
export const ROUTING_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, OPTIONS',
} as const;

/** Base58btc peer ID (`12D3KooW…`). */
const PeerId = z.string().check(z.regex(/^[1-9A-HJ-NP-Za-km-z]{46,60}$/));

export const PeerRecord = named(
  'PeerRecord',
  'The routing spec’s peer schema: this provider, its gateway addresses and protocol',
  z.object({
    Schema: z.literal('peer'),
    ID: PeerId,
    Addrs: z.array(z.string().check(z.regex(/^\//))),
    Protocols: z.array(z.literal('transport-ipfs-gateway-http')),
  }),
);

export const ProvidersResponse = named(
  'ProvidersResponse',
  'Providers of a CID (`application/json`); `application/x-ndjson` gives one PeerRecord per line',
  z.object({ Providers: z.array(PeerRecord) }),
);

/** A dag-json link. */
const Link = z.object({ '/': z.string().check(z.minLength(1)) });
/** dag-json bytes (unpadded base64). */
const Bytes = z.object({ '/': z.object({ bytes: z.string() }) });

export const SignedHead = named(
  'SignedHead',
  'The head of the advertisement chain, signed by the provider (dag-json)',
  z.object({
    head: Link,
    topic: z.optional(z.string()),
    pubkey: Bytes,
    sig: Bytes,
  }),
);

export const Advertisement = named(
  'Advertisement',
  'An IPNI advertisement (dag-json)',
  z.object({
    PreviousID: z.optional(Link),
    Provider: PeerId,
    Addresses: z.array(z.string()),
    Signature: Bytes,
    Entries: Link,
    ContextID: Bytes,
    Metadata: Bytes,
    IsRm: z.boolean(),
  }),
);

export const EntryChunk = named(
  'EntryChunk',
  'Multihashes an advertisement adds (dag-json)',
  z.object({ Entries: z.array(Bytes), Next: z.optional(Link) }),
);

const CidParams = z.object({
  cid: described(
    'Any CID (v0 or v1, any codec): the lookup is by multihash',
    z.string().check(z.minLength(1), z.maxLength(MAX_CID_LENGTH)),
  ),
});

const FilterQuery = z.object({
  'filter-addrs': z.optional(
    described('IPIP-484: transport names to keep (`!name` drops)', z.string()),
  ),
  'filter-protocols': z.optional(
    described('IPIP-484: transfer protocols to keep (`unknown` for none)', z.string()),
  ),
});

const text = { 'text/plain': { type: 'string' } };
const routingHeaders = {
  'Cache-Control': { description: 'See ROUTING_CACHE', schema: z.string() },
  'Last-Modified': { description: 'When this answer was made', schema: z.string() },
  Vary: { description: 'Accept', schema: z.literal('Accept') },
};

export const getProviders = route({
  operationId: 'getProviders',
  method: 'GET',
  path: '/routing/v1/providers/{cid}',
  summary: 'Who provides a CID: this provider, when it holds the block',
  description:
    '`Accept: application/x-ndjson` streams records one per line; otherwise JSON. A CID not held here is 404 with no providers.',
  tag: 'Routing',
  auth: 'none',
  legacyAlias: false,
  params: CidParams,
  query: FilterQuery,
  responses: {
    200: {
      description: 'This provider holds the block',
      json: ProvidersResponse,
      media: { [NDJSON_TYPE]: { type: 'string' } },
      headers: routingHeaders,
    },
    404: {
      description: 'Not held here (no providers)',
      json: ProvidersResponse,
      media: { [NDJSON_TYPE]: { type: 'string' } },
      headers: routingHeaders,
    },
    422: { description: 'Not a CID', media: text },
  },
});

/** The routing API's other operations: this provider implements none of them. */
export const NOT_IMPLEMENTED_ROUTING = [
  { method: 'GET', path: '/routing/v1/peers/{peer-id}' },
  { method: 'GET', path: '/routing/v1/ipns/{name}' },
  { method: 'PUT', path: '/routing/v1/ipns/{name}' },
  { method: 'PUT', path: '/routing/v1/providers' },
  { method: 'PUT', path: '/routing/v1/peers' },
  { method: 'GET', path: '/routing/v1/dht/closest/peers/{key}' },
] as const;

export const getAdHead = route({
  operationId: 'getAdHead',
  method: 'GET',
  path: '/ipni/v1/ad/head',
  summary: 'The signed head of the advertisement chain',
  tag: 'IPNI',
  auth: 'none',
  legacyAlias: false,
  responses: {
    200: { description: 'The signed head', json: SignedHead },
    204: { description: 'No advertisement published yet' },
  },
});

export const getAd = route({
  operationId: 'getAd',
  method: 'GET',
  path: '/ipni/v1/ad/{cid}',
  summary: 'An advertisement or entry chunk, as the dag-json bytes its CID names',
  tag: 'IPNI',
  auth: 'none',
  legacyAlias: false,
  params: CidParams,
  responses: {
    200: {
      description: 'The object (immutable)',
      media: { [DAG_JSON_TYPE]: { type: 'object' } },
    },
    400: { description: 'Not a CID', media: text },
    404: { description: 'No such advertisement or entry chunk', media: text },
  },
});

export const providerRoutes = [getProviders, getAdHead, getAd] as const;
