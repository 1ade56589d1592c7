/**
 * The IPFS gateway: answers `/ipfs/{cid}[/{path}]` from the carpark. Trustless responses (one
 * raw block, or a CAR of a path and a scope) for IPFS clients that verify every block, and the
 * deserialized content (files with Range, directories, DAG nodes as JSON) for browsers. Only
 * stored content is served — nothing is fetched from elsewhere — so a miss is a quick 404.
 * Bodies stream: memory stays bounded whatever the size of the content.
 */

import { createHash } from 'node:crypto';
import * as dagCbor from '@ipld/dag-cbor';
import * as dagJson from '@ipld/dag-json';
import * as dagPb from '@ipld/dag-pb';
import { exporter, type UnixFSEntry, walkPath } from 'ipfs-unixfs-exporter';
import type { CID } from 'multiformats/cid';
import * as json from 'multiformats/codecs/json';
import * as raw from 'multiformats/codecs/raw';
import {
  FORMAT_MEDIA_TYPES,
  GATEWAY_EXPOSED_HEADERS,
  GATEWAY_HEADERS,
  GATEWAY_METHODS,
  type GatewayFormat,
  IMMUTABLE_CACHE_CONTROL,
  IPFS_PREFIX,
  MISS_CACHE_CONTROL,
} from '../../../contract/gateway.ts';
import { FailureError } from '../failures.ts';
import type { Block } from '../ipfs/block.ts';
import { BlockNotFound, type BlockSource, exporterBlockstore, isIdentity } from './blocks.ts';
import { carStream } from './car.ts';
import { type GatewayRequest, type HttpRequest, parseGatewayRequest } from './request.ts';

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD, 304 and the like. A stream may fail midway: the edge then cuts it off. */
  body?: Uint8Array | AsyncIterable<Uint8Array>;
}

/** Picks a Content-Type from a file's name (when it has one) and its first bytes. */
export type ContentTypeOf = (file: {
  name?: string;
  head: Uint8Array;
  /** A raw block, not a UnixFS file: binary unless its bytes say otherwise. */
  raw: boolean;
}) => string | Promise<string>;

export interface GatewayDeps {
  source: BlockSource;
  contentTypeOf: ContentTypeOf;
  /** Quoted in 500 answers, to find the logged cause. */
  requestId: string;
  /** Told about unexpected failures (the answer is a 500). */
  onError?: (error: unknown) => void;
}

/** Bytes read to sniff a file's type (what file-type and browsers look at). */
const SNIFF_BYTES = 4100;
/** Blocks of a file read at once while it streams. */
const FILE_READ_CONCURRENCY = 8;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': GATEWAY_EXPOSED_HEADERS.join(', '),
};

export async function serveGateway(http: HttpRequest, deps: GatewayDeps): Promise<GatewayResponse> {
  if (http.method === 'OPTIONS') {
    return {
      status: 204,
      headers: {
        ...CORS,
        'access-control-allow-methods': GATEWAY_METHODS.join(', '),
        'access-control-allow-headers': 'Accept, Range, If-None-Match, Content-Type',
        'access-control-max-age': '86400',
      },
    };
  }
  if (http.method !== 'GET' && http.method !== 'HEAD') {
    return text(405, 'Method not allowed: the gateway answers GET, HEAD and OPTIONS', {
      allow: GATEWAY_METHODS.join(', '),
    });
  }
  if (!http.rawPath.startsWith(IPFS_PREFIX)) {
    return text(404, 'Not found: content is served under /ipfs/<cid>');
  }
  const parsed = parseGatewayRequest(http);
  if (!parsed.ok) return text(400, parsed.error.message);
  const req = parsed.value;
  try {
    return await respond(req, http, deps);
  } catch (error) {
    return failed(error, req, deps);
  }
}

