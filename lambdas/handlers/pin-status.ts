/**
 * Pin-status cron (EventBridge Scheduler): re-queues stale checks, requests due unpins, and
 * expires staged uploads never completed.
 */
import { MAINTENANCE_BATCH_LIMIT, maintainPins } from '../core/pin-maintenance.ts';
import { expireStagedUploads } from '../core/staged.ts';
import { loadConfig } from '../shared/config.ts';
import { ipniQueue } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { createScheduledHandler } from '../shared/schedule-handler.ts';
import { contentPorts, ingestQueue, pinQueue, staging, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, uploads, stats, staged } = contentPorts(config);
const ports = {
  contents,
  uploads,
  stats,
  staged,
  staging: staging(config),
  ingestQueue: ingestQueue(config),
  pinQueue: pinQueue(config),
  ipniQueue: ipniQueue(config),
  clock: systemClock,
};

export const handler = createScheduledHandler('pin-status', async () => {
  const report = {
    ...(await maintainPins(ports, config)),
    stagedUploads: await expireStagedUploads(ports, MAINTENANCE_BATCH_LIMIT),
  };
  log.info('pin-status run', { ...report });
  return report;
});
