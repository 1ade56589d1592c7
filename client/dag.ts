/**
 * DAGs the client sends, as sources of blocks it can read in any order: content packed as
 * UnixFS with the server's parameters (contract/unixfs.ts), a CAR file, or a CarReader.
 *
 * Packing runs the importer once over the content to learn the DAG: its interior nodes (small)
 * are kept, its leaves are not — only where each lies in its file. Sending reads a leaf again
 * from its Blob (a slice: a file on disk stays on disk) and checks it still hashes to its CID,
 * so content changed under an upload fails it instead of corrupting it.
 */
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { importer } from 'ipfs-unixfs-importer';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { importerOptions } from '../contract/unixfs.ts';

/** A DAG whose blocks can be read in any order. */
export interface DagSource {
  root: CID;
  /** Length of a block's bytes; undefined when the source does not have the block. */
  lengthOf(cid: CID): number | undefined;
  /** A block's bytes. */
  bytesOf(cid: CID): Promise<Uint8Array>;
  /** A block's links (none for raw leaves); the source reads interior nodes from memory. */
  linksOf(cid: CID): Promise<CID[]>;
  /** Every block the source has, in no particular order (a CAR may hold unreachable ones). */
  cids(): Iterable<CID>;
}

/** What nft.storage's client takes as a file: a Blob or File, or a name with a stream. */
export interface FileObject {
  name: string;
  size: number;
  stream: () => AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
}

export type FileLike = Blob | FileObject;

interface Entry {
  path: string;
  file: FileLike;
}

interface LeafPlace {
  file: FileLike;
  offset: number;
  length: number;
  /** The bytes themselves, for a source that cannot be sliced (a bare stream). */
  bytes?: Uint8Array;
}

const isBlob = (file: FileLike): file is Blob => typeof (file as Blob).slice === 'function';
const key = (cid: CID) => cid.toString();

/** A file's bytes as they stream, from a Blob or anything with a web or Node stream. */
export async function* streamOf(file: FileLike): AsyncIterable<Uint8Array> {
  const stream = file.stream();
  if (Symbol.asyncIterator in stream) {
    yield* stream as AsyncIterable<Uint8Array>;
    return;
  }
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Links of a block, by its codec (what a walk of a DAG the client sends needs). */
export function linksIn(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map((link) => link.Hash);
  if (cid.code === dagCbor.code) {
    const links: CID[] = [];
    const pending: unknown[] = [dagCbor.decode(bytes)];
    while (pending.length > 0) {
      const item = pending.pop();
      if (item === null || typeof item !== 'object' || item instanceof Uint8Array) continue;
      const link = CID.asCID(item);
      if (link) links.push(link);
      else pending.push(...(Array.isArray(item) ? item : Object.values(item)));
    }
    return links;
  }
  return [];
}

/**
 * Packs files as UnixFS, as the server and `ipfs add --cid-version=1` do: one file unwrapped
 * (`wrap` false), or files in a directory.
 */
export async function packFiles(entries: readonly Entry[], wrap: boolean): Promise<PackedDag> {
  const interior = new Map<string, Uint8Array>();
  const leafLengths = new Map<string, number>();
  const leafBytes = new Map<string, Uint8Array>();
  const keepLeaves = entries.some(({ file }) => !isBlob(file));
  const sink = {
    put(cid: CID, bytes: Uint8Array) {
      if (cid.code === raw.code) {
        leafLengths.set(key(cid), bytes.byteLength);
        if (keepLeaves) leafBytes.set(key(cid), bytes);
      } else {
        interior.set(key(cid), bytes);
      }
      return cid;
    },
  };
  const fileRoots = new Map<string, FileLike>();
  let root: CID | undefined;
  const candidates = entries.map(({ path, file }) => ({ path, content: streamOf(file) }));
  const byPath = new Map(entries.map((entry) => [entry.path, entry.file]));
  for await (const entry of importer(candidates, sink as never, importerOptions(wrap))) {
    const file = entry.path === undefined ? undefined : byPath.get(entry.path);
    if (file && !fileRoots.has(key(entry.cid))) fileRoots.set(key(entry.cid), file);
    root = entry.cid;
  }
  if (!root) throw new Error('nothing to pack');
  const dag = new PackedDag(root, interior, leafLengths);
  dag.placeLeaves(fileRoots, leafBytes);
  return dag;
}

/** A DAG packed here: interior nodes in memory, leaves read back from their files. */
export class PackedDag implements DagSource {
  readonly root: CID;
  readonly #interior: Map<string, Uint8Array>;
  readonly #leafLengths: Map<string, number>;
  readonly #leaves = new Map<string, LeafPlace>();
  readonly #cids = new Map<string, CID>();

  constructor(root: CID, interior: Map<string, Uint8Array>, leafLengths: Map<string, number>) {
    this.root = root;
    this.#interior = interior;
    this.#leafLengths = leafLengths;
  }

  /**
   * Where each leaf lies: a walk from the root in link order visits a file's leaves in the
   * order of its bytes, so the offset of each is the length of those before it.
   */
  placeLeaves(fileRoots: Map<string, FileLike>, leafBytes: Map<string, Uint8Array>): void {
    const dataSize = new Map<string, number>();
    const sizeOf = (cid: CID): number => {
      const k = key(cid);
      const leaf = this.#leafLengths.get(k);
      if (leaf !== undefined) return leaf;
      const known = dataSize.get(k);
      if (known !== undefined) return known;
      const bytes = this.#interior.get(k);
      const total = bytes ? linksIn(cid, bytes).reduce((sum, link) => sum + sizeOf(link), 0) : 0;
      dataSize.set(k, total);
      return total;
    };
    const visited = new Set<string>();
    type Frame = { cid: CID; file?: FileLike; at?: { offset: number } };
    const stack: Frame[] = [{ cid: this.root }];
    for (let frame = stack.pop(); frame; frame = stack.pop()) {
      const { cid } = frame;
      const k = key(cid);
      this.#cids.set(k, cid);
      const file = frame.file ?? fileRoots.get(k);
      const at = frame.at ?? (file ? { offset: 0 } : undefined);
      if (visited.has(k)) {
        // Seen before: nothing new to place, but the file's bytes move on past it.
        if (at) at.offset += sizeOf(cid);
        continue;
      }
      visited.add(k);
      const length = this.#leafLengths.get(k);
      if (length !== undefined) {
        if (file && at) {
          const bytes = leafBytes.get(k);
          this.#leaves.set(k, { file, offset: at.offset, length, ...(bytes ? { bytes } : {}) });
          at.offset += length;
        }
        continue;
      }
      const bytes = this.#interior.get(k);
      if (!bytes) continue;
      const links = linksIn(cid, bytes);
      // Inside a file its children share one position; a directory's children each start anew.
      const shared = file && at ? { file, at } : {};
      for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i] as CID, ...shared });
    }
  }

  lengthOf(cid: CID): number | undefined {
    const k = key(cid);
    return this.#interior.get(k)?.byteLength ?? this.#leaves.get(k)?.length;
  }

  async linksOf(cid: CID): Promise<CID[]> {
    const bytes = this.#interior.get(key(cid));
    return bytes ? linksIn(cid, bytes) : [];
  }

  async bytesOf(cid: CID): Promise<Uint8Array> {
    const k = key(cid);
    const inner = this.#interior.get(k);
    if (inner) return inner;
    const leaf = this.#leaves.get(k);
    if (!leaf) throw new Error(`no block ${cid} in this DAG`);
    if (leaf.bytes) return leaf.bytes;
    const blob = leaf.file as Blob;
    const bytes = new Uint8Array(
      await blob.slice(leaf.offset, leaf.offset + leaf.length).arrayBuffer(),
    );
    const digest = await sha256.digest(bytes);
    if (!equalBytes(digest.digest, cid.multihash.digest)) {
      throw new Error('a file changed while it was being uploaded: pack it again');
    }
    return bytes;
  }

  cids(): Iterable<CID> {
    return this.#cids.values();
  }
}

