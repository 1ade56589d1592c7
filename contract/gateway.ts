/**
 * The IPFS gateway's wire contract, in one place: its paths, query parameters, the media types
 * it negotiates, the headers it sends and the statuses it answers. The gateway is not an
 * nft.storage JSON API: it follows the IPFS HTTP gateway specs (trustless gateway and path
 * gateway, specs.ipfs.tech/http-gateways). Its own OpenAPI document is built from these routes.
 */
import * as z from 'zod/mini';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.ts';
import { type JsonSchema, type ResponseSpec, route } from './route.ts';
import { described } from './schema.ts';

/** Every gateway path starts with this, then a CID, then an optional content path. */
export const IPFS_PREFIX = '/ipfs/';

/** The response formats a client may ask for with `?format=` (or the matching Accept type). */
export const GATEWAY_FORMATS = ['raw', 'car', 'dag-json', 'dag-cbor', 'json', 'cbor'] as const;
export type GatewayFormat = (typeof GATEWAY_FORMATS)[number];

/** The media type of each format. */
export const FORMAT_MEDIA_TYPES: Record<GatewayFormat, string> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor',
};

export const DAG_SCOPES = ['block', 'entity', 'all'] as const;
export type DagScope = (typeof DAG_SCOPES)[number];
export const CAR_ORDERS = ['dfs', 'unk'] as const;
export const CAR_DUPS = ['y', 'n'] as const;

/** `from:to`, inclusive byte offsets; either may be negative (from the end), `to` may be `*`. */
export const ENTITY_BYTES = /^(-?\d{1,15}):(-?\d{1,15}|\*)$/;

export const GatewayQuery = z.object({
  format: z.optional(described('Response format; wins over Accept', z.enum(GATEWAY_FORMATS))),
  'dag-scope': z.optional(
    described(
      'CAR: which blocks below the path — its block, its entity (a whole file, a directory, a node), or everything (default)',
      z.enum(DAG_SCOPES),
    ),
  ),
  'entity-bytes': z.optional(
    described(
      'CAR: only the blocks a UnixFS file needs for bytes from:to (inclusive; negative counts from the end; `*` is the end); implies dag-scope=entity',
      z.string().check(z.regex(ENTITY_BYTES)),
    ),
  ),
  'car-version': z.optional(described('CAR version; only 1', z.enum(['1']))),
  'car-order': z.optional(described('CAR block order; always answered as dfs', z.enum(CAR_ORDERS))),
  'car-dups': z.optional(
    described(
      'CAR: repeat a block each time the walk meets it (y) or not (n, default)',
      z.enum(CAR_DUPS),
    ),
  ),
  filename: z.optional(
    described('Name in Content-Disposition', z.string().check(z.minLength(1), z.maxLength(255))),
  ),
  download: z.optional(
    described(
      '`true`: Content-Disposition attachment (deserialized responses)',
      z.enum(['true', 'false']),
    ),
  ),
});
export type GatewayQuery = z.infer<typeof GatewayQuery>;

/** Headers every gateway response for content carries. */
export const GATEWAY_HEADERS = {
  /** The requested path, `/ipfs/<cid>/<path>`, as clients such as Kubo and the conformance suite read it. */
  path: 'x-ipfs-path',
  /** The CIDs from the root to the path's end, comma-separated. */
  roots: 'x-ipfs-roots',
} as const;

/** Content-addressed responses never change. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable';
/** A miss may turn into content once it is uploaded and indexed: never cached. */
export const MISS_CACHE_CONTROL = 'no-cache';

/** Longest digest an identity CID may carry (IPIP-0512): longer ones are 400. */
export const MAX_IDENTITY_BYTES = 128;

/** The empty identity CID Kubo probes a gateway with (`HEAD /ipfs/bafkqaaa?format=raw`). */
export const PROBE_CID = 'bafkqaaa';

/** The gateway answers these; anything else is 405. */
export const GATEWAY_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/** Headers browsers may read from a cross-origin gateway response. */
export const GATEWAY_EXPOSED_HEADERS = [
  'Content-Length',
  'Content-Range',
  'Content-Type',
  'Content-Disposition',
  'ETag',
  'X-Ipfs-Path',
  'X-Ipfs-Roots',
] as const;

const text = (description: string): ResponseSpec => ({
  description,
  media: { 'text/plain; charset=utf-8': { type: 'string' } },
});

