import { randomBytes } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { dynamoAdChainStore, dynamoAnnounceLog } from '../../lambdas/adapters/dynamodb/ipni.ts';
import { s3BlobStore } from '../../lambdas/adapters/s3/blob-store.ts';
import { blockIndexKey, indexStoredCar } from '../../lambdas/core/block-index.ts';
import { encodeCar } from '../../lambdas/core/ipfs/car.ts';
import { indexedCarBlocks } from '../../lambdas/core/ipni/car-blocks.ts';
import type { BlobStore } from '../../lambdas/core/ports.ts';
import { carparkKey } from '../../lambdas/core/uploads.ts';
import { createBucket, createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import {
  FakeAdChainStore,
  FakeAnnounceLog,
  FakeBlobStore,
  FakeBlockIndexStore,
} from '../support/fakes.ts';
import { adChainStoreContract, announceLogContract } from './ipni.contract.ts';

adChainStoreContract('in-memory fake', () => new FakeAdChainStore());
announceLogContract('in-memory fake', () => new FakeAnnounceLog());

const env = useEmulatorEnv();
adChainStoreContract('DynamoDB adapter', async () => dynamoAdChainStore(await createTable(env())));
announceLogContract('DynamoDB adapter', async () => dynamoAnnounceLog(await createTable(env())));

describe.each([
  ['in-memory fake', async () => new FakeBlobStore() as BlobStore],
  [
    'S3 adapter',
    async () => s3BlobStore({ client: env().clients.s3, bucket: await createBucket(env()) }),
  ],
])("CAR blocks from the carpark and the indexer's block lists (%s)", (_name, carpark) => {
  const block = (size: number) => {
    const bytes = randomBytes(size);
    return { cid: CID.createV1(0x55, Digest.create(0x12, randomBytes(32))), bytes };
  };

  async function storedCar(blobs: BlobStore, blocks: { cid: CID; bytes: Uint8Array }[]) {
    const root = blocks[0]?.cid as CID;
    const bytes = await encodeCar(root, blocks);
    const carCid = CID.createV1(0x0202, await sha256.digest(bytes)).toString();
    await blobs.put(carparkKey(carCid), bytes);
    return { root, carCid };
  }

  it('reads the roots from the first bytes and every multihash the indexer listed, in CAR order', async () => {
    const blobs = await carpark();
    const blocks = [block(10), block(300_000), block(1), block(70_000)];
    const { root, carCid } = await storedCar(blobs, blocks);
    const indexed = await indexStoredCar(carparkKey(carCid), {
      carpark: blobs,
      blocks: new FakeBlockIndexStore(),
    });
    expect(indexed.outcome).toBe('indexed');
    const cars = indexedCarBlocks(blobs);
    expect(await cars.roots(carCid)).toEqual([root.toString()]);
    const read: string[] = [];
    for await (const multihash of (await cars.multihashes(carCid)) ?? [])
      read.push(Buffer.from(multihash).toString('hex'));
    expect(read).toEqual(blocks.map((b) => Buffer.from(b.cid.multihash.bytes).toString('hex')));
  });

  it('says a CAR the carpark does not have (or has no block list of) is gone', async () => {
    const blobs = await carpark();
    const cars = indexedCarBlocks(blobs);
    expect(await cars.roots('bagnothere')).toBeUndefined();
    expect(await cars.multihashes('bagnothere')).toBeUndefined();
    const { carCid } = await storedCar(blobs, [block(5)]);
    expect(await cars.multihashes(carCid)).toBeUndefined();
  });

  it('reports an unreadable CAR or block list as a failure, not as gone', async () => {
    const blobs = await carpark();
    await blobs.put(carparkKey('bagbroken'), new Uint8Array([1, 2, 3]));
    await blobs.put(blockIndexKey('bagbroken'), new Uint8Array([1, 2, 3]));
    const cars = indexedCarBlocks(blobs);
    await expect(cars.roots('bagbroken')).rejects.toThrow();
    await expect(cars.multihashes('bagbroken')).rejects.toThrow();
  });
});
