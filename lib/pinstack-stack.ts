/**
 * The whole pinstack deployment as one stack, assembled from lib/catalog.ts: every function,
 * route, queue consumer, schedule and bucket notification comes from the catalog, so adding a
 * function there is all it takes to deploy it.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type Bindings,
  type BucketNotification,
  bucketNotifications,
  type FunctionName,
  type FunctionSpec,
  functions,
  QUEUE_NAMES,
  type QueueName,
  type Trigger,
  visibilityTimeoutSeconds,
} from '../system/functions.ts';
import { OperationalAlarms } from './constructs/alarms.ts';
import { ApiCdn, CdnLogs, GatewayCdn } from './constructs/cdn.ts';
import { OperationsDashboard } from './constructs/dashboard.ts';
import { PinstackApi } from './constructs/http-api.ts';
import { PinstackFunction } from './constructs/pinstack-function.ts';
import { QueueConsumer } from './constructs/queue-consumer.ts';
import { ScheduledInvocation } from './constructs/scheduled-invocation.ts';
import { Storage } from './constructs/storage.ts';
import { createDeadLetterQueue, WorkQueue } from './constructs/work-queue.ts';
import { applyNagSuppressions } from './nag-suppressions.ts';
import { grantProviderSecrets } from './provider-secrets.ts';
import type { StackConfig } from './stack-config.ts';

/** Output keys the admin CLI reads from the deployed stack. */
export const OUTPUT_KEYS = [
  'ApiUrl',
  'GatewayUrl',
  'TableName',
  'StagingBucketName',
  'CarparkBucketName',
  'IngestQueueUrl',
  'PinQueueUrl',
] as const;
export type OutputKey = (typeof OUTPUT_KEYS)[number];

export interface PinstackStackProps extends StackProps {
  config: StackConfig;
}

/** 'api-public' -> 'ApiPublic': construct ids derived from catalog names. */
export const constructIdFor = (name: string) =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

export class PinstackStack extends Stack {
  readonly storage: Storage;
  readonly queues: Record<QueueName, WorkQueue>;
  readonly scheduleDeadLetterQueue: Queue;
  readonly api: PinstackApi;
  readonly cdnLogs: CdnLogs;
  readonly apiCdn: ApiCdn;
  /** The gateway's distribution, by the name of the function with the `url` trigger. */
  readonly gatewayCdn: GatewayCdn;
  readonly functions: Record<FunctionName, PinstackFunction>;
  readonly alarms: OperationalAlarms;

  constructor(scope: Construct, id: string, props: PinstackStackProps) {
    super(scope, id, props);
    const { config } = props;

    // First, so the house constructs below raise their alarms with its actions.
    this.alarms = new OperationalAlarms(this, { alarmTopicArn: config.alarmTopicArn });

    this.storage = new Storage(this, 'Storage', {
      removalPolicy: config.removalPolicy,
      deletionProtection: config.deletionProtection,
    });

    this.queues = Object.fromEntries(
      QUEUE_NAMES.map((name) => [name, this.workQueue(name)]),
    ) as Record<QueueName, WorkQueue>;

    for (const notification of bucketNotifications as readonly BucketNotification[]) {
      this.storage.buckets[notification.bucket].addEventNotification(
        EventType.OBJECT_CREATED,
        new SqsDestination(this.queues[notification.queue].queue),
        { prefix: notification.prefix, suffix: notification.suffix },
      );
    }

    this.api = new PinstackApi(this, 'Api', {
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
    });

    this.cdnLogs = new CdnLogs(this, 'CdnLogs', {
      removalPolicy: config.removalPolicy,
      accessLogBucket: this.storage.accessLogBucket,
    });
    this.apiCdn = new ApiCdn(this, 'ApiCdn', {
      api: this.api.api,
      maxInlineUploadBytes: config.maxInlineUploadBytes,
      logBucket: this.cdnLogs.bucket,
    });

    this.scheduleDeadLetterQueue = createDeadLetterQueue(this, 'ScheduleDeadLetterQueue');

    const built: Partial<Record<FunctionName, PinstackFunction>> = {};
    for (const spec of functions) {
      built[spec.name] = this.addFunction(spec, config);
    }
    this.functions = built as Record<FunctionName, PinstackFunction>;

    const origins = functions.filter((spec) =>
      (spec.triggers as readonly Trigger[]).some((t) => t.kind === 'url'),
    );
    if (origins.length !== 1 || !origins[0]) {
      throw new Error(`exactly one function must be the gateway's origin, found ${origins.length}`);
    }
    this.gatewayCdn = new GatewayCdn(this, 'GatewayCdn', {
      fn: this.functions[origins[0].name].fn,
      logBucket: this.cdnLogs.bucket,
    });

    new OperationsDashboard(this, 'Operations', {
      api: this.api.api,
      functions: Object.values(this.functions).map((f) => ({
        name: f.spec.name,
        fn: f.fn,
        logGroup: f.logGroup,
        memoryMB: f.spec.memoryMB,
      })),
      queues: Object.entries(this.queues).map(([name, q]) => ({
        name,
        queue: q.queue,
        deadLetterQueue: q.deadLetterQueue,
      })),
      schedules: functions.flatMap((fn) =>
        (fn.triggers as readonly Trigger[]).flatMap((t) => (t.kind === 'schedule' ? [t.name] : [])),
      ),
      table: this.storage.table,
    });

    this.addOutputs();
    applyNagSuppressions(this);
  }

