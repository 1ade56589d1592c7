/**
 * A work queue that always comes with its dead-letter queue: SQS-managed encryption, TLS only,
 * redrive after QUEUE_POLICY.maxReceiveCount receives, and a DLQ that keeps messages long
 * enough for someone to look at them.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { DEAD_LETTER_VISIBILITY_SECONDS, QUEUE_POLICY } from '../../system/functions.ts';
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
 * alarmed on the first message it holds. A consumer of it gets a message back
 * DEAD_LETTER_VISIBILITY_SECONDS after failing on it.
 */
export function createDeadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    ...SECURE_QUEUE_DEFAULTS,
    retentionPeriod: Duration.days(QUEUE_POLICY.dlqRetentionDays),
    visibilityTimeout: Duration.seconds(DEAD_LETTER_VISIBILITY_SECONDS),
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
  /** The dead-letter queue, as a consumer of it sees it. */
  readonly deadLetters: { queue: Queue; visibilityTimeout: Duration };

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.visibilityTimeout = props.visibilityTimeout;
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue');
    this.deadLetters = {
      queue: this.deadLetterQueue,
      visibilityTimeout: Duration.seconds(DEAD_LETTER_VISIBILITY_SECONDS),
    };
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