/** Several DAGs under one root block (an NFT's metadata and its files). */
export class UnionDag implements DagSource {
  readonly root: CID;
  readonly #rootBytes: Uint8Array;
  readonly #parts: DagSource[];

  constructor(root: CID, rootBytes: Uint8Array, parts: DagSource[]) {
    this.root = root;
    this.#rootBytes = rootBytes;
    this.#parts = parts;
  }

  #find(cid: CID): DagSource | undefined {
    return this.#parts.find((part) => part.lengthOf(cid) !== undefined);
  }

  lengthOf(cid: CID): number | undefined {
    if (cid.equals(this.root)) return this.#rootBytes.byteLength;
    return this.#find(cid)?.lengthOf(cid);
  }

  async bytesOf(cid: CID): Promise<Uint8Array> {
    if (cid.equals(this.root)) return this.#rootBytes;
    const part = this.#find(cid);
    if (!part) throw new Error(`no block ${cid} in this DAG`);
    return part.bytesOf(cid);
  }

  async linksOf(cid: CID): Promise<CID[]> {
    if (cid.equals(this.root)) return linksIn(cid, this.#rootBytes);
    return (await this.#find(cid)?.linksOf(cid)) ?? [];
  }

  *cids(): Iterable<CID> {
    yield this.root;
    for (const part of this.#parts) yield* part.cids();
  }
}

/** Blocks at hand (a CarReader's, a CAR indexed in memory), read on demand. */
export class BlockMapDag implements DagSource {
  readonly root: CID;
  readonly #lengths = new Map<string, number>();
  readonly #cids = new Map<string, CID>();
  readonly #interior = new Map<string, Uint8Array>();
  readonly #read: (cid: CID) => Promise<Uint8Array>;

  constructor(root: CID, read: (cid: CID) => Promise<Uint8Array>) {
    this.root = root;
    this.#read = read;
  }

  /** Records a block: its length, and the bytes of an interior node (a walk reads its links). */
  add(cid: CID, length: number, bytes?: Uint8Array): void {
    const k = key(cid);
    if (this.#lengths.has(k)) return;
    this.#lengths.set(k, length);
    this.#cids.set(k, cid);
    if (bytes && cid.code !== raw.code) this.#interior.set(k, bytes);
  }

  lengthOf(cid: CID): number | undefined {
    return this.#lengths.get(key(cid));
  }

  async bytesOf(cid: CID): Promise<Uint8Array> {
    return this.#interior.get(key(cid)) ?? this.#read(cid);
  }

  async linksOf(cid: CID): Promise<CID[]> {
    if (cid.code === raw.code) return [];
    return linksIn(cid, await this.bytesOf(cid));
  }

  cids(): Iterable<CID> {
    return this.#cids.values();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
