/**
 * Pin queue consumer. Each batch's messages are handled together (lambdas/core/pinning.ts);
 * a message that failed transiently is reported as a batch item failure and comes back after
 * its backoff — PIN_RETRY_BACKOFF_SECONDS, then 4x longer each time — until the queue moves it
 * to the dead-letter queue after its third receive. A message that is not a pin message goes
 * there too (through its retries), for a human to look at.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { PinMessage } from '../../contract/messages.ts';
import { QUEUE_POLICY } from '../../system/functions.ts';
import { type PinJob, processPinJobs } from '../core/pinning.ts';
import { settlingContents } from '../core/stats.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { providers, trustlessGateway } from '../shared/pin-wiring.ts';
import { blockIndex, carpark, contentPorts, pinRedelivery, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, stats } = contentPorts(config);
const ports = {
  // Pin status changes move the usage totals (pins by status).
  contents: settlingContents(contents, { stats, clock: systemClock }),
  carpark: carpark(config),
  gateway: trustlessGateway(config),
  providers: providers(config),
  blocks: blockIndex(config),
  clock: systemClock,
};
const redelivery = pinRedelivery(config);

/** Wait before looking again for content its upload was still writing (a matter of ms). */
const NOT_WRITTEN_RETRY_SECONDS = 2;
/** SQS keeps a message hidden for at most 12 hours. */
const MAX_DELAY_SECONDS = 12 * 3600;

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  const failed = new Set<string>();
  const jobs: PinJob[] = [];
  for (const record of event.Records) {
    const message = parse(record.body);
    if (!message) {
      log.error('not a pin message', {
        messageId: record.messageId,
        body: record.body.slice(0, 200),
      });
      failed.add(record.messageId);
      continue;
    }
    const sent = Number(record.attributes?.SentTimestamp);
    jobs.push({
      id: record.messageId,
      message,
      ...(Number.isFinite(sent) ? { sentAt: new Date(sent) } : {}),
    });
  }
  const remaining = context?.getRemainingTimeInMillis;
  const outcome = await processPinJobs(jobs, ports, config, {
    ...(remaining ? { remainingMs: () => remaining.call(context) } : {}),
  });
  log.info('pins processed', { messages: event.Records.length, ...outcome.report });
  for (const record of event.Records) {
    const cause = outcome.retry.get(record.messageId);
    if (!cause) continue;
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    log.warn('pin message failed, retried later', {
      messageId: record.messageId,
      receiveCount: receives,
      failure: cause,
    });
    // The last receive goes to the dead-letter queue at once; the ones before wait longer each.
    // Content an upload is still writing is looked at again in seconds.
    const delay =
      receives >= QUEUE_POLICY.maxReceiveCount
        ? 0
        : outcome.soon.has(record.messageId)
          ? NOT_WRITTEN_RETRY_SECONDS
          : Math.min(MAX_DELAY_SECONDS, config.PIN_RETRY_BACKOFF_SECONDS * 4 ** (receives - 1));
    // Best effort: without it the message comes back when its visibility runs out.
    await redelivery.after(record.receiptHandle, delay).catch((error: unknown) => {
      log.warn('could not delay a retry', { messageId: record.messageId, error });
    });
    failed.add(record.messageId);
  }
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
};

function parse(body: string): PinMessage | undefined {
  try {
    const parsed = z.safeParse(PinMessage, JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
