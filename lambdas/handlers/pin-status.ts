/** Pin-status cron (EventBridge Scheduler): re-queues stale checks and requests due unpins. */
import { maintainPins } from '../core/pin-maintenance.ts';
import { loadConfig } from '../shared/config.ts';
import { ipniQueue } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { contentPorts, ingestQueue, pinQueue, systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { contents, uploads } = contentPorts(config);
const ports = {
  contents,
  uploads,
  ingestQueue: ingestQueue(config),
  pinQueue: pinQueue(config),
  ipniQueue: ipniQueue(config),
  clock: systemClock,
};

export const handler = async () => {
  const report = await maintainPins(ports, config);
  log.info('pin-status run', { ...report });
  return report;
};
