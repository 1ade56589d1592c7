/**
 * AWS SDK v3 clients, created once per container and shared by every adapter. Endpoints come
 * from config, so the same handler code talks to AWS, the embedded emulators or LocalStack.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config.ts';

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  /**
   * For reading staged uploads: ingest checks every byte against the SHA-256 the client
   * declared and records a mismatch as the upload's failure, so the SDK's own response-checksum
   * check must not throw first (it would turn a bad upload into endless retries).
   */
  s3Staging: S3Client;
  sqs: SQSClient;
}

export function createClients(config: Config): AwsClients {
  const region = config.AWS_REGION;
  const dynamo = new DynamoDBClient({ region, endpoint: config.PINSTACK_DYNAMODB_ENDPOINT });
  // Emulators serve buckets by path, not by virtual host.
  const s3Options = {
    region,
    endpoint: config.PINSTACK_S3_ENDPOINT,
    forcePathStyle: Boolean(config.PINSTACK_S3_ENDPOINT),
  };
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    s3: new S3Client(s3Options),
    s3Staging: new S3Client({ ...s3Options, responseChecksumValidation: 'WHEN_REQUIRED' }),
    sqs: new SQSClient({ region, endpoint: config.PINSTACK_SQS_ENDPOINT }),
  };
}

let shared: AwsClients | undefined;

/** The container's clients, built on first use and reused by every invocation. */
export function clientsFor(config: Config): AwsClients {
  shared ??= createClients(config);
  return shared;
}
