/**
 * Builds the core's ports from config: the composition every handler shares. Each builder asks
 * only for the resources it uses, so a function missing a binding fails at cold start.
 */
import { dynamoBlockIndexStore } from '../adapters/dynamodb/blocks.ts';
import { dynamoContentStore } from '../adapters/dynamodb/content.ts';
import { dynamoContentCheckReader } from '../adapters/dynamodb/content-reader.ts';
import { dynamoDealStore } from '../adapters/dynamodb/deals.ts';
import {
  dynamoRateLimitStore,
  dynamoTokenStore,
  dynamoUserStore,
} from '../adapters/dynamodb/identity.ts';
import { dynamoNftReader } from '../adapters/dynamodb/nfts.ts';
import { dynamoOpsStore } from '../adapters/dynamodb/ops.ts';
import { dynamoPinRequestStore } from '../adapters/dynamodb/pin-requests.ts';
import { dynamoStagedUploadStore } from '../adapters/dynamodb/staged.ts';
import { dynamoStatsStore, readShards } from '../adapters/dynamodb/stats.ts';
import type { TableContext } from '../adapters/dynamodb/table.ts';
import { dynamoUploadStore } from '../adapters/dynamodb/uploads.ts';
import { s3BlobStore } from '../adapters/s3/blob-store.ts';
import { s3StagingArea } from '../adapters/s3/staging.ts';
import { sqsQueueInspector } from '../adapters/sqs/inspector.ts';
import { sqsQueue, sqsRedelivery } from '../adapters/sqs/queue.ts';
import type { Clock, IngestMessage, PinMessage } from '../core/ports.ts';
import type { PublicDeps, ReadDeps, WriteDeps } from '../http/deps.ts';
import { type AwsClients, dynamoFor, s3For, s3StagingFor, sqsFor } from './clients.ts';
import { boundQueues, type Config, resource } from './config.ts';

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
    stats: dynamoStatsStore(ctx),
  };
}

export function contentPorts(config: Config, clients: ClientOverrides = {}) {
  const ctx = table(config, clients);
  return {
    contents: dynamoContentStore(ctx),
    uploads: dynamoUploadStore(ctx),
    staged: dynamoStagedUploadStore(ctx),
    deals: dynamoDealStore(ctx),
    stats: dynamoStatsStore(ctx),
    pinRequests: dynamoPinRequestStore(ctx),
  };
}

export const blockIndex = (config: Config, clients: ClientOverrides = {}) =>
  dynamoBlockIndexStore(table(config, clients));

export const carpark = (config: Config, clients: ClientOverrides = {}) =>
  s3BlobStore({ client: clients.s3 ?? s3For(config), bucket: resource(config, 'carpark') });

export const staging = (config: Config, clients: ClientOverrides = {}) =>
  s3StagingArea({
    client: clients.s3Staging ?? s3StagingFor(config),
    bucket: resource(config, 'staging'),
    carparkBucket: config.CARPARK_BUCKET,
  });

export const pinQueue = (config: Config, clients: ClientOverrides = {}) =>
  sqsQueue<PinMessage>({
    client: clients.sqs ?? sqsFor(config),
    queueUrl: resource(config, 'pinQueue'),
  });

/**
 * What `requestPinByCid` (lambdas/core/pin-by-cid.ts) needs: for a function that asks for pins
 * by CID on behalf of a user or a service (the chain scraper pins for its system user).
 */
export function pinByCidPorts(config: Config, clients: ClientOverrides = {}) {
  const { contents, uploads, stats } = contentPorts(config, clients);
  return { contents, uploads, stats, pinQueue: pinQueue(config, clients), clock: systemClock };
}

/** Delays the redelivery of a pin message that failed (its backoff). */
export const pinRedelivery = (config: Config, clients: ClientOverrides = {}) =>
  sqsRedelivery({ client: clients.sqs ?? sqsFor(config), queueUrl: resource(config, 'pinQueue') });

export const ingestQueue = (config: Config, clients: ClientOverrides = {}) =>
  sqsQueue<IngestMessage>({
    client: clients.sqs ?? sqsFor(config),
    queueUrl: resource(config, 'ingestQueue'),
  });

export function publicDeps(config: Config): PublicDeps {
  const ctx = table(config, {});
  return {
    // Only the reads the public routes make, so api-public bundles no more of the stores.
    ports: {
      checks: dynamoContentCheckReader(ctx),
      stats: { shards: () => readShards(ctx) },
      clock: systemClock,
    },
    settings: config,
  };
}

/** ReadDeps' ports, plus the rest of the content ports, so writeDeps builds each adapter once. */
export function readPorts(config: Config) {
  return {
    ...identityPorts(config),
    ...contentPorts(config),
    checks: dynamoContentCheckReader(table(config, {})),
    nfts: dynamoNftReader(table(config, {})),
    carpark: carpark(config),
    staging: staging(config),
    clock: systemClock,
  };
}

export function readDeps(config: Config): ReadDeps {
  return {
    ports: {
      ...readPorts(config),
      ops: dynamoOpsStore(table(config, {})),
      queues: sqsQueueInspector({ client: sqsFor(config), queues: boundQueues(config) }),
    },
    settings: config,
  };
}

export function writeDeps(config: Config): WriteDeps {
  return {
    ports: {
      ...readPorts(config),
      pinQueue: pinQueue(config),
      ingestQueue: ingestQueue(config),
    },
    settings: config,
  };
}
