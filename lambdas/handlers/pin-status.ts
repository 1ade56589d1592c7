/** Pin-status cron (EventBridge Scheduler): re-queues stale checks and requests due unpins. */
import { maintainPins } from '../core/pin-maintenance.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createScheduledHandler } from '../shared/schedule-handler.ts';
import { contentPorts, ingestQueue, pinQueue, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, uploads, stats } = contentPorts(config);
const ports = {
  contents,
  uploads,
  stats,
  ingestQueue: ingestQueue(config),
  pinQueue: pinQueue(config),
  clock: systemClock,
};

export const handler = createScheduledHandler('pin-status', async () => {
  const report = await maintainPins(ports, config);
  log.info('pin-status run', { ...report });
  return report;
});
