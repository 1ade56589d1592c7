/**
 * What a CAR verifier keeps of each block instead of the block: where its bytes are in the CAR,
 * their length, the codec it came under and — for a CAR that streams past and cannot be read
 * again cheaply — its links (as CID bytes, one buffer for all). About a hundred bytes per block
 * whatever its size, so a 4 MiB CAR of 100,000 tiny blocks costs a few times its size, and a
 * staged CAR of gigabytes only what its block count asks. For a CAR in memory the walk decodes
 * each block where it lies instead, as it would have anyway.
 */
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { multihashKey } from './block.ts';
import { type DagNode, type GetNode, mapVisits, nodeOf, pushLinks, type VisitLog } from './dag.ts';

/** Reads a block's bytes back by position in the CAR. */
export type ReadBack = (offset: number, length: number) => Uint8Array | Promise<Uint8Array>;

/** Where a CAR's bytes can be read again: at hand (in memory), or only slowly (storage). */
export type CarBytes =
  | { inMemory: (offset: number, length: number) => Uint8Array }
  | { stored?: ReadBack };

/** Marks a CIDv0 (always dag-pb) in the codec column. */
const V0 = -1;
const DAG_PB = 0x70;

/** A byte buffer that grows by doubling; positions stay valid. */
export class ByteLog {
  #bytes: Uint8Array;
  length = 0;

  constructor(capacity = 4096) {
    this.#bytes = new Uint8Array(capacity);
  }

  append(bytes: Uint8Array): void {
    if (this.length + bytes.byteLength > this.#bytes.byteLength) {
      let capacity = this.#bytes.byteLength * 2;
      while (capacity < this.length + bytes.byteLength) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.#bytes.subarray(0, this.length));
      this.#bytes = grown;
    }
    this.#bytes.set(bytes, this.length);
    this.length += bytes.byteLength;
  }

  view(start = 0, end = this.length): Uint8Array {
    return this.#bytes.subarray(start, end);
  }
}

/**
 * Numbers in fixed-size typed chunks: growing never copies (or leaves garbage behind), which
 * matters when several requests each record 100,000 blocks at once.
 */
class Column {
  static readonly CHUNK = 8192;
  readonly #chunks: Float64Array[] = [];
  length = 0;

