/**
 * CAR responses: the blocks a path needs, then the blocks of the requested scope below it, in
 * depth-first order (each block before its children, children in link order), written as a
 * CARv1 stream with @ipld/car. Nothing is held but a bounded read-ahead window: the next blocks
 * of the walk are read a few megabytes ahead, runs of them that lie next to each other in one
 * CAR in a single ranged read, so a large DAG streams at close to the speed of reading its CARs.
 */
import { CarWriter } from '@ipld/car/writer';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import type { CID } from 'multiformats/cid';
import type { DagScope } from '../../../contract/gateway.ts';
import type { Block } from '../ipfs/block.ts';
import { pushLinks } from '../ipfs/dag.ts';
import type { BlockLocation } from '../ports.ts';
import { BlockNotFound, type BlockSource, isIdentity } from './blocks.ts';

export interface CarScope {
  scope: DagScope;
  /** Inclusive byte offsets into a UnixFS file (already resolved against its size, or not). */
  entityBytes?: { from: number; to: number | undefined };
  /** Repeat a block each time the walk meets it. */
  dups: boolean;
}

/** How much of a block's DAG a visit takes. */
type Mode = 'block' | 'all' | 'entity' | 'file' | 'hamt';

interface Visit {
  cid: CID;
  mode: Mode;
  /** For `file`: the inclusive byte range of this node's part of the file still wanted. */
  range?: [number, number];
}

/** Bytes the walk reads ahead of what it has written. */
const WINDOW_BYTES = 32 * 1024 * 1024;
/** The window is filled again when what is read ahead falls below this. */
const REFILL_BYTES = WINDOW_BYTES / 2;
/** Blocks of the walk's stack looked at for reading ahead. */
const LOOKAHEAD_BLOCKS = 256;
/** One ranged read covers at most this much of a CAR ... */
const SPAN_BYTES = 4 * 1024 * 1024;
/** ... and skips at most this much between two blocks it covers. */
const GAP_BYTES = 64 * 1024;
/** Ranged reads in flight at once. */
const CONCURRENT_READS = 4;
/** Places of upcoming blocks looked up ahead of the walk at once ... */
const LOOKUPS_AHEAD = 4;
/** ... one block in this many, past the first unknown one. */
const LOOKUP_STRIDE = 16;

/** The CAR stream: header with `roots`, the path's blocks, then the scope's. */
export async function* carStream(input: {
  roots: CID[];
  pathBlocks: Block[];
  terminal: CID;
  scope: CarScope;
  source: BlockSource;
}): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create(input.roots);
  let failure: { error: unknown } | undefined;
  // Set when the consumer stops early (the client went away): the walk ends at its next block.
  let abandoned = false;
  const producer = (async () => {
    try {
      const written = new Set<string>();
      for (const block of input.pathBlocks) {
        // Identity blocks are virtual: never written into a CAR.
        if (isIdentity(block.cid) || written.has(block.cid.toString())) continue;
        written.add(block.cid.toString());
        await writer.put(block);
      }
      for await (const block of walkBlocks(input.terminal, input.scope, input.source, written)) {
        if (abandoned) break;
        await writer.put(block);
      }
    } catch (error) {
      failure = { error };
    } finally {
      await writer.close();
    }
  })();
  // The writer's output takes one iterator only: the same one serves the rest after an early stop.
  const chunks = out[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    finished = true;
  } finally {
    if (!finished) {
      abandoned = true;
      // A put waits until its bytes are taken: take them, so the walk can see it must stop
      // and its read-ahead is released (nothing is left pending in a warm container).
      void (async () => {
        while (!(await chunks.next()).done);
      })().catch(() => {});
    }
  }
  await producer;
  if (failure) throw failure.error;
}

/**
 * The scope's blocks in depth-first order. `written` holds blocks already written (the path's);
 * without dups each block comes once.
 */
export async function* walkBlocks(
  root: CID,
  scope: CarScope,
  source: BlockSource,
  written: Set<string> = new Set(),
): AsyncGenerator<Block> {
  const modeOf: Record<DagScope, Mode> = { block: 'block', all: 'all', entity: 'entity' };
  const stack: Visit[] = [{ cid: root, mode: modeOf[scope.scope] }];
  const reader = new ReadAhead(source);
  try {
    while (stack.length > 0) {
      const visit = stack.pop() as Visit;
      const key = visit.cid.toString();
      const repeat = written.has(key);
      if (repeat && !scope.dups) {
        reader.discard(visit.cid);
        continue;
      }
      const bytes = await reader.take(visit.cid, upcoming(stack));
      if (!isIdentity(visit.cid)) {
        written.add(key);
        yield { cid: visit.cid, bytes };
      }
      const children = childrenOf(visit, bytes, scope);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Visit);
    }
  } finally {
    reader.close();
  }
}

/** The next visits in walk order: the top of the stack downwards. */
function upcoming(stack: Visit[]): CID[] {
  const next: CID[] = [];
  for (let i = stack.length - 1; i >= 0 && next.length < LOOKAHEAD_BLOCKS; i--) {
    next.push((stack[i] as Visit).cid);
  }
  return next;
}

