import { dynamoContentStore } from '../../lambdas/adapters/dynamodb/content.ts';
import { dynamoProviderSetStore } from '../../lambdas/adapters/dynamodb/operations.ts';
import { dynamoPinRequestStore } from '../../lambdas/adapters/dynamodb/pin-requests.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeContentStore, FakePinRequestStore, FakeProviderSetStore } from '../support/fakes.ts';
import {
  operationsContract,
  pinRequestStoreContract,
  pinStateContract,
} from './pinning.contract.ts';

pinStateContract('in-memory fake', () => new FakeContentStore());
pinRequestStoreContract('in-memory fake', () => new FakePinRequestStore());
operationsContract('in-memory fake', () => ({ providerSets: new FakeProviderSetStore() }));

const env = useEmulatorEnv();
pinStateContract('DynamoDB adapter', async () => dynamoContentStore(await createTable(env())));
pinRequestStoreContract('DynamoDB adapter', async () =>
  dynamoPinRequestStore(await createTable(env())),
);
operationsContract('DynamoDB adapter', async () => {
  const table = await createTable(env());
  return { providerSets: dynamoProviderSetStore(table) };
});
