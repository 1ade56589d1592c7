/**
 * ERC-1155 metadata as nft.storage's client encodes it for `store()`: each Blob or File in the
 * metadata packed wrapped in a directory (`ipfs://<dir>/<name>` in metadata.json, a link to the
 * directory in the root), metadata.json packed unwrapped, and a dag-cbor root holding the
 * metadata with links plus `"metadata.json"` and `"type": "nft"`. The server's `POST /store`
 * builds the same DAG from a form.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { type DagSource, packFiles, UnionDag } from './dag.ts';

/** What `store()` takes: ERC-1155 metadata whose `image` (and any property) may be a Blob. */
export interface TokenInput {
  name: string;
  description: string;
  image: Blob;
  decimals?: number;
  properties?: object;
  [key: string]: unknown;
}

/** nft.storage's `ipfs:` URL → gateway URL, for `embed()`. */
export const GATEWAY = new URL('https://nftstorage.link/');

export function toGatewayURL(url: string | URL, options: { gateway?: string | URL } = {}): URL {
  const gateway = options.gateway ?? GATEWAY;
  const parsed = new URL(String(url));
  return parsed.protocol === 'ipfs:'
    ? new URL(`/ipfs/${parsed.href.slice('ipfs://'.length)}`, gateway)
    : parsed;
}

/** The stored metadata, as nft.storage's client answers `store()`. */
export class Token<T extends TokenInput = TokenInput> {
  readonly ipnft: string;
  readonly url: string;
  readonly data!: Record<string, unknown>;

  constructor(ipnft: string, url: string, data: Record<string, unknown>) {
    this.ipnft = ipnft;
    this.url = url;
    Object.defineProperty(this, 'data', { value: data, enumerable: false, writable: false });
  }

  /** The metadata with every `ipfs:` URL turned into a gateway URL. */
  embed(): Record<string, unknown> {
    return mapUrls(this.data, (url) => toGatewayURL(url)) as Record<string, unknown>;
  }

  /** Keeps T for callers that name it, as nft.storage's Token<T> does. */
  declare readonly input?: T;
}

function mapUrls(value: unknown, map: (url: URL) => URL): unknown {
  if (value instanceof URL) return map(value);
  if (Array.isArray(value)) return value.map((item) => mapUrls(item, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapUrls(v, map)]));
  }
  return value;
}

/** nft.storage's checks: a name, a description, an image Blob, numeric decimals. */
export function validateERC1155(input: TokenInput): void {
  if (typeof input.name !== 'string') {
    throw new TypeError('string property `name` identifying the asset is required');
  }
  if (typeof input.description !== 'string') {
    throw new TypeError('string property `description` describing asset is required');
  }
  if (!(input.image instanceof Blob)) {
    throw new TypeError('property `image` must be a Blob or File object');
  }
  if (input.decimals !== undefined && typeof input.decimals !== 'number') {
    throw new TypeError('property `decimals` must be an integer value');
  }
}

/** Blobs in the metadata by dot-path, and the metadata with them left out. */
function blobsIn(input: unknown, path: string[] = [], found = new Map<string, Blob>()) {
  const walk = (value: unknown, at: string[]): unknown => {
    if (value instanceof Blob) {
      found.set(at.join('.'), value);
      return undefined;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...at, String(i)]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k])]));
    }
    return value;
  };
  return { meta: walk(input, path), blobs: found };
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let at: Record<string, unknown> = target;
  for (const step of path.slice(0, -1)) at = at[step] as Record<string, unknown>;
  at[path[path.length - 1] as string] = value;
}

export async function encodeNFT<T extends TokenInput>(
  input: T,
): Promise<{ cid: CID; token: Token<T>; dag: DagSource }> {
  validateERC1155(input);
  const { meta, blobs } = blobsIn(input);
  // Two copies: `data` gets URLs (metadata.json), `dag` gets links (the root block).
  const data = JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
  const dag = JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
  const parts: DagSource[] = [];
  for (const [dotPath, blob] of blobs) {
    const name = (blob as File).name || 'blob';
    const packed = await packFiles([{ path: name, file: blob }], true);
    parts.push(packed);
    const path = dotPath.split('.');
    setIn(data, path, new URL(`ipfs://${packed.root}/${name}`));
    setIn(dag, path, packed.root);
  }
  const metadataJson = await packFiles(
    [{ path: 'metadata.json', file: new Blob([JSON.stringify(data)]) }],
    false,
  );
  parts.push(metadataJson);
  const rootBytes = dagCbor.encode({ ...dag, 'metadata.json': metadataJson.root, type: 'nft' });
  const cid = CID.createV1(dagCbor.code, await sha256.digest(rootBytes));
  const token = new Token<T>(cid.toString(), `ipfs://${cid}/metadata.json`, data);
  return { cid, token, dag: new UnionDag(cid, rootBytes, parts) };
}
