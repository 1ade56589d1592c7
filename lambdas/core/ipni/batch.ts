/**
 * A batch of ipni-queue messages as one publishing run, and which messages come back: those
 * whose work the run left undone (retried, and after the queue's max receives left in its DLQ)
 * and those that are no IPNI work at all (no retry can change them; the DLQ keeps them for a
 * human to look at).
 */
import { type Publisher, type PublishOutcome, type PublishPorts, publish } from './publish.ts';
import { type Work, workId, workOfMessage } from './work.ts';

export interface QueuedMessage {
  id: string;
  body: string;
}

export interface BatchOutcome {
  /** Messages to receive again. */
  retry: string[];
  /** Messages that are no IPNI work (retried too, so that they end in the DLQ). */
  unrecognised: string[];
  /** The run, when there was work; undefined when the publisher could not even start. */
  outcome?: PublishOutcome;
  /** Why nothing could be published (the key could not be read, ...). */
  error?: unknown;
}

export async function publishBatch(
  messages: readonly QueuedMessage[],
  ports: PublishPorts,
  publisher: () => Promise<Publisher>,
): Promise<BatchOutcome> {
  const unrecognised: string[] = [];
  const byMessage = new Map<string, Work[]>();
  for (const message of messages) {
    const work = workOfMessage(message.body);
    if (work === undefined) unrecognised.push(message.id);
    else byMessage.set(message.id, work);
  }
  const work = [...byMessage.values()].flat();
  if (work.length === 0) return { retry: [...unrecognised], unrecognised };
  let outcome: PublishOutcome;
  try {
    outcome = await publish(work, ports, await publisher());
  } catch (error) {
    return { retry: [...unrecognised, ...byMessage.keys()], unrecognised, error };
  }
  const failed = new Set(outcome.failed.map(workId));
  const retry = [...unrecognised];
  for (const [id, items] of byMessage) {
    if (items.some((item) => failed.has(workId(item)))) retry.push(id);
  }
  return { retry, unrecognised, outcome };
}
