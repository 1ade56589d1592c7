/**
 * Token URIs to CIDs. Recognises `ipfs://<cid>/path` (also the common malformed
 * `ipfs://ipfs/<cid>`), `ipfs:/<cid>`, `/ipfs/<cid>/path` alone, `dweb:/ipfs/…` and on any
 * gateway host, `<cid>.ipfs.<host>` subdomain gateways and bare CIDs, v0 or v1, normalised to
 * CIDv1 with the path kept; decodes `data:` URIs by hand (base64 or percent-encoded: `new URL`
 * would cut raw JSON at its first `#`). Everything else is classified, never thrown.
 */
import { CID } from 'multiformats/cid';
import { MAX_CID_LENGTH } from '../../../contract/limits.ts';
import { quote } from '../failures.ts';

export interface CidAt {
  /** CIDv1 string. */
  cid: string;
  /** `''` or `/a/b`, percent-decoded. */
  path: string;
}

export type UriClass =
  | ({ status: 'ipfs'; origin?: string } & CidAt)
  | { status: 'data'; mediaType: string; bytes: Uint8Array }
  | { status: 'http' }
  | { status: 'unsupported'; reason: string }
  | { status: 'empty' }
  | { status: 'invalid'; reason: string };

/** Decoded `data:` URIs larger than this are refused (on-chain art stays far below it). */
export const MAX_DATA_URI_BYTES = 4 * 1024 * 1024;

/** A CID from text: base32/base36 in any letter case, base58btc as written; else undefined. */
export function parseCid(text: string): CID | undefined {
  if (text.length < 2 || text.length > MAX_CID_LENGTH) return undefined;
  // multiformats decodes lower-case base32 and base36 only; a v0 CID (base58) is case-sensitive.
  const candidate = /^[BK][A-Z0-9]+$/.test(text) ? text.toLowerCase() : text;
  try {
    return CID.parse(candidate);
  } catch {
    return undefined;
  }
}

/**
 * The CIDv1 text of a CID's text, remembered: a collection's URIs name the same base CID
 * thousands of times. Bounded, and a pure function's answers, so it is safe in any Lambda.
 */
const knownCids = new Map<string, string | undefined>();
const KNOWN_CIDS = 1000;
function cidV1Of(text: string): string | undefined {
  if (knownCids.has(text)) return knownCids.get(text);
  const v1 = parseCid(text)?.toV1().toString();
  if (knownCids.size >= KNOWN_CIDS) knownCids.clear();
  knownCids.set(text, v1);
  return v1;
}

/** Joins path segments after percent-decoding them; `''` for none. */
function normalisePath(raw: string): string {
  const segments = raw.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) return '';
  return `/${segments.map(decodeSegment).join('/')}`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `<cid>/path?query#fragment` after `ipfs://` or `/ipfs/`. */
function ipfsPath(rest: string, origin?: string): UriClass {
  let text = rest.replace(/^\/+/, '');
  // `ipfs://ipfs/<cid>`: a malformed form common enough to accept.
  while (/^ipfs\//i.test(text)) text = text.slice(5).replace(/^\/+/, '');
  const end = text.search(/[?#]/);
  if (end >= 0) text = text.slice(0, end);
  const slash = text.indexOf('/');
  const head = slash < 0 ? text : text.slice(0, slash);
  const cid = cidV1Of(decodeSegment(head));
  if (!cid) return { status: 'invalid', reason: `not a CID: ${quote(head)}` };
  return {
    status: 'ipfs',
    cid,
    path: slash < 0 ? '' : normalisePath(text.slice(slash)),
    ...(origin ? { origin } : {}),
  };
}

const unsupported = (reason: string): UriClass => ({ status: 'unsupported', reason });
const IPNS = unsupported('an IPNS name: not pinnable by CID');

function httpUri(text: string): UriClass {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { status: 'invalid', reason: `not a URL: ${quote(text)}` };
  }
  // Subdomain gateway: <cid>.ipfs.<host> (the URL parser lower-cases hosts; CIDv1 survives that).
  const labels = url.hostname.split('.');
  if (labels.length > 2 && labels[1] === 'ipfs') {
    const cid = parseCid(labels[0] as string);
    if (cid) {
      return {
        status: 'ipfs',
        cid: cid.toV1().toString(),
        path: normalisePath(url.pathname),
        origin: `${url.protocol}//${labels.slice(2).join('.')}${url.port ? `:${url.port}` : ''}`,
      };
    }
  }
  if (labels.length > 2 && labels[1] === 'ipns') return IPNS;
  // Path gateway: /ipfs/<cid>/… anywhere in the path (gateways mounted under a prefix too).
  const segments = url.pathname.split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]?.toLowerCase();
    if (segment === 'ipfs' && parseCid(decodeSegment(segments[i + 1] as string))) {
      return ipfsPath(segments.slice(i + 1).join('/'), url.origin);
    }
    if (segment === 'ipns' && segments[i + 1]) return IPNS;
  }
  return { status: 'http' };
}

