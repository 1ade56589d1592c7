/**
 * A gateway request read against its contract (contract/gateway.ts): the CID and path, the
 * response format (`?format=` wins over Accept), the CAR parameters (query wins over Accept's
 * parameters), and the conditional and range headers.
 */
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import * as z from 'zod/mini';
import {
  CAR_DUPS,
  CAR_ORDERS,
  ENTITY_BYTES,
  FORMAT_MEDIA_TYPES,
  GATEWAY_FORMATS,
  type GatewayFormat,
  GatewayQuery,
  IPFS_PREFIX,
  MAX_IDENTITY_BYTES,
} from '../../../contract/gateway.ts';
import { MAX_CID_LENGTH } from '../../../contract/limits.ts';
import { quote } from '../failures.ts';
import { err, ok, type Result } from '../result.ts';
import type { CarScope } from './car.ts';

/** What the handler hands over: the request as HTTP carries it. */
export interface HttpRequest {
  method: string;
  /** The path as sent, still percent-encoded. */
  rawPath: string;
  rawQuery: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
}

export interface GatewayRequest {
  method: 'GET' | 'HEAD';
  cid: CID;
  /** The CID as the path wrote it. */
  cidText: string;
  /** Decoded path segments after the CID. */
  segments: string[];
  /** The path ended with `/`. */
  trailingSlash: boolean;
  /** Undefined: deserialize the content. */
  format?: GatewayFormat;
  car: CarScope & { order: 'dfs' | 'unk' };
  filename?: string;
  download: boolean;
  range?: string;
  ifNoneMatch?: string;
  /** `Cache-Control: only-if-cached`: a miss is 412, not 404. */
  onlyIfCached: boolean;
}

export interface BadRequest {
  status: 400;
  message: string;
}

const bad = (message: string) => err<BadRequest>({ status: 400, message });

export function parseGatewayRequest(http: HttpRequest): Result<GatewayRequest, BadRequest> {
  const method = http.method === 'HEAD' ? 'HEAD' : 'GET';
  const rest = http.rawPath.slice(IPFS_PREFIX.length);
  const [cidText = '', ...encoded] = rest.split('/');
  if (!cidText) return bad('A CID is needed: /ipfs/<cid>');
  if (cidText.length > MAX_CID_LENGTH) return bad(`Invalid CID: ${quote(cidText)}`);
  let cid: CID;
  try {
    cid = CID.parse(cidText);
  } catch {
    return bad(`Invalid CID: ${quote(cidText)}`);
  }
  if (
    cid.multihash.code === identity.code &&
    cid.multihash.digest.byteLength > MAX_IDENTITY_BYTES
  ) {
    return bad(`Identity CIDs hold at most ${MAX_IDENTITY_BYTES} bytes (IPIP-0512)`);
  }
  const segments: string[] = [];
  for (const part of encoded) {
    if (part === '') continue;
    try {
      segments.push(decodeURIComponent(part));
    } catch {
      return bad(`Invalid path segment: ${quote(part)}`);
    }
  }

  const params = new URLSearchParams(http.rawQuery);
  const raw: Record<string, string> = {};
  for (const name of Object.keys(GatewayQuery.shape)) {
    const value = params.get(name);
    if (value !== null) raw[name] = value;
  }
  const query = z.safeParse(GatewayQuery, raw);
  if (!query.success) {
    const issue = query.error.issues[0];
    const name = String(issue?.path[0] ?? '');
    return bad(`Invalid ${name}: ${quote(raw[name] ?? '')} (${issue?.message ?? 'not allowed'})`);
  }
  const accepted = negotiate(http.headers.accept);
  const format = query.data.format ?? accepted?.format;
  // CAR parameters come from the query, else from the Accept entry asking for a CAR.
  const carParams = accepted?.format === 'car' ? accepted.params : {};
  const version = query.data['car-version'] ?? carParams.version ?? '1';
  if (format === 'car' && version !== '1') return bad('Only CAR version 1 is served');
  const order = query.data['car-order'] ?? oneOf(CAR_ORDERS, carParams.order) ?? 'dfs';
  const dups = (query.data['car-dups'] ?? oneOf(CAR_DUPS, carParams.dups) ?? 'n') === 'y';
  const entityText = query.data['entity-bytes'];
  const entityBytes = entityText ? parseEntityBytes(entityText) : undefined;
  if (entityBytes && !entityBytes.ok) return entityBytes;

  return ok({
    method,
    cid,
    cidText,
    segments,
    trailingSlash: http.rawPath.endsWith('/') && encoded.length > 0,
    ...(format ? { format } : {}),
    car: {
      scope: entityBytes ? 'entity' : (query.data['dag-scope'] ?? 'all'),
      ...(entityBytes ? { entityBytes: entityBytes.value } : {}),
      dups,
      order,
    },
    ...(query.data.filename ? { filename: query.data.filename } : {}),
    download: query.data.download === 'true',
    ...(http.headers.range ? { range: http.headers.range } : {}),
    ...(http.headers['if-none-match'] ? { ifNoneMatch: http.headers['if-none-match'] } : {}),
    onlyIfCached: /(^|,)\s*only-if-cached\s*(,|$)/i.test(http.headers['cache-control'] ?? ''),
  });
}

function parseEntityBytes(
  text: string,
): Result<{ from: number; to: number | undefined }, BadRequest> {
  const [, fromText, toText] = ENTITY_BYTES.exec(text) as RegExpExecArray;
  const from = Number(fromText);
  const to = toText === '*' ? undefined : Number(toText);
  // Both from the same end of the file: a range that ends before it starts.
  if (to !== undefined && Math.sign(from || 1) === Math.sign(to || 1) && to < from) {
    return bad(`Invalid entity-bytes: ${quote(text)} (ends before it starts)`);
  }
  return ok({ from, to });
}

const oneOf = <V extends string>(values: readonly V[], value: string | undefined) =>
  values.includes(value as V) ? (value as V) : undefined;

const FORMAT_BY_MEDIA_TYPE = new Map<string, GatewayFormat>(
  GATEWAY_FORMATS.map((format) => [FORMAT_MEDIA_TYPES[format], format]),
);

/**
 * The format the Accept header asks for: the entry with the highest q (the first among equals)
 * that names one of the gateway's formats. A browser's `text/html` (or any wildcard) asks for none.
 */
export function negotiate(
  accept: string | undefined,
): { format: GatewayFormat; params: Record<string, string> } | undefined {
  if (!accept) return undefined;
  const entries = accept.split(',').map((entry, index) => {
    const [type = '', ...rest] = entry.split(';').map((part) => part.trim());
    const params: Record<string, string> = {};
    for (const part of rest) {
      const equals = part.indexOf('=');
      if (equals > 0) {
        params[part.slice(0, equals).trim().toLowerCase()] = part
          .slice(equals + 1)
          .trim()
          .replace(/^"|"$/g, '');
      }
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, index };
  });
  entries.sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of entries) {
    if (entry.q <= 0) continue;
    const format = FORMAT_BY_MEDIA_TYPE.get(entry.type);
    if (format) return { format, params: entry.params };
  }
  return undefined;
}
