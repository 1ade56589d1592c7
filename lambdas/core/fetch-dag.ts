/**
 * Pin by CID: fetching a DAG that is not stored here from trustless gateways (`?format=car`),
 * one gateway after another. The CAR streams in; every block is checked against its CID, its
 * links noted, and the blocks written to the carpark in CAR chunks of the DAG as they arrive —
 * never the whole DAG in memory. Once the stream ends the links say whether the DAG is
 * complete. Runs in the pin worker only, never in an API request.
 */
import { CarBlockIterator } from '@ipld/car/iterator';
import { CID } from 'multiformats/cid';
import { MAX_BLOCK_BYTES } from '../../contract/limits.ts';
import { FailureError, quote } from './failures.ts';
import { type Block, multihashKey } from './ipfs/block.ts';
import { carCid, encodeCar, verifyBlock } from './ipfs/car.ts';
import { type DagNode, nodeOf, walkNodes } from './ipfs/dag.ts';
import type { BlobStore, CarRecord, PinFailureKind, TrustlessGateway } from './ports.ts';
import { carparkKey } from './uploads.ts';

/**
 * Bytes of blocks per stored CAR chunk (a chunk closes past it, so it may hold one more block
 * of up to 2 MiB): few objects, little memory, and under the 11 MiB a local emulator takes in
 * one request.
 */
export const FETCH_CHUNK_BYTES = 8 * 1024 * 1024;
/** Chunks being written while the next one fills. */
const PUTS_IN_FLIGHT = 3;

export interface FetchPorts {
  gateway: TrustlessGateway;
  carpark: BlobStore;
  clock: { now(): Date };
}

export interface FetchLimits {
  maxBytes: number;
  /** Aborts the fetch at its deadline. */
  signal: AbortSignal;
}

export interface FetchedDag {
  /** The CAR chunks stored in the carpark, each holding some of the DAG's blocks. */
  cars: CarRecord[];
  /** Sum of the distinct blocks' lengths. */
  size: number;
  source: string;
}

export interface FetchFailure {
  kind: Extract<PinFailureKind, 'unretrievable' | 'too-big' | 'invalid'>;
  message: string;
}

type Attempt = { ok: true; value: FetchedDag } | { ok: false; error: AttemptFailure };
/** How one gateway failed: `incomplete`, `missing` and `deadline` leave the DAG unretrievable. */
type AttemptFailure = {
  kind: 'missing' | 'incomplete' | 'too-big' | 'invalid' | 'deadline';
  message: string;
};

/**
 * Fetches and stores the DAG of `root` from the first source that serves it whole and valid.
 * A source that serves a block not matching its CID, a block over 2 MiB or an undecodable one
 * is passed over like one that has nothing; when every source fails, the most telling reason
 * is the pin's: an invalid block, then a DAG over the size cap, then "not retrievable".
 */
export async function fetchDag(
  root: string,
  sources: readonly string[],
  ports: FetchPorts,
  limits: FetchLimits,
): Promise<{ ok: true; value: FetchedDag } | { ok: false; error: FetchFailure }> {
  const failures: (AttemptFailure & { source: string })[] = [];
  for (const source of sources) {
    if (limits.signal.aborted) break;
    const attempt = await fetchFrom(source, CID.parse(root), ports, limits);
    if (attempt.ok) return attempt;
    failures.push({ ...attempt.error, source });
    if (attempt.error.kind === 'deadline') break;
  }
  const pick = (kind: AttemptFailure['kind']) => failures.find((f) => f.kind === kind);
  const invalid = pick('invalid');
  if (invalid) return fail('invalid', `${invalid.source}: ${invalid.message}`);
  const tooBig = pick('too-big');
  if (tooBig) return fail('too-big', `${tooBig.source}: ${tooBig.message}`);
  if (sources.length === 0) {
    return fail('unretrievable', 'no gateway to fetch it from (IPFS_GATEWAYS is empty)');
  }
  const tried = failures.map((f) => `${f.source}: ${f.message}`).join('; ');
  return fail('unretrievable', `not retrievable: ${tried || 'the deadline passed'}`);
}

const fail = (kind: FetchFailure['kind'], message: string) =>
  ({ ok: false, error: { kind, message } }) as const;

