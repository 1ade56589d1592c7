/**
 * Adapters report an unavailable dependency — refused connections, throttling, 5xx answers —
 * as the domain's StorageUnavailable (with the SDK error as its cause), never as an absence;
 * answers the adapters interpret themselves (a missing key, a failed condition) stay answers.
 */
import { describe, expect, it } from 'vitest';
import { dynamoBlockIndexStore } from '../../lambdas/adapters/dynamodb/blocks.ts';
import { dynamoContentStore } from '../../lambdas/adapters/dynamodb/content.ts';
import { dynamoUserStore } from '../../lambdas/adapters/dynamodb/identity.ts';
import { s3BlobStore } from '../../lambdas/adapters/s3/blob-store.ts';
import { sqsQueue } from '../../lambdas/adapters/sqs/queue.ts';
import { FailureError } from '../../lambdas/core/failures.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { createBucket, createTable, useEmulatorEnv } from '../support/emulator-env.ts';

// Any credentials do: nothing is signed for a real service.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

// Nothing listens on port 9 of loopback: every request is refused at once.
const down = createClients(
  loadConfig({
    AWS_REGION: 'us-east-1',
    PINSTACK_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
    PINSTACK_S3_ENDPOINT: 'http://127.0.0.1:9',
    PINSTACK_SQS_ENDPOINT: 'http://127.0.0.1:9',
  }),
);

async function failureOf(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

function expectUnavailable(error: unknown, service: string) {
  expect(error).toBeInstanceOf(FailureError);
  const { failure } = error as FailureError;
  expect(failure).toMatchObject({
    name: 'StorageUnavailable',
    message: `${service} is unavailable; retry later`,
  });
  expect((failure as { cause?: unknown }).cause).toBeInstanceOf(Error);
}

describe('adapters on a dependency that is down', () => {
  it('DynamoDB reads and writes are StorageUnavailable, not "not found"', async () => {
    const ctx = { client: down.dynamo, tableName: 'pinstack-any' };
    expectUnavailable(await failureOf(() => dynamoContentStore(ctx).get('mh')), 'DynamoDB');
    expectUnavailable(
      await failureOf(() => dynamoUserStore(ctx).ensure('alice', 'now')),
      'DynamoDB',
    );
    const blocks = dynamoBlockIndexStore(ctx);
    expectUnavailable(await failureOf(() => blocks.locate(new Uint8Array([0x12]))), 'DynamoDB');
    expectUnavailable(
      await failureOf(() =>
        blocks.record('car', [{ multihash: new Uint8Array([1]), offset: 0, length: 1 }]),
      ),
      'DynamoDB',
    );
  });

  it('S3 reads and writes are StorageUnavailable, not "missing"', async () => {
    const blobs = s3BlobStore({ client: down.s3, bucket: 'pinstack-any' });
    expectUnavailable(await failureOf(() => blobs.get('key')), 'S3');
    expectUnavailable(await failureOf(() => blobs.has('key')), 'S3');
    expectUnavailable(await failureOf(() => blobs.put('key', new Uint8Array(3))), 'S3');
    expectUnavailable(await failureOf(() => blobs.stream('key', { offset: 0, length: 9 })), 'S3');
  });

  it('SQS sends are StorageUnavailable', async () => {
    const queue = sqsQueue({ client: down.sqs, queueUrl: 'http://127.0.0.1:9/000000000000/q' });
    expectUnavailable(await failureOf(() => queue.send({ any: 'message' })), 'SQS');
  });
});

describe('adapters on a dependency that throttles or fails', () => {
  const env = useEmulatorEnv();

  it('a throttled or 5xx DynamoDB answer is StorageUnavailable', async () => {
    const ctx = await createTable(env());
    const store = dynamoContentStore(ctx);
    for (const [name, status] of [
      ['ProvisionedThroughputExceededException', 400],
      ['InternalServerError', 500],
    ] as const) {
      const remove = injectError(ctx.client, name, status);
      try {
        expectUnavailable(await failureOf(() => store.get('mh')), 'DynamoDB');
      } finally {
        remove();
      }
    }
    // Healthy again: an unknown item is an absence.
    expect(await store.get('mh')).toBeUndefined();
  });

  it('a missing S3 key stays undefined and a failed condition stays false', async () => {
    const blobs = s3BlobStore({ client: env().clients.s3, bucket: await createBucket(env()) });
    expect(await blobs.get('absent')).toBeUndefined();
    const users = dynamoUserStore(await createTable(env()));
    await users.ensure('alice', '2024-01-01T00:00:00.000Z');
    expect(await users.ensure('alice', '2025-01-01T00:00:00.000Z')).toMatchObject({
      created: '2024-01-01T00:00:00.000Z',
    });
  });
});

/**
 * Makes every call of the client fail as the service would answer, below the adapters' error
 * classification (so the SDK's own retries see it too). Returns a function that removes it.
 */
function injectError(client: { middlewareStack: unknown }, name: string, status: number) {
  const stack = client.middlewareStack as {
    add(m: unknown, o: unknown): void;
    remove(name: string): boolean;
  };
  stack.add(
    () => async () => {
      throw Object.assign(new Error(`injected ${name}`), {
        name,
        $metadata: { httpStatusCode: status },
        $retryable: undefined,
      });
    },
    { step: 'finalizeRequest', name: 'injectError', override: true },
  );
  return () => stack.remove('injectError');
}
