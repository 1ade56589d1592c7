/**
 * Walking a DAG over whatever blocks are at hand: is it complete, which links are missing, and
 * how many bytes does it hold. Used per CAR and over the union of a chunked upload's CARs.
 */
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { identity } from 'multiformats/hashes/identity';
import { multihashKey } from './block.ts';

export type DagStructure = 'complete' | 'partial' | 'unknown';

export interface DagReport {
  /** `unknown` when a reachable block cannot be decoded (unknown codec or bad bytes). */
  structure: DagStructure;
  /**
   * Linked blocks that `getBlock` did not have, each listed once: the first
   * MAX_REPORTED_MISSING of them (a chunk of a huge DAG may miss millions).
   */
  missing: CID[];
  /** Sum of the lengths of the distinct reachable blocks; only when `complete`. */
  size?: number;
  /** The first reachable block whose links could not be read (bad bytes or an unknown codec). */
  undecodable?: CID;
}

/** The codecs whose links a walk can read. */
export const WALKABLE_CODECS: ReadonlyMap<number, string> = new Map([
  [raw.code, 'raw'],
  [dagPb.code, 'dag-pb'],
  [dagCbor.code, 'dag-cbor'],
]);

/** How many missing links a walk lists; it counts on past them only as `partial`. */
export const MAX_REPORTED_MISSING = 1000;

/** A block's bytes by CID; a walk passes the CID's multihashKey, which it has computed. */
export type GetBlock = (cid: CID, key?: string) => Uint8Array | undefined;

/**
 * Pushes the links of one block onto `out`. Returns false when the block cannot be decoded, so
 * its links are unknowable.
 */
export function pushLinks(
  cid: CID,
  bytes: Uint8Array,
  out: CID[],
  onPbNode?: (node: dagPb.PBNode) => void,
): boolean {
  switch (cid.code) {
    case raw.code:
      return true;
    case dagPb.code: {
      let node: dagPb.PBNode;
      try {
        node = dagPb.decode(bytes);
      } catch {
        return false;
      }
      onPbNode?.(node);
      for (const link of node.Links) out.push(link.Hash);
      return true;
    }
    case dagCbor.code: {
      let value: unknown;
      try {
        value = dagCbor.decode(bytes);
      } catch {
        return false;
      }
      pushCborLinks(value, out);
      return true;
    }
    default:
      return false;
  }
}

/** Collects every CID inside a decoded dag-cbor value, without recursion. */
function pushCborLinks(value: unknown, out: CID[]): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === null || typeof item !== 'object' || item instanceof Uint8Array) continue;
    const link = CID.asCID(item);
    if (link) out.push(link);
    else if (Array.isArray(item)) for (const child of item) pending.push(child);
    else for (const child of Object.values(item)) pending.push(child);
  }
}

export interface WalkReport extends DagReport {
  /**
   * What the root says about the whole DAG, known even when it is partial: a raw root's length,
   * or a dag-pb root's length plus its links' Tsize (trusted, as nft.storage did).
   */
  declaredSize?: number;
}

/** What a walk needs to know of one block: its length and its links. */
export interface DagNode {
  size: number;
  /** The block's links; undefined when the block cannot be decoded (links unknowable). */
  links: CID[] | undefined;
}

/** `dagStructure` plus the root's declared size, taken from the same decode of the root. */
export async function walkDag(root: CID, getBlock: GetBlock): Promise<WalkReport> {
  let declaredSize: number | undefined;
  const report = await walkNodes(root, (cid, key) => {
    const bytes = getBlock(cid, key);
    if (bytes === undefined) return undefined;
    let onRootNode: ((node: dagPb.PBNode) => void) | undefined;
    if (cid === root) {
      const rootLength = bytes.byteLength;
      if (cid.code === raw.code) declaredSize = rootLength;
      onRootNode = (node) => {
        declaredSize = declaredDagSize(rootLength, node);
      };
    }
    return nodeOf(cid, bytes, onRootNode);
  });
  return declaredSize === undefined ? report : { ...report, declaredSize };
}