  push(value: number): void {
    const chunk = this.length % Column.CHUNK;
    if (chunk === 0) this.#chunks.push(new Float64Array(Column.CHUNK));
    (this.#chunks[this.#chunks.length - 1] as Float64Array)[chunk] = value;
    this.length++;
  }

  at(i: number): number {
    return (this.#chunks[Math.floor(i / Column.CHUNK)] as Float64Array)[i % Column.CHUNK] as number;
  }
}

export class BlockLog {
  /** multihash key → block number; a block repeated in the CAR is recorded once. */
  readonly #index = new Map<string, number>();
  readonly #codecs = new Column();
  readonly #offsets = new Column();
  readonly #lengths = new Column();
  /** Per block: start and end of its links in #links; end -1 when its links cannot be read. */
  readonly #linkSpans = new Column();
  readonly #links = new ByteLog();
  readonly #readBack: ReadBack | undefined;
  /** Links are recorded as blocks pass only when the bytes cannot be read again cheaply. */
  readonly #recordLinks: boolean;
  /** Blocks the CAR held, repeats included. */
  blocksRead = 0;
  /** The root block's bytes, kept as they pass: its declared size needs them decoded. */
  #rootKey: string | undefined;
  #rootBytes: Uint8Array | undefined;

  constructor(bytes: CarBytes) {
    this.#recordLinks = !('inMemory' in bytes);
    this.#readBack = 'inMemory' in bytes ? bytes.inMemory : bytes.stored;
  }

  get size(): number {
    return this.#codecs.length;
  }

  /** Keeps the bytes of this block (at most one block's worth) when it passes. */
  keep(root: CID): void {
    this.#rootKey = multihashKey(root);
  }

  /** Records a verified block whose bytes start at `offset` in the CAR. */
  add(cid: CID, offset: number, bytes: Uint8Array): void {
    this.blocksRead++;
    const key = multihashKey(cid);
    if (this.#index.has(key)) return;
    if (key === this.#rootKey && this.#recordLinks) this.#rootBytes = bytes.slice();
    this.#index.set(key, this.#codecs.length);
    this.#codecs.push(cid.version === 0 ? V0 : cid.code);
    this.#offsets.push(offset);
    this.#lengths.push(bytes.byteLength);
    if (!this.#recordLinks) return;
    const links: CID[] = [];
    const start = this.#links.length;
    if (pushLinks(cid, bytes, links)) {
      for (const link of links) this.#links.append(link.bytes);
      this.#linkSpans.push(start);
      this.#linkSpans.push(this.#links.length);
    } else {
      this.#linkSpans.push(start);
      this.#linkSpans.push(-1);
    }
  }

  has(cid: CID): boolean {
    return this.#index.has(multihashKey(cid));
  }

  /** The walk's view of the blocks; a block recorded under another codec is read back. */
  readonly getNode: GetNode = (cid, key) => {
    const i = this.#index.get(key);
    if (i === undefined) return undefined;
    const size = this.#lengths.at(i);
    if (cid.code === raw.code) return { size, links: [] };
    if (this.#recordLinks && this.#codecOf(i) === cid.code) {
      return { size, links: this.#linksOf(i) };
    }
    // The same bytes under another codec have other links: decode them as this link asks.
    const bytes = this.#read(i);
    return bytes instanceof Promise ? bytes.then((b) => nodeOf(cid, b)) : nodeOf(cid, bytes);
  };

  /**
   * A visit log for walks over these blocks: a slot per recorded block instead of a map
   * entry, so a walk adds a few bytes per block; other keys (missing links) go to a map.
   */
  visits(): VisitLog {
    const firstCodec = new Float64Array(this.#codecs.length).fill(Number.NaN);
    const others = mapVisits();
    return {
      visit: (key, codec) => {
        const i = this.#index.get(key);
        if (i === undefined) return others.visit(key, codec);
        const first = firstCodec[i] as number;
        if (Number.isNaN(first)) {
          firstCodec[i] = codec;
          return 'first';
        }
        // Rare: the same bytes linked under several codecs; the map sorts out which.
        return first === codec ? false : others.visit(`${first}:${key}`, codec) && 'again';
      },
    };
  }

  /** A block's bytes, read back from the CAR (undefined when the CAR does not hold it). */
  bytesOf(cid: CID): Uint8Array | Promise<Uint8Array> | undefined {
    const key = multihashKey(cid);
    if (key === this.#rootKey && this.#rootBytes) return this.#rootBytes;
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#read(i);
  }

  /** Every recorded block's CID and node, in CAR order (for a link index). */
  async *entries(): AsyncGenerator<[CID, DagNode]> {
    let i = 0;
    for (const key of this.#index.keys()) {
      const digest = Digest.decode(Buffer.from(key, 'latin1'));
      const cid =
        this.#codecs.at(i) === V0
          ? CID.createV0(digest as Digest.Digest<0x12, number>)
          : CID.createV1(this.#codecOf(i), digest);
      const node = this.getNode(cid, key) as DagNode | Promise<DagNode>;
      yield [cid, node instanceof Promise ? await node : node];
      i++;
    }
  }

  #codecOf(i: number): number {
    const codec = this.#codecs.at(i);
    return codec === V0 ? DAG_PB : codec;
  }

  #linksOf(i: number): CID[] | undefined {
    const start = this.#linkSpans.at(2 * i);
    const end = this.#linkSpans.at(2 * i + 1);
    if (end < 0) return undefined;
    const links: CID[] = [];
    let rest = this.#links.view(start, end);
    while (rest.byteLength > 0) {
      const [link, remainder] = CID.decodeFirst(rest);
      links.push(link);
      rest = remainder;
    }
    return links;
  }

  #read(i: number): Uint8Array | Promise<Uint8Array> {
    if (!this.#readBack) throw new Error('this CAR cannot be read back');
    return this.#readBack(this.#offsets.at(i), this.#lengths.at(i));
  }
}
