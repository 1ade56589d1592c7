/**
 * IPNI announce cron (EventBridge Scheduler): tells every indexer that has not taken the
 * current head about it — the retry of announces that failed when the head moved.
 */
import { httpAnnouncer } from '../adapters/http/announcer.ts';
import { announceHead } from '../core/ipni/announce.ts';
import { loadConfig } from '../shared/config.ts';
import { ipniPorts } from '../shared/ipni-wiring.ts';
import { log } from '../shared/log.ts';
import { providerInfo } from '../shared/provider.ts';
import { systemClock } from '../shared/wiring.ts';

const config = loadConfig();
const { chain, announced } = ipniPorts(config);
const provider = providerInfo(config);

export const handler = async () => {
  const report = await announceHead(
    { chain, announced, announcer: httpAnnouncer(), clock: systemClock },
    { urls: config.IPNI_ANNOUNCE_URLS, ...provider },
  );
  for (const { url, error } of report.failed) log.warn('announce failed', { url, error });
  const summary = {
    head: report.head,
    announced: report.announced,
    current: report.current.length,
    failed: report.failed.map((f) => f.url),
  };
  log.info('ipni-announce run', summary);
  return summary;
};
