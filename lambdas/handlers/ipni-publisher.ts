/**
 * IPNI queue consumer. A batch carries S3 events of CARs stored in the carpark (advertise their
 * blocks) and withdrawals of removed content; it becomes one extension of the advertisement
 * chain (core/ipni/publish.ts), then the new head is announced. Messages whose work is not done
 * come back (partial batch response) and reach the DLQ after the queue's max receives
 * (core/ipni/batch.ts); a failed announce is left to the next head or the announce cron.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { httpAnnouncer } from '../adapters/http/announcer.ts';
import { announceHead } from '../core/ipni/announce.ts';
import { publishBatch } from '../core/ipni/batch.ts';
import type { Publisher } from '../core/ipni/publish.ts';
import { loadConfig } from '../shared/config.ts';
import { carBlocks, ipniBucket, ipniPorts } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { loadPublisher } from '../shared/provider.ts';
import { systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { chain, announced } = ipniPorts(config);
const ports = { chain, ads: ipniBucket(config), cars: carBlocks(config), clock: systemClock };
const announcer = httpAnnouncer();
// The key is read on the first batch (and again after a failed read), then kept warm.
let publisher: Promise<Publisher> | undefined;
const signer = () => {
  publisher ??= loadPublisher(config);
  publisher.catch(() => {
    publisher = undefined;
  });
  return publisher;
};

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batch = await publishBatch(
    event.Records.map((record) => ({ id: record.messageId, body: record.body })),
    ports,
    signer,
  );
  for (const id of batch.unrecognised) log.error('not an IPNI message', { messageId: id });
  if (batch.error) log.error('publishing failed', { error: batch.error });
  const { outcome } = batch;
  if (outcome) {
    if (outcome.error) log.error('publishing stopped', { error: outcome.error });
    log.info('ipni batch', {
      claimed: outcome.claimed.map((p) => ({ seq: p.seq, ad: p.ad })),
      done: outcome.done.length,
      gone: outcome.gone.length,
      failed: outcome.failed.length,
    });
    if (outcome.claimed.length > 0 && outcome.head) {
      const { addresses, peerId } = await signer();
      const report = await announceHead(
        { chain, announced, announcer, clock: systemClock },
        { urls: config.IPNI_ANNOUNCE_URLS, addresses, peerId },
        outcome.head,
      );
      for (const { url, error } of report.failed) log.warn('announce failed', { url, error });
    }
  }
  return { batchItemFailures: batch.retry.map((itemIdentifier) => ({ itemIdentifier })) };
};
