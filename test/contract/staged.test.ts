import { dynamoStagedUploadStore } from '../../lambdas/adapters/dynamodb/staged.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeStagedUploadStore } from '../support/fakes.ts';
import { stagedUploadStoreContract } from './staged.contract.ts';

stagedUploadStoreContract('in-memory fake', () => new FakeStagedUploadStore());

const env = useEmulatorEnv();
stagedUploadStoreContract('DynamoDB adapter', async () =>
  dynamoStagedUploadStore(await createTable(env())),
);
