/**
 * Ingest queue consumer. Two kinds of message arrive: S3 ObjectCreated records for staged CARs
 * (streamed, verified and stored like POST /upload), and completeness checks of chunked DAGs.
 */

import * as z from 'zod/mini';
import { CheckDagMessage, S3EventMessage } from '../../contract/messages.ts';
import { createdObjects, isS3TestEvent } from '../codecs/s3-event.ts';
import { completeDag } from '../core/dag-completion.ts';
import { ingestStagedObject } from '../core/staged.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { recordMetric } from '../shared/metrics.ts';
import { createQueueHandler } from '../shared/queue-handler.ts';
import {
  carpark,
  contentPorts,
  ingestQueue,
  pinQueue,
  staging,
  systemClock,
} from '../shared/wiring.ts';

const config = loadConfig();
const contents = contentPorts(config);
const ports = {
  ...contents,
  carpark: carpark(config),
  staging: staging(config),
  pinQueue: pinQueue(config),
  ingestQueue: ingestQueue(config),
  clock: systemClock,
};

export const handler = createQueueHandler(async (record) => {
  const body: unknown = JSON.parse(record.body);
  const check = z.safeParse(CheckDagMessage, body);
  if (check.success) {
    const outcome = await completeDag(check.data.cid, ports, config);
    log.info('dag checked', { cid: check.data.cid, outcome });
    if (outcome === 'completed') recordMetric('PinOutcomes', 1, { status: 'pinned' });
    if (outcome === 'failed') recordMetric('PinOutcomes', 1, { status: 'failed' });
    return;
  }
  const event = z.safeParse(S3EventMessage, body);
  if (event.success) {
    for (const { key, createdAt } of createdObjects(event.data)) {
      const result = await ingestStagedObject(key, ports, createdAt);
      log.info('staged object ingested', { key, ...result });
      recordMetric('IngestedObjects', 1);
    }
    return;
  }
  // S3's own test event needs nothing; anything else cannot be fixed by a retry: it goes to
  // the DLQ (after the queue's max receives) for a human to look at.
  if (isS3TestEvent(body)) return;
  throw new Error(`Unrecognised ingest message: ${record.body.slice(0, 200)}`);
});
