/**
 * Chain scraper cron (EventBridge Scheduler, every 5 minutes): one run scans the CHAINS for
 * NFT mints and reads due metadata, stopping well before the timeout; the next run carries on.
 * RPC URLs named as secrets are read once, at cold start.
 */
import type { Context } from 'aws-lambda';
import { functions } from '../../system/functions.ts';
import { runScraper } from '../core/chain/scraper.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { scraperDeps } from '../shared/scraper-wiring.ts';

const config = loadConfig();
const deps = await scraperDeps(config);
const TIMEOUT_SECONDS = functions.find((fn) => fn.name === 'scraper')?.timeoutSeconds ?? 300;
/** Time kept back from the timeout: a window or metadata page started before it finishes. */
const MARGIN_MS = Math.min(90_000, TIMEOUT_SECONDS * 300);

export const handler = async (_event: unknown, context: Context) => {
  const remaining = context.getRemainingTimeInMillis();
  const report = await runScraper(deps.ports, deps.chains, config, {
    runId: context.awsRequestId,
    deadline: Date.now() + Math.max(1000, remaining - MARGIN_MS),
    // A run that dies holding the lease frees it a minute after its timeout.
    leaseSeconds: TIMEOUT_SECONDS + 60,
  });
  log.info('scraper run', { report });
  return report;
};
