/**
 * One typed description of pinstack's functions and what triggers them. The CDK stack builds
 * its Lambdas, routes, event source mappings, schedules and bucket notifications from it, and
 * the local stack drives the very same handlers from it, so the two cannot drift.
 */

import { RESOURCE_ENV } from './resources.ts';
import type { SettingName } from './settings.ts';

export { RESOURCE_ENV };

export type QueueName = 'ingestQueue' | 'pinQueue' | 'indexQueue' | 'ipniQueue';
/** Every queue of the stack, each with its DLQ. */
export const QUEUE_NAMES = [
  'ingestQueue',
  'pinQueue',
  'indexQueue',
  'ipniQueue',
] as const satisfies readonly QueueName[];
export type BucketName = 'staging' | 'carpark' | 'ipni';

/**
 * Access modes. `read` grants only reads; `read+counters` adds conditional updates restricted
 * (by dynamodb:LeadingKeys) to rate-limit counter items; `readwrite` is full item access. None
 * of them may scan the table: no request path does. `readwrite+scan` adds the scan, for the
 * job that recomputes the totals from every record.
 */
export type TableAccess = 'read' | 'read+counters' | 'readwrite' | 'readwrite+scan';
/** `write` is put-only (e.g. to presign uploads); `readwrite` adds get and delete. */
export type BucketAccess = 'read' | 'write' | 'readwrite';
/** `consume` comes with the function's queue trigger; `send+consume` also lets it enqueue. */
export type QueueAccess = 'send' | 'consume' | 'send+consume';

