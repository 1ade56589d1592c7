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
  bucketNotifications,
  type FunctionName,
  type FunctionSpec,
  functions,
  type QueueName,
  queueConsumers,
  type Trigger,
  visibilityTimeoutSeconds,
} from '../system/functions.ts';
import { OperationalAlarms } from './constructs/alarms.ts';
import { PinstackApi } from './constructs/http-api.ts';
import { PinstackFunction } from './constructs/pinstack-function.ts';
import { QueueConsumer } from './constructs/queue-consumer.ts';
import { ScheduledInvocation } from './constructs/scheduled-invocation.ts';
import { Storage } from './constructs/storage.ts';
import { createDeadLetterQueue, WorkQueue } from './constructs/work-queue.ts';
import { applyNagSuppressions } from './nag-suppressions.ts';
import type { StackConfig } from './stack-config.ts';

/** Output keys the admin CLI reads from the deployed stack. */
export const OUTPUT_KEYS = [
  'ApiUrl',
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
  readonly functions: Record<FunctionName, PinstackFunction>;
  readonly alarms: OperationalAlarms;

  constructor(scope: Construct, id: string, props: PinstackStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.storage = new Storage(this, 'Storage', {
      removalPolicy: config.removalPolicy,
      deletionProtection: config.deletionProtection,
    });

    this.queues = {
      ingestQueue: this.workQueue('ingestQueue'),
      pinQueue: this.workQueue('pinQueue'),
    };

    for (const notification of bucketNotifications) {
      this.storage.buckets[notification.bucket].addEventNotification(
        EventType.OBJECT_CREATED,
        new SqsDestination(this.queues[notification.queue].queue),
        { prefix: notification.prefix },
      );
    }

    this.api = new PinstackApi(this, 'Api', {
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
    });

    this.scheduleDeadLetterQueue = createDeadLetterQueue(this, 'ScheduleDeadLetterQueue');

    this.alarms = new OperationalAlarms(this, 'Alarms', { alarmTopicArn: config.alarmTopicArn });
    for (const [name, queue] of Object.entries(this.queues)) {
      const id = constructIdFor(name);
      // A queue nobody consumes yet (the pin queue) holds its messages by design.
      if (queueConsumers(name as QueueName).length > 0) this.alarms.watchWorkQueue(id, queue.queue);
      this.alarms.watchDeadLetterQueue(id, queue.deadLetterQueue);
    }
    this.alarms.watchDeadLetterQueue('Schedule', this.scheduleDeadLetterQueue);
    this.alarms.watchApi('Api', this.api.api);

    const built: Partial<Record<FunctionName, PinstackFunction>> = {};
    for (const spec of functions) {
      built[spec.name] = this.addFunction(spec, config);
    }
    this.functions = built as Record<FunctionName, PinstackFunction>;

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
    this.bind(fn, spec.bindings);
    this.alarms.watchFunction(id, fn.fn);

    const triggers: readonly Trigger[] = spec.triggers;
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
        new QueueConsumer(this, `${id}${constructIdFor(trigger.queue)}Consumer`, {
          fn: fn.fn,
          functionTimeout: Duration.seconds(spec.timeoutSeconds),
          queue: this.queues[trigger.queue],
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
      } else if (trigger.kind === 'schedule') {
        new ScheduledInvocation(this, `${constructIdFor(trigger.name)}Schedule`, {
          fn: fn.fn,
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

  private bind(fn: PinstackFunction, bindings: Bindings): void {
    if (bindings.table) fn.bindTable(this.storage.table, bindings.table);
    if (bindings.staging) fn.bindBucket('staging', this.storage.buckets.staging, bindings.staging);
    if (bindings.carpark) fn.bindBucket('carpark', this.storage.buckets.carpark, bindings.carpark);
    if (bindings.ingestQueue) {
      fn.bindQueue('ingestQueue', this.queues.ingestQueue.queue, bindings.ingestQueue);
    }
    if (bindings.pinQueue) fn.bindQueue('pinQueue', this.queues.pinQueue.queue, bindings.pinQueue);
  }

  private addOutputs(): void {
    const values: Record<OutputKey, { value: string; description: string }> = {
      ApiUrl: { value: this.api.url, description: 'Base URL of the pinstack API' },
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
