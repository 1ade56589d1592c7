/**
 * Blocks for the gateway, read from the carpark through the block index. A lookup is one
 * table query; a response that walks many blocks of one CAR loads that CAR's own block index
 * once (one small S3 read) and finds the rest there. Locations never change (a CAR is stored
 * under its own CID), so a warm container keeps a bounded cache of them.
 */
import type { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { blockIndexKey } from '../block-index.ts';
import { multihashKey } from '../ipfs/block.ts';
import { decodeBlockIndex } from '../ipfs/block-index.ts';
import type { BlobStore, BlockIndexStore, BlockLocation, ByteRange } from '../ports.ts';
import { carparkKey } from '../uploads.ts';

export interface GatewayPorts {
  blocks: Pick<BlockIndexStore, 'locate'>;
  carpark: Pick<BlobStore, 'get' | 'stream'>;
}

/** A Map that forgets its least recently used entries beyond `capacity`. */
export class Lru<K, V> {
  readonly #entries = new Map<K, V>();
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }
}

/** What a warm container remembers between requests. */
export interface BlockCaches {
  /** multihashKey → where the block lies. */
  locations: Lru<string, BlockLocation>;
  /** CARs whose block index was loaded into `locations`. */
  loadedIndexes: Lru<string, true>;
}

/** About 25 MB of locations at most. */
export const newBlockCaches = (): BlockCaches => ({
  locations: new Lru(200_000),
  loadedIndexes: new Lru(2_000),
});

/** A block a response needs is not stored (or not indexed yet). */
export class BlockNotFound extends Error {
  override name = 'BlockNotFound';
  readonly code = 'ERR_NOT_FOUND';
  readonly cid: CID | undefined;
  constructor(cid: CID | undefined, why = 'is not stored here') {
    super(`block ${cid ?? '(in a read-ahead span)'} ${why}`);
    this.cid = cid;
  }
}

export const isIdentity = (cid: CID) => cid.multihash.code === identity.code;

export class BlockSource {
  readonly #ports: GatewayPorts;
  readonly #caches: BlockCaches;
  /** Index loads in flight, so concurrent lookups in one CAR load its index once. */
  readonly #loading = new Map<string, Promise<void>>();
  readonly #locating = new Map<string, Promise<BlockLocation | undefined>>();

  constructor(ports: GatewayPorts, caches: BlockCaches) {
    this.#ports = ports;
    this.#caches = caches;
  }

  /**
   * Where the block lies, or undefined when nothing stored holds it. With `expand`, a table
   * hit also loads the CAR's block index, for responses about to read more of that CAR.
   */
  async locate(cid: CID, expand = false): Promise<BlockLocation | undefined> {
    const key = multihashKey(cid);
    const found = this.#caches.locations.get(key) ?? (await this.#lookUp(key, cid));
    if (!found) return undefined;
    this.#caches.locations.set(key, found);
    // Also when the place was known already: an earlier lookup may not have expanded.
    if (expand) await this.#loadIndex(found.carCid);
    return found;
  }

  /** One table lookup per block at a time, however many ask for it meanwhile. */
  #lookUp(key: string, cid: CID): Promise<BlockLocation | undefined> {
    let lookup = this.#locating.get(key);
    if (!lookup) {
      lookup = this.#ports.blocks
        .locate(cid.multihash.bytes)
        .finally(() => this.#locating.delete(key));
      this.#locating.set(key, lookup);
    }
    return lookup;
  }

  /** Where the block lies, if this container already knows (no lookup). */
  cachedLocation(cid: CID): BlockLocation | undefined {
    return this.#caches.locations.get(multihashKey(cid));
  }

  #loadIndex(carCid: string): Promise<void> {
    if (this.#caches.loadedIndexes.has(carCid)) return Promise.resolve();
    let loading = this.#loading.get(carCid);
    if (!loading) {
      loading = (async () => {
        // Absent while the CAR is still being indexed: its blocks are then found one by one.
        const bytes = await this.#ports.carpark.get(blockIndexKey(carCid));
        if (!bytes) return;
        for (const [key, range] of decodeBlockIndex(bytes)) {
          this.#caches.locations.set(key, { carCid, ...range });
        }
        this.#caches.loadedIndexes.set(carCid, true);
      })().finally(() => this.#loading.delete(carCid));
      this.#loading.set(carCid, loading);
    }
    return loading;
  }

  /** The block's bytes (identity CIDs: their digest); throws BlockNotFound when absent. */
  async get(cid: CID, expand = false): Promise<Uint8Array> {
    if (isIdentity(cid)) return cid.multihash.digest;
    const location = await this.locate(cid, expand);
    if (!location) throw new BlockNotFound(cid);
    return this.read(cid, location);
  }

  /** Reads a located block whole. */
  async read(cid: CID, location: BlockLocation): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of await this.#stream(cid, location, location)) {
      chunks.push(chunk);
      length += chunk.byteLength;
    }
    if (length !== location.length)
      throw new Error(`block ${cid}: read ${length} of ${location.length} bytes`);
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, length);
  }

  /** Part of a located block (`range` relative to the block), as it arrives. */
  streamPart(
    cid: CID,
    location: BlockLocation,
    range: ByteRange,
  ): Promise<AsyncIterable<Uint8Array>> {
    return this.#stream(cid, location, {
      offset: location.offset + range.offset,
      length: range.length,
    });
  }

  /** Bytes of one CAR, as they arrive: what a response reading many blocks in a row uses. */
  async streamCar(carCid: string, range: ByteRange, cid?: CID): Promise<AsyncIterable<Uint8Array>> {
    const stream = await this.#ports.carpark.stream(carparkKey(carCid), range);
    // Indexed, but the CAR is gone (removed once nothing holds it): the block is not held.
    if (!stream) throw new BlockNotFound(cid, `CAR ${carCid} is no longer in the carpark`);
    return stream;
  }

  #stream(cid: CID, location: BlockLocation, range: ByteRange) {
    return this.streamCar(location.carCid, range, cid);
  }
}

/** The blockstore shape ipfs-unixfs-exporter reads through; `seen` records every block read. */
export function exporterBlockstore(
  source: BlockSource,
  options: { expand?: boolean; seen?: { cid: CID; bytes: Uint8Array }[] } = {},
) {
  return {
    async *get(cid: CID): AsyncGenerator<Uint8Array> {
      const bytes = await source.get(cid, options.expand);
      options.seen?.push({ cid, bytes });
      yield bytes;
    },
  };
}
