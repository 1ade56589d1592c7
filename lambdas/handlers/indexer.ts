/**
 * Index queue consumer: S3 ObjectCreated records for CARs stored in the carpark (by uploads,
 * ingest, or a server-side copy of a staged CAR). Records each block's place in the block index.
 */
import * as z from 'zod/mini';
import { S3EventMessage } from '../../contract/messages.ts';
import { createdObjects, isS3TestEvent } from '../codecs/s3-event.ts';
import { indexStoredCar } from '../core/block-index.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createQueueHandler } from '../shared/queue-handler.ts';
import { blockIndex, carpark } from '../shared/wiring.ts';

const config = loadConfig();
const ports = { carpark: carpark(config), blocks: blockIndex(config) };

export const handler = createQueueHandler(async (record) => {
  const body: unknown = JSON.parse(record.body);
  const event = z.safeParse(S3EventMessage, body);
  if (event.success) {
    for (const { key } of createdObjects(event.data)) {
      const result = await indexStoredCar(key, ports);
      log.info('car indexed', { key, ...result });
    }
    return;
  }
  if (isS3TestEvent(body)) return;
  // Nothing a retry can fix: to the DLQ after the queue's max receives.
  throw new Error(`Unrecognised index message: ${record.body.slice(0, 200)}`);
});
