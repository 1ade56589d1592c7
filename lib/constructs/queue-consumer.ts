/**
 * A Lambda consuming a WorkQueue. Every consumer states its failure semantics up front: batch
 * size, batching window and partial batch responses are required props, the queue type always
 * carries a DLQ, and a visibility timeout shorter than the AWS-recommended multiple of the
 * function timeout is rejected at synth — unless the consumer asks for prompt redelivery and
 * caps its concurrency (see PromptRedelivery in the catalog).
 */
import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_POLICY } from '../../system/functions.ts';
import { OperationalAlarms } from './alarms.ts';
import { alarmIdOf } from './work-queue.ts';

export interface QueueConsumerProps {
  fn: IFunction;
  /** The function's timeout; the queue's visibility timeout must be >= 6x this, unless prompt. */
  functionTimeout: Duration;
  /** Redeliver sooner than 6x the timeout, polling at most `maxConcurrency` batches at once. */
  redelivery?: { after: Duration; maxConcurrency: number };
  /** A WorkQueue, or its dead-letter queue (with that queue's visibility timeout). */
  queue: { queue: IQueue; visibilityTimeout: Duration };
  batchSize: number;
  maxBatchingWindow: Duration;
  /** Handlers return SQSBatchResponse so one bad record does not retry the whole batch. */
  reportBatchItemFailures: true;
}

export class QueueConsumerError extends Error {
  override name = 'QueueConsumerError';
}

export class QueueConsumer extends Construct {
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const { batchSize, maxBatchingWindow, queue } = props;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new QueueConsumerError(`${id}: batchSize must be an integer in 1..10000`);
    }
    // SQS allows batches over 10 only with a batching window (AWS event source mapping rule).
    if (batchSize > 10 && maxBatchingWindow.toSeconds() < 1) {
      throw new QueueConsumerError(`${id}: batchSize > 10 needs a batching window of >= 1s`);
    }
    const visibility = queue.visibilityTimeout.toSeconds();
    const timeout = props.functionTimeout.toSeconds();
    const factor = QUEUE_POLICY.visibilityTimeoutFactor;
    const { redelivery } = props;
    if (redelivery) {
      // AWS refuses a mapping whose queue hides messages for less than the function may run.
      if (visibility < timeout) {
        throw new QueueConsumerError(
          `${id}: visibility timeout ${visibility}s is under the consumer timeout (${timeout}s); ` +
            'AWS refuses the mapping',
        );
      }
      const { maxConcurrency } = redelivery;
      if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
        throw new QueueConsumerError(`${id}: maxConcurrency must be an integer in 2..1000`);
      }
    } else if (visibility < timeout * factor) {
      throw new QueueConsumerError(
        `${id}: visibility timeout ${visibility}s is under ${factor}x the consumer timeout ` +
          `(${timeout * factor}s); messages would be redelivered mid-flight`,
      );
    }
    this.eventSource = new SqsEventSource(queue.queue, {
      batchSize,
      maxBatchingWindow,
      reportBatchItemFailures: props.reportBatchItemFailures,
      ...(redelivery ? { maxConcurrency: redelivery.maxConcurrency } : {}),
    });
    props.fn.addEventSource(this.eventSource);
    // Consumed work that waits too long means this consumer is stuck or failing.
    OperationalAlarms.of(this).watchWorkQueue(alarmIdOf(queue.queue), queue.queue);
  }
}
