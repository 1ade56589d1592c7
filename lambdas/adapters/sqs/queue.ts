/** An SQS queue carrying JSON messages. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
