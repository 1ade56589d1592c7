/**
 * The queue edge decides from the failure's name: a transient failure or an unexpected error
 * is a batch item failure (SQS redelivers it, then moves it to the DLQ); any other domain
 * failure is terminal, so it is logged and the record acknowledged.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { FailureError, failure } from '../../../lambdas/core/failures.ts';
import { createQueueHandler } from '../../../lambdas/shared/queue-handler.ts';

const record = (messageId: string): SQSRecord =>
  ({ messageId, body: messageId, attributes: { ApproximateReceiveCount: '1' } }) as SQSRecord;

describe('queue edge', () => {
  it('reports transient and unexpected failures for redelivery, and acknowledges the rest', async () => {
    const outcomes: Record<string, () => void> = {
      ok: () => {},
      throttled: () => {
        throw new FailureError(failure.storageUnavailable(new Error('slow down'), 'DynamoDB'));
      },
      limited: () => {
        throw new FailureError(failure.rateLimited(5));
      },
      bug: () => {
        throw new TypeError('undefined is not a function');
      },
      invalid: () => {
        throw new FailureError(failure.invalidCar('unparseable', 'unparseable CAR'));
      },
      missing: () => {
        throw new FailureError(failure.notFound('no such staged upload'));
      },
    };
    const handled: string[] = [];
    const handler = createQueueHandler(async (r) => {
      handled.push(r.messageId);
      outcomes[r.messageId]?.();
    });
    const event = { Records: Object.keys(outcomes).map(record) } as SQSEvent;
    const response = await handler(event);
    expect(handled).toEqual(Object.keys(outcomes));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      'throttled',
      'limited',
      'bug',
    ]);
  });
});
