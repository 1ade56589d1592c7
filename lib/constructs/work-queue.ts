/**
 * A work queue that always comes with its dead-letter queue: SQS-managed encryption, TLS only,
 * redrive after QUEUE_POLICY.maxReceiveCount receives, and a DLQ that keeps messages long
 * enough for someone to look at them.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { QUEUE_POLICY } from '../../system/functions.ts';
import { OperationalAlarms } from './alarms.ts';

export interface WorkQueueProps {
  /** Must cover the consumer's timeout (AWS: >= 6x); QueueConsumer checks it. */
  visibilityTimeout: Duration;
}

/** Encryption and TLS settings every queue in the stack shares, DLQs included. */
export const SECURE_QUEUE_DEFAULTS = {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
} as const;

/**
 * A queue that only ever receives failed messages; kept for QUEUE_POLICY.dlqRetentionDays, and
 * alarmed on the first message it holds.
 */
export function createDeadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    ...SECURE_QUEUE_DEFAULTS,
    retentionPeriod: Duration.days(QUEUE_POLICY.dlqRetentionDays),
    // BY_QUEUE naming the source queue would be a CloudFormation cycle (the source's redrive
    // policy already references this queue) unless queue names were fixed, which pinstack
    // avoids so resources can be replaced; so the permission is stated, not narrowed.
    redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
  });
  OperationalAlarms.of(scope).watchDeadLetterQueue(alarmIdOf(queue), queue);
  return queue;
}

/** A construct's path in its stack as an id: `IngestQueue/DeadLetterQueue` -> `IngestQueueDeadLetterQueue`. */
export const alarmIdOf = (construct: IConstruct) =>
  construct.node.path
    .split('/')
    .slice(1)
    .join('')
    .replace(/[^A-Za-z0-9]/g, '');

export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.visibilityTimeout = props.visibilityTimeout;
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new Queue(this, 'Queue', {
      ...SECURE_QUEUE_DEFAULTS,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(QUEUE_POLICY.retentionDays),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: QUEUE_POLICY.maxReceiveCount,
      },
    });
  }
}
