/**
 * Builds the core's ports from config: the composition every handler shares. Each builder asks
 * only for the resources it uses, so a function missing a binding fails at cold start.
 */
import { dynamoBlockIndexStore } from '../adapters/dynamodb/blocks.ts';
import { dynamoContentStore } from '../adapters/dynamodb/content.ts';
import {
  dynamoRateLimitStore,
  dynamoTokenStore,
  dynamoUserStore,
} from '../adapters/dynamodb/identity.ts';
import { dynamoStagedUploadStore } from '../adapters/dynamodb/staged.ts';
import type { TableContext } from '../adapters/dynamodb/table.ts';
import { dynamoUploadStore } from '../adapters/dynamodb/uploads.ts';
import { s3BlobStore } from '../adapters/s3/blob-store.ts';
import { s3UploadPresigner } from '../adapters/s3/presigner.ts';
import { sqsQueue } from '../adapters/sqs/queue.ts';
import type { Clock, IngestMessage, PinMessage } from '../core/ports.ts';
import type { PublicDeps, ReadDeps, WriteDeps } from '../http/deps.ts';
import { type AwsClients, dynamoFor, s3For, s3StagingFor, sqsFor } from './clients.ts';
import { type Config, resource } from './config.ts';

export const systemClock: Clock = { now: () => new Date() };

/** Clients to use instead of the container's shared ones (tools and tests). */
export type ClientOverrides = Partial<Omit<AwsClients, 'destroy'>>;

export const table = (config: Config, clients: ClientOverrides = {}): TableContext => ({
  client: clients.dynamo ?? dynamoFor(config),
  tableName: resource(config, 'table'),
});

export function identityPorts(config: Config, clients: ClientOverrides = {}) {
  const ctx = table(config, clients);
  return {
    users: dynamoUserStore(ctx),
    tokens: dynamoTokenStore(ctx),
    rateLimits: dynamoRateLimitStore(ctx),
  };
}

export function contentPorts(config: Config, clients: ClientOverrides = {}) {
  const ctx = table(config, clients);
  return {
    contents: dynamoContentStore(ctx),
    uploads: dynamoUploadStore(ctx),
    staged: dynamoStagedUploadStore(ctx),
  };
}

export const blockIndex = (config: Config, clients: ClientOverrides = {}) =>
  dynamoBlockIndexStore(table(config, clients));

export const carpark = (config: Config, clients: ClientOverrides = {}) =>
  s3BlobStore({ client: clients.s3 ?? s3For(config), bucket: resource(config, 'carpark') });

export const staging = (config: Config, clients: ClientOverrides = {}) =>
  s3BlobStore({
    client: clients.s3Staging ?? s3StagingFor(config),
    bucket: resource(config, 'staging'),
  });

export const stagingPresigner = (config: Config, clients: ClientOverrides = {}) =>
  s3UploadPresigner({ client: clients.s3 ?? s3For(config), bucket: resource(config, 'staging') });

export const pinQueue = (config: Config, clients: ClientOverrides = {}) =>
  sqsQueue<PinMessage>({
    client: clients.sqs ?? sqsFor(config),
    queueUrl: resource(config, 'pinQueue'),
  });

export const ingestQueue = (config: Config, clients: ClientOverrides = {}) =>
  sqsQueue<IngestMessage>({
    client: clients.sqs ?? sqsFor(config),
    queueUrl: resource(config, 'ingestQueue'),
  });

export function publicDeps(config: Config): PublicDeps {
  return { ports: { contents: dynamoContentStore(table(config, {})) }, settings: config };
}

/** ReadDeps' ports, plus the rest of the content ports, so writeDeps builds each adapter once. */
export function readPorts(config: Config) {
  return {
    ...identityPorts(config),
    ...contentPorts(config),
    carpark: carpark(config),
    clock: systemClock,
  };
}

export function readDeps(config: Config): ReadDeps {
  return { ports: readPorts(config), settings: config };
}

export function writeDeps(config: Config): WriteDeps {
  return {
    ports: {
      ...readPorts(config),
      pinQueue: pinQueue(config),
      ingestQueue: ingestQueue(config),
      presigner: stagingPresigner(config),
    },
    settings: config,
  };
}
