import { dynamoBlockIndexStore } from '../../lambdas/adapters/dynamodb/blocks.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeBlockIndexStore } from '../support/fakes.ts';
import { blockIndexContract } from './block-index.contract.ts';

blockIndexContract('in-memory fake', () => new FakeBlockIndexStore());

const env = useEmulatorEnv();
blockIndexContract('DynamoDB adapter', async () => dynamoBlockIndexStore(await createTable(env())));
