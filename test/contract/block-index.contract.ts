/** Behaviour every BlockIndexStore must show (the in-memory fake and the DynamoDB table alike). */
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import type { BlockIndexStore, IndexedBlock } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const CAR_A = 'bagbaieraaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const CAR_B = 'bagbaierabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const multihash = async (text: string) =>
  (await sha256.digest(new TextEncoder().encode(text))).bytes;

async function blocks(count: number, seed: string): Promise<IndexedBlock[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      multihash: await multihash(`${seed}-${i}`),
      offset: 100 + i * 1000,
      length: 900 + i,
    })),
  );
}

export function blockIndexContract(name: string, makeStore: Make<BlockIndexStore>) {
  describe(`BlockIndexStore contract: ${name}`, () => {
    it('locates every recorded block, with its CAR, offset and length', async () => {
      const index = await makeStore();
      const recorded = await blocks(60, 'a');
      await index.record(CAR_A, recorded);
      for (const block of recorded) {
        expect(await index.locate(block.multihash)).toEqual({
          carCid: CAR_A,
          offset: block.offset,
          length: block.length,
        });
      }
    });

    it('knows nothing of a block no CAR holds', async () => {
      const index = await makeStore();
      await index.record(CAR_A, await blocks(2, 'b'));
      await expect(index.locate(await multihash('never'))).resolves.toBeUndefined();
    });

    it('is idempotent: recording a CAR again changes nothing', async () => {
      const index = await makeStore();
      const recorded = await blocks(30, 'c');
      await index.record(CAR_A, recorded);
      await index.record(CAR_A, recorded);
      expect(await index.locate((recorded[7] as IndexedBlock).multihash)).toEqual({
        carCid: CAR_A,
        offset: (recorded[7] as IndexedBlock).offset,
        length: (recorded[7] as IndexedBlock).length,
      });
    });

    it('locates a block several CARs hold in one of them', async () => {
      const index = await makeStore();
      const [shared] = await blocks(1, 'd');
      if (!shared) throw new Error('no block');
      await index.record(CAR_A, [shared]);
      await index.record(CAR_B, [{ ...shared, offset: 5 }]);
      const found = await index.locate(shared.multihash);
      expect([CAR_A, CAR_B]).toContain(found?.carCid);
      expect(found?.length).toBe(shared.length);
    });

    it("forgets a removed CAR's blocks, keeping the places other CARs give them", async () => {
      const index = await makeStore();
      const [shared, own] = await blocks(2, 'f');
      if (!shared || !own) throw new Error('no block');
      await index.record(CAR_A, [shared, own]);
      await index.record(CAR_B, [{ ...shared, offset: 5 }]);
      await index.forget(CAR_A, [shared.multihash, own.multihash]);
      expect(await index.locate(own.multihash)).toBeUndefined();
      expect(await index.locate(shared.multihash)).toEqual({
        carCid: CAR_B,
        offset: 5,
        length: shared.length,
      });
      await expect(index.forget(CAR_A, [own.multihash])).resolves.toBeUndefined();
    });

    it('records nothing for an empty list', async () => {
      const index = await makeStore();
      await expect(index.record(CAR_A, [])).resolves.toBeUndefined();
    });
  });
}
