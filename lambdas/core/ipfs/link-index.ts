/**
 * A CAR's link index: every block's CID, length and links, as one dag-cbor value. It is all a
 * completeness walk over the union of several CAR chunks needs, so the walk reads these small
 * summaries instead of holding every chunk's bytes in memory.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import type { Block } from './block.ts';
import { type DagNode, nodeOf } from './dag.ts';

/** [cid, length, links] per block; `null` links for a block that cannot be decoded. */
type Entry = [CID, number, CID[] | null];

export function encodeLinkIndex(blocks: Iterable<Block>): Uint8Array {
  const entries: Entry[] = [];
  for (const block of blocks) {
    const node = nodeOf(block.cid, block.bytes);
    entries.push([block.cid, node.size, node.links ?? null]);
  }
  return dagCbor.encode(entries);
}

export function decodeLinkIndex(bytes: Uint8Array): [CID, DagNode][] {
  const entries = dagCbor.decode<unknown>(bytes);
  if (!Array.isArray(entries)) throw new Error('link index is not a list');
  return entries.map((entry: unknown) => {
    const [cid, size, links] = entry as Entry;
    const asCid = CID.asCID(cid);
    if (!asCid || typeof size !== 'number') throw new Error('malformed link index entry');
    return [asCid, { size, links: links === null ? undefined : links }];
  });
}
