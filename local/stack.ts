/**
 * The local stack: the same handlers as on AWS, driven the way AWS drives them — an HTTP API
 * gateway, SQS event source mappings, S3 -> SQS notifications and schedules — on the embedded
 * emulators (or on DynamoDB Local / LocalStack / AWS endpoints given by env).
 */

import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { headersTooLargeMessage, payloadTooLargeMessage } from '../contract/errors.ts';
import type { ErrorCode } from '../contract/schema.ts';
import {
  type BucketName,
  bucketNotifications,
  functions as catalogFunctions,
  consumesQueue,
  type FunctionSpec,
  notificationId,
  QUEUE_NAMES,
  type QueueName,
  type Trigger,
  visibilityTimeoutSeconds,
} from '../system/functions.ts';
import { API_GATEWAY_HEADER_BYTES } from '../system/platform.ts';
import { readSettings, settingNames } from '../system/settings.ts';
import { EMULATOR_PART_BYTES, startEmulators } from './emulators.ts';
import { type EventSources, type QueueSource, startEventSources } from './event-source.ts';
import { armCrash } from './faults.ts';
import { type FunctionUrlServer, startFunctionUrl } from './function-url.ts';
import { type Gateway, type HttpResponse, startGateway } from './gateway.ts';
import {
  Activity,
  FunctionRuntime,
  type HandlerLoader,
  LOCAL_ACCOUNT_ID,
  type Logger,
  moduleHandlerLoader,
} from './lambda.ts';
import { type NotificationTarget, startS3NotificationProxy } from './notifications.ts';
import { localProvider } from './provider.ts';
import {
  configureNativeNotifications,
  dlqName,
  ensureBucket,
  ensureQueueWithDlq,
  ensureTable,
  type ProvisionedQueue,
  resourceNames,
} from './resources.ts';
import { type ScheduleEntry, type Scheduler, startScheduler } from './scheduler.ts';
import {
  applyStackEnv,
  findLocalStack,
  type LocalStackEnv,
  removeStackFile,
  resolveDataDir,
  writeStackFile,
} from './stack-file.ts';

export type { LocalStackEnv } from './stack-file.ts';
export { readLocalStack } from './stack-file.ts';

export interface LocalStackOptions {
  /** Where state and stack.json live; default $PINSTACK_DATA_DIR or `.pinstack`. */
  dataDir?: string;
  /** API port; default $PORT or 8787; 0 picks a free one. */
  port?: number;
  /** IPFS gateway port; default $GATEWAY_PORT or 8788; 0 picks a free one. */
  gatewayPort?: number;
  /** Keep emulator state under dataDir across restarts (default); false keeps it in memory. */
  persist?: boolean;
  /** The functions to serve; default the catalog. */
  functions?: readonly FunctionSpec[];
  /** Default: import `lambdas/handlers/<name>.ts` from this repository. */
  loadHandler?: HandlerLoader;
  /** Run the catalog schedules (default true). */
  schedules?: boolean;
  /** Override every queue's visibility timeout, so tests see redeliveries quickly. */
  visibilityTimeoutSeconds?: number;
  /** Override every consumer's batching window, so tests do not wait for batches to fill. */
  batchingWindowSeconds?: number;
  /** Long-poll wait of the queue pollers (default 1s; also bounds how long stop waits). */
  pollWaitSeconds?: number;
  /** Fixed emulator/proxy ports (default: free ones). */
  emulatorPorts?: { dynamodb?: number; fauxqs?: number; s3?: number };
  /**
   * Where PORT, AWS_REGION, endpoint and name overrides and PINSTACK_CRASH_AT are read;
   * default process.env.
   */
  env?: NodeJS.ProcessEnv;
  /** Default: request lines dropped, errors to stderr. */
  log?: Logger;
}

export interface LocalStack {
  apiUrl: string;
  /** The IPFS gateway's origin (the function with a `url` trigger), when it is served. */
  gatewayUrl?: string;
  dataDir: string;
  region: string;
  env: LocalStackEnv;
  queues: Record<QueueName, ProvisionedQueue>;
  /**
   * Resolves once nothing is in flight and every consumed queue is empty (messages either
   * handled or moved to their DLQ). Rejects after timeoutMs (default 30s).
   */
  idle(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops HTTP, waits for in-flight work, stops pollers, schedules and emulators. */
  stop(): Promise<void>;
}

const defaultLogger: Logger = {
  info() {},
  error: (line, error) => console.error(line, error ?? ''),
};

/** Data dirs owned by a stack running in this process. */
const activeDataDirs = new Set<string>();

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLogger;
  const functions = options.functions ?? catalogFunctions;
  const dataDir = resolveDataDir(options.dataDir, env);
  await mkdir(dataDir, { recursive: true });
  const running = await findLocalStack(dataDir);
  if (activeDataDirs.has(dataDir) || (running && running.pid !== process.pid)) {
    throw new Error(
      `a local stack is already running in ${dataDir}` +
        (running ? ` (pid ${running.pid}, ${running.apiUrl})` : ''),
    );
  }
  activeDataDirs.add(dataDir);

