/**
 * Creates (idempotently) the local stack's table, buckets and queues from the same definitions
 * the CDK stack uses: the table from lib/tables.ts, queue policy from lib/catalog.ts. Works
 * against the embedded emulators and against DynamoDB Local, LocalStack or AWS.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_VISIBILITY_SECONDS,
  QUEUE_POLICY,
  type QueueName,
} from '../system/functions.ts';
import { createTableInput, TTL_ATTRIBUTE } from '../system/table.ts';

export const LOCAL_PREFIX = 'pinstack-local';

export interface ResourceNames extends Record<QueueName, string> {
  table: string;
  staging: string;
  carpark: string;
  ipni: string;
}

/** Default names, overridden by the same env vars the handlers read (queues by URL). */
export function resourceNames(env: NodeJS.ProcessEnv): ResourceNames {
  return {
    table: env.TABLE_NAME || `${LOCAL_PREFIX}-table`,
    staging: env.STAGING_BUCKET || `${LOCAL_PREFIX}-staging`,
    carpark: env.CARPARK_BUCKET || `${LOCAL_PREFIX}-carpark`,
    ipni: env.IPNI_BUCKET || `${LOCAL_PREFIX}-ipni`,
    ingestQueue: queueNameOf(env.INGEST_QUEUE_URL) ?? `${LOCAL_PREFIX}-ingest`,
    pinQueue: queueNameOf(env.PIN_QUEUE_URL) ?? `${LOCAL_PREFIX}-pin`,
    indexQueue: queueNameOf(env.INDEX_QUEUE_URL) ?? `${LOCAL_PREFIX}-index`,
    ipniQueue: queueNameOf(env.IPNI_QUEUE_URL) ?? `${LOCAL_PREFIX}-ipni`,
  };
}

function queueNameOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return new URL(url).pathname.split('/').filter(Boolean).pop();
}

export async function ensureTable(
  dynamo: DynamoDBClient,
  name: string,
  options: { timeToLive: boolean; warn: (message: string, error: unknown) => void },
): Promise<void> {
  try {
    await dynamo.send(new CreateTableCommand(createTableInput(name)));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') break;
    if (Date.now() > deadline) throw new Error(`table ${name} is not ACTIVE after 60s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // dynalite has neither the TTL API nor expiry, so this is only tried on other endpoints. It
  // is best effort: read paths must ignore expired items anyway, since DynamoDB deletes them
  // only eventually.
  if (!options.timeToLive) return;
  try {
    await dynamo.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // A ValidationException says TTL is already enabled.
    if (errorName(error) !== 'ValidationException') {
      options.warn(`could not enable TTL on ${name}; expired items will stay`, error);
    }
  }
}

export async function ensureBucket(s3: S3Client, name: string, region: string): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: name,
        ...(region === 'us-east-1'
          ? {}
          : {
              CreateBucketConfiguration: {
                LocationConstraint: region as BucketLocationConstraint,
              },
            }),
      }),
    );
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(errorName(error))) throw error;
  }
}

export interface QueueRef {
  url: string;
  arn: string;
}

export interface ProvisionedQueue extends QueueRef {
  name: string;
  dlq: QueueRef;
}

/** A queue with the given attributes: created if missing, else brought up to date. */
export async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<QueueRef> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (!/QueueDoesNotExist|NonExistentQueue/.test(errorName(error))) throw error;
  }
  if (url) {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  } else {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
      .QueueUrl;
  }
  if (!url) throw new Error(`no URL for queue ${name}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for queue ${name}`);
  return { url, arn };
}

export const dlqName = (queueName: string) => `${queueName}-dlq`;

/** A work queue and its DLQ, wired with the catalog's queue policy. */
export async function ensureQueueWithDlq(
  sqs: SQSClient,
  name: string,
  visibilityTimeoutSeconds: number,
): Promise<ProvisionedQueue> {
  const dlq = await ensureQueue(sqs, dlqName(name), {
    MessageRetentionPeriod: String(QUEUE_POLICY.dlqRetentionDays * 24 * 60 * 60),
    VisibilityTimeout: String(DEAD_LETTER_VISIBILITY_SECONDS),
  });
  const queue = await ensureQueue(sqs, name, {
    VisibilityTimeout: String(visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: QUEUE_POLICY.maxReceiveCount,
    }),
  });
  return { name, ...queue, dlq };
}

/**
 * Native notifications, for an external S3 endpoint (LocalStack implements them); the
 * embedded emulator gets the notifying proxy instead.
 */
export async function configureNativeNotifications(
  s3: S3Client,
  bucket: string,
  rules: { prefix?: string; suffix?: string; queueArn: string; id: string }[],
): Promise<void> {
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: rules.map((rule) => ({
          Id: rule.id,
          QueueArn: rule.queueArn,
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                ...(rule.prefix ? [{ Name: 'prefix' as const, Value: rule.prefix }] : []),
                ...(rule.suffix ? [{ Name: 'suffix' as const, Value: rule.suffix }] : []),
              ],
            },
          },
        })),
      },
    }),
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}