/** What a token URI is, and for IPFS its root CID and path. Never throws. */
export function classifyUri(uri: string): UriClass {
  const text = uri.trim();
  if (text === '') return { status: 'empty' };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'data':
      return decodeDataUri(text);
    case 'ipfs':
      return ipfsPath(text.slice(5));
    case 'ipns':
      return IPNS;
    case 'ar':
      return unsupported('an Arweave URI: not IPFS');
    case 'dweb': {
      const rest = text.slice(5).replace(/^\/+/, '/');
      if (/^\/ipfs\//i.test(rest)) return ipfsPath(rest.slice(6));
      if (/^\/ipns\//i.test(rest)) return IPNS;
      return { status: 'invalid', reason: `not a dweb IPFS path: ${quote(text)}` };
    }
    case 'http':
    case 'https':
      return httpUri(text);
    case undefined:
      break;
    default:
      return unsupported(`the ${quote(scheme, 20)}: scheme is not IPFS`);
  }
  if (/^\/ipfs\//i.test(text)) return ipfsPath(text.slice(6));
  if (/^\/ipns\//i.test(text)) return IPNS;
  // A bare CID, with or without a path.
  const bare = ipfsPath(text);
  if (bare.status === 'ipfs') return bare;
  return { status: 'invalid', reason: `not a URI: ${quote(text)}` };
}

/**
 * A `data:` URI's media type and bytes: split at the first comma; `;base64` means base64,
 * anything else percent-encoding. Non-standard parameters (`;utf8`, `;charset=…`) are accepted.
 */
export function decodeDataUri(text: string): UriClass {
  const comma = text.indexOf(',');
  if (comma < 0) return { status: 'invalid', reason: 'a data: URI without a comma' };
  const params = text
    .slice(5, comma)
    .split(';')
    .map((param) => param.trim().toLowerCase());
  const mediaType = params[0] || 'text/plain';
  const body = text.slice(comma + 1);
  let bytes: Uint8Array;
  if (params.includes('base64')) {
    const base64 = percentDecode(body).toString('latin1').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) {
      return { status: 'invalid', reason: 'a data: URI whose base64 does not decode' };
    }
    bytes = Buffer.from(base64, 'base64');
  } else {
    bytes = percentDecode(body);
  }
  if (bytes.byteLength > MAX_DATA_URI_BYTES) {
    return { status: 'invalid', reason: `a data: URI over ${MAX_DATA_URI_BYTES} bytes` };
  }
  return { status: 'data', mediaType, bytes };
}

/** Percent-decodes to bytes; a `%` not followed by two hex digits stays as it is. */
function percentDecode(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) continue;
    parts.push(Buffer.from(text.slice(start, i), 'utf8'), Buffer.from([Number.parseInt(hex, 16)]));
    start = i + 3;
    i += 2;
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** Whether a `data:` media type is text a CID could be written in (JSON, SVG, HTML, …). */
export function isTextual(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    /^application\/(json|xml|xhtml\+xml|javascript|ld\+json)$/.test(mediaType) ||
    /\+(json|xml)$/.test(mediaType)
  );
}

export const isJsonMediaType = (mediaType: string) =>
  /^(application|text)\/json$/.test(mediaType) || mediaType.endsWith('+json');

// Candidates inside free text: IPFS URIs, web URLs, /ipfs/ paths and bare CIDs (v0 base58btc,
// v1 base32 or base36). Each candidate is then parsed for real; the patterns only find them.
const STOP = String.raw`[^\s"'<>()\\\x60,;]`;
const CANDIDATES = new RegExp(
  [
    String.raw`ipfs:\/\/${STOP}+`,
    String.raw`https?:\/\/${STOP}+`,
    String.raw`\/ipfs\/${STOP}+`,
    String.raw`\b(?:Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,}|B[A-Z2-7]{50,}|k[0-9a-z]{48,})(?:\/${STOP}*)?`,
  ].join('|'),
  'gi',
);

/** Most candidates looked at in one text: bounds the work a hostile string can cause. */
const MAX_CANDIDATES = 10_000;

/** Collects distinct CIDs (root and path) from any number of texts, up to a limit. */
export class CidCollector {
  readonly #found: CidAt[] = [];
  readonly #seen = new Set<string>();
  readonly limit: number;

  constructor(limit = 1000) {
    this.limit = limit;
  }

  get full(): boolean {
    return this.#found.length >= this.limit;
  }

  add(at: CidAt): void {
    const key = `${at.cid}${at.path}`;
    if (this.full || this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#found.push({ cid: at.cid, path: at.path });
  }

  /** Every CID written in a text: whole URIs and CIDs inside longer strings (SVG, HTML). */
  scan(text: string): void {
    let candidates = 0;
    for (const match of text.matchAll(CANDIDATES)) {
      if (++candidates > MAX_CANDIDATES || this.full) break;
      // Trailing punctuation belongs to the sentence, not the URI.
      const parsed = classifyUri(match[0].replace(/[.!?:]+$/, ''));
      if (parsed.status === 'ipfs') this.add(parsed);
    }
  }

  /** What was found, in order; a CID found with a path and also bare keeps only its paths. */
  cids(): CidAt[] {
    const withPath = new Set(this.#found.filter((at) => at.path !== '').map((at) => at.cid));
    return this.#found.filter((at) => at.path !== '' || !withPath.has(at.cid));
  }
}

/** The CIDs written in one text. */
export function findCids(text: string, limit?: number): CidAt[] {
  const collector = new CidCollector(limit);
  collector.scan(text);
  return collector.cids();
}

/**
 * ERC-1155's `{id}`: every occurrence becomes the id in lower-case hex, 64 digits, no `0x`.
 */
export function substituteId(text: string, tokenId: bigint): string {
  return text.includes('{id}')
    ? text.replaceAll('{id}', tokenId.toString(16).padStart(64, '0'))
    : text;
}
