/**
 * Chain scraper cron (EventBridge Scheduler). Finding and preserving NFTs on-chain is its own
 * feature and not built yet: until it is, a run only reports that no chain is configured, so
 * the schedule, its permissions and `pinstack run scraper` are already exercised end to end.
 */
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';
import { createScheduledHandler } from '../shared/schedule-handler.ts';

loadConfig();

export const handler = createScheduledHandler('scraper', async () => {
  log.info('scraper run', { chains: 0, note: 'chain scraping is not implemented yet' });
  return { chains: 0 };
});
