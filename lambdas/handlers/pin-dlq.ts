/**
 * The pin queue's dead-letter consumer: the pins of a message whose retries ran out become
 * `failed`, with the last error they met (retried by the cron during their grace period).
 */
import * as z from 'zod/mini';
import { PinMessage } from '../../contract/messages.ts';
import { giveUpPins } from '../core/pin-dead-letters.ts';
import { settlingContents } from '../core/stats.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createQueueHandler } from '../shared/queue-handler.ts';
import { contentPorts, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, stats } = contentPorts(config);
// A pin given up on moves the usage totals (pins by status).
const ports = {
  contents: settlingContents(contents, { stats, clock: systemClock }),
  clock: systemClock,
};

export const handler = createQueueHandler(async (record) => {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const message = z.safeParse(PinMessage, body);
  if (!message.success) {
    // Nothing to mark: a message the worker could not read either. Kept in the log only.
    log.error('dead-lettered message is not a pin message', { body: record.body.slice(0, 200) });
    return;
  }
  const report = await giveUpPins([{ id: record.messageId, message: message.data }], ports, config);
  log.warn('pin message dead-lettered', { messageId: record.messageId, ...report });
});
