/**
 * Adapters on the embedded emulators for contract and integration tests: one dynalite + fauxqs
 * pair per test file, and fresh, uniquely named resources (table from lib/tables.ts, bucket,
 * queue) whenever a test asks, so tests never see each other's data.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import type { TableContext } from '../../lambdas/adapters/dynamodb/table.ts';
import type { QueueContext } from '../../lambdas/adapters/sqs/queue.ts';
import { type AwsClients, createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { createTableInput } from '../../system/table.ts';

export interface EmulatorEnv {
  emulators: Emulators;
  /** Clients built exactly as the handlers build them, pointed at the emulators. */
  clients: AwsClients;
  stop(): Promise<void>;
}

const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 13)}`;

export async function startEmulatorEnv(): Promise<EmulatorEnv> {
  // The SDK signs every request; the emulators accept any key, so tests use a fixed dummy one.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const emulators = await startEmulators();
  const config = loadConfig({
    AWS_REGION: 'us-east-1',
    PINSTACK_DYNAMODB_ENDPOINT: emulators.dynamodbEndpoint,
    PINSTACK_S3_ENDPOINT: emulators.s3Endpoint,
    PINSTACK_SQS_ENDPOINT: emulators.sqsEndpoint,
  });
  const clients = createClients(config);
  return {
    emulators,
    clients,
    async stop() {
      clients.dynamo.destroy();
      clients.s3.destroy();
      clients.sqs.destroy();
      await emulators.stop();
    },
  };
}

/** A new table with the stack's key schema and indexes, ready for item requests. */
export async function createTable(env: EmulatorEnv): Promise<TableContext> {
  const tableName = uniqueName('pinstack');
  await env.clients.dynamo.send(new CreateTableCommand(createTableInput(tableName)));
  // Even with createTableMs 0, dynalite answers ResourceNotFound until the table is ACTIVE.
  for (let attempt = 0; ; attempt++) {
    const { Table } = await env.clients.dynamo.send(
      new DescribeTableCommand({ TableName: tableName }),
    );
    if (Table?.TableStatus === 'ACTIVE') break;
    if (attempt >= 200) throw new Error(`Table ${tableName} is still ${Table?.TableStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { client: env.clients.dynamo, tableName };
}

export async function createBucket(env: EmulatorEnv): Promise<string> {
  const bucket = uniqueName('carpark');
  await env.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function createQueue(env: EmulatorEnv): Promise<QueueContext> {
  const { QueueUrl } = await env.clients.sqs.send(
    new CreateQueueCommand({ QueueName: uniqueName('queue') }),
  );
  if (!QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
  return { client: env.clients.sqs, queueUrl: QueueUrl };
}

/** Every adapter the core uses, on fresh resources. */

/**
 * Starts the emulators once for the calling test file and stops them after it. The returned
 * function gives the running environment inside tests and hooks.
 */
export function useEmulatorEnv(): () => EmulatorEnv {
  let env: EmulatorEnv | undefined;
  beforeAll(async () => {
    env = await startEmulatorEnv();
  }, 30_000);
  afterAll(async () => {
    await env?.stop();
  });
  return () => {
    if (!env) throw new Error('Emulators are not running: call useEmulatorEnv() at file level');
    return env;
  };
}
