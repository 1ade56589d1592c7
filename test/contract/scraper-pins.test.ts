/**
 * The scraper's pin requests on the emulators (the seam to pin-by-CID): each CID reaches the
 * pin queue once however often it is asked for, and a crash between message and row sends the
 * message again rather than never.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { SCRAPER_USER_ID, scraperPinRequester } from '../../lambdas/adapters/scraper-pins.ts';
import { sqsQueue } from '../../lambdas/adapters/sqs/queue.ts';
import { keys } from '../../lambdas/codecs/keys.ts';
import type { PinMessage, PinRequest } from '../../lambdas/core/ports.ts';
import { createQueue, createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { failNext, InjectedFailure } from '../support/fakes.ts';

const env = useEmulatorEnv();

const request = (cid: string, tokenId = '1'): PinRequest => ({
  cid,
  name: `NFT 1/0xabc/${tokenId}`,
  origins: ['https://gw.example'],
  meta: { chainId: '1', contract: '0xabc', tokenId, source: 'uri' },
});

async function setup() {
  const table = await createTable(env());
  const queueContext = await createQueue(env());
  const queue = sqsQueue<PinMessage>(queueContext);
  const received = async () => {
    const messages: PinMessage[] = [];
    for (let empty = 0; empty < 2; ) {
      const { Messages = [] } = await env().clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueContext.queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) empty++;
      for (const m of Messages) messages.push(JSON.parse(m.Body ?? '{}'));
      if (Messages.length) {
        await env().clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueContext.queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }
    return messages.map((m) => m.cid).sort();
  };
  return { table, queue, received };
}

describe('scraper pin requests', () => {
  it('sends each CID to the pin queue once, and records it for the system user', async () => {
    const { table, queue, received } = await setup();
    const pins = scraperPinRequester(table, queue, () => new Date('2024-01-01T00:00:00Z'));
    const cids = Array.from({ length: 30 }, (_, i) => `bafy-${String(i).padStart(2, '0')}`);
    await pins.requestPins([...cids.map((cid) => request(cid)), request('bafy-00', '2')]);
    await pins.requestPins(cids.slice(0, 5).map((cid) => request(cid, '3')));
    expect(await received()).toEqual(cids);
    const { Item } = await env().clients.dynamo.send(
      new GetCommand({ TableName: table.tableName, Key: keys.scraperPin('bafy-00') }),
    );
    expect(Item).toMatchObject({
      cid: 'bafy-00',
      userId: SCRAPER_USER_ID,
      name: 'NFT 1/0xabc/1',
      origins: ['https://gw.example'],
      requested: '2024-01-01T00:00:00.000Z',
    });
  });

  it('sends again after a crash between the message and its row', async () => {
    const { table, queue, received } = await setup();
    failNext(queue, 'sendMany');
    const pins = scraperPinRequester(table, queue);
    await expect(pins.requestPins([request('bafy-a')])).rejects.toThrow(InjectedFailure);
    await pins.requestPins([request('bafy-a')]);
    expect(await received()).toEqual(['bafy-a']);
  });

  it('asks nothing for no CIDs', async () => {
    const { table, queue, received } = await setup();
    await scraperPinRequester(table, queue).requestPins([]);
    expect(await received()).toEqual([]);
  });
});