/**
 * What a dag-pb root says its DAG weighs: its own length plus its links' Tsizes. The numbers
 * come from the uploader, so a Tsize that is not a safe whole number, or a sum past what a
 * JavaScript number holds exactly, makes the size unknown rather than wrong.
 */
export function declaredDagSize(rootLength: number, node: dagPb.PBNode): number | undefined {
  let total = rootLength;
  for (const link of node.Links) {
    const tsize = link.Tsize ?? 0;
    if (!Number.isSafeInteger(tsize) || tsize < 0) return undefined;
    total += tsize;
    if (!Number.isSafeInteger(total)) return undefined;
  }
  return total;
}

/** A block's length and links, decoded once (e.g. to keep only this in memory). */
export function nodeOf(
  cid: CID,
  bytes: Uint8Array,
  onPbNode?: (node: dagPb.PBNode) => void,
): DagNode {
  const links: CID[] = [];
  return {
    size: bytes.byteLength,
    links: pushLinks(cid, bytes, links, onPbNode) ? links : undefined,
  };
}

/**
 * A walk's source of nodes. It may answer a promise (e.g. a block read back from storage);
 * the walk awaits only those, so a synchronous source walks without a turn per node.
 */
export type GetNode = (cid: CID, key: string) => DagNode | undefined | Promise<DagNode | undefined>;

/**
 * Where a walk notes what it has visited: the first visit of a multihash (its size counts),
 * a visit of a multihash already seen under other codecs only (its links are read again, as
 * that codec decodes them), or a repeat (`false`: skipped).
 */
export interface VisitLog {
  visit(key: string, codec: number): 'first' | 'again' | false;
}

/** The default visit log: a map from multihash to the codec of its first visit. */
export function mapVisits(): VisitLog {
  const visited = new Map<string, number>();
  // One multihash under two codecs is rare, so the extra (codec, multihash) pairs live in a
  // separate set instead of keying everything twice.
  let visitedAsOtherCodec: Set<string> | undefined;
  return {
    visit(key, codec) {
      const firstCodec = visited.get(key);
      if (firstCodec === undefined) {
        visited.set(key, codec);
        return 'first';
      }
      if (firstCodec === codec) return false;
      visitedAsOtherCodec ??= new Set();
      const pair = `${codec}:${key}`;
      if (visitedAsOtherCodec.has(pair)) return false;
      visitedAsOtherCodec.add(pair);
      return 'again';
    },
  };
}

/**
 * The walk itself, over whatever supplies nodes: blocks at hand, or link summaries kept
 * instead of the blocks. Each block is visited once per codec and counted once.
 */
export async function walkNodes(
  root: CID,
  getNode: GetNode,
  visits: VisitLog = mapVisits(),
): Promise<DagReport> {
  const missing: CID[] = [];
  let anyMissing = false;
  const stack: CID[] = [root];
  let undecodable: CID | undefined;
  let size = 0;

  for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
    const hashKey = multihashKey(cid);
    const visit = visits.visit(hashKey, cid.code);
    if (visit === false) continue;

    let node: DagNode | undefined;
    if (cid.multihash.code === identity.code) {
      // Identity CIDs carry their bytes inline and are never missing (nor counted).
      node = { ...nodeOf(cid, cid.multihash.digest), size: 0 };
    } else {
      const found = getNode(cid, hashKey);
      node = found instanceof Promise ? await found : found;
      if (node === undefined) {
        anyMissing = true;
        if (missing.length < MAX_REPORTED_MISSING) missing.push(cid);
        continue;
      }
      if (visit === 'first') size += node.size;
    }
    if (node.links === undefined) {
      undecodable ??= cid;
      continue;
    }
    // Pop children left to right, so missing links come out in order.
    for (let i = node.links.length - 1; i >= 0; i--) stack.push(node.links[i] as CID);
  }

  // An undecodable block hides how much is missing below it, so it wins over `partial`.
  if (undecodable) return { structure: 'unknown', missing, undecodable };
  if (anyMissing) return { structure: 'partial', missing };
  return { structure: 'complete', missing, size };
}
