import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoLeaseStore } from '../../lambdas/adapters/dynamodb/leases.ts';
import { dynamoNftStore, MAX_PAGED_RECORD_CHARS } from '../../lambdas/adapters/dynamodb/nfts.ts';
import { dynamoCursorStore } from '../../lambdas/adapters/dynamodb/scraper-state.ts';
import type { TableContext } from '../../lambdas/adapters/dynamodb/table.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeCursorStore, FakeLeaseStore, FakeNftStore } from '../support/fakes.ts';
import {
  cursorStoreContract,
  leaseStoreContract,
  nftRecord,
  nftStoreContract,
} from './chain-state.contract.ts';

nftStoreContract('in-memory fake', () => new FakeNftStore());
cursorStoreContract('in-memory fake', () => new FakeCursorStore());
leaseStoreContract('in-memory fake', () => new FakeLeaseStore());

const env = useEmulatorEnv();
nftStoreContract('DynamoDB adapter', async () => dynamoNftStore(await createTable(env())));
cursorStoreContract('DynamoDB adapter', async () => dynamoCursorStore(await createTable(env())));
leaseStoreContract('DynamoDB adapter', async () => dynamoLeaseStore(await createTable(env())));

describe('DynamoDB token pages', () => {
  const itemsOf = async (table: TableContext) =>
    (await table.client.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];

  it('packs a run of 64 tokens into two items, whatever order they come in', async () => {
    const table = await createTable(env());
    const nfts = dynamoNftStore(table);
    const ids = Array.from({ length: 64 }, (_, i) => BigInt(63 - i));
    await nfts.putMany(ids.slice(0, 40).map((id) => nftRecord(id)));
    await nfts.putMany(ids.slice(40).map((id) => nftRecord(id)));
    const items = await itemsOf(table);
    expect(items.map((item) => item.sk).sort()).toEqual([
      `PAGE#${'0'.repeat(64)}`,
      `PAGE#${'0'.repeat(63)}1`,
    ]);
    expect((await nfts.listRange(1, nftRecord(0n).contract, 0n, 63n, 100)).length).toBe(64);
  });

  it('stores a record too large for its page alone and removes it once it fits again', async () => {
    const table = await createTable(env());
    const nfts = dynamoNftStore(table);
    const long = nftRecord(7n, { tokenURI: `data:,${'y'.repeat(MAX_PAGED_RECORD_CHARS)}` });
    await nfts.putMany([long]);
    expect((await itemsOf(table)).map((item) => String(item.sk).slice(0, 5)).sort()).toEqual([
      'PAGE#',
      'TOKEN',
    ]);
    await nfts.putMany([nftRecord(7n)]);
    expect((await itemsOf(table)).map((item) => String(item.sk).slice(0, 5))).toEqual(['PAGE#']);
    expect(await nfts.get({ chainId: 1, contract: long.contract, tokenId: 7n })).toEqual(
      nftRecord(7n),
    );
  });
});
