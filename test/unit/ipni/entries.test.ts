import { randomBytes } from 'node:crypto';
import * as dagJson from '@ipld/dag-json';
import type { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import type { EncodedBlock } from '../../../lambdas/core/ipni/advertisement.ts';
import {
  CHUNK_BUDGET_BYTES,
  ENTRIES_PER_CHUNK,
  ENTRY_LIMITS,
  MAX_CHUNKS_PER_CHAIN,
  writeEntryChains,
} from '../../../lambdas/core/ipni/entries.ts';

const sha256Multihash = () => Digest.create(0x12, randomBytes(32)).bytes;
const sha512Multihash = () => Digest.create(0x13, randomBytes(64)).bytes;

async function write(multihashes: Uint8Array[], limits = ENTRY_LIMITS) {
  const blocks = new Map<string, EncodedBlock>();
  const order: string[] = [];
  const chains = await writeEntryChains(
    multihashes,
    async (block) => {
      // Each chunk is written before anything links to it.
      const decoded = dagJson.decode(block.bytes) as { Next?: CID };
      if (decoded.Next) expect(blocks.has(decoded.Next.toString())).toBe(true);
      blocks.set(block.cid.toString(), block);
      order.push(block.cid.toString());
    },
    limits,
  );
  const read = (head: CID) => {
    const chunks: Uint8Array[][] = [];
    for (let at: CID | undefined = head; at; ) {
      const decoded = dagJson.decode((blocks.get(at.toString()) as EncodedBlock).bytes) as {
        Entries: Uint8Array[];
        Next?: CID;
      };
      chunks.push(decoded.Entries);
      at = decoded.Next;
    }
    return chunks;
  };
  return { chains, blocks, order, read };
}

describe('entry chunks', () => {
  it('stay within the spec: at most 16384 entries and a few MB per chunk, 400 chunks per chain', () => {
    expect(ENTRIES_PER_CHUNK).toBe(16_384);
    expect(MAX_CHUNKS_PER_CHAIN).toBe(400);
    // Even all-sha512 chunks encode far under 4 MB: base64 plus framing of each entry.
    const worstEntryBytes = Math.ceil((66 * 4) / 3) + '{"/":{"bytes":""}},'.length;
    expect(ENTRIES_PER_CHUNK * worstEntryBytes).toBeLessThan(4_000_000);
    expect((CHUNK_BUDGET_BYTES * 4) / 3 + 20 * ENTRIES_PER_CHUNK).toBeLessThan(4_000_000);
  });

  it('hold every multihash once, across chunks linked by Next', async () => {
    const input = Array.from({ length: 10 }, sha256Multihash);
    const { chains, read } = await write(input, { ...ENTRY_LIMITS, entriesPerChunk: 3 });
    expect(chains).toHaveLength(1);
    const chunks = read((chains[0] as { head: CID }).head);
    expect(chunks.map((c) => c.length)).toEqual([1, 3, 3, 3]);
    expect(chains[0]?.entries).toBe(10);
    const all = chunks.flat().map((m) => Buffer.from(m).toString('hex'));
    expect(all.sort()).toEqual(input.map((m) => Buffer.from(m).toString('hex')).sort());
  });

  it('close a chunk at its byte budget', async () => {
    const input = Array.from({ length: 6 }, sha512Multihash);
    const { chains, read } = await write(input, { ...ENTRY_LIMITS, chunkBudgetBytes: 200 });
    // 66 bytes each: three fit in 200.
    expect(read((chains[0] as { head: CID }).head).map((c) => c.length)).toEqual([3, 3]);
  });

  it('start a further chain (a further ad) past the chunk limit of one', async () => {
    const input = Array.from({ length: 7 }, sha256Multihash);
    const { chains } = await write(input, {
      ...ENTRY_LIMITS,
      entriesPerChunk: 1,
      chunksPerChain: 3,
    });
    expect(chains.map((c) => c.chunks)).toEqual([3, 3, 1]);
  });

  it('leave identity multihashes out, and give no chain for nothing', async () => {
    const identity = Digest.create(0x00, Uint8Array.of(1, 2)).bytes;
    expect((await write([identity])).chains).toEqual([]);
    expect((await write([])).chains).toEqual([]);
  });

  it('are the same objects when written again', async () => {
    const input = Array.from({ length: 5 }, sha256Multihash);
    const limits = { ...ENTRY_LIMITS, entriesPerChunk: 2 };
    const one = await write(input, limits);
    const two = await write(input, limits);
    expect(two.order).toEqual(one.order);
  });
});
