import { dynamoUserStore } from '../../lambdas/adapters/dynamodb/identity.ts';
import { dynamoStatsStore } from '../../lambdas/adapters/dynamodb/stats.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { fakePorts } from '../support/fakes.ts';
import { statsStoreContract } from './stats.contract.ts';

statsStoreContract('in-memory fake', () => {
  const { stats, users } = fakePorts();
  return { stats, users };
});

const env = useEmulatorEnv();
statsStoreContract('DynamoDB adapter', async () => {
  const table = await createTable(env());
  return { stats: dynamoStatsStore(table), users: dynamoUserStore(table) };
});
