import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoLeaseStore } from '../../lambdas/adapters/dynamodb/leases.ts';
import { dynamoNftStore, MAX_PAGED_RECORD_BYTES } from '../../lambdas/adapters/dynamodb/nfts.ts';
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
    const long = nftRecord(7n, { tokenURI: `data:,${'y'.repeat(MAX_PAGED_RECORD_BYTES)}` });
    await nfts.putMany([long]);
    expect((await itemsOf(table)).map((item) => String(item.sk).slice(0, 5)).sort()).toEqual([
      'PAGE#',
      'TOKEN',
    ]);
    // Replaced by another large record: one version stays, the one the page names.
    const longer = { ...long, tokenURI: `${long.tokenURI}z` };
    await nfts.putMany([longer]);
    expect(
      (await itemsOf(table)).filter((item) => String(item.sk).startsWith('TOKEN')),
    ).toHaveLength(1);
    expect(await nfts.get({ chainId: 1, contract: long.contract, tokenId: 7n })).toEqual(longer);
    await nfts.putMany([nftRecord(7n)]);
    expect((await itemsOf(table)).map((item) => String(item.sk).slice(0, 5))).toEqual(['PAGE#']);
    expect(await nfts.get({ chainId: 1, contract: long.contract, tokenId: 7n })).toEqual(
      nftRecord(7n),
    );
  });

  it('measures records in bytes: 32 tokens of multi-byte URIs each go alone, never one oversized page', async () => {
    const table = await createTable(env());
    const nfts = dynamoNftStore(table);
    // 7,000 CJK characters: a record under 8,192 characters, but over 21,000 bytes in UTF-8.
    const wide = (id: bigint) => nftRecord(id, { tokenURI: `data:,${'漢'.repeat(7000)}${id}` });
    const records = Array.from({ length: 32 }, (_, i) => wide(BigInt(i)));
    await nfts.putMany(records);
    const items = await itemsOf(table);
    expect(items.filter((item) => String(item.sk).startsWith('TOKEN'))).toHaveLength(32);
    expect(await nfts.listRange(1, records[0]?.contract as string, 0n, 31n, 100)).toEqual(records);
  });
});
