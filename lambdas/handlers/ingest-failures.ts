/**
 * The ingest dead-letter queue's consumer: a message every ingest attempt failed on. A staged
 * upload's object is marked `failed`, so its client learns it instead of waiting; every message
 * is logged whole for an operator (its invocations raise an alarm), then removed.
 */
import * as z from 'zod/mini';
import { S3EventMessage } from '../../contract/messages.ts';
import { createdObjects } from '../codecs/s3-event.ts';
import { failStagedIngest } from '../core/staged.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createQueueHandler } from '../shared/queue-handler.ts';
import { contentPorts, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const ports = { staged: contentPorts(config).staged, clock: systemClock };

export const handler = createQueueHandler(async (record) => {
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
