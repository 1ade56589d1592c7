/** An SQS queue carrying JSON messages. */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { FailureError, failure } from '../../core/failures.ts';
import type { MessageQueue } from '../../core/ports.ts';

export interface QueueContext {
  client: SQSClient;
  queueUrl: string;
}

/** SendMessageBatch takes at most ten entries. */
const BATCH = 10;
const ATTEMPTS = 4;

export function sqsQueue<T>(ctx: QueueContext): MessageQueue<T> {
  const sendBatch = async (messages: T[]) => {
    let pending = messages.map((message, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(message),
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= ATTEMPTS) {
        throw new FailureError(
          failure.storageUnavailable(
            new Error(`SendMessageBatch failed ${pending.length} entries ${ATTEMPTS} times`),
            'SQS',
          ),
        );
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const { Failed = [] } = await ctx.client.send(
        new SendMessageBatchCommand({ QueueUrl: ctx.queueUrl, Entries: pending }),
      );
      const failed = new Set(Failed.map((entry) => entry.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
  };
  return {
    async send(message) {
      await ctx.client.send(
        new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: JSON.stringify(message) }),
      );
    },
    async sendMany(messages) {
      const batches: T[][] = [];
      for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
      // A few batches in flight: SQS answers each in milliseconds.
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(4, batches.length) }, async () => {
          while (next < batches.length) await sendBatch(batches[next++] as T[]);
        }),
      );
    },
  };
}
