/**
 * Chain scraper cron (EventBridge Scheduler, every 5 minutes): one run scans the CHAINS for
 * NFT mints and reads due metadata, stopping well before the timeout; the next run carries on.
 * RPC URLs named as secrets are read once, at cold start.
 */
import { randomUUID } from 'node:crypto';
import { functions } from '../../system/functions.ts';
import { runScraper, type ScraperReport } from '../core/chain/scraper.ts';
import type { Gauge } from '../core/ports.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createScheduledHandler } from '../shared/schedule-handler.ts';
import { scraperDeps } from '../shared/scraper-wiring.ts';

const config = loadConfig();
const deps = await scraperDeps(config);
const TIMEOUT_SECONDS = functions.find((fn) => fn.name === 'scraper')?.timeoutSeconds ?? 300;
/** Time kept back from the timeout: a window or metadata page started before it finishes. */
const MARGIN_MS = Math.min(90_000, TIMEOUT_SECONDS * 300);

export const handler = createScheduledHandler('scraper', async (context) => {
  const remaining = context?.getRemainingTimeInMillis?.() ?? TIMEOUT_SECONDS * 1000;
  const report = await runScraper(deps.ports, deps.chains, config, {
    runId: context?.awsRequestId ?? randomUUID(),
    deadline: Date.now() + Math.max(1000, remaining - MARGIN_MS),
    // A run that dies holding the lease frees it a minute after its timeout.
    leaseSeconds: TIMEOUT_SECONDS + 60,
  });
  log.info('scraper run', { report });
  const gauges = lagGauges(report);
  return gauges.length > 0 ? { ...report, gauges } : report;
});

/** How far each chain's scan is behind its head, for /metrics (`pinstack_scraper_lag_blocks`). */
function lagGauges(report: ScraperReport): Gauge[] {
  if (!('chains' in report)) return [];
  // A chain this run scanned nothing of (and was not caught up on) has no figure to report.
  return report.chains.flatMap(({ chainId, head, to }) =>
    head === undefined || to === undefined
      ? []
      : [{ name: 'scraper_lag_blocks', labels: { chain: String(chainId) }, value: head - to }],
  );
}
