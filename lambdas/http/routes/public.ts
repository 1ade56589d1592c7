/**
 * Public, read-only routes: GET /version, /check/{cid} and /stats, kept small for the
 * checker's latency. (GET /nfts/… is public too, served by api-read: see read/nfts.ts.)
 */
import { checkContent, getVersion } from '../../../contract/public.ts';
import { getStats, type StatsView } from '../../../contract/stats.ts';
import { expectOk } from '../../core/failures.ts';
import { PIN_STATES, totals } from '../../core/stats.ts';
import { checkContent as check } from '../../core/uploads.ts';
import { contentIdOf, type PublicDeps } from '../deps.ts';
import { okBody } from '../response.ts';
import { implementer } from '../router.ts';

const implement = implementer<PublicDeps>();

/** What each container read last, by deps (one per API in a process). */
const cache = new WeakMap<PublicDeps, { view: StatsView; until: number }>();

export const publicRoutes = [
  implement(getVersion, async (_input, { deps }) => ({
    status: 200,
    body: {
      version: deps.settings.PINSTACK_VERSION,
      commit: deps.settings.PINSTACK_COMMIT,
      mode: 'rw' as const,
      ...(deps.settings.PROVIDER_PEER_ID ? { peerId: deps.settings.PROVIDER_PEER_ID } : {}),
    },
  })),
  implement(getStats, async (_input, { deps }) => {
    const now = deps.ports.clock.now();
    const seconds = deps.settings.STATS_CACHE_SECONDS;
    let cached = cache.get(deps);
    if (!cached || cached.until <= now.getTime()) {
      const tally = await totals(deps.ports);
      const n = (name: string) => Math.max(0, tally[name] ?? 0);
      cached = {
        until: now.getTime() + seconds * 1000,
        view: {
          contents_total: n('contents'),
          contents_bytes_total: n('bytes'),
          uploads_total: n('uploads'),
          users_total: n('users'),
          deals_total: n('deals'),
          pins_total: Object.fromEntries(
            PIN_STATES.map((s) => [s, n(`pins.${s}`)]),
          ) as StatsView['pins_total'],
          updated: now.toISOString(),
        },
      };
      cache.set(deps, cached);
    }
    return {
      status: 200,
      body: { ok: true as const, data: cached.view },
      headers: { 'cache-control': `public, max-age=${seconds}` },
    };
  }),
  implement(checkContent, async ({ params }, { deps }) => ({
    status: 200,
    body: okBody(expectOk(await check(contentIdOf(params.cid), deps.ports))),
  })),
];
