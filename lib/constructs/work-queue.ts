/**
 * A work queue that always comes with its dead-letter queue: SQS-managed encryption, TLS only,
 * redrive after QUEUE_POLICY.maxReceiveCount receives, and a DLQ that keeps messages long
 * enough for someone to look at them.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_POLICY } from '../../system/functions.ts';

export interface WorkQueueProps {
  /** Must cover the consumer's timeout (AWS: >= 6x); QueueConsumer checks it. */
  visibilityTimeout: Duration;
  /** The DLQ's, when a function consumes the DLQ too (SQS's default of 30 s otherwise). */
  deadLetterVisibilityTimeout?: Duration;
}

/** A queue a QueueConsumer can consume: the queue and the visibility it was made with. */
export interface ConsumableQueue {
  queue: Queue;
  visibilityTimeout: Duration;
}

/** Encryption and TLS settings every queue in the stack shares, DLQs included. */
export const SECURE_QUEUE_DEFAULTS = {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
} as const;

/** A queue that only ever receives failed messages; kept for QUEUE_POLICY.dlqRetentionDays. */
export function createDeadLetterQueue(
  scope: Construct,
  id: string,
  visibilityTimeout?: Duration,
): Queue {
  return new Queue(scope, id, {
    ...SECURE_QUEUE_DEFAULTS,
    ...(visibilityTimeout ? { visibilityTimeout } : {}),
    retentionPeriod: Duration.days(QUEUE_POLICY.dlqRetentionDays),
    // BY_QUEUE naming the source queue would be a CloudFormation cycle (the source's redrive
    // policy already references this queue) unless queue names were fixed, which pinstack
    // avoids so resources can be replaced; so the permission is stated, not narrowed.
    redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
  });
}

export class WorkQueue extends Construct implements ConsumableQueue {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly visibilityTimeout: Duration;
  /** The DLQ as something to consume, when it was given a visibility timeout for that. */
  readonly deadLetters: ConsumableQueue | undefined;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.visibilityTimeout = props.visibilityTimeout;
    this.deadLetterQueue = createDeadLetterQueue(
      this,
      'DeadLetterQueue',
      props.deadLetterVisibilityTimeout,
    );
    this.deadLetters = props.deadLetterVisibilityTimeout
      ? { queue: this.deadLetterQueue, visibilityTimeout: props.deadLetterVisibilityTimeout }
      : undefined;
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