async function respond(
  req: GatewayRequest,
  http: HttpRequest,
  deps: GatewayDeps,
): Promise<GatewayResponse> {
  const pathBlocks: Block[] = [];
  const resolved = await resolve(req, deps.source, pathBlocks);
  if (!resolved) return notFound(req);
  const common = {
    ...CORS,
    [GATEWAY_HEADERS.path]: http.rawPath,
    [GATEWAY_HEADERS.roots]: resolved.roots.map(String).join(','),
    'x-content-type-options': 'nosniff',
    vary: 'Accept',
  };
  const headers = (etag: string, more: Record<string, string>) => ({
    ...common,
    etag,
    'cache-control': IMMUTABLE_CACHE_CONTROL,
    ...more,
  });
  const conditional = (etag: string) =>
    req.ifNoneMatch && etagMatches(req.ifNoneMatch, etag)
      ? { status: 304, headers: headers(etag, {}) }
      : undefined;
  const { terminal } = resolved;

  if (req.format === 'raw') {
    const etag = `"${terminal}.raw"`;
    const location = isIdentity(terminal) ? undefined : await deps.source.locate(terminal);
    if (!isIdentity(terminal) && !location) return notFound(req);
    const unchanged = conditional(etag);
    if (unchanged) return unchanged;
    const size = location ? location.length : terminal.multihash.digest.byteLength;
    const disposition = attachment(req.filename ?? `${terminal}.bin`);
    return ranged(
      req,
      size,
      headers(etag, {
        'content-type': FORMAT_MEDIA_TYPES.raw,
        'content-disposition': disposition,
      }),
      async (offset, length) => {
        if (!location) return terminal.multihash.digest.subarray(offset, offset + length);
        return deps.source.streamPart(terminal, location, { offset, length });
      },
    );
  }

  if (req.format === 'car') {
    if (!isIdentity(terminal) && !(await deps.source.locate(terminal, true))) return notFound(req);
    const { scope, entityBytes, dups } = req.car;
    const etag = `W/"${terminal}.car.${digestOf([
      http.rawPath,
      scope,
      entityBytes ? `${entityBytes.from}:${entityBytes.to ?? '*'}` : '',
      dups ? 'y' : 'n',
    ])}"`;
    const unchanged = conditional(etag);
    if (unchanged) return unchanged;
    const response = {
      status: 200,
      headers: headers(etag, {
        'content-type': `${FORMAT_MEDIA_TYPES.car};version=1;order=dfs;dups=${dups ? 'y' : 'n'}`,
        'content-disposition': attachment(req.filename ?? `${terminal}.car`),
        'accept-ranges': 'none',
      }),
    };
    if (req.method === 'HEAD') return response;
    return {
      ...response,
      body: carStream({
        roots: [req.cid],
        pathBlocks,
        terminal,
        scope: req.car,
        source: deps.source,
      }),
    };
  }

  if (req.format) {
    const etag = `"${terminal}.${req.format}"`;
    const bytes = await deps.source.get(terminal);
    const unchanged = conditional(etag);
    if (unchanged) return unchanged;
    const body = convertNode(terminal, bytes, req.format);
    return full(
      req,
      body,
      headers(etag, {
        'content-type': FORMAT_MEDIA_TYPES[req.format],
        ...disposition(req),
      }),
    );
  }

  return deserialized(req, http, terminal, deps, {
    headers,
    conditional,
    notFound: () => notFound(req),
  });
}

interface Helpers {
  headers: (etag: string, more: Record<string, string>) => Record<string, string>;
  conditional: (etag: string) => GatewayResponse | undefined;
  notFound: () => GatewayResponse;
}

async function deserialized(
  req: GatewayRequest,
  http: HttpRequest,
  terminal: CID,
  deps: GatewayDeps,
  helpers: Helpers,
): Promise<GatewayResponse> {
  if (
    terminal.code === dagCbor.code ||
    terminal.code === dagJson.code ||
    terminal.code === json.code
  ) {
    const etag = `"${terminal}"`;
    const bytes = await deps.source.get(terminal);
    const unchanged = helpers.conditional(etag);
    if (unchanged) return unchanged;
    const body = terminal.code === dagCbor.code ? convertNode(terminal, bytes, 'dag-json') : bytes;
    return full(
      req,
      body,
      helpers.headers(etag, { 'content-type': 'application/json', ...disposition(req) }),
    );
  }
  const store = exporterBlockstore(deps.source, { expand: true });
  const entry = await exporter(terminal, store);
  if (entry.type === 'directory') {
    if (!req.trailingSlash) {
      // Relative links in a directory's pages need its path to end with a slash.
      const location = `${http.rawPath}/${http.rawQuery ? `?${http.rawQuery}` : ''}`;
      return {
        status: 301,
        headers: { ...CORS, location, 'cache-control': IMMUTABLE_CACHE_CONTROL },
      };
    }
    const index = await findIndexHtml(terminal, store);
    if (index) return fileResponse(req, index, 'index.html', deps, helpers);
    const etag = `W/"${terminal}.listing"`;
    const unchanged = helpers.conditional(etag);
    if (unchanged) return unchanged;
    const response = {
      status: 200,
      headers: helpers.headers(etag, { 'content-type': 'text/html; charset=utf-8' }),
    };
    if (req.method === 'HEAD') return response;
    return { ...response, body: listing(http.rawPath, entry.entries()) };
  }
  if (entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity') {
    return fileResponse(req, entry, req.segments.at(-1), deps, helpers);
  }
  return helpers.notFound();
}

