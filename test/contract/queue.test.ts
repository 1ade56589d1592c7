import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { sqsQueue } from '../../lambdas/adapters/sqs/queue.ts';
import type { PinMessage } from '../../lambdas/core/ports.ts';
import { createQueue, type EmulatorEnv, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeQueue } from '../support/fakes.ts';
import { messageQueueContract } from './queue.contract.ts';

messageQueueContract('in-memory fake', () => {
  const queue = new FakeQueue<PinMessage>();
  return { queue, received: async () => queue.sent };
});

const env = useEmulatorEnv();

/** Receives (and deletes) until `count` messages arrived or a few empty polls went by. */
async function drain(environment: EmulatorEnv, queueUrl: string, count: number) {
  const bodies: unknown[] = [];
  for (let emptyPolls = 0; bodies.length < count && emptyPolls < 3; ) {
    const { Messages = [] } = await environment.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (!Messages.length) emptyPolls++;
    for (const message of Messages) bodies.push(JSON.parse(message.Body ?? 'null'));
    if (Messages.length) {
      await environment.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return bodies;
}

messageQueueContract('SQS adapter', async () => {
  const context = await createQueue(env());
  return {
    queue: sqsQueue<PinMessage>(context),
    received: (count) => drain(env(), context.queueUrl, count),
  };
});
