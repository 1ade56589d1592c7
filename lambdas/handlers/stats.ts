/** Stats cron (EventBridge Scheduler): recomputes the usage totals from the records. */
import { HOLD_SETTLE_MS } from '../core/pin-maintenance.ts';
import { recomputeStats } from '../core/stats.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createScheduledHandler } from '../shared/schedule-handler.ts';
import { contentPorts, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const ports = { stats: contentPorts(config).stats, clock: systemClock };

export const handler = createScheduledHandler('stats', async () => {
  // A writer that marked a record longer ago than any function runs has finished its add.
  const report = await recomputeStats(ports, { settleMs: HOLD_SETTLE_MS });
  log.info('stats recomputed', { ...report });
  return report;
});