/** A directory's index.html, when it has one that is a file. */
async function findIndexHtml(dir: CID, store: ReturnType<typeof exporterBlockstore>) {
  try {
    const index = await exporter(`${dir}/index.html`, store);
    return index.type === 'file' || index.type === 'raw' ? index : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

type FileEntry = Extract<UnixFSEntry, { type: 'file' | 'raw' | 'identity' }>;

async function fileResponse(
  req: GatewayRequest,
  entry: FileEntry,
  name: string | undefined,
  deps: GatewayDeps,
  helpers: Helpers,
): Promise<GatewayResponse> {
  const etag = `"${entry.cid}"`;
  const unchanged = helpers.conditional(etag);
  if (unchanged) return unchanged;
  const size = Number(
    entry.type === 'identity' ? entry.cid.multihash.digest.byteLength : entry.size,
  );
  const read = (offset: number, length: number) =>
    entry.type === 'identity'
      ? entry.cid.multihash.digest.subarray(offset, offset + length)
      : entry.content({ offset, length, blockReadConcurrency: FILE_READ_CONCURRENCY });
  const head = await collect(await read(0, Math.min(size, SNIFF_BYTES)));
  const contentType = await deps.contentTypeOf({
    ...((req.filename ?? name) ? { name: req.filename ?? name } : {}),
    head,
    raw: entry.cid.code === raw.code,
  });
  return ranged(
    req,
    size,
    helpers.headers(etag, { 'content-type': contentType, ...disposition(req) }),
    read,
  );
}

/** A full or ranged answer over `size` bytes that `read` yields. */
async function ranged(
  req: GatewayRequest,
  size: number,
  headers: Record<string, string>,
  read: (
    offset: number,
    length: number,
  ) => Uint8Array | AsyncIterable<Uint8Array> | Promise<Uint8Array | AsyncIterable<Uint8Array>>,
): Promise<GatewayResponse> {
  const range = req.range ? parseRange(req.range, size) : undefined;
  if (range === 'unsatisfiable') {
    return text(416, `Range not satisfiable: the content is ${size} bytes`, {
      ...CORS,
      'content-range': `bytes */${size}`,
    });
  }
  const [offset, length] = range ? [range.first, range.last - range.first + 1] : [0, size];
  const response: GatewayResponse = {
    status: range ? 206 : 200,
    headers: {
      ...headers,
      'accept-ranges': 'bytes',
      'content-length': String(length),
      ...(range ? { 'content-range': `bytes ${range.first}-${range.last}/${size}` } : {}),
    },
  };
  if (req.method === 'HEAD' || length === 0) return response;
  return { ...response, body: await read(offset, length) };
}

function full(
  req: GatewayRequest,
  body: Uint8Array,
  headers: Record<string, string>,
): GatewayResponse {
  return {
    status: 200,
    headers: { ...headers, 'content-length': String(body.byteLength) },
    ...(req.method === 'HEAD' ? {} : { body }),
  };
}

/**
 * One byte range (`bytes=a-b`, `a-`, `-n`); of several, the first is served, as RFC 9110
 * allows. An unparseable header is ignored (the whole content).
 */
export function parseRange(
  header: string,
  size: number,
): { first: number; last: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=\s*(\d*)-(\d*)/.exec(header.trim());
  if (!match) return undefined;
  const [, start = '', end = ''] = match;
  if (start === '' && end === '') return undefined;
  if (start === '') {
    const suffix = Number(end);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { first: Math.max(size - suffix, 0), last: size - 1 };
  }
  const first = Number(start);
  if (first >= size) return 'unsatisfiable';
  const last = end === '' ? size - 1 : Math.min(Number(end), size - 1);
  if (last < first) return undefined;
  return { first, last };
}

interface Resolved {
  terminal: CID;
  /** The CIDs from the root to the terminal. */
  roots: CID[];
}

/**
 * The CID at the end of the path (the root itself without one), recording the blocks read on
 * the way in `pathBlocks`; undefined when the root is not stored or the path leads nowhere.
 */
async function resolve(
  req: GatewayRequest,
  source: BlockSource,
  pathBlocks: Block[],
): Promise<Resolved | undefined> {
  if (req.segments.length === 0) {
    if (!isIdentity(req.cid) && !(await source.locate(req.cid))) return undefined;
    return { terminal: req.cid, roots: [req.cid] };
  }
  const store = exporterBlockstore(source, { seen: pathBlocks });
  try {
    let last: { cid: CID; roots: CID[]; remainder: string[] } | undefined;
    const path = [req.cid.toString(), ...req.segments.map((s) => s.replaceAll('/', '\\/'))].join(
      '/',
    );
    for await (const entry of walkPath(path, store)) last = entry;
    // A path ending inside a node (not at a link) names no block of its own.
    if (!last || last.remainder.length > 0) return undefined;
    return { terminal: last.cid, roots: last.roots };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const isNotFound = (error: unknown) =>
  error instanceof BlockNotFound ||
  ['ERR_NOT_FOUND', 'ERR_NO_RESOLVER', 'ERR_NOT_UNIXFS', 'ERR_BAD_PATH'].includes(
    (error as { code?: string })?.code ?? '',
  );

/** A node re-encoded in a DAG format. */
function convertNode(
  cid: CID,
  bytes: Uint8Array,
  format: Exclude<GatewayFormat, 'raw' | 'car'>,
): Uint8Array {
  const value: unknown =
    cid.code === dagPb.code
      ? dagPb.decode(bytes)
      : cid.code === dagCbor.code
        ? dagCbor.decode(bytes)
        : cid.code === dagJson.code
          ? dagJson.decode(bytes)
          : cid.code === json.code
            ? json.decode(bytes)
            : bytes;
  if (
    (format === 'dag-json' && cid.code === dagJson.code) ||
    (format === 'dag-cbor' && cid.code === dagCbor.code)
  ) {
    return bytes;
  }
  return format === 'dag-json' || format === 'json' ? dagJson.encode(value) : dagCbor.encode(value);
}

async function* listing(
  path: string,
  entries: AsyncIterable<{ name: string; cid: CID; size: bigint }>,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  const title = escapeHtml(decodeURIComponentSafe(path));
  yield encoder.encode(
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n` +
      `<h1>${title}</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>CID</th></tr>\n`,
  );
  for await (const entry of entries) {
    const href = `./${encodeURIComponent(entry.name)}`;
    yield encoder.encode(
      `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.name)}</a></td>` +
        `<td>${entry.size}</td><td>${entry.cid}</td></tr>\n`,
    );
  }
  yield encoder.encode('</table>\n</body></html>\n');
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function decodeURIComponentSafe(value: string) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function disposition(req: GatewayRequest): Record<string, string> {
  if (!req.filename && !req.download) return {};
  const kind = req.download ? 'attachment' : 'inline';
  return { 'content-disposition': contentDisposition(kind, req.filename) };
}

const attachment = (filename: string) => contentDisposition('attachment', filename);

/** RFC 6266: an ASCII fallback, and the exact name in `filename*` when it is not plain ASCII. */
function contentDisposition(kind: 'inline' | 'attachment', filename: string | undefined): string {
  if (!filename) return kind;
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = ascii === filename ? '' : `; filename*=UTF-8''${encodeURIComponent(filename)}`;
  return `${kind}; filename="${ascii}"${exact}`;
}

/** If-None-Match against an ETag, by weak comparison (RFC 9110 §13.1.2). */
export function etagMatches(header: string, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

const digestOf = (parts: string[]) =>
  createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);

async function collect(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

function notFound(req: GatewayRequest): GatewayResponse {
  if (req.onlyIfCached) {
    return text(412, 'Not held here (Cache-Control: only-if-cached)', {
      'cache-control': MISS_CACHE_CONTROL,
    });
  }
  return text(
    404,
    `Not found: no stored content at /ipfs/${req.cidText}${req.segments.length ? '/…' : ''}`,
    {
      'cache-control': MISS_CACHE_CONTROL,
    },
  );
}

function failed(error: unknown, req: GatewayRequest, deps: GatewayDeps): GatewayResponse {
  // A block below a held root is missing (a chunked DAG still arriving, a CAR removed).
  if (error instanceof BlockNotFound) return notFound(req);
  if (error instanceof FailureError && error.failure.name === 'StorageUnavailable') {
    return text(503, `${error.failure.message} (request ${deps.requestId})`, {
      'retry-after': '5',
      'cache-control': MISS_CACHE_CONTROL,
    });
  }
  deps.onError?.(error);
  return text(500, `Internal error; quote request ${deps.requestId}`, {
    'cache-control': MISS_CACHE_CONTROL,
  });
}

function text(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): GatewayResponse {
  const body = new TextEncoder().encode(`${message}\n`);
  return {
    status,
    headers: {
      ...CORS,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.byteLength),
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body,
  };
}
