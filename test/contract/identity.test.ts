import {
  dynamoCounterStore,
  dynamoTokenStore,
  dynamoUserStore,
} from '../../lambdas/adapters/dynamodb/identity.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeCounterStore, FakeTokenStore, FakeUserStore } from '../support/fakes.ts';
import {
  counterStoreContract,
  tokenStoreContract,
  userStoreContract,
} from './identity.contract.ts';

userStoreContract('in-memory fake', () => new FakeUserStore());
tokenStoreContract('in-memory fake', () => new FakeTokenStore());
counterStoreContract('in-memory fake', () => new FakeCounterStore());

const env = useEmulatorEnv();
userStoreContract('DynamoDB adapter', async () => dynamoUserStore(await createTable(env())));
tokenStoreContract('DynamoDB adapter', async () => dynamoTokenStore(await createTable(env())));
counterStoreContract('DynamoDB adapter', async () => dynamoCounterStore(await createTable(env())));
