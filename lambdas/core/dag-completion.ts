/**
 * Completeness of a DAG uploaded in several CAR chunks: the union of the blocks of every CAR
 * stored for the content is walked from the root. Runs in the ingest consumer (never in an API
 * request), and is idempotent: re-running it on the same CARs reaches the same answer.
 */
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { type DagNode, decodeLinkIndex, multihashKey, nodeOf, walkNodes } from './ipfs/index.ts';
import type { BlobStore, CarRecord, Clock, ContentStore, StatsStore } from './ports.ts';
import { settle } from './stats.ts';
import { linkIndexKey } from './uploads.ts';

export interface CompletionPorts {
  contents: ContentStore;
  carpark: BlobStore;
  stats: StatsStore;
  clock: Clock;
}

export interface CompletionSettings {
  /** A DAG still incomplete this long after its last chunk arrived is marked failed. */
  PARTIAL_DAG_DEADLINE_HOURS: number;
}

export type CompletionOutcome =
  | 'unknown-content'
  | 'already-pinned'
  | 'completed'
  | 'still-partial'
  | 'failed';

export async function completeDag(
  cid: string,
  ports: CompletionPorts,
  settings: CompletionSettings,
): Promise<CompletionOutcome> {
  const content = await ports.contents.get(cid);
  if (!content) return 'unknown-content';
  if (content.pinStatus === 'pinned') return 'already-pinned';

  // Link summaries only, never every chunk's bytes: memory grows with blocks, not bytes.
  // A summary holds the links read under the codec its CAR listed the block with, so each
  // multihash keeps one summary per codec.
  const nodes = new Map<string, Map<number, DagNode>>();
  for (const car of await ports.contents.listCars(cid)) {
    for (const [cid, node] of await carNodes(car, ports.carpark)) {
      const key = multihashKey(cid);
      const byCodec = nodes.get(key) ?? new Map<number, DagNode>();
      byCodec.set(cid.code, node);
      nodes.set(key, byCodec);
    }
  }
  const report = await walkNodes(CID.parse(content.cid), (link, key) =>
    nodeAs(link, nodes.get(key)),
  );
  const now = ports.clock.now();
  if (report.structure === 'complete') {
    await ports.contents.markComplete(cid, report.size, now.toISOString());
    await settle({ kind: 'content', cid }, ports);
    return 'completed';
  }
  // Measured from the last chunk received, so a slow but steady client is not cut off.
  const idleHours = (now.getTime() - Date.parse(content.updated)) / 3_600_000;
  if (idleHours >= settings.PARTIAL_DAG_DEADLINE_HOURS) {
    await ports.contents.markFailed(cid, now.toISOString());
    await settle({ kind: 'content', cid }, ports);
    return 'failed';
  }
  return 'still-partial';
}

/**
 * A block's node as the link reads it. Listed under another codec, its summary's links say
 * nothing of the links the link's codec would read: as raw it has none, under any other codec
 * the block counts as missing until a CAR lists it as linked (never as present, which would
 * let a mislabelled block hide the blocks below it).
 */
function nodeAs(link: CID, byCodec: Map<number, DagNode> | undefined): DagNode | undefined {
  if (!byCodec) return undefined;
  const listed = byCodec.get(link.code);
  if (listed) return listed;
  const other = byCodec.values().next().value;
  return other && link.code === raw.code ? { size: other.size, links: [] } : undefined;
}

/** A stored CAR's nodes: from its link index, or (without one) from the CAR itself. */
async function carNodes(car: CarRecord, carpark: BlobStore): Promise<[CID, DagNode][]> {
  const index = await carpark.get(linkIndexKey(car.carCid));
  if (index) return decodeLinkIndex(index);
  const bytes = await carpark.get(car.key);
  // The record is written only after the bytes, so a missing object is a storage fault.
  if (!bytes) throw new Error(`CAR ${car.carCid} is recorded but missing from the carpark`);
  // Blocks were verified against their CIDs when the CAR was accepted.
  return CarBufferReader.fromBytes(bytes)
    .blocks()
    .map((block): [CID, DagNode] => [block.cid, nodeOf(block.cid, block.bytes)]);
}
