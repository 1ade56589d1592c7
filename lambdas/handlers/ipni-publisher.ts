/**
 * IPNI queue consumer. A batch carries S3 events of CARs stored in the carpark (advertise their
 * blocks) and withdrawals of removed content; it becomes one extension of the advertisement
 * chain (core/ipni/publish.ts), then the new head is announced. Records whose work is not done
 * come back (partial batch response) and reach the DLQ after the queue's max receives; a record
 * that is no IPNI work at all cannot be fixed by a retry and goes to the DLQ too.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { httpAnnouncer } from '../adapters/http/announcer.ts';
import { announceHead } from '../core/ipni/announce.ts';
import { type Publisher, publish } from '../core/ipni/publish.ts';
import { type Work, workId, workOfMessage } from '../core/ipni/work.ts';
import { loadConfig } from '../shared/config.ts';
import { carBlocks, ipniPorts } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { loadPublisher } from '../shared/provider.ts';
import { carpark, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { chain, announced } = ipniPorts(config);
const ports = { chain, ads: carpark(config), cars: carBlocks(config), clock: systemClock };
const announcer = httpAnnouncer();
let publisher: Promise<Publisher> | undefined;

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures = new Set<string>();
  const byRecord = new Map<string, Work[]>();
  for (const record of event.Records) {
    const work = workOfMessage(record.body);
    if (work === undefined) {
      log.error('not an IPNI message', {
        messageId: record.messageId,
        body: record.body.slice(0, 200),
      });
      failures.add(record.messageId);
    } else {
      byRecord.set(record.messageId, work);
    }
  }
  const work = [...byRecord.values()].flat();
  if (work.length > 0) {
    try {
      publisher ??= loadPublisher(config);
      const outcome = await publish(work, ports, await publisher);
      const failed = new Set(outcome.failed.map(workId));
      for (const [messageId, items] of byRecord) {
        if (items.some((item) => failed.has(workId(item)))) failures.add(messageId);
      }
      if (outcome.error) log.error('publishing stopped', { error: outcome.error });
      log.info('ipni batch', {
        claimed: outcome.claimed.map((p) => ({ seq: p.seq, ad: p.ad })),
        done: outcome.done.length,
        gone: outcome.gone.length,
        failed: outcome.failed.length,
      });
      if (outcome.claimed.length > 0 && outcome.head) {
        const report = await announceHead(
          { chain, announced, announcer, clock: systemClock },
          {
            urls: config.IPNI_ANNOUNCE_URLS,
            addresses: (await publisher).addresses,
            peerId: (await publisher).peerId,
          },
          outcome.head,
        );
        // Not a failure of the batch: the next head, or the announce cron, tells them.
        for (const { url, error } of report.failed) log.warn('announce failed', { url, error });
      }
    } catch (error) {
      // The key could not be read (or worse): every record comes back.
      publisher = undefined;
      log.error('publishing failed', { error });
      for (const messageId of byRecord.keys()) failures.add(messageId);
    }
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
};
