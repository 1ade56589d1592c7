import { describe, expect, it } from 'vitest';
import { dynamoContentStore } from '../../lambdas/adapters/dynamodb/content.ts';
import { dynamoContentCheckReader } from '../../lambdas/adapters/dynamodb/content-reader.ts';
import { dynamoDealStore } from '../../lambdas/adapters/dynamodb/deals.ts';
import type { DealRecord } from '../../lambdas/core/ports.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeContentStore } from '../support/fakes.ts';
import { contentStoreContract } from './content.contract.ts';

contentStoreContract('in-memory fake', () => new FakeContentStore());

const env = useEmulatorEnv();
contentStoreContract('DynamoDB adapter', async () => dynamoContentStore(await createTable(env())));

describe('the DynamoDB content check reader', () => {
  const T0 = '2024-01-01T00:00:00.000Z';
  const deal = (dealId: string): DealRecord => ({
    cid: 'bafycontent',
    dealId,
    status: 'active',
    pieceCid: 'baga6ea4seaqpiece',
    provider: 'f01234',
    network: 'mainnet',
    created: T0,
    updated: T0,
  });

  it('reads the record and the deals of a content in one query, and nothing else of it', async () => {
    const table = await createTable(env());
    const contents = dynamoContentStore(table);
    const deals = dynamoDealStore(table);
    const checks = dynamoContentCheckReader(table);
    expect(await checks.read('bafycontent')).toEqual({ content: undefined, deals: [] });

    await contents.recordCar(
      'bafycontent',
      { carCid: 'bagcar', key: 'bagcar/bagcar.car', size: 1, roots: [], created: T0 },
      'alice#bafycontent',
    );
    await contents.recordStored({ cid: 'bafycontent', structure: 'complete', now: T0, size: 9 });
    await deals.put(deal('1'));
    await deals.put(deal('22'));
    await contents.recordStored({ cid: 'bafyother', structure: 'complete', now: T0, size: 1 });

    const read = await checks.read('bafycontent');
    expect(read.content).toEqual(await contents.get('bafycontent'));
    expect(read.deals).toEqual(await deals.list('bafycontent'));
    expect(read.deals.map((d) => d.dealId).sort()).toEqual(['1', '22']);
  });
});
