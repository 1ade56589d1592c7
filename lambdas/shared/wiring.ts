/**
 * Builds the core's ports from config: the composition every handler shares. Each builder asks
 * only for the resources it uses, so a function missing a binding fails at cold start.
 */
import { dynamoCarIndex, dynamoContentStore } from '../adapters/dynamodb/content.ts';
import {
  dynamoCounterStore,
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
import { type AwsClients, clientsFor } from './clients.ts';
import { type Config, resource } from './config.ts';

export const systemClock: Clock = { now: () => new Date() };

const table = (config: Config, clients: AwsClients): TableContext => ({
  client: clients.dynamo,
  tableName: resource(config, 'table'),
});

export function identityPorts(config: Config, clients = clientsFor(config)) {
  const ctx = table(config, clients);
  return {
    users: dynamoUserStore(ctx),
    tokens: dynamoTokenStore(ctx),
    counters: dynamoCounterStore(ctx),
  };
}

export function contentPorts(config: Config, clients = clientsFor(config)) {
  const ctx = table(config, clients);
  return {
    contents: dynamoContentStore(ctx),
    cars: dynamoCarIndex(ctx),
    uploads: dynamoUploadStore(ctx),
    staged: dynamoStagedUploadStore(ctx),
  };
}

export const carpark = (config: Config, clients = clientsFor(config)) =>
  s3BlobStore({ client: clients.s3, bucket: resource(config, 'carpark') });

export const staging = (config: Config, clients = clientsFor(config)) =>
  s3BlobStore({ client: clients.s3Staging, bucket: resource(config, 'staging') });

export const stagingPresigner = (config: Config, clients = clientsFor(config)) =>
  s3UploadPresigner({ client: clients.s3, bucket: resource(config, 'staging') });

export const pinQueue = (config: Config, clients = clientsFor(config)) =>
  sqsQueue<PinMessage>({ client: clients.sqs, queueUrl: resource(config, 'pinQueue') });

export const ingestQueue = (config: Config, clients = clientsFor(config)) =>
  sqsQueue<IngestMessage>({ client: clients.sqs, queueUrl: resource(config, 'ingestQueue') });

const versionOf = (config: Config) => ({
  version: config.PINSTACK_VERSION,
  commit: config.PINSTACK_COMMIT,
});

export function publicDeps(config: Config): PublicDeps {
  return { contents: contentPorts(config).contents, version: versionOf(config) };
}

/** ReadDeps, plus the rest of the content ports, so writeDeps builds each adapter once. */
export function readDeps(config: Config) {
  return {
    ...identityPorts(config),
    ...contentPorts(config),
    version: versionOf(config),
    clock: systemClock,
    rateLimit: {
      requests: config.RATE_LIMIT_REQUESTS,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    },
  } satisfies ReadDeps;
}

export function writeDeps(config: Config): WriteDeps {
  return {
    ...readDeps(config),
    carpark: carpark(config),
    pinQueue: pinQueue(config),
    ingestQueue: ingestQueue(config),
    unpinGraceDays: config.UNPIN_GRACE_DAYS,
    maxInlineUploadBytes: config.MAX_INLINE_UPLOAD_BYTES,
    presigner: stagingPresigner(config),
    maxStagedBytes: config.MAX_STAGED_UPLOAD_BYTES,
    urlLifetimeSeconds: config.STAGED_URL_LIFETIME_SECONDS,
  };
}
