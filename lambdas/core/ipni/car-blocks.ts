/**
 * The blocks of a stored CAR as the IPNI publisher needs them: its roots from the CAR's first
 * bytes (its content's ContextID), and its multihashes from the block list the indexer stored
 * beside it — the same list the gateway serves from, so an advertised block is one the gateway
 * can find. The publisher is told of a CAR only once that list exists (the carpark's
 * `.blocks.cbor` notification), so a missing list means the CAR was removed since.
 */
import { CarCIDIterator } from '@ipld/car/iterator';
import { blockIndexKey } from '../block-index.ts';
import { decodeBlockIndexEntries } from '../ipfs/block-index.ts';
import type { BlobStore, CarBlockSource } from '../ports.ts';
import { carparkKey } from '../uploads.ts';

/** More than a carpark CAR's header ever takes (one root of at most 512 characters). */
const HEADER_BYTES = 4096;

export function indexedCarBlocks(carpark: Pick<BlobStore, 'get' | 'stream'>): CarBlockSource {
  return {
    async roots(carCid) {
      const head = await carpark.stream(carparkKey(carCid), { offset: 0, length: HEADER_BYTES });
      if (!head) return undefined;
      const reader = await CarCIDIterator.fromIterable(head);
      return (await reader.getRoots()).map((root) => root.toString());
    },
    async multihashes(carCid) {
      const index = await carpark.get(blockIndexKey(carCid));
      if (!index) return undefined;
      const entries = decodeBlockIndexEntries(index);
      return (async function* () {
        for (const entry of entries) yield entry.multihash;
      })();
    },
  };
}
