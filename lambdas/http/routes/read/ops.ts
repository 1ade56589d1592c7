/** GET /status, /status.json and /metrics: what the operator (and anyone) can see of the running system. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getMetrics, getStatus, getStatusPage } from '../../../../contract/ops.ts';
import { FailureError, failure } from '../../../core/failures.ts';
import type { Tally } from '../../../core/ports.ts';
import { totals } from '../../../core/stats.ts';
import {
  assessStatus,
  readSignals,
  type Signals,
  type StatusReport,
} from '../../../core/status.ts';
import type { ReadDeps } from '../../deps.ts';
import { prometheusText, statusPage } from '../../ops-views.ts';
import { implementer } from '../../router.ts';

const read = implementer<ReadDeps>();

interface Snapshot {
  signals: Signals;
  report: StatusReport;
  totals: Tally | undefined;
  until: number;
}
const snapshots = new WeakMap<ReadDeps, Snapshot>();

/** The signals, their assessment and the totals, read at most every STATS_CACHE_SECONDS. */
async function snapshot(deps: ReadDeps): Promise<Snapshot> {
  const now = deps.ports.clock.now().getTime();
  const cached = snapshots.get(deps);
  if (cached && cached.until > now) return cached;
  const [signals, tally] = await Promise.all([
    readSignals(deps.ports),
    totals(deps.ports).catch(() => undefined),
  ]);
  const fresh = {
    signals,
    report: assessStatus(signals),
    totals: tally,
    until: now + deps.settings.STATS_CACHE_SECONDS * 1000,
  };
  snapshots.set(deps, fresh);
  return fresh;
}

const cacheControl = (deps: ReadDeps) => `public, max-age=${deps.settings.STATS_CACHE_SECONDS}`;

/** The metrics token, if one is set: compared by its SHA-256, in constant time. */
function checkMetricsToken(deps: ReadDeps, authorization: string | undefined) {
  const expected = deps.settings.METRICS_TOKEN;
  if (!expected) return;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!presented) throw new FailureError(failure.missingToken());
  const digest = createHash('sha256').update(presented).digest();
  if (!timingSafeEqual(digest, Buffer.from(expected, 'hex'))) {
    throw new FailureError(failure.unknownToken());
  }
}

export const opsReadRoutes = [
  read(getStatusPage, async (_input, { deps }) => ({
    status: 200,
    body: statusPage((await snapshot(deps)).report),
    headers: { 'content-type': 'text/html;charset=UTF-8', 'cache-control': cacheControl(deps) },
  })),
  read(getStatus, async (_input, { deps }) => ({
    status: 200,
    body: (await snapshot(deps)).report,
    headers: { 'cache-control': cacheControl(deps) },
  })),
  read(getMetrics, async (_input, { deps, request }) => {
    checkMetricsToken(deps, request.headers.authorization);
    const { signals, report, totals: tally } = await snapshot(deps);
    return {
      status: 200,
      body: prometheusText(tally ?? {}, signals, report),
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    };
  }),
];
