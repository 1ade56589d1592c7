/** Behaviour every MessageQueue must show: what is sent arrives, intact, once per send. */
import { describe, expect, it } from 'vitest';
import type { MessageQueue, PinMessage } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

export interface QueueUnderTest {
  queue: MessageQueue<PinMessage>;
  /** Reads back what reached the queue, waiting for at least `count` messages. */
  received(count: number): Promise<unknown[]>;
}

const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

export function messageQueueContract(name: string, makeQueue: Make<QueueUnderTest>) {
  describe(`MessageQueue contract: ${name}`, () => {
    it('a sent message arrives as the same JSON value', async () => {
      const { queue, received } = await makeQueue();
      const message: PinMessage = { op: 'pin', cid: 'bafyexample' };
      await queue.send(message);
      expect(await received(1)).toEqual([message]);
    });

    it('every send arrives exactly once', async () => {
      const { queue, received } = await makeQueue();
      const messages: PinMessage[] = Array.from({ length: 12 }, (_, i) => ({
        op: i % 2 ? 'unpin' : 'pin',
        multihash: `mh-${i}`,
        cid: `cid-${i}`,
      }));
      await Promise.all(messages.map((m) => queue.send(m)));
      const arrived = await received(messages.length);
      // A standard SQS queue does not promise order.
      expect([...arrived].sort(byJson)).toEqual([...messages].sort(byJson));
    });

    it('sendMany delivers every message once, more than one batch of them too', async () => {
      const { queue, received } = await makeQueue();
      const messages: PinMessage[] = Array.from({ length: 23 }, (_, i) => ({
        op: 'pin',
        cid: `cid-${i}`,
      }));
      await queue.sendMany(messages);
      await queue.sendMany([]);
      const arrived = await received(messages.length);
      expect([...arrived].sort(byJson)).toEqual([...messages].sort(byJson));
    });
  });
}
