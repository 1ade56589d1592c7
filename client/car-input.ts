/**
 * CARs the caller already has, as DAG sources: a CAR file (a Blob: indexed in one pass with
 * @ipld/car's indexer, blocks read back by slice) or a CarReader (nft.storage's, @ipld/car's).
 */
import { CarIndexer } from '@ipld/car/indexer';
import type { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import type { CarLayout } from './car.ts';
import { BlockMapDag, streamOf } from './dag.ts';

/** What nft.storage's `storeCar` takes besides a Blob: anything with roots and blocks. */
export interface CarReaderLike {
  getRoots(): Promise<CID[]>;
  get(cid: CID): Promise<{ cid: CID; bytes: Uint8Array } | undefined>;
  blocks(): AsyncIterable<{ cid: CID; bytes: Uint8Array }>;
}

const sliceOf = async (blob: Blob, start: number, end: number) =>
  new Uint8Array(await blob.slice(start, end).arrayBuffer());

/**
 * A CAR file as a DAG source, and — for a CARv1 — its own layout, so a CAR small enough to
 * send whole goes byte for byte as it is.
 */
export async function carFileDag(blob: Blob): Promise<{ dag: BlockMapDag; layout?: CarLayout }> {
  const indexer = await CarIndexer.fromIterable(streamOf(blob));
  const [root] = await indexer.getRoots();
  if (!root) throw new Error('the CAR has no root');
  const offsets = new Map<string, { start: number; end: number }>();
  const dag = new BlockMapDag(root, async (cid) => {
    const at = offsets.get(cid.toString());
    if (!at) throw new Error(`no block ${cid} in the CAR`);
    return sliceOf(blob, at.start, at.end);
  });
  const sections: CarLayout['sections'] = [];
  let first: number | undefined;
  for await (const entry of indexer) {
    first ??= entry.offset;
    sections.push({ cid: entry.cid, start: entry.offset, size: entry.length });
    if (!offsets.has(entry.cid.toString())) {
      offsets.set(entry.cid.toString(), {
        start: entry.blockOffset,
        end: entry.blockOffset + entry.blockLength,
      });
    }
    // Interior nodes are read now (they are small): a walk needs their links.
    const bytes =
      entry.cid.code === raw.code
        ? undefined
        : await sliceOf(blob, entry.blockOffset, entry.blockOffset + entry.blockLength);
    dag.add(entry.cid, entry.blockLength, bytes);
  }
  if (indexer.version !== 1 || first === undefined) return { dag };
  const header = await sliceOf(blob, 0, first);
  return { dag, layout: { root, header, sections, size: blob.size } };
}

/** A CarReader as a DAG source: one pass over its blocks for their lengths. */
export async function readerDag(reader: CarReaderLike): Promise<BlockMapDag> {
  const [root] = await reader.getRoots();
  if (!root) throw new Error('the CAR has no root');
  const dag = new BlockMapDag(root, async (cid) => {
    const block = await reader.get(cid);
    if (!block) throw new Error(`no block ${cid} in the CAR`);
    return block.bytes;
  });
  for await (const { cid, bytes } of reader.blocks()) dag.add(cid, bytes.byteLength, bytes);
  return dag;
}
