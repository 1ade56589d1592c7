import { dynamoContentStore } from '../../lambdas/adapters/dynamodb/content.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeContentStore } from '../support/fakes.ts';
import { contentStoreContract } from './content.contract.ts';

contentStoreContract('in-memory fake', () => new FakeContentStore());

const env = useEmulatorEnv();
contentStoreContract('DynamoDB adapter', async () => dynamoContentStore(await createTable(env())));
