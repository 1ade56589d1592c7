/**
 * Indexing a stored CAR: every block's place is recorded exactly (its bytes are at that place in
 * the CAR), the CAR's own block index is written last so its presence means "fully indexed", a
 * redelivered event stops there, and a crash midway is repaired by the retry.
 */
import { describe, expect, it } from 'vitest';
import { blockIndexKey, indexStoredCar } from '../../../lambdas/core/block-index.ts';
import { multihashKey } from '../../../lambdas/core/ipfs/block.ts';
import { decodeBlockIndex, encodeBlockIndex } from '../../../lambdas/core/ipfs/block-index.ts';
import { carCid } from '../../../lambdas/core/ipfs/car.ts';
import { packDirectory } from '../../../lambdas/core/ipfs/unixfs.ts';
import type { IndexedBlock } from '../../../lambdas/core/ports.ts';
import { carparkKey } from '../../../lambdas/core/uploads.ts';
import { FakeBlobStore, FakeBlockIndexStore } from '../../support/fakes.ts';
import { craftCar, utf8 } from '../../support/ipfs-fixtures.ts';

async function storedCar(files: number) {
  const packed = await packDirectory(
    Array.from({ length: files }, (_, i) => ({ name: `f${i}.txt`, content: utf8(`file ${i}`) })),
  );
  if (!packed.ok) throw new Error(packed.error.message);
  const bytes = await craftCar([packed.value.root], packed.value.blocks);
  const cid = (await carCid(bytes)).toString();
  const carpark = new FakeBlobStore();
  await carpark.put(carparkKey(cid), bytes);
  return { ...packed.value, bytes, carCid: cid, carpark, key: carparkKey(cid) };
}

describe('indexStoredCar', () => {
  it("records every block's exact place in the CAR, then the CAR's own index", async () => {
    const car = await storedCar(20);
    const blocks = new FakeBlockIndexStore();
    const outcome = await indexStoredCar(car.key, { carpark: car.carpark, blocks });
    expect(outcome).toEqual({ outcome: 'indexed', carCid: car.carCid, blocks: car.blocks.length });
    for (const block of car.blocks) {
      const place = await blocks.locate(block.cid.multihash.bytes);
      expect(place?.carCid).toBe(car.carCid);
      const at = car.bytes.subarray(place?.offset, (place?.offset ?? 0) + (place?.length ?? 0));
      expect(Buffer.compare(at, block.bytes)).toBe(0);
    }
    const own = decodeBlockIndex((await car.carpark.get(blockIndexKey(car.carCid))) as Uint8Array);
    expect(own.size).toBe(car.blocks.length);
    for (const block of car.blocks) {
      expect(own.get(multihashKey(block.cid))).toEqual({
        offset: (await blocks.locate(block.cid.multihash.bytes))?.offset,
        length: block.bytes.byteLength,
      });
    }
  });

  it('stops at a redelivered event: the CAR is already indexed', async () => {
    const car = await storedCar(3);
    const blocks = new FakeBlockIndexStore();
    await indexStoredCar(car.key, { carpark: car.carpark, blocks });
    let writes = 0;
    const counting = {
      ...blocks,
      locate: blocks.locate.bind(blocks),
      forget: blocks.forget.bind(blocks),
      record: async () => {
        writes++;
      },
    };
    expect(await indexStoredCar(car.key, { carpark: car.carpark, blocks: counting })).toEqual({
      outcome: 'already-indexed',
      carCid: car.carCid,
    });
    expect(writes).toBe(0);
  });

  it('writes in rounds, and a crash midway leaves no CAR index, so the retry redoes it', async () => {
    // More blocks than one round of table writes.
    const car = await storedCar(1200);
    expect(car.blocks.length).toBeGreaterThan(1000);
    const blocks = new FakeBlockIndexStore();
    const rounds: number[] = [];
    const crashing = {
      locate: blocks.locate.bind(blocks),
      forget: blocks.forget.bind(blocks),
      record: async (cid: string, list: readonly IndexedBlock[]) => {
        rounds.push(list.length);
        if (rounds.length === 2) throw new Error('the function timed out');
        await blocks.record(cid, list);
      },
    };
    await expect(
      indexStoredCar(car.key, { carpark: car.carpark, blocks: crashing }),
    ).rejects.toThrow(/timed out/);
    expect(rounds[0]).toBe(500);
    expect(await car.carpark.has(blockIndexKey(car.carCid))).toBe(false);
    const retried = await indexStoredCar(car.key, { carpark: car.carpark, blocks });
    expect(retried).toMatchObject({ outcome: 'indexed', blocks: car.blocks.length });
    for (const block of car.blocks) {
      expect(await blocks.locate(block.cid.multihash.bytes)).toBeDefined();
    }
  });

  it.each([
    ['not a carpark CAR key', 'uploads/x.car'],
    ['not a carpark CAR key', 'bagbaieraabc/bagbaieraxyz.car'],
    ['not a carpark CAR key', 'bagbaieraabc/bagbaieraabc.blocks.cbor'],
    ['the CAR is not in the carpark', 'bagbaieraabc/bagbaieraabc.car'],
  ])('skips what no retry could index: %s (%s)', async (why, key) => {
    const outcome = await indexStoredCar(key, {
      carpark: new FakeBlobStore(),
      blocks: new FakeBlockIndexStore(),
    });
    expect(outcome).toEqual({ outcome: 'skipped', key, why });
  });

  it('fails, to be retried, on a CAR it cannot read', async () => {
    const carpark = new FakeBlobStore();
    const key = 'bagbaieraabc/bagbaieraabc.car';
    await carpark.put(key, utf8('not a CAR at all'));
    await expect(
      indexStoredCar(key, { carpark, blocks: new FakeBlockIndexStore() }),
    ).rejects.toThrow();
    expect(await carpark.has(blockIndexKey('bagbaieraabc'))).toBe(false);
  });
});

describe('a CAR block index', () => {
  it('round-trips', () => {
    const entries = [
      { multihash: new Uint8Array([0x12, 0x20, 1, 2]), offset: 59, length: 100 },
      { multihash: new Uint8Array([0x12, 0x20, 3, 4]), offset: 200, length: 7 },
    ];
    const decoded = decodeBlockIndex(encodeBlockIndex(entries));
    expect([...decoded.values()]).toEqual([
      { offset: 59, length: 100 },
      { offset: 200, length: 7 },
    ]);
  });

  it('refuses bytes that are not one', async () => {
    const dagCbor = await import('@ipld/dag-cbor');
    expect(() => decodeBlockIndex(dagCbor.encode({ v: 2, blocks: [] }))).toThrow(
      /not a block index/,
    );
    expect(() => decodeBlockIndex(dagCbor.encode({ v: 1, blocks: [['x', 1, 2]] }))).toThrow(
      /malformed/,
    );
  });
});
