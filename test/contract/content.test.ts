import { dynamoCarIndex, dynamoContentStore } from '../../lambdas/adapters/dynamodb/content.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeCarIndex, FakeContentStore } from '../support/fakes.ts';
import { carIndexContract, contentStoreContract } from './content.contract.ts';

contentStoreContract('in-memory fake', () => new FakeContentStore());
carIndexContract('in-memory fake', () => new FakeCarIndex());

const env = useEmulatorEnv();
contentStoreContract('DynamoDB adapter', async () => dynamoContentStore(await createTable(env())));
carIndexContract('DynamoDB adapter', async () => dynamoCarIndex(await createTable(env())));
