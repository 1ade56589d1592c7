/**
 * The entries of advertisements: multihashes packed into dag-json entry chunks linked by
 * `Next`, written as they stream by, so a CAR of any size passes through bounded memory.
 *
 * Chunks stay far under the spec's 4 MB (at most ENTRIES_PER_CHUNK multihashes and
 * CHUNK_BUDGET_BYTES of them), and a chain stops at the spec's 400 chunks: more entries than
 * that go to a further chain, i.e. a further ad under the same ContextID. The order of entries
 * in an ad means nothing to an indexer, so each chunk links to the one written before it and
 * the ad points at the last one written; no chunk has to wait for a later one's CID.
 */
import type { CID } from 'multiformats/cid';
import { type EncodedBlock, encodeEntryChunk } from './advertisement.ts';

/** index-provider's default chunk size. */
export const ENTRIES_PER_CHUNK = 16_384;
/** Multihash bytes per chunk (base64 in dag-json adds a third, plus framing). */
export const CHUNK_BUDGET_BYTES = 2 * 1024 * 1024;
export const MAX_CHUNKS_PER_CHAIN = 400;

/** Multicodec of the identity hash: such a "block" is its CID; nobody needs a provider for it. */
const IDENTITY = 0x00;

export interface EntryLimits {
  entriesPerChunk: number;
  chunkBudgetBytes: number;
  chunksPerChain: number;
}

export const ENTRY_LIMITS: EntryLimits = {
  entriesPerChunk: ENTRIES_PER_CHUNK,
  chunkBudgetBytes: CHUNK_BUDGET_BYTES,
  chunksPerChain: MAX_CHUNKS_PER_CHAIN,
};

export interface EntryChain {
  /** The chunk the ad's `Entries` links to. */
  head: CID;
  chunks: number;
  entries: number;
}

/**
 * Writes the multihashes as entry chains through `put` (each chunk before any chunk that links
 * to it) and returns the chains' heads: none when there is nothing to advertise. The same input
 * always gives the same chunks (they are content-addressed), so a rerun rewrites the same objects.
 */
export async function writeEntryChains(
  multihashes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  put: (block: EncodedBlock) => Promise<void>,
  limits: EntryLimits = ENTRY_LIMITS,
): Promise<EntryChain[]> {
  const chains: EntryChain[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let chain: EntryChain | undefined;

  const flush = async () => {
    if (pending.length === 0) return;
    const block = await encodeEntryChunk({
      Entries: pending,
      ...(chain ? { Next: chain.head } : {}),
    });
    await put(block);
    chain = {
      head: block.cid,
      chunks: (chain?.chunks ?? 0) + 1,
      entries: (chain?.entries ?? 0) + pending.length,
    };
    pending = [];
    pendingBytes = 0;
    if (chain.chunks === limits.chunksPerChain) {
      chains.push(chain);
      chain = undefined;
    }
  };

  for await (const multihash of multihashes) {
    if (multihash[0] === IDENTITY) continue;
    if (
      pending.length === limits.entriesPerChunk ||
      pendingBytes + multihash.length > limits.chunkBudgetBytes
    ) {
      await flush();
    }
    pending.push(multihash);
    pendingBytes += multihash.length;
  }
  await flush();
  if (chain) chains.push(chain);
  return chains;
}
