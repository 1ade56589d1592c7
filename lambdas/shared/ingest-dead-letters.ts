/**
 * The ingest dead-letter queue's consumer, apart from its wiring: a message every ingest
 * attempt failed on. A staged upload's object is marked `failed` with the reason, so its client
 * learns it instead of waiting; every message is logged whole for an operator (its invocations
 * raise an alarm), then removed. Idempotent: an upload already finished (stored, failed, or
 * marked by an earlier delivery) is left as it is. A record whose marking fails on storage is a
 * batch item failure, redelivered on its own; the rest of the batch is done.
 */
import * as z from 'zod/mini';
import { S3EventMessage } from '../../contract/messages.ts';
import { createdObjects } from '../codecs/s3-event.ts';
import { failStagedIngest, type IngestStagedPorts } from '../core/staged.ts';
import { log } from './log.ts';
import { createQueueHandler } from './queue-handler.ts';

export function ingestDeadLetterHandler(ports: Pick<IngestStagedPorts, 'staged' | 'clock'>) {
  return createQueueHandler(async (record) => {
    log.error('ingest gave up on a message', {
      messageId: record.messageId,
      receiveCount: record.attributes?.ApproximateReceiveCount,
      body: record.body.slice(0, 10_000),
    });
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      return;
    }
    const event = z.safeParse(S3EventMessage, body);
    // A chunked DAG's completeness check needs nothing: the pin-status cron re-queues it.
    if (!event.success) return;
    for (const { key } of createdObjects(event.data)) {
      const outcome = await failStagedIngest(key, ports);
      log.info('staged upload after failed ingest', { key, outcome });
    }
  });
}
