import { dynamoUploadStore } from '../../lambdas/adapters/dynamodb/uploads.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeUploadStore } from '../support/fakes.ts';
import { uploadStoreContract } from './uploads.contract.ts';

uploadStoreContract('in-memory fake', () => new FakeUploadStore());

const env = useEmulatorEnv();
uploadStoreContract('DynamoDB adapter', async () => dynamoUploadStore(await createTable(env())));
