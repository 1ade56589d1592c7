/**
 * A CAR's block index: where each of its blocks' bytes lie, by multihash, as one dag-cbor value
 * stored beside the CAR. The gateway reads it once per CAR when it streams many blocks of one
 * DAG, instead of one table lookup per block; the indexer writes it last, so its presence says
 * the CAR is fully indexed.
 */

import { CarIndexer } from '@ipld/car/indexer';
import * as dagCbor from '@ipld/dag-cbor';
import type { ByteRange, IndexedBlock } from '../ports.ts';

/** [multihash, offset of the block's bytes in the CAR, their length], in CAR order. */
type Entry = [Uint8Array, number, number];

export function encodeBlockIndex(blocks: readonly IndexedBlock[]): Uint8Array {
  const entries: Entry[] = blocks.map((b) => [b.multihash, b.offset, b.length]);
  return dagCbor.encode({ v: 1, blocks: entries });
}

/** The index's entries, in CAR order. */
export function decodeBlockIndexEntries(bytes: Uint8Array): IndexedBlock[] {
  const value = dagCbor.decode<{ v?: unknown; blocks?: unknown }>(bytes);
  if (value?.v !== 1 || !Array.isArray(value.blocks)) throw new Error('not a block index');
  return (value.blocks as unknown[]).map((entry) => {
    const [multihash, offset, length] = entry as Entry;
    if (
      !(multihash instanceof Uint8Array) ||
      typeof offset !== 'number' ||
      typeof length !== 'number'
    )
      throw new Error('malformed block index entry');
    return { multihash, offset, length };
  });
}

/** The index as a map from multihashKey (see block.ts) to the block's bytes in the CAR. */
export function decodeBlockIndex(bytes: Uint8Array): Map<string, ByteRange> {
  const index = new Map<string, ByteRange>();
  for (const { multihash, offset, length } of decodeBlockIndexEntries(bytes))
    index.set(latin1(multihash), { offset, length });
  return index;
}

/** The blocks of a CAR read as a stream, without holding more than a block at a time. */
export async function* indexCarStream(
  car: AsyncIterable<Uint8Array>,
): AsyncGenerator<IndexedBlock> {
  const indexer = await CarIndexer.fromIterable(car);
  for await (const block of indexer) {
    yield {
      multihash: block.cid.multihash.bytes,
      offset: block.blockOffset,
      length: block.blockLength,
    };
  }
}

const latin1 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
