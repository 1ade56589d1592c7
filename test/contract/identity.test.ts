import {
  dynamoRateLimitStore,
  dynamoTokenStore,
  dynamoUserStore,
} from '../../lambdas/adapters/dynamodb/identity.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeRateLimitStore, FakeTokenStore, FakeUserStore } from '../support/fakes.ts';
import {
  rateLimitStoreContract,
  tokenStoreContract,
  userStoreContract,
} from './identity.contract.ts';

userStoreContract('in-memory fake', () => new FakeUserStore());
tokenStoreContract('in-memory fake', () => new FakeTokenStore());
rateLimitStoreContract('in-memory fake', () => new FakeRateLimitStore());

const env = useEmulatorEnv();
userStoreContract('DynamoDB adapter', async () => dynamoUserStore(await createTable(env())));
tokenStoreContract('DynamoDB adapter', async () => dynamoTokenStore(await createTable(env())));
rateLimitStoreContract('DynamoDB adapter', async () =>
  dynamoRateLimitStore(await createTable(env())),
);
