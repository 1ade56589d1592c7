/**
 * A CAR's link index: every block's CID, length and links, as one dag-cbor value. It is all a
 * completeness walk over the union of several CAR chunks needs, so the walk reads these small
 * summaries instead of holding every chunk's bytes in memory.
 *
 * Written as four byte strings — every block's CID bytes one after another, their lengths and
 * link counts as big-endian 32-bit numbers, and every link's CID bytes — so a CAR of 100,000
 * blocks encodes without 100,000 CID objects (or encoder tokens) at once. Indexes written as a
 * list of `[cid, length, links]` entries (the first format) still decode.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { ByteLog } from './block-log.ts';
import type { DagNode } from './dag.ts';

const VERSION = 2;

interface Columns {
  version: typeof VERSION;
  cids: Uint8Array;
  /** Uint32 per block. */
  sizes: Uint8Array;
  links: Uint8Array;
  /** Int32 per block: its link count; -1 for a block whose links cannot be read. */
  counts: Uint8Array;
}

/** The first format: [cid, length, links] per block; `null` links for an undecodable block. */
type Entry = [CID, number, CID[] | null];

/** `count`, when known, sizes the buffers up front (a CID is 36 bytes for sha2-256). */
export async function encodeLinkIndex(
  entries: AsyncIterable<[CID, DagNode]> | Iterable<[CID, DagNode]>,
  count = 100,
): Promise<Uint8Array> {
  const cids = new ByteLog(count * 36);
  const links = new ByteLog();
  const sizes = new ByteLog(count * 4);
  const counts = new ByteLog(count * 4);
  const number = new Uint8Array(4);
  const view = new DataView(number.buffer);
  for await (const [cid, node] of entries) {
    cids.append(cid.bytes);
    view.setUint32(0, node.size);
    sizes.append(number);
    view.setInt32(0, node.links?.length ?? -1);
    counts.append(number);
    for (const link of node.links ?? []) links.append(link.bytes);
  }
  const columns: Columns = {
    version: VERSION,
    cids: cids.view(),
    sizes: sizes.view(),
    links: links.view(),
    counts: counts.view(),
  };
  return dagCbor.encode(columns);
}

export function decodeLinkIndex(bytes: Uint8Array): [CID, DagNode][] {
  const value = dagCbor.decode<unknown>(bytes);
  if (Array.isArray(value)) return value.map(fromEntry);
  const columns = value as Partial<Columns> | null;
  const { cids, sizes, links, counts } = columns ?? {};
  if (
    columns?.version !== VERSION ||
    !(cids instanceof Uint8Array) ||
    !(links instanceof Uint8Array) ||
    !(sizes instanceof Uint8Array) ||
    !(counts instanceof Uint8Array) ||
    sizes.byteLength !== counts.byteLength ||
    sizes.byteLength % 4 !== 0
  ) {
    throw new Error('malformed link index');
  }
  const sizeOf = new DataView(sizes.buffer, sizes.byteOffset, sizes.byteLength);
  const countOf = new DataView(counts.buffer, counts.byteOffset, counts.byteLength);
  const nodes: [CID, DagNode][] = [];
  let cidRest = cids;
  let linkRest = links;
  for (let i = 0; i < sizes.byteLength / 4; i++) {
    const [cid, afterCid] = CID.decodeFirst(cidRest);
    cidRest = afterCid;
    const count = countOf.getInt32(4 * i);
    let blockLinks: CID[] | undefined;
    if (count >= 0) {
      blockLinks = [];
      for (let n = 0; n < count; n++) {
        const [link, afterLink] = CID.decodeFirst(linkRest);
        blockLinks.push(link);
        linkRest = afterLink;
      }
    }
    nodes.push([cid, { size: sizeOf.getUint32(4 * i), links: blockLinks }]);
  }
  return nodes;
}

function fromEntry(entry: unknown): [CID, DagNode] {
  const [cid, size, links] = entry as Entry;
  const asCid = CID.asCID(cid);
  if (!asCid || typeof size !== 'number') throw new Error('malformed link index entry');
  return [asCid, { size, links: links === null ? undefined : links }];
}
