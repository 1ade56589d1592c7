/**
 * The edge of every queue consumer: each record is processed on its own, and the outcome of a
 * record that throws is decided by what it threw:
 * - a transient domain failure (StorageUnavailable, RateLimited), or an unexpected error, is
 *   reported as a batch item failure, so SQS redelivers only that record (and moves it to the
 *   DLQ after the queue's max receives, where a human or a DLQ consumer looks at it);
 * - any other domain failure is terminal — a retry cannot change it — so it is logged and the
 *   record acknowledged.
 * Processing must be idempotent: a redelivered record changes nothing that is already done.
 *
 * Each invocation's log lines carry its Lambda context, each record's its message id and the
 * correlation id its sender attached; its metrics are flushed at the end; and the queue's
 * progress (the last batch handled, and how long its oldest message had waited) is recorded for
 * the status page and /metrics.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { FailureError, isTransient } from '../core/failures.ts';
import { appendLogKeys, CORRELATION_ID, log, startInvocation } from './log.ts';
import { flushMetrics } from './metrics.ts';
import { recordQueueProgress } from './ops.ts';

export function createQueueHandler(process: (record: SQSRecord) => Promise<void>) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    startInvocation(context);
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    try {
      for (const record of event.Records) {
        appendLogKeys({
          messageId: record.messageId,
          [CORRELATION_ID]: record.messageAttributes?.[CORRELATION_ID]?.stringValue,
        });
        try {
          await process(record);
        } catch (error) {
          const where = {
            messageId: record.messageId,
            receiveCount: record.attributes?.ApproximateReceiveCount,
          };
          if (error instanceof FailureError && !isTransient(error.failure)) {
            log.error('message failed for good', { ...where, failure: error.failure });
            continue;
          }
          log.error('message failed', { ...where, error });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      if (batchItemFailures.length < event.Records.length) await recordQueueProgress(event);
    } finally {
      flushMetrics();
    }
    return { batchItemFailures };
  };
}
