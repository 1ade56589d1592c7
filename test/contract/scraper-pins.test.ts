/**
 * The scraper's pin requests on the emulators: each CID found becomes one pin by CID of the
 * scraper's system user (an upload, a content record, one fetch on the pin queue, counted
 * once), however often it is asked for; a crash between the request and its row asks again,
 * which changes nothing (requestPinByCid is idempotent).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { dynamoContentStore } from '../../lambdas/adapters/dynamodb/content.ts';
import { dynamoAskedPinStore } from '../../lambdas/adapters/dynamodb/scraped-pins.ts';
import { dynamoStatsStore } from '../../lambdas/adapters/dynamodb/stats.ts';
import { dynamoUploadStore } from '../../lambdas/adapters/dynamodb/uploads.ts';
import { sqsQueue } from '../../lambdas/adapters/sqs/queue.ts';
import { chainKeys } from '../../lambdas/codecs/chain-keys.ts';
import { SCRAPER_USER_ID, scraperPinRequester } from '../../lambdas/core/chain/pin-requests.ts';
import type { PinMessage, PinRequest } from '../../lambdas/core/ports.ts';
import { totals } from '../../lambdas/core/stats.ts';
import { createQueue, createTable, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeClock, failNext, InjectedFailure } from '../support/fakes.ts';
import { utf8 } from '../support/ipfs-fixtures.ts';

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
  const asked = dynamoAskedPinStore(table);
  const ports = {
    contents: dynamoContentStore(table),
    uploads: dynamoUploadStore(table),
    stats: dynamoStatsStore(table),
    pinQueue: sqsQueue<PinMessage>(queueContext),
    clock: new FakeClock('2024-01-01T00:00:00Z'),
    asked,
  };
  const received = async () => {
    const cids: string[] = [];
    for (let empty = 0; empty < 2; ) {
      const { Messages = [] } = await env().clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueContext.queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) empty++;
      for (const m of Messages) cids.push((JSON.parse(m.Body ?? '{}') as { cid: string }).cid);
      if (Messages.length) {
        await env().clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueContext.queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }
    return cids.sort();
  };
  return { table, ports, received };
}

const cidsOf = (n: number) =>
  Promise.all(
    Array.from({ length: n }, async (_, i) =>
      CID.create(1, raw.code, await sha256.digest(utf8(`scraped ${i}`))).toString(),
    ),
  );

describe('scraper pin requests', () => {
  it('pins each CID by CID once for the system user, counted once, and remembers it', async () => {
    const { table, ports, received } = await setup();
    const pins = scraperPinRequester(ports);
    const cids = await cidsOf(12);
    await pins.requestPins([...cids.map((cid) => request(cid)), request(cids[0] as string, '2')]);
    await pins.requestPins(cids.slice(0, 5).map((cid) => request(cid, '3')));
    expect(await received()).toEqual([...cids].sort());
    const first = cids[0] as string;
    expect(await ports.uploads.get(SCRAPER_USER_ID, first)).toMatchObject({
      name: 'NFT 1/0xabc/1',
      type: 'remote',
      meta: { chainId: '1', contract: '0xabc', tokenId: '1', source: 'uri' },
    });
    expect((await ports.contents.get(first))?.pinStatus).toBe('queued');
    expect(await totals(ports)).toMatchObject({ uploads: 12, 'pins.queued': 12 });
    const { Item } = await env().clients.dynamo.send(
      new GetCommand({ TableName: table.tableName, Key: chainKeys.scraperPin(first) }),
    );
    expect(Item).toMatchObject({
      cid: first,
      userId: SCRAPER_USER_ID,
      origins: ['https://gw.example'],
    });
  });

  it('asks again after a crash before its row, which adds nothing twice', async () => {
    const { ports, received } = await setup();
    const [cid] = await cidsOf(1);
    failNext(ports.asked, 'remember');
    const pins = scraperPinRequester(ports);
    await expect(pins.requestPins([request(cid as string)])).rejects.toThrow(InjectedFailure);
    await pins.requestPins([request(cid as string)]);
    // The fetch is queued again (the pin worker takes a repeat as one pin); nothing counts twice.
    expect(new Set(await received())).toEqual(new Set([cid]));
    expect(await totals(ports)).toMatchObject({ uploads: 1, 'pins.queued': 1 });
    expect(await ports.asked.asked([cid as string])).toEqual(new Set([cid]));
  });

  it('asks nothing for no CIDs', async () => {
    const { ports, received } = await setup();
    await scraperPinRequester(ports).requestPins([]);
    expect(await received()).toEqual([]);
  });
});
