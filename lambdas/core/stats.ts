/**
 * Usage totals that never double-count. Each counted record (content, upload, user, deal)
 * carries a mark of what it has been counted as. After any write that changes what a record
 * should count for, `settle` compares the record with its mark: if they differ, one conditional
 * write moves the mark (only one writer can win it for a given previous mark), and only that
 * writer adds the difference to the totals. A retry, a redelivery or a racing writer finds the
 * mark already moved and adds nothing.
 *
 * Two crashes can leave the totals off: one after a record's write but before its settle (the
 * record is not counted yet; the next settle of it, a retry's or the recompute's, counts it),
 * and one between the mark and the add (the mark says counted, the totals never saw it). The
 * recompute cron repairs both from the records: it settles every record, then rebases each
 * shard of the totals that no one else touched during its scan to the sum of its records'
 * marks, fenced on the shard's version so a concurrent add is never lost.
 */
import { randomUUID } from 'node:crypto';
import type {
  Clock,
  ContentRecord,
  CountedRef,
  CountedState,
  CountMark,
  StatsShard,
  StatsStore,
  Tally,
  UploadRecord,
} from './ports.ts';

/** The totals are kept in this many items, so no one item takes every write. */
export const STATS_SHARDS = 16;

export const PIN_STATES = ['queued', 'pinning', 'pinned', 'failed'] as const;

/** What a record counts for, in its present state. */
export function tallyOf(ref: CountedRef, record: CountedState['record']): Tally {
  if (!record) return {};
  switch (ref.kind) {
    case 'content': {
      const content = record as ContentRecord;
      // Content handed over for unpinning is no longer stored.
      if (content.unpinRequested) return {};
      return clean({ contents: 1, bytes: content.size ?? 0, [`pins.${content.pinStatus}`]: 1 });
    }
    case 'upload':
      return (record as UploadRecord).deleted ? {} : { uploads: 1 };
    case 'user':
      return { users: 1 };
    case 'deal':
      return { deals: 1 };
  }
}

const clean = (tally: Tally): Tally =>
  Object.fromEntries(Object.entries(tally).filter(([, n]) => n !== 0));

/** `a - b`, zeros left out. */
export function difference(a: Tally, b: Tally): Tally {
  const out: Tally = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const n = (a[key] ?? 0) - (b[key] ?? 0);
    if (n !== 0) out[key] = n;
  }
  return out;
}

export function sum(tallies: Iterable<Tally>): Tally {
  const out: Tally = {};
  for (const tally of tallies) {
    for (const [key, n] of Object.entries(tally)) out[key] = (out[key] ?? 0) + n;
  }
  return clean(out);
}

const isEmpty = (tally: Tally) => Object.keys(tally).length === 0;

/** The shard a record's counts go to: a fixed hash of its identity. */
export function shardOf(ref: CountedRef): number {
  let hash = 0x811c9dc5;
  for (const char of Object.values(ref).join('#')) {
    hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  }
  return hash % STATS_SHARDS;
}

export interface StatsPorts {
  stats: StatsStore;
  clock: Clock;
}

export type SettleOutcome =
  | { outcome: 'unchanged'; mark: CountMark | undefined }
  | { outcome: 'added'; mark: CountMark; delta: Tally }
  | { outcome: 'contended' };

/** Racing writers a settle gives way to before leaving the record to the recompute cron. */
const SETTLE_ATTEMPTS = 4;

/** Counts a record as it now stands (see the module comment). Safe to repeat. */
export async function settle(ref: CountedRef, ports: StatsPorts): Promise<SettleOutcome> {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    const { record, mark } = await ports.stats.read(ref);
    const desired = tallyOf(ref, record);
    const delta = difference(desired, mark?.tally ?? {});
    if (isEmpty(delta) || !record) return { outcome: 'unchanged', mark };
    const next: CountMark = {
      tally: desired,
      at: ports.clock.now().toISOString(),
      id: randomUUID(),
    };
    if (await ports.stats.mark(ref, mark, next)) {
      await ports.stats.add(shardOf(ref), delta);
      return { outcome: 'added', mark: next, delta };
    }
  }
  return { outcome: 'contended' };
}

/** Settles several records side by side. */
export const settleAll = (refs: CountedRef[], ports: StatsPorts) =>
  Promise.all(refs.map((ref) => settle(ref, ports)));

/** The usage totals: the sum of the shards. */
export async function totals(ports: { stats: Pick<StatsStore, 'shards'> }): Promise<Tally> {
  return sum((await ports.stats.shards()).map((shard) => shard.tally));
}

export interface RecomputeReport {
  records: number;
  /** Records the recompute counted (a crash had left them unsettled). */
  settled: number;
  /** Shards set to the sum of their records' marks. */
  rebased: number;
  /** Shards others wrote during the scan, left for the next run. */
  busy: number;
  /** What the rebased shards had drifted by (their totals minus their records' sum). */
  drift: Tally;
}

/** Parts the table is scanned in, side by side. */
export const RECOMPUTE_SEGMENTS = 4;

/**
 * Recomputes the totals from the records (the cron). `settleMs` is how long a writer may take
 * between its mark and its add: marks younger than that at the scan's start may still have an
 * add in flight, so their shard is left for the next run.
 */
export async function recomputeStats(
  ports: StatsPorts,
  settings: { settleMs: number },
): Promise<RecomputeReport> {
  const started = ports.clock.now().getTime();
  const before = new Map((await ports.stats.shards()).map((shard) => [shard.shard, shard]));
  const marked: Tally[][] = Array.from({ length: STATS_SHARDS }, () => []);
  const own = Array.from({ length: STATS_SHARDS }, () => ({ adds: 0, delta: [] as Tally[] }));
  const busy = new Set<number>();
  const report: RecomputeReport = { records: 0, settled: 0, rebased: 0, busy: 0, drift: {} };

  const scanSegment = async (segment: number) => {
    for await (const { ref, record, mark } of ports.stats.scan(segment, RECOMPUTE_SEGMENTS)) {
      report.records++;
      const shard = shardOf(ref);
      let counted = mark;
      if (!isEmpty(difference(tallyOf(ref, record), mark?.tally ?? {}))) {
        const outcome = await settle(ref, ports);
        if (outcome.outcome === 'added') {
          report.settled++;
          own[shard]?.delta.push(outcome.delta);
          if (own[shard]) own[shard].adds++;
          counted = outcome.mark;
        } else {
          // Someone else counted it since the scan read it: their add may be in flight.
          busy.add(shard);
          continue;
        }
      } else if (mark && Date.parse(mark.at) > started - settings.settleMs) {
        busy.add(shard);
      }
      if (counted) marked[shard]?.push(counted.tally);
    }
  };
  await Promise.all(Array.from({ length: RECOMPUTE_SEGMENTS }, (_, i) => scanSegment(i)));

  for (let shard = 0; shard < STATS_SHARDS; shard++) {
    if (busy.has(shard)) {
      report.busy++;
      continue;
    }
    const previous: StatsShard = before.get(shard) ?? { shard, tally: {}, version: 0 };
    const mine = own[shard] ?? { adds: 0, delta: [] };
    const expected = sum([previous.tally, ...mine.delta]);
    const truth = sum(marked[shard] ?? []);
    const drift = difference(expected, truth);
    if (isEmpty(drift)) continue;
    if (await ports.stats.rebase(shard, truth, previous.version + mine.adds)) {
      report.rebased++;
      report.drift = sum([report.drift, drift]);
    } else {
      report.busy++;
    }
  }
  return report;
}