  private workQueue(name: QueueName): WorkQueue {
    return new WorkQueue(this, constructIdFor(name), {
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(name)),
    });
  }

  private addFunction(spec: FunctionSpec, config: StackConfig): PinstackFunction {
    const id = constructIdFor(spec.name);
    const fn = new PinstackFunction(this, id, {
      spec,
      environment: config.functionEnvironment,
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      secrets: (spec.secretsOf ?? []).flatMap((setting) => config.settingSecrets[setting] ?? []),
    });
    this.bind(fn, spec.bindings, config);

    const triggers: readonly Trigger[] = spec.triggers;
    if (triggers.some((t) => t.kind === 'schedule' || t.kind === 'queue')) {
      fn.bindOpsRecords(this.storage.table);
    }
    const httpTriggers = triggers.filter((t) => t.kind === 'http');
    if (httpTriggers.length > 0) {
      const integration = this.api.integration(`${id}Integration`, fn.fn);
      for (const route of httpTriggers) this.api.addRoute(route.method, route.path, integration);
    }

    for (const trigger of triggers) {
      if (trigger.kind === 'queue') {
        if (!String(spec.bindings[trigger.queue]).includes('consume')) {
          throw new Error(`${spec.name}: consumes ${trigger.queue} without a 'consume' binding`);
        }
        const work = this.queues[trigger.queue];
        const source = trigger.deadLetters ? 'DeadLetters' : '';
        new QueueConsumer(this, `${id}${constructIdFor(trigger.queue)}${source}Consumer`, {
          fn: fn.fn,
          functionTimeout: Duration.seconds(spec.timeoutSeconds),
          queue: trigger.deadLetters ? work.deadLetters : work,
          batchSize: trigger.batchSize,
          maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
          ...(trigger.redelivery
            ? {
                redelivery: {
                  after: Duration.seconds(trigger.redelivery.afterSeconds),
                  maxConcurrency: trigger.redelivery.maxConcurrency,
                },
              }
            : {}),
          reportBatchItemFailures: true,
        });
        if (trigger.deadLetters) this.alarms.watchDeadLetterConsumer(id, fn.fn);
      } else if (trigger.kind === 'schedule') {
        new ScheduledInvocation(this, `${constructIdFor(trigger.name)}Schedule`, {
          fn: fn.fn,
          name: trigger.name,
          rateMinutes: trigger.rateMinutes,
          description: `pinstack ${trigger.name}: ${spec.description}`,
          deadLetterQueue: this.scheduleDeadLetterQueue,
        });
      }
    }

    for (const [queue, access] of Object.entries(spec.bindings)) {
      const consumed = triggers.some((t) => t.kind === 'queue' && t.queue === queue);
      if (String(access).includes('consume') && !consumed) {
        throw new Error(`${spec.name}: binds ${queue} as 'consume' but has no queue trigger`);
      }
    }
    return fn;
  }

  private bind(fn: PinstackFunction, bindings: Bindings, config: StackConfig): void {
    if (bindings.table) fn.bindTable(this.storage.table, bindings.table);
    if (bindings.staging) fn.bindBucket('staging', this.storage.buckets.staging, bindings.staging);
    if (bindings.carpark) fn.bindBucket('carpark', this.storage.buckets.carpark, bindings.carpark);
    if (bindings.ingestQueue) {
      fn.bindQueue('ingestQueue', this.queues.ingestQueue.queue, bindings.ingestQueue);
    }
    if (bindings.pinQueue) fn.bindQueue('pinQueue', this.queues.pinQueue.queue, bindings.pinQueue);
    if (bindings.indexQueue) {
      fn.bindQueue('indexQueue', this.queues.indexQueue.queue, bindings.indexQueue);
    }
    if (bindings.queueStats) fn.bindQueueStats(this.queues);
    if (bindings.providerSecrets) grantProviderSecrets(fn, config.pinProviders);
  }

  private addOutputs(): void {
    const values: Record<OutputKey, { value: string; description: string }> = {
      ApiUrl: {
        value: this.apiCdn.url,
        description: 'Base URL of the pinstack API (CloudFront in front of API Gateway)',
      },
      GatewayUrl: {
        value: this.gatewayCdn.url,
        description: 'Base URL of the IPFS gateway (/ipfs/<cid>), its own origin',
      },
      TableName: { value: this.storage.table.tableName, description: 'DynamoDB table' },
      StagingBucketName: {
        value: this.storage.buckets.staging.bucketName,
        description: 'Bucket uploads are staged in before ingest',
      },
      CarparkBucketName: {
        value: this.storage.buckets.carpark.bucketName,
        description: 'Bucket holding validated CARs',
      },
      IngestQueueUrl: {
        value: this.queues.ingestQueue.queue.queueUrl,
        description: 'Ingest queue',
      },
      PinQueueUrl: { value: this.queues.pinQueue.queue.queueUrl, description: 'Pin queue' },
    };
    for (const key of OUTPUT_KEYS) new CfnOutput(this, key, values[key]);
  }
}
