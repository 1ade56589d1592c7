/** An SQS queue carrying JSON messages. */
import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MessageQueue } from '../../core/ports.ts';

export interface QueueContext {
  client: SQSClient;
  queueUrl: string;
}

export function sqsQueue<T>(ctx: QueueContext): MessageQueue<T> {
  return {
    async send(message) {
      await ctx.client.send(
        new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: JSON.stringify(message) }),
      );
    },
  };
}

/** When a received message comes back: a failed one later than the queue's default. */
export function sqsRedelivery(ctx: QueueContext) {
  return {
    async after(receiptHandle: string, seconds: number): Promise<void> {
      await ctx.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: ctx.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.round(seconds),
        }),
      );
    },
  };
}
