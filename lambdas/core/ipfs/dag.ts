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
  /** Linked blocks that `getBlock` did not have, each listed once. */
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
export function walkDag(root: CID, getBlock: GetBlock): WalkReport {
  let declaredSize: number | undefined;
  const report = walkNodes(root, (cid, key) => {
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
function declaredDagSize(rootLength: number, node: dagPb.PBNode): number | undefined {
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
 * The walk itself, over whatever supplies nodes: blocks at hand, or link summaries kept
 * instead of the blocks. Each block is visited once per codec and counted once.
 */
export function walkNodes(
  root: CID,
  getNode: (cid: CID, key: string) => DagNode | undefined,
): DagReport {
  // multihash → codec of the first visit. One multihash under two codecs is rare, so the
  // extra (codec, multihash) pairs live in a separate set instead of keying everything twice.
  const visited = new Map<string, number>();
  let visitedAsOtherCodec: Set<string> | undefined;
  const missing: CID[] = [];
  const stack: CID[] = [root];
  let undecodable: CID | undefined;
  let size = 0;

  for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
    const hashKey = multihashKey(cid);
    const firstCodec = visited.get(hashKey);
    if (firstCodec === undefined) {
      visited.set(hashKey, cid.code);
    } else if (firstCodec === cid.code) {
      continue;
    } else {
      visitedAsOtherCodec ??= new Set();
      const pair = `${cid.code}:${hashKey}`;
      if (visitedAsOtherCodec.has(pair)) continue;
      visitedAsOtherCodec.add(pair);
    }

    let node: DagNode | undefined;
    if (cid.multihash.code === identity.code) {
      // Identity CIDs carry their bytes inline and are never missing (nor counted).
      node = { ...nodeOf(cid, cid.multihash.digest), size: 0 };
    } else {
      node = getNode(cid, hashKey);
      if (node === undefined) {
        missing.push(cid);
        continue;
      }
      if (firstCodec === undefined) size += node.size;
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
  if (missing.length > 0) return { structure: 'partial', missing };
  return { structure: 'complete', missing, size };
}
