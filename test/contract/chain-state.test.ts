import { dynamoLeaseStore } from '../../lambdas/adapters/dynamodb/leases.ts';
import { dynamoNftStore } from '../../lambdas/adapters/dynamodb/nfts.ts';
import { dynamoCursorStore } from '../../lambdas/adapters/dynamodb/scraper-state.ts';
import { createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeCursorStore, FakeLeaseStore, FakeNftStore } from '../support/fakes.ts';
import {
  cursorStoreContract,
  leaseStoreContract,
  nftStoreContract,
} from './chain-state.contract.ts';

nftStoreContract('in-memory fake', () => new FakeNftStore());
cursorStoreContract('in-memory fake', () => new FakeCursorStore());
leaseStoreContract('in-memory fake', () => new FakeLeaseStore());

const env = useEmulatorEnv();
nftStoreContract('DynamoDB adapter', async () => dynamoNftStore(await createTable(env())));
cursorStoreContract('DynamoDB adapter', async () => dynamoCursorStore(await createTable(env())));
leaseStoreContract('DynamoDB adapter', async () => dynamoLeaseStore(await createTable(env())));
