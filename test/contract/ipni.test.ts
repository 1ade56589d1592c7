import { randomBytes } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import { dynamoAdChainStore, dynamoAnnounceLog } from '../../lambdas/adapters/dynamodb/ipni.ts';
import { s3BlobStore } from '../../lambdas/adapters/s3/blob-store.ts';
import { s3CarBlockSource } from '../../lambdas/adapters/s3/car-blocks.ts';
import { encodeCar } from '../../lambdas/core/ipfs/car.ts';
import { carparkKey } from '../../lambdas/core/uploads.ts';
import { createBucket, createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeAdChainStore, FakeAnnounceLog } from '../support/fakes.ts';
import { adChainStoreContract, announceLogContract } from './ipni.contract.ts';

adChainStoreContract('in-memory fake', () => new FakeAdChainStore());
announceLogContract('in-memory fake', () => new FakeAnnounceLog());

const env = useEmulatorEnv();
adChainStoreContract('DynamoDB adapter', async () => dynamoAdChainStore(await createTable(env())));
announceLogContract('DynamoDB adapter', async () => dynamoAnnounceLog(await createTable(env())));

describe('CAR blocks from the carpark (S3)', () => {
  async function carpark() {
    const bucket = await createBucket(env());
    const context = { client: env().clients.s3, bucket };
    return { blobs: s3BlobStore(context), cars: s3CarBlockSource(context) };
  }

  const block = (size: number) => {
    const bytes = randomBytes(size);
    return { cid: CID.createV1(0x55, Digest.create(0x12, randomBytes(32))), bytes };
  };

  it('reads the roots from the first bytes and every multihash, in CAR order', async () => {
    const { blobs, cars } = await carpark();
    const blocks = [block(10), block(300_000), block(1), block(70_000)];
    const root = blocks[0]?.cid as CID;
    await blobs.put(carparkKey('bagcar'), await encodeCar(root, blocks));
    expect(await cars.roots('bagcar')).toEqual([root.toString()]);
    const multihashes = await cars.multihashes('bagcar');
    const read: string[] = [];
    for await (const multihash of multihashes ?? [])
      read.push(Buffer.from(multihash).toString('hex'));
    expect(read).toEqual(blocks.map((b) => Buffer.from(b.cid.multihash.bytes).toString('hex')));
  });

  it('says a CAR the carpark does not have is gone', async () => {
    const { cars } = await carpark();
    expect(await cars.roots('bagnothere')).toBeUndefined();
    expect(await cars.multihashes('bagnothere')).toBeUndefined();
  });

  it('reports an unreadable CAR as a failure, not as gone', async () => {
    const { blobs, cars } = await carpark();
    await blobs.put(carparkKey('bagbroken'), new Uint8Array([1, 2, 3]));
    await expect(cars.roots('bagbroken')).rejects.toThrow();
  });
});