  const cleanup: (() => Promise<void> | void)[] = [() => void activeDataDirs.delete(dataDir)];
  const runCleanup = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };

  try {
    // The functions' settings come from this process's environment: checked here, at start,
    // and handed to every handler (and, through stack.json, to `pinstack run`).
    const functionSettings = readSettings(['function'], (name) => env[name]);
    const localSettings = readSettings(['local'], (name) => env[name]);
    const crashAt = localSettings.PINSTACK_CRASH_AT;
    const settingsEnv: Record<string, string> = {};
    for (const name of settingNames('function')) {
      const value = env[name];
      if (value) settingsEnv[name] = value;
    }
    const embeddedS3 = !env.PINSTACK_S3_ENDPOINT;
    // The embedded S3 emulator takes at most EMULATOR_REQUEST_BYTES a request: parts stay under.
    if (embeddedS3 && !settingsEnv.STAGED_PART_BYTES) {
      settingsEnv.STAGED_PART_BYTES = String(EMULATOR_PART_BYTES);
    }
    const region = env.AWS_REGION || 'us-east-1';
    // Credentials first: SDK clients resolve them from the environment.
    if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
      process.env.AWS_ACCESS_KEY_ID = 'local';
      process.env.AWS_SECRET_ACCESS_KEY = 'local';
      cleanup.push(() => {
        delete process.env.AWS_ACCESS_KEY_ID;
        delete process.env.AWS_SECRET_ACCESS_KEY;
      });
    }

    const external = {
      dynamodb: env.PINSTACK_DYNAMODB_ENDPOINT || undefined,
      s3: env.PINSTACK_S3_ENDPOINT || undefined,
      sqs: env.PINSTACK_SQS_ENDPOINT || undefined,
    };
    const emulators =
      external.dynamodb && external.s3 && external.sqs
        ? undefined
        : await startEmulators({
            dataDir: options.persist === false ? undefined : dataDir,
            dynamodbPort: options.emulatorPorts?.dynamodb,
            fauxqsPort: options.emulatorPorts?.fauxqs,
          });
    if (emulators) cleanup.push(() => emulators.stop());
    const endpoints = {
      dynamodb: external.dynamodb ?? (emulators?.dynamodbEndpoint as string),
      s3: external.s3 ?? (emulators?.s3Endpoint as string),
      sqs: external.sqs ?? (emulators?.sqsEndpoint as string),
    };

    const dynamo = new DynamoDBClient({ region, endpoint: endpoints.dynamodb });
    const s3 = new S3Client({ region, endpoint: endpoints.s3, forcePathStyle: true });
    const sqs = new SQSClient({ region, endpoint: endpoints.sqs });
    cleanup.push(() => {
      dynamo.destroy();
      s3.destroy();
      sqs.destroy();
    });

    const names = resourceNames(env);
    await ensureTable(dynamo, names.table, {
      timeToLive: Boolean(external.dynamodb),
      warn: (message, error) => log.error(message, error),
    });
    await ensureBucket(s3, names.staging, region);
    await ensureBucket(s3, names.carpark, region);
    await ensureBucket(s3, names.ipni, region);
    const visibility = (queue: QueueName) => {
      const consumers = functions.filter((fn) =>
        (fn.triggers as readonly Trigger[]).some((t) => consumesQueue(t, queue)),
      );
      // A poller holds the first messages of a batch while its batching window fills it, so a
      // shortened visibility must still outlast the window, or they come back mid-batch.
      const window = Math.max(
        0,
        ...consumers.flatMap((fn) =>
          (fn.triggers as readonly Trigger[]).flatMap((t) =>
            t.kind === 'queue' && consumesQueue(t, queue)
              ? [options.batchingWindowSeconds ?? t.maxBatchingWindowSeconds]
              : [],
          ),
        ),
      );
      return options.visibilityTimeoutSeconds !== undefined
        ? Math.max(options.visibilityTimeoutSeconds, window + 1)
        : visibilityTimeoutSeconds(queue, consumers);
    };
    const queues = {} as Record<QueueName, ProvisionedQueue>;
    for (const queue of QUEUE_NAMES) {
      queues[queue] = await ensureQueueWithDlq(sqs, names[queue], visibility(queue));
    }
    if (!external.sqs) {
      // A persisted queue keeps the URL (and port) it was created with; fauxqs looks queues up
      // by name whatever the host and port, so advertise URLs on the current endpoint.
      for (const queue of Object.values(queues)) {
        queue.url = `${endpoints.sqs}/${LOCAL_ACCOUNT_ID}/${queue.name}`;
        queue.dlq.url = `${endpoints.sqs}/${LOCAL_ACCOUNT_ID}/${dlqName(queue.name)}`;
      }
    }

    const activity = new Activity();
    const bucketName = { staging: names.staging, carpark: names.carpark, ipni: names.ipni };
    let s3Endpoint = endpoints.s3;
    if (!external.s3) {
      const targets: NotificationTarget[] = bucketNotifications.map((n) => ({
        ...n,
        bucket: bucketName[n.bucket],
        queueUrl: queues[n.queue].url,
        configurationId: notificationId(n),
      }));
      const proxy = await startS3NotificationProxy({
        upstream: endpoints.s3,
        targets,
        sqs,
        region,
        activity,
        log,
        port: options.emulatorPorts?.s3,
        ...(options.persist === false
          ? {}
          : { multipartLog: join(dataDir, 'multipart-uploads.jsonl') }),
      });
      cleanup.push(() => proxy.stop());
      s3Endpoint = proxy.endpoint;
    } else {
      await configureExternalNotifications(s3, bucketName, queues, log);
    }

    // Known before any handler loads: the provider names the gateway's address in its answers.
    const gatewayPort = await concretePort(options.gatewayPort ?? localSettings.GATEWAY_PORT);
    const stackEnv: LocalStackEnv = {
      ...settingsEnv,
      TABLE_NAME: names.table,
      STAGING_BUCKET: names.staging,
      CARPARK_BUCKET: names.carpark,
      IPNI_BUCKET: names.ipni,
      INGEST_QUEUE_URL: queues.ingestQueue.url,
      PIN_QUEUE_URL: queues.pinQueue.url,
      INDEX_QUEUE_URL: queues.indexQueue.url,
      IPNI_QUEUE_URL: queues.ipniQueue.url,
      ...(await localProvider(dataDir, env, gatewayPort)),
      QUEUE_URLS: JSON.stringify(
        Object.fromEntries(
          Object.entries(queues).map(([name, queue]) => [
            name,
            { url: queue.url, dlq: queue.dlq.url },
          ]),
        ),
      ),
      PINSTACK_DYNAMODB_ENDPOINT: endpoints.dynamodb,
      PINSTACK_S3_ENDPOINT: s3Endpoint,
      PINSTACK_SQS_ENDPOINT: endpoints.sqs,
      AWS_REGION: region,
    };
    // Handlers read their config when their module loads, so the env is set before any loads.
    cleanup.push(applyStackEnv(stackEnv));
    if (crashAt) {
      log.info(`PINSTACK_CRASH_AT=${crashAt}: this stack kills itself at the first such write`);
      cleanup.push(armCrash(crashAt, stackEnv));
    }

    const loader = options.loadHandler ?? moduleHandlerLoader();
    const runtimes = functions.map(
      (fn) => new FunctionRuntime({ fn, loader, region, activity, log }),
    );
    cleanup.push(() => activity.settled());

    const queueSources: QueueSource[] = runtimes.flatMap((runtime) =>
      runtime.fn.triggers.flatMap((trigger) => {
        if (trigger.kind !== 'queue') return [];
        const queue = queues[trigger.queue];
        const source = trigger.deadLetters
          ? { url: queue.dlq.url, arn: queue.dlq.arn, name: dlqName(queue.name) }
          : queue;
        const batching = {
          ...trigger,
          maxBatchingWindowSeconds:
            options.batchingWindowSeconds ?? trigger.maxBatchingWindowSeconds,
        };
        return [
          {
            runtime,
            trigger: batching,
            queueUrl: source.url,
            queueArn: source.arn,
            name: source.name,
          },
        ];
      }),
    );
    const eventSources: EventSources = startEventSources({
      sqs,
      sources: queueSources,
      region,
      log,
      pollWaitSeconds: options.pollWaitSeconds,
    });
    cleanup.push(() => eventSources.stop());

    if (options.schedules !== false) {
      const entries: ScheduleEntry[] = runtimes.flatMap((runtime) =>
        runtime.fn.triggers.flatMap((trigger) =>
          trigger.kind === 'schedule' ? [{ runtime, trigger }] : [],
        ),
      );
      const scheduler: Scheduler = startScheduler({ entries, region, log });
      cleanup.push(() => scheduler.stop());
    }

    const port = options.port ?? localSettings.PORT;
    const gateway: Gateway = await startGateway({
      runtimes,
      port,
      log,
      tooLarge: (bodyBytes) =>
        refusal(
          413,
          'ERROR_PAYLOAD_TOO_LARGE',
          payloadTooLargeMessage(functionSettings.MAX_INLINE_UPLOAD_BYTES, bodyBytes),
        ),
      headersTooLarge: (headerBytes) =>
        refusal(431, 'HTTP_ERROR', headersTooLargeMessage(API_GATEWAY_HEADER_BYTES, headerBytes)),
    });
    cleanup.push(() => gateway.stop());

    // A function with a `url` trigger is its own origin (the IPFS gateway): a server of its own.
    const urlRuntime = runtimes.find((runtime) =>
      runtime.fn.triggers.some((t) => t.kind === 'url'),
    );
    let functionUrl: FunctionUrlServer | undefined;
    if (urlRuntime) {
      functionUrl = await startFunctionUrl({
        runtime: urlRuntime,
        port: gatewayPort,
        log,
      });
      cleanup.push(() => functionUrl?.stop());
    }

    await writeStackFile(dataDir, {
      pid: process.pid,
      apiUrl: gateway.url,
      ...(functionUrl ? { gatewayUrl: functionUrl.url } : {}),
      region,
      env: stackEnv,
    });
    cleanup.push(() => removeStackFile(dataDir));

    const consumedQueues = [
      ...new Map(queueSources.map((s) => [s.queueUrl, { name: s.name, url: s.queueUrl }])).values(),
    ];
    /** Messages still waiting in each consumed queue (ready, in flight or delayed). */
    const pendingMessages = async () => {
      const pending: { name: string; ready: number; inFlight: number; delayed: number }[] = [];
      for (const queue of consumedQueues) {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue.url,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const ready = Number(Attributes.ApproximateNumberOfMessages ?? 0);
        const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
        const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
        if (ready + inFlight + delayed > 0)
          pending.push({ name: queue.name, ready, inFlight, delayed });
      }
      return pending;
    };

    let stopping: Promise<void> | undefined;
    return {
      apiUrl: gateway.url,
      ...(functionUrl ? { gatewayUrl: functionUrl.url } : {}),
      dataDir,
      region,
      env: stackEnv,
      queues,
      async idle({ timeoutMs = 30_000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        // Two quiet checks in a row: a handler may enqueue work just as the first one passes.
        for (let quietChecks = 0; quietChecks < 2; ) {
          const pending = activity.count === 0 ? await pendingMessages() : undefined;
          quietChecks = pending?.length === 0 && activity.count === 0 ? quietChecks + 1 : 0;
          if (quietChecks === 2) return;
          if (Date.now() > deadline) {
            const queueStates = (pending ?? (await pendingMessages())).map(
              (q) => `${q.name}: ${q.ready} ready, ${q.inFlight} in flight, ${q.delayed} delayed`,
            );
            throw new Error(
              `local stack not idle after ${timeoutMs}ms: ${activity.count} invocation(s) or ` +
                `deliveries in flight; ${queueStates.join('; ') || 'queues empty'} (a failed ` +
                'message is in flight until its visibility timeout expires)',
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      },
      stop() {
        stopping ??= runCleanup();
        return stopping;
      },
    };
  } catch (error) {
    await runCleanup();
    throw error;
  }
}

async function configureExternalNotifications(
  s3: S3Client,
  bucketName: Record<BucketName, string>,
  queues: Record<QueueName, ProvisionedQueue>,
  log: Logger,
) {
  for (const bucket of Object.keys(bucketName) as BucketName[]) {
    const rules = bucketNotifications
      .filter((n) => n.bucket === bucket)
      .map((n) => ({ ...n, queueArn: queues[n.queue].arn, id: notificationId(n) }));
    if (rules.length === 0) continue;
    try {
      await configureNativeNotifications(s3, bucketName[bucket], rules);
    } catch (error) {
      log.error(
        `could not configure S3 notifications on ${bucketName[bucket]}; uploads will not reach ` +
          'their queue (use the embedded S3 emulator or LocalStack)',
        error,
      );
    }
  }
}

/**
 * A request refused before it reaches a function, in the nft.storage error envelope, as the CDN
 * in front of the deployed API answers it (e.g. a body over the inline limit, whatever its size).
 */
function refusal(statusCode: number, code: ErrorCode, message: string): HttpResponse {
  return {
    statusCode,
    headers: [['content-type', 'application/json;charset=UTF-8']],
    body: Buffer.from(JSON.stringify({ ok: false, error: { code, message } })),
  };
}

/** `port`, or for 0 a port free now (the gateway binds it moments later). */
async function concretePort(port: number): Promise<number> {
  if (port !== 0) return port;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port: free } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}