async function fetchFrom(
  source: string,
  root: CID,
  ports: FetchPorts,
  limits: FetchLimits,
): Promise<Attempt> {
  const deadline = () =>
    ({
      ok: false,
      error: { kind: 'deadline', message: 'the fetch deadline passed' },
    }) as const;
  let response: Awaited<ReturnType<TrustlessGateway['fetchCar']>>;
  try {
    response = await ports.gateway.fetchCar(source, root.toString(), limits.signal);
  } catch (error) {
    if (limits.signal.aborted) return deadline();
    throw error;
  }
  if (!response.ok)
    return { ok: false, error: { kind: 'missing', message: response.error.message } };

  const writer = new ChunkWriter(root, ports);
  try {
    const result = await readBlocks(response.value, root, limits.maxBytes, writer);
    if (!result.ok) {
      await writer.abandon();
      return result;
    }
    const cars = await writer.finish();
    const report = await walkNodes(root, (_cid, key) => result.value.get(key));
    if (report.structure !== 'complete') {
      return {
        ok: false,
        error: {
          kind: 'incomplete',
          message: `the CAR lacks ${report.missing.length} block(s) of the DAG, e.g. ${quote(String(report.missing[0]))}`,
        },
      };
    }
    return { ok: true, value: { cars, size: report.size ?? 0, source } };
  } catch (error) {
    await writer.abandon();
    if (limits.signal.aborted) return deadline();
    // A stream cut off, a CAR that does not parse: this gateway failed, the next may not.
    if (isStorageFailure(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: { kind: 'missing', message: `the CAR broke off: ${quote(message, 160)}` },
    };
  }
}

/** Carpark failures are the worker's own, not the gateway's: they propagate. */
const isStorageFailure = (error: unknown) => error instanceof FailureError;

/** Reads, checks and hands every distinct block on; the DAG's link summaries come back. */
async function readBlocks(
  stream: AsyncIterable<Uint8Array>,
  root: CID,
  maxBytes: number,
  writer: ChunkWriter,
): Promise<{ ok: true; value: Map<string, DagNode> } | { ok: false; error: AttemptFailure }> {
  const invalid = (message: string) =>
    ({ ok: false, error: { kind: 'invalid', message } }) as const;
  const reader = await CarBlockIterator.fromIterable(stream);
  const roots = await reader.getRoots();
  if (!roots.some((r) => multihashKey(r) === multihashKey(root))) {
    return invalid(`the CAR's root is ${quote(String(roots[0]))}, not the requested CID`);
  }
  const nodes = new Map<string, DagNode>();
  let total = 0;
  for await (const block of reader) {
    const key = multihashKey(block.cid);
    if (nodes.has(key)) continue;
    const length = block.bytes.byteLength;
    if (length > MAX_BLOCK_BYTES) {
      return invalid(
        `block ${quote(String(block.cid))} is ${length} bytes, over ${MAX_BLOCK_BYTES}`,
      );
    }
    total += length;
    if (total > maxBytes) {
      return {
        ok: false,
        error: {
          kind: 'too-big',
          message: `the DAG is over ${maxBytes} bytes (PIN_FETCH_MAX_BYTES)`,
        },
      };
    }
    let mismatch = verifyBlock(block);
    if (mismatch instanceof Promise) mismatch = await mismatch;
    if (mismatch) return invalid(mismatch.message);
    const node = nodeOf(block.cid, block.bytes);
    if (node.links === undefined) {
      return invalid(
        `block ${quote(String(block.cid))} cannot be decoded (codec 0x${block.cid.code.toString(16)})`,
      );
    }
    nodes.set(key, node);
    await writer.add(block);
  }
  return { ok: true, value: nodes };
}

/**
 * Groups blocks into CAR chunks of the DAG (each naming its root) and writes them to the
 * carpark under their own CIDs, a few at a time while the stream goes on.
 */
class ChunkWriter {
  readonly #root: CID;
  readonly #ports: FetchPorts;
  #blocks: Block[] = [];
  #bytes = 0;
  readonly #stored: CarRecord[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;

  constructor(root: CID, ports: FetchPorts) {
    this.#root = root;
    this.#ports = ports;
  }

  async add(block: Block): Promise<void> {
    this.#blocks.push(block);
    this.#bytes += block.bytes.byteLength;
    if (this.#bytes >= FETCH_CHUNK_BYTES) await this.#flush();
  }

  async finish(): Promise<CarRecord[]> {
    if (this.#blocks.length > 0) await this.#flush();
    await Promise.all(this.#inFlight);
    if (this.#failure) throw this.#failure;
    return this.#stored;
  }

  /** Waits for writes under way; what they stored is an orphan until a later fetch reuses it. */
  async abandon(): Promise<void> {
    this.#blocks = [];
    await Promise.allSettled(this.#inFlight);
  }

  async #flush(): Promise<void> {
    const blocks = this.#blocks;
    this.#blocks = [];
    this.#bytes = 0;
    while (this.#inFlight.size >= PUTS_IN_FLIGHT) await Promise.race(this.#inFlight);
    if (this.#failure) throw this.#failure;
    const write = this.#write(blocks).then(
      () => void this.#inFlight.delete(write),
      (error: unknown) => {
        this.#failure ??= error;
        this.#inFlight.delete(write);
      },
    );
    this.#inFlight.add(write);
  }

  async #write(blocks: Block[]): Promise<void> {
    const bytes = await encodeCar(this.#root, blocks);
    const cid = await carCid(bytes);
    const key = carparkKey(cid.toString());
    await this.#ports.carpark.put(key, bytes, cid.multihash.digest);
    this.#stored.push({
      carCid: cid.toString(),
      key,
      size: bytes.byteLength,
      roots: [this.#root.toString()],
      created: this.#ports.clock.now().toISOString(),
    });
  }
}
