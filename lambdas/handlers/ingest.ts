/**
 * Ingest queue consumer. Two kinds of message arrive: S3 ObjectCreated records for staged CARs
 * (validated and stored like POST /upload), and completeness checks of chunked DAGs.
 */

import * as z from 'zod/mini';
import { CheckDagMessage, S3EventMessage } from '../../contract/messages.ts';
import { completeDag } from '../core/dag-completion.ts';
import { ingestStagedObject } from '../core/staged.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
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
    return;
  }
  const event = z.safeParse(S3EventMessage, body);
  if (event.success) {
    for (const s3Record of event.data.Records) {
      if (!s3Record.eventName.startsWith('ObjectCreated')) continue;
      // S3 URL-encodes keys in notifications, with '+' for spaces.
      const key = decodeURIComponent(s3Record.s3.object.key.replace(/\+/g, ' '));
      const createdAt = s3Record.eventTime ? new Date(s3Record.eventTime) : undefined;
      const result = await ingestStagedObject(key, ports, createdAt, config);
      log.info('staged object ingested', { key, ...result });
    }
    return;
  }
  // S3's own test event needs nothing; anything else cannot be fixed by a retry: it goes to
  // the DLQ (after the queue's max receives) for a human to look at.
  if ((body as { Event?: string }).Event === 's3:TestEvent') return;
  throw new Error(`Unrecognised ingest message: ${record.body.slice(0, 200)}`);
});
