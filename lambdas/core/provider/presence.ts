/**
 * "Is this block held here?", from the gateway's block index: every block of every indexed CAR
 * (roots and inner blocks), by multihash, so any CID version or codec naming the block finds it
 * — exactly the blocks the gateway can serve.
 */
import type { BlockIndexStore, BlockPresence } from '../ports.ts';

export function blockIndexPresence(index: Pick<BlockIndexStore, 'locate'>): BlockPresence {
  return { has: async (multihash) => (await index.locate(multihash)) !== undefined };
}