export interface Bindings {
  table?: TableAccess;
  staging?: BucketAccess;
  carpark?: BucketAccess;
  ipni?: BucketAccess;
  ingestQueue?: QueueAccess;
  pinQueue?: QueueAccess;
  indexQueue?: QueueAccess;
  ipniQueue?: QueueAccess;
  /** `read`: may read the provider key's secret (to sign with it). */
  providerKey?: 'read';
  /** `read`: is told the provider's peer ID. */
  providerId?: 'read';
  /** `read`: the depths (GetQueueAttributes) of every work queue and DLQ, whoever adds them. */
  queueStats?: 'read';
  /**
   * Read access to the provider credentials PIN_PROVIDERS names (Secrets Manager secrets, SSM
   * parameters): for the functions that talk to providers.
   */
  providerSecrets?: 'read';
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'PATCH' | 'OPTIONS';

/**
 * A queue whose consumer crashed mid-message gets the message back after `afterSeconds`, instead
 * of after 6x the function's timeout. AWS refuses a mapping on a queue whose visibility is under
 * the function's timeout, so `afterSeconds` is at least that. AWS advises 6x so a poller holding
 * messages for a throttled function does not let them expire; `maxConcurrency` caps the mapping
 * so it only polls what it can hand over.
 */
export interface PromptRedelivery {
  afterSeconds: number;
  maxConcurrency: number;
}

export type Trigger =
  /** An API Gateway HTTP API route (payload format 2.0). */
  | { kind: 'http'; method: HttpMethod; path: string }
  /**
   * An SQS event source mapping with partial batch responses: on the queue, or with
   * `deadLetters` on its dead-letter queue (messages every attempt failed on).
   */
  | {
      kind: 'queue';
      queue: QueueName;
      deadLetters?: true;
      batchSize: number;
      maxBatchingWindowSeconds: number;
      redelivery?: PromptRedelivery;
    }
  /** An EventBridge Scheduler rate schedule. */
  | { kind: 'schedule'; name: string; rateMinutes: number }
  /** A CloudFormation custom resource: run by each deploy of the stack (not locally). */
  | { kind: 'custom-resource'; name: string }
  /**
   * Its own HTTP origin: a Lambda Function URL with response streaming (the handler is wrapped
   * in `awslambda.streamifyResponse`), reached only through a CloudFront distribution; locally
   * a server on `GATEWAY_PORT`. `methods` are the ones the origin answers.
   */
  | { kind: 'url'; streaming: true; methods: readonly HttpMethod[] };

export interface FunctionSpec {
  /** Short name; also the handler file `lambdas/handlers/<name>.ts`. */
  name: string;
  description: string;
  memoryMB: number;
  timeoutSeconds: number;
  bindings: Bindings;
  /**
   * Settings whose named secrets (Secrets Manager, SSM) the function reads at cold start: the
   * stack grants it exactly the secrets those settings name, and nothing else does.
   */
  secretsOf?: readonly SettingName[];
  triggers: Trigger[];
}

/** Where a function's code lives, relative to the repo root. */
export const handlerEntry = (fn: Pick<FunctionSpec, 'name'>) => `lambdas/handlers/${fn.name}.ts`;

/** API Gateway's own integration timeout; API handlers must answer within it. */
export const API_TIMEOUT_SECONDS = 29;

const http = (method: HttpMethod, ...paths: string[]): Trigger[] =>
  paths.map((path) => ({ kind: 'http', method, path }));

export const functions = [
  {
    name: 'api-public',
    description: 'Public, unauthenticated reads: GET /check/{cid}, /stats and /version',
    memoryMB: 512,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // The peer ID for /version.
    bindings: { table: 'read', providerId: 'read' },
    triggers: http(
      'GET',
      '/check/{proxy+}',
      '/api/check/{proxy+}',
      '/stats',
      '/api/stats',
      '/version',
      '/api/version',
    ),
  },
  {
    name: 'api-read',
    description:
      "Authenticated reads: the caller's uploads (GET / and GET /{cid}), /schema.json, /status, /metrics and CORS; and the public GET /nfts/{chainId}/{contract}/{tokenId}",
    memoryMB: 512,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // The carpark only for long file lists, which are stored beside the CARs; staging to list
    // the parts a multipart staged upload has; the queues' depths for /status and /metrics
    // (which is why they are here and not in api-public: the SQS client would not fit its bundle).
    // The provider's peer ID for the Pinning Service API's delegates.
    bindings: {
      table: 'read+counters',
      carpark: 'read',
      staging: 'read',
      queueStats: 'read',
      providerId: 'read',
    },
    triggers: [...http('GET', '/', '/{proxy+}'), ...http('OPTIONS', '/', '/{proxy+}')],
  },
  {
    name: 'api-write',
    description:
      'Authenticated writes: POST /upload, /store, /staged-uploads, /deals (admin); PATCH /upload/{cid}; DELETE /{cid}',
    memoryMB: 2048,
    timeoutSeconds: API_TIMEOUT_SECONDS,
    bindings: {
      table: 'readwrite',
      carpark: 'readwrite',
      // Presigned staged-upload URLs are signed with this function's credentials; completing
      // and aborting multipart uploads, and removing an aborted upload's object, need more.
      staging: 'readwrite',
      pinQueue: 'send',
      ingestQueue: 'send',
      // The provider's peer ID for the Pinning Service API's delegates.
      providerId: 'read',
    },
    triggers: [
      ...http('POST', '/{proxy+}'),
      ...http('DELETE', '/{proxy+}'),
      ...http('PATCH', '/{proxy+}'),
    ],
  },
  {
    name: 'ingest',
    description:
      'Ingest queue consumer: streams staged CARs, verifying every block, into the carpark and completes chunked DAGs',
    // Memory buys CPU and network share, not room: a staged CAR streams through a window of
    // about one block (peak RSS measured by the staged-ingest benchmark), so 2 GB is for the
    // two SHA-256 passes (blocks, the CAR's digest) to keep up with S3.
    memoryMB: 2048,
    // The largest staged CAR (MAX_STAGED_UPLOAD_BYTES, 32 GiB) must stream and be copied
    // within Lambda's 15-minute maximum: 32 GiB in 900 s needs about 40 MB/s end to end.
    // Verification runs at several hundred MB/s per core (staged-ingest benchmark), so S3's
    // single-stream GET throughput decides; the copy into the carpark is server-side, in
    // parallel parts above 5 GiB.
    timeoutSeconds: 900,
    bindings: {
      table: 'readwrite',
      staging: 'readwrite',
      carpark: 'readwrite',
      // Staged CARs that are partial enqueue their completeness check on this same queue.
      ingestQueue: 'send+consume',
      pinQueue: 'send',
    },
    triggers: [
      {
        kind: 'queue',
        queue: 'ingestQueue',
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        // A staged CAR whose ingest crashed is ingested again a minute after the timeout, not
        // after 6x it (90 minutes).
        redelivery: { afterSeconds: 960, maxConcurrency: 20 },
      },
    ],
  },
  {
    name: 'ingest-failures',
    description:
      'Ingest dead-letter consumer: marks the staged upload of a message every ingest attempt failed on as failed',
    memoryMB: 256,
    timeoutSeconds: 30,
    bindings: { table: 'readwrite', ingestQueue: 'consume' },
    triggers: [
      {
        kind: 'queue',
        queue: 'ingestQueue',
        deadLetters: true,
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        // Its own failures (storage unavailable) come back after its visibility timeout.
        redelivery: { afterSeconds: 30, maxConcurrency: 2 },
      },
    ],
  },
  {
    name: 'pin-worker',
    description:
      'Pin queue consumer: fetches DAGs requested by CID, pins to the IPFS providers, unpins and removes',
    memoryMB: 2048,
    // A pin-by-CID fetch may take PIN_FETCH_TIMEOUT_SECONDS (at most 840) of it.
    timeoutSeconds: 900,
    bindings: {
      table: 'readwrite',
      carpark: 'readwrite',
      pinQueue: 'consume',
      providerSecrets: 'read',
    },
    triggers: [
      {
        kind: 'queue',
        queue: 'pinQueue',
        // Many contents per invocation, so providers get them in few requests.
        batchSize: 25,
        maxBatchingWindowSeconds: 1,
        // A worker that died mid-batch is redelivered a minute after its timeout; failed
        // messages come back sooner, on the worker's own backoff (PIN_RETRY_BACKOFF_SECONDS).
        redelivery: { afterSeconds: 960, maxConcurrency: 10 },
      },
    ],
  },
  {
    name: 'gateway',
    description:
      'IPFS HTTP gateway (trustless and path) on its own origin: streams blocks, CARs and files from the carpark',
    memoryMB: 1024,
    // Streams may run long: after the first 6 MB Lambda streams at a capped rate.
    timeoutSeconds: 300,
    // The provider's routes too: /routing/v1 answers from the block index, /ipni/v1/ad from the
    // ipni bucket, naming the provider by its peer ID.
    bindings: { table: 'read', carpark: 'read', ipni: 'read', providerId: 'read' },
    triggers: [{ kind: 'url', streaming: true, methods: ['GET', 'HEAD', 'OPTIONS'] }],
  },
  {
    name: 'indexer',
    description:
      'Index queue consumer: records where every block of a newly stored CAR lies (CAR key, offset, length)',
    memoryMB: 1024,
    timeoutSeconds: 300,
    // The table for block locations; the carpark to read CARs and write their block indexes.
    bindings: { table: 'readwrite', carpark: 'readwrite', indexQueue: 'consume' },
    triggers: [{ kind: 'queue', queue: 'indexQueue', batchSize: 10, maxBatchingWindowSeconds: 0 }],
  },
  {
    name: 'pin-dlq',
    description:
      'Pin dead-letter consumer: marks the pins of messages whose retries ran out failed',
    memoryMB: 512,
    timeoutSeconds: 30,
    bindings: { table: 'readwrite', pinQueue: 'consume' },
    triggers: [
      {
        kind: 'queue',
        queue: 'pinQueue',
        deadLetters: true,
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        // Its own failures (storage unavailable) come back after its visibility timeout.
        redelivery: { afterSeconds: 30, maxConcurrency: 2 },
      },
    ],
  },
  {
    name: 'ipni-publisher',
    description:
      'IPNI queue consumer: advertises the blocks of stored CARs and withdraws removed content, on one signed chain',
    memoryMB: 1024,
    timeoutSeconds: 300,
    // CARs are read from the carpark; ads and entry chunks are written to the ipni bucket.
    bindings: {
      table: 'readwrite',
      carpark: 'read',
      ipni: 'readwrite',
      ipniQueue: 'consume',
      providerKey: 'read',
    },
    triggers: [
      {
        kind: 'queue',
        queue: 'ipniQueue',
        // CARs arriving together become one extension of the chain: one ad per content.
        batchSize: 25,
        maxBatchingWindowSeconds: 5,
        // Two at a time at most (SQS's minimum): publishers race for the chain's next position.
        redelivery: { afterSeconds: 360, maxConcurrency: 2 },
      },
    ],
  },
  {
    name: 'ipni-announce',
    description: 'Cron: announces the IPNI chain head to indexers that have not taken it yet',
    memoryMB: 256,
    timeoutSeconds: 60,
    // Reads the head, records which indexer took which head.
    bindings: { table: 'readwrite', providerId: 'read' },
    triggers: [{ kind: 'schedule', name: 'ipni-announce', rateMinutes: 10 }],
  },
  {
    name: 'provider-identity',
    description:
      "Deploy step: reports the provider key's peer ID (a stack output, and to the functions)",
    memoryMB: 256,
    timeoutSeconds: 60,
    bindings: { providerKey: 'read' },
    triggers: [{ kind: 'custom-resource', name: 'ProviderIdentity' }],
  },
  {
    name: 'pin-status',
    description:
      'Cron: follows up pins that are not final (polls providers, re-queues, retries, backfills), repairs interrupted writes, expires staged uploads',
    memoryMB: 1024,
    // Under the 5-minute rate; the run's lease makes overlap impossible anyway.
    timeoutSeconds: 240,
    // Staging to expire staged uploads never completed: abort their parts, remove objects.
    bindings: {
      table: 'readwrite',
      staging: 'readwrite',
      ingestQueue: 'send',
      pinQueue: 'send',
      providerSecrets: 'read',
      ipniQueue: 'send',
    },
    triggers: [{ kind: 'schedule', name: 'pin-status', rateMinutes: 5 }],
  },
  {
    name: 'scraper',
    description:
      'Cron: scans the CHAINS for NFT mints, records their tokens and requests pins of their CIDs',
    memoryMB: 1024,
    timeoutSeconds: 300,
    bindings: {
      // Tokens, cursors, its run lease and its pin requests.
      table: 'readwrite',
      // Metadata already stored here is read from its CARs instead of a gateway.
      carpark: 'read',
      // Pin requests go to the pin queue.
      pinQueue: 'send',
    },
    secretsOf: ['CHAINS'],
    triggers: [{ kind: 'schedule', name: 'scraper', rateMinutes: 5 }],
  },
  {
    name: 'stats',
    description: 'Cron: recomputes the usage totals from the records, repairing what crashes left',
    memoryMB: 1024,
    timeoutSeconds: 300,
    bindings: { table: 'readwrite+scan' },
    triggers: [{ kind: 'schedule', name: 'stats', rateMinutes: 360 }],
  },
] as const satisfies readonly FunctionSpec[];

export type FunctionName = (typeof functions)[number]['name'];

/** Days the staging bucket keeps an object before its lifecycle rule expires it. */
export const STAGING_LIFETIME_DAYS = 1;

export interface BucketNotification {
  bucket: BucketName;
  /** Keys that start with `prefix` and end with `suffix` (either may be absent). */
  prefix?: string;
  suffix?: string;
  queue: QueueName;
}

/** S3 ObjectCreated notifications, delivered as S3 event records to a queue. */
export const bucketNotifications = [
  { bucket: 'staging', prefix: 'cars/', queue: 'ingestQueue' },
  // Every CAR that lands in the carpark (uploads, ingested and copied staged CARs) is indexed.
  { bucket: 'carpark', suffix: '.car', queue: 'indexQueue' },
  // A CAR is advertised to IPNI once the indexer has stored its block list beside it.
  { bucket: 'carpark', suffix: '.blocks.cbor', queue: 'ipniQueue' },
] as const satisfies readonly BucketNotification[];

/** Whether a key falls under a notification's filter. */
export const notificationMatches = (
  n: Pick<BucketNotification, 'prefix' | 'suffix'>,
  key: string,
) => key.startsWith(n.prefix ?? '') && key.endsWith(n.suffix ?? '');

/** A stable id for a notification rule. */
export const notificationId = (n: BucketNotification) =>
  `${n.bucket}-${n.prefix ?? ''}${n.suffix ? `*${n.suffix}` : ''}-to-${n.queue}`;

/** Queue settings shared by the stack and the local event source driver. */
export const QUEUE_POLICY = {
  /** A message moves to the DLQ after this many receives. */
  maxReceiveCount: 3,
  /** DLQ retention. */
  dlqRetentionDays: 14,
  /** Work queue retention: SQS's maximum, so messages outlast a consumer outage (or absence). */
  retentionDays: 14,
  /** Visibility timeout = this multiple of the consumer's timeout (AWS recommends >= 6). */
  visibilityTimeoutFactor: 6,
} as const;

/** A trigger on the queue itself (not on its dead-letter queue). */
export const consumesQueue = (t: Trigger, queue: QueueName) =>
  t.kind === 'queue' && t.queue === queue && !t.deadLetters;

/** The functions that consume a queue. */
export function queueConsumers(queue: QueueName): readonly FunctionSpec[] {
  return functions.filter((fn) =>
    (fn.triggers as readonly Trigger[]).some((t) => consumesQueue(t, queue)),
  );
}

/** The queue triggers of a queue's consumers. */
const triggersOf = (queue: QueueName, consumers: readonly FunctionSpec[]) =>
  consumers.flatMap((fn) =>
    (fn.triggers as readonly Trigger[]).filter((t): t is Extract<Trigger, { kind: 'queue' }> =>
      consumesQueue(t, queue),
    ),
  );

/** Visibility timeout of the dead-letter queues: their consumers' redelivery time. */
export const DEAD_LETTER_VISIBILITY_SECONDS = 30;

/**
 * Visibility timeout for a queue: the prompt redelivery time when every consumer asks for one,
 * else 6x its slowest consumer's timeout (or 6x 30 s with no consumer yet).
 */
export function visibilityTimeoutSeconds(
  queue: QueueName,
  consumers: readonly FunctionSpec[] = queueConsumers(queue),
): number {
  const prompt = triggersOf(queue, consumers).map((t) => t.redelivery?.afterSeconds);
  if (prompt.length > 0 && prompt.every((seconds) => seconds !== undefined)) {
    return Math.max(...(prompt as number[]));
  }
  const slowest = Math.max(30, ...consumers.map((fn) => fn.timeoutSeconds));
  return slowest * QUEUE_POLICY.visibilityTimeoutFactor;
}
