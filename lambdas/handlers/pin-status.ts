/**
 * Pin-status cron (EventBridge Scheduler, every 5 minutes): follows up pins that are not final,
 * polls the providers, retries, backfills and requests due unpins, and expires staged uploads
 * never completed. Two pin maintenance runs never overlap: each holds a lease in the table, and
 * one that finds it held does nothing.
 */
import { MAINTENANCE_BATCH_LIMIT, maintainPins } from '../core/pin-maintenance.ts';
import { expireStagedUploads } from '../core/staged.ts';
import { settlingContents } from '../core/stats.ts';
import { loadConfig } from '../shared/config.ts';
import { ipniQueue } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { operationsPorts, providers } from '../shared/pin-wiring.ts';
import { createScheduledHandler } from '../shared/schedule-handler.ts';
import { contentPorts, ingestQueue, pinQueue, staging, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, uploads, stats, staged, pinRequests } = contentPorts(config);
const ports = {
  // The cron's pin status changes move the usage totals too.
  contents: settlingContents(contents, { stats, clock: systemClock }),
  uploads,
  stats,
  staged,
  staging: staging(config),
  pinRequests,
  ...operationsPorts(config),
  providers: providers(config),
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