function childrenOf(visit: Visit, bytes: Uint8Array, scope: CarScope): Visit[] {
  switch (visit.mode) {
    case 'block':
      return [];
    case 'all': {
      const links: CID[] = [];
      pushLinks(visit.cid, bytes, links);
      return links.map((cid) => ({ cid, mode: 'all' }));
    }
    case 'entity':
    case 'file':
    case 'hamt':
      return entityChildren(visit, bytes, scope);
  }
}

/**
 * The entity below a node: all of a UnixFS file (or the part entity-bytes asks for), the shards
 * of a HAMT directory (not its entries), and only the block of anything else.
 */
function entityChildren(visit: Visit, bytes: Uint8Array, scope: CarScope): Visit[] {
  if (visit.cid.code !== dagPb.code) return [];
  const node = dagPb.decode(bytes);
  if (!node.Data) return [];
  const unixfs = UnixFS.unmarshal(node.Data);
  if (unixfs.type === 'hamt-sharded-directory') {
    // Entry links are named <prefix><name>; a link named by the prefix alone is a sub-shard.
    const prefixLength = (Number(unixfs.fanout ?? 256n) - 1).toString(16).length;
    return node.Links.filter((link) => (link.Name ?? '').length === prefixLength).map((link) => ({
      cid: link.Hash,
      mode: 'hamt',
    }));
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') return [];
  let range = visit.range;
  if (visit.mode === 'entity') {
    const size = Number(unixfs.fileSize());
    range = scope.entityBytes ? resolveEntityBytes(scope.entityBytes, size) : [0, size - 1];
  }
  if (!range) return [];
  const [from, to] = range;
  const children: Visit[] = [];
  let start = unixfs.data?.byteLength ?? 0;
  node.Links.forEach((link, i) => {
    const size = Number(unixfs.blockSizes[i] ?? 0n);
    const end = start + size - 1;
    if (from <= to && start <= to && end >= from) {
      children.push({
        cid: link.Hash,
        mode: 'file',
        range: [Math.max(from - start, 0), Math.min(to - start, size - 1)],
      });
    }
    start += size;
  });
  return children;
}

/** entity-bytes against a file's size: negative offsets count from the end, `*` is the end. */
export function resolveEntityBytes(
  bytes: { from: number; to: number | undefined },
  size: number,
): [number, number] {
  const from = bytes.from < 0 ? Math.max(size + bytes.from, 0) : bytes.from;
  const to = bytes.to === undefined ? size - 1 : bytes.to < 0 ? size + bytes.to : bytes.to;
  return [from, Math.min(to, size - 1)];
}

interface Pending {
  promise: Promise<Uint8Array>;
  length: number;
}

/**
 * Reads blocks a little ahead of the walk. `take` returns the block the walk needs now, after
 * asking for the ones it will probably need next (those whose place is already known), merging
 * runs that lie together in one CAR into one ranged read.
 */
class ReadAhead {
  readonly #source: BlockSource;
  readonly #pending = new Map<string, Pending>();
  #pendingBytes = 0;
  #reading = 0;
  readonly #queue: (() => void)[] = [];
  readonly #lookingUp = new Set<string>();
  /** What the walk will take next, as of its last take. */
  #upcoming: CID[] = [];
  #closed = false;

  constructor(source: BlockSource) {
    this.#source = source;
  }

  async take(cid: CID, next: CID[]): Promise<Uint8Array> {
    const key = cid.toString();
    this.#upcoming = next;
    if (!this.#pending.has(key) && !isIdentity(cid)) {
      const location = await this.#source.locate(cid, true);
      if (!location) throw new BlockNotFound(cid);
      this.#plan([{ cid, location }, ...this.#known(next)]);
    } else if (this.#pendingBytes < REFILL_BYTES) {
      // Topped up only once half the window is used, so reads span many blocks each.
      this.#plan(this.#known(next));
    }
    if (isIdentity(cid)) return cid.multihash.digest;
    const pending = this.#pending.get(key) as Pending;
    this.#release(key, pending);
    return pending.promise;
  }

  /** A block the walk skips: its read-ahead bytes are dropped. */
  discard(cid: CID): void {
    const key = cid.toString();
    const pending = this.#pending.get(key);
    if (pending) this.#release(key, pending);
  }

  close(): void {
    this.#closed = true;
    for (const start of this.#queue.splice(0)) start();
  }

  /** Looks a block's place up in the background (which loads its CAR's index), a few at once. */
  #lookUp(cid: CID) {
    const key = cid.toString();
    if (this.#closed || this.#lookingUp.has(key) || this.#lookingUp.size >= LOOKUPS_AHEAD) return;
    this.#lookingUp.add(key);
    // A failure shows again, and is answered, when the walk takes the block.
    this.#source.locate(cid, true).then(
      // Now known, with its CAR's neighbours: read them ahead before the walk gets there.
      () => {
        this.#lookingUp.delete(key);
        if (!this.#closed) this.#plan(this.#known(this.#upcoming));
      },
      () => this.#lookingUp.delete(key),
    );
  }

  #release(key: string, pending: Pending) {
    this.#pending.delete(key);
    this.#pendingBytes -= pending.length;
  }

  /** The upcoming blocks whose place is known without a lookup, until the window is full. */
  #known(next: CID[]): { cid: CID; location: BlockLocation }[] {
    const known: { cid: CID; location: BlockLocation }[] = [];
    let bytes = this.#pendingBytes;
    // Blocks seen since the last one looked up; -1 while every place so far is known.
    let sinceLookup = -1;
    for (const cid of next) {
      if (isIdentity(cid) || this.#pending.has(cid.toString())) continue;
      const location = this.#source.cachedLocation(cid);
      if (sinceLookup >= 0) sinceLookup++;
      if (!location) {
        // Where it lies is not known yet (its CAR's index is not loaded): find out now, so
        // the walk does not wait for the lookup when it gets there. Further on, a block every
        // stride is looked up too: likely in the CARs after that one.
        if (sinceLookup < 0 || sinceLookup >= LOOKUP_STRIDE) {
          this.#lookUp(cid);
          sinceLookup = 0;
        }
        continue;
      }
      // Reads stay in walk order: nothing past an unknown place is read yet.
      if (sinceLookup >= 0) continue;
      bytes += location.length;
      if (bytes > WINDOW_BYTES && known.length > 0) {
        // Past the window, only finish the run of the CAR being read (up to a span more), so a
        // refill does not split what one ranged read could cover.
        const last = (known[known.length - 1] as { location: BlockLocation }).location;
        const sameRun =
          location.carCid === last.carCid &&
          location.offset >= last.offset + last.length &&
          location.offset - (last.offset + last.length) <= GAP_BYTES;
        if (!sameRun || bytes > WINDOW_BYTES + SPAN_BYTES) break;
      }
      known.push({ cid, location });
    }
    return known;
  }

  /** Groups blocks into ranged reads of one CAR and starts them. */
  #plan(blocks: { cid: CID; location: BlockLocation }[]) {
    let group: { cid: CID; location: BlockLocation }[] = [];
    const flush = () => {
      if (group.length > 0) this.#read(group);
      group = [];
    };
    for (const block of blocks) {
      const key = block.cid.toString();
      if (this.#pending.has(key)) continue;
      const first = group[0]?.location;
      const last = group[group.length - 1]?.location;
      const fits =
        first !== undefined &&
        last !== undefined &&
        block.location.carCid === first.carCid &&
        block.location.offset >= last.offset + last.length &&
        block.location.offset - (last.offset + last.length) <= GAP_BYTES &&
        block.location.offset + block.location.length - first.offset <= SPAN_BYTES;
      if (!fits) flush();
      group.push(block);
      // Claimed now, so a later plan does not read it again.
      this.#pending.set(key, { promise: Promise.resolve(new Uint8Array()), length: 0 });
    }
    flush();
  }

  #read(group: { cid: CID; location: BlockLocation }[]) {
    const first = (group[0] as { location: BlockLocation }).location;
    const last = (group[group.length - 1] as { location: BlockLocation }).location;
    const span = { offset: first.offset, length: last.offset + last.length - first.offset };
    const waiters = group.map(() => Promise.withResolvers<Uint8Array>());
    group.forEach(({ cid, location }, i) => {
      const promise = (waiters[i] as PromiseWithResolvers<Uint8Array>).promise;
      // A block read ahead but never taken must not surface as an unhandled rejection.
      promise.catch(() => {});
      this.#pending.set(cid.toString(), { promise, length: location.length });
      this.#pendingBytes += location.length;
    });
    const run = async () => {
      this.#reading++;
      try {
        if (this.#closed) throw new Error('the walk ended');
        const buffer = Buffer.allocUnsafe(span.length);
        let filled = 0;
        let next = 0;
        const stream = await this.#source.streamCar(first.carCid, span, group[0]?.cid);
        for await (const chunk of stream) {
          if (this.#closed) break;
          buffer.set(chunk.subarray(0, span.length - filled), filled);
          filled += chunk.byteLength;
          // Hand each block over as soon as its bytes are in.
          while (next < group.length) {
            const { location } = group[next] as { location: BlockLocation };
            const end = location.offset + location.length - span.offset;
            if (filled < end) break;
            const start = location.offset - span.offset;
            (waiters[next] as PromiseWithResolvers<Uint8Array>).resolve(
              buffer.subarray(start, end),
            );
            next++;
          }
        }
        if (next < group.length) {
          throw new Error(`CAR ${first.carCid}: read ${filled} of ${span.length} bytes`);
        }
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      } finally {
        this.#reading--;
        this.#queue.shift()?.();
      }
    };
    if (this.#reading < CONCURRENT_READS) void run();
    else this.#queue.push(() => void run());
  }
}
