/**
 * Pin-status cron (EventBridge Scheduler, every 5 minutes): follows up pins that are not final,
 * polls the providers, retries, backfills and requests due unpins. Two runs never overlap: each
 * holds a lease in the table, and one that finds it held does nothing.
 */
import { maintainPins } from '../core/pin-maintenance.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { operationsPorts, providers } from '../shared/pin-wiring.ts';
import { contentPorts, ingestQueue, pinQueue, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, uploads, pinRequests } = contentPorts(config);
const ports = {
  contents,
  uploads,
  pinRequests,
  ...operationsPorts(config),
  providers: providers(config),
  ingestQueue: ingestQueue(config),
  pinQueue: pinQueue(config),
  clock: systemClock,
};

export const handler = async () => {
  const report = await maintainPins(ports, config);
  log.info('pin-status run', { ...report });
  return report;
};
