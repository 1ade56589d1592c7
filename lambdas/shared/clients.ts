/**
 * AWS SDK v3 clients, created once per container on first use and shared by every adapter;
 * a function bundles only the clients it uses. Endpoints come from config, so the same handler
 * code talks to AWS, the embedded emulators or LocalStack. Every client reports an unavailable
 * dependency as the domain's StorageUnavailable (adapters/aws-errors.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { reportUnavailable } from '../adapters/aws-errors.ts';
import type { Config } from './config.ts';

type ClientConfig = Pick<
  Config,
  'AWS_REGION' | 'PINSTACK_DYNAMODB_ENDPOINT' | 'PINSTACK_S3_ENDPOINT' | 'PINSTACK_SQS_ENDPOINT'
>;

const s3Options = (config: ClientConfig) => ({
  region: config.AWS_REGION,
  endpoint: config.PINSTACK_S3_ENDPOINT,
  // Emulators serve buckets by path, not by virtual host.
  forcePathStyle: Boolean(config.PINSTACK_S3_ENDPOINT),
});

export const createDynamo = (config: ClientConfig) =>
  DynamoDBDocumentClient.from(
    reportUnavailable(
      new DynamoDBClient({
        region: config.AWS_REGION,
        endpoint: config.PINSTACK_DYNAMODB_ENDPOINT,
      }),
      'DynamoDB',
    ),
    { marshallOptions: { removeUndefinedValues: true } },
  );

export const createS3 = (config: ClientConfig) =>
  reportUnavailable(new S3Client(s3Options(config)), 'S3');

/**
 * For the staging bucket. Reading: ingest checks every byte itself (block hashes, the CAR's
 * digest, a declared SHA-256) and records a mismatch as the upload's failure, so the SDK's own
 * response-checksum check must not throw first (it would turn a bad upload into endless
 * retries), nor hash every byte once more. Presigning: the SDK's default would sign the CRC32
 * of an empty body into each URL, which S3 then holds against the client's real bytes.
 */
export const createS3Staging = (config: ClientConfig) =>
  reportUnavailable(
    new S3Client({
      ...s3Options(config),
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
    'S3',
  );

export const createSqs = (config: ClientConfig) =>
  reportUnavailable(
    new SQSClient({ region: config.AWS_REGION, endpoint: config.PINSTACK_SQS_ENDPOINT }),
    'SQS',
  );

/** A per-container memo: the first call builds the client, later calls reuse it. */
function shared<T>(create: (config: ClientConfig) => T): (config: ClientConfig) => T {
  let client: T | undefined;
  return (config) => {
    client ??= create(config);
    return client;
  };
}

// Marked pure so a function's bundle drops the clients it never asks for.
export const dynamoFor = /* @__PURE__ */ shared(createDynamo);
export const s3For = /* @__PURE__ */ shared(createS3);
export const s3StagingFor = /* @__PURE__ */ shared(createS3Staging);
export const sqsFor = /* @__PURE__ */ shared(createSqs);

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  s3Staging: S3Client;
  sqs: SQSClient;
  destroy(): void;
}

/** A fresh set of every client, for tools and tests that talk to several stacks. */
export function createClients(config: ClientConfig): AwsClients {
  const clients = {
    dynamo: createDynamo(config),
    s3: createS3(config),
    s3Staging: createS3Staging(config),
    sqs: createSqs(config),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
