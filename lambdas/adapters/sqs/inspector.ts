/** The depths of the deployment's work queues and their DLQs (SQS GetQueueAttributes). */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueInspector } from '../../core/ports.ts';

export function sqsQueueInspector(ctx: {
  client: SQSClient;
  queues: Record<string, { url: string; dlq: string }>;
}): QueueInspector {
  const attributes = async (url: string) => {
    const { Attributes = {} } = await ctx.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  };
  return {
    depths: () =>
      Promise.all(
        Object.entries(ctx.queues).map(async ([queue, { url, dlq }]) => {
          const [depth, dead] = await Promise.all([attributes(url), attributes(dlq)]);
          const name = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? queue;
          return { queue, name, depth, deadLetters: dead.visible + dead.inFlight + dead.delayed };
        }),
      ),
  };
}
