/**
 * The edge of every queue consumer: each record is processed on its own, and the ones that
 * throw are reported as batch item failures, so SQS redelivers only those (and moves them to
 * the DLQ after the queue's max receives). Processing must be idempotent.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { log } from './log.ts';

export function createQueueHandler(process: (record: SQSRecord) => Promise<void>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await process(record);
      } catch (error) {
        log.error('message failed', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
