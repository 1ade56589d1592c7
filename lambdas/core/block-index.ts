/**
 * Indexing a stored CAR: every block's place (CAR, offset, length) goes to the block index, then
 * the CAR's own block index is stored beside it. Runs from the carpark's ObjectCreated events,
 * after the CAR is stored — never on an API request. Idempotent: a redelivered event finds the
 * CAR's index and stops; one that crashed midway writes the same items again.
 */
import { encodeBlockIndex, indexCarStream } from './ipfs/block-index.ts';
import type { BlobStore, BlockIndexStore, IndexedBlock } from './ports.ts';

/** Where a CAR's block index lives, beside the CAR (not `.car`: the notification skips it). */
export const BLOCK_INDEX_SUFFIX = '.blocks.cbor';
export const blockIndexKey = (carCid: string) => `${carCid}/${carCid}${BLOCK_INDEX_SUFFIX}`;

/** A carpark CAR key: `<carCid>/<carCid>.car`. */
const CAR_KEY = /^(bag[a-z2-7]+)\/\1\.car$/;

export interface IndexPorts {
  carpark: BlobStore;
  blocks: BlockIndexStore;
}

export type IndexOutcome =
  | { outcome: 'indexed'; carCid: string; blocks: number }
  | { outcome: 'already-indexed'; carCid: string }
  /** Not a carpark CAR key, or the object is gone: nothing a retry could index. */
  | { outcome: 'skipped'; key: string; why: string };

/** Items written per round while the CAR streams by; bounds what is held in memory. */
const ROUND = 500;

export async function indexStoredCar(key: string, ports: IndexPorts): Promise<IndexOutcome> {
  const carCid = CAR_KEY.exec(key)?.[1];
  if (!carCid) return { outcome: 'skipped', key, why: 'not a carpark CAR key' };
  const indexKey = blockIndexKey(carCid);
  if (await ports.carpark.has(indexKey)) return { outcome: 'already-indexed', carCid };
  const car = await ports.carpark.stream(key);
  if (!car) return { outcome: 'skipped', key, why: 'the CAR is not in the carpark' };

  const all: IndexedBlock[] = [];
  let round: IndexedBlock[] = [];
  for await (const block of indexCarStream(car)) {
    all.push(block);
    round.push(block);
    if (round.length === ROUND) {
      await ports.blocks.record(carCid, round);
      round = [];
    }
  }
  if (round.length > 0) await ports.blocks.record(carCid, round);
  // Last: its presence means every item above is written.
  await ports.carpark.put(indexKey, encodeBlockIndex(all));
  return { outcome: 'indexed', carCid, blocks: all.length };
}