const header = (description: string, required = true) => ({
  description,
  required,
  schema: z.string(),
});

const contentHeaders = {
  'X-Ipfs-Path': header('The requested path'),
  'X-Ipfs-Roots': header('CIDs from the root to the end of the path, comma-separated'),
  ETag: header('Differs by format, scope and entity-bytes; weak for CARs'),
  'Cache-Control': header(`\`${IMMUTABLE_CACHE_CONTROL}\``),
  'X-Content-Type-Options': header('`nosniff`'),
};

const binary: JsonSchema = { type: 'string', contentMediaType: 'application/octet-stream' };

const gatewayResponses = {
  200: {
    description:
      'The content: one block (raw), a CAR stream, or the deserialized content (a file, an HTML directory listing or index.html, a DAG node as JSON)',
    media: {
      [FORMAT_MEDIA_TYPES.raw]: binary,
      'application/vnd.ipld.car; version=1; order=dfs; dups=n': binary,
      [FORMAT_MEDIA_TYPES['dag-json']]: { type: 'string' },
      [FORMAT_MEDIA_TYPES['dag-cbor']]: binary,
      'application/json': {},
      'text/html': { type: 'string' },
      '*/*': binary,
    },
    headers: contentHeaders,
  },
  206: {
    description: 'The requested byte range of a file or block (one range)',
    media: { '*/*': binary },
    headers: { ...contentHeaders, 'Content-Range': header('`bytes <first>-<last>/<size>`') },
  },
  301: text('A directory asked for without its trailing slash: redirected to it'),
  304: { description: 'If-None-Match matched the ETag' },
  400: text(
    `Not a CID, an identity CID over ${MAX_IDENTITY_BYTES} bytes, or a parameter outside this contract`,
  ),
  404: text('No stored content has this CID (or nothing is at the path): answered quickly'),
  405: text('Not GET, HEAD or OPTIONS'),
  412: text('`Cache-Control: only-if-cached` and the content is not held here'),
  416: {
    ...text('The Range cannot be satisfied'),
    headers: { 'Content-Range': header('`bytes */<size>`') },
  },
  500: text('Unexpected failure; the message carries a request id'),
  503: text('A storage dependency is unavailable; retry'),
} satisfies Record<number, ResponseSpec>;

const CidParam = z.object({
  cid: described('Any CID (v0 or v1, any codec and multihash; identity CIDs too)', z.string()),
});
const CidPathParams = z.object({
  ...CidParam.shape,
  path: described('A path inside the content; may hold more slashes', z.string()),
});

const gatewayRoute = (method: 'GET' | 'HEAD', withPath: boolean) =>
  route({
    operationId: `${method.toLowerCase()}Ipfs${withPath ? 'Path' : ''}`,
    method,
    path: withPath ? '/ipfs/{cid}/{path}' : '/ipfs/{cid}',
    summary: `${method === 'HEAD' ? 'Headers of' : 'Read'} content by CID${withPath ? ' and path' : ''}`,
    description:
      'Trustless: `?format=raw|car` or `Accept: application/vnd.ipld.raw|application/vnd.ipld.car` ' +
      '(with `version`, `order`, `dups` parameters); the query wins. Otherwise the content is ' +
      'deserialized for browsers. Honours Range (files and blocks) and If-None-Match.',
    tag: 'Gateway',
    auth: 'none',
    legacyAlias: false,
    params: withPath ? CidPathParams : CidParam,
    query: GatewayQuery,
    responses: gatewayResponses,
  });

export const gatewayRoutes = [
  gatewayRoute('GET', false),
  gatewayRoute('HEAD', false),
  gatewayRoute('GET', true),
  gatewayRoute('HEAD', true),
] as const;

export function gatewayOpenApiDocument(): OpenApiDocument {
  return buildOpenApiDocument({
    info: {
      title: 'pinstack IPFS gateway',
      version: '1',
      summary: 'Content stored in pinstack, by CID: trustless (blocks, CARs) and for browsers',
      description:
        'An IPFS HTTP gateway on its own origin, serving only what pinstack stores (it never ' +
        'fetches from the network). Follows the trustless gateway and path gateway specs.',
    },
    tags: [{ name: 'Gateway', description: 'Content by CID' }],
    routes: gatewayRoutes,
  });
}
