/**
 * Behaviour every StatsStore must show (the fake and the DynamoDB adapter alike): a mark moves
 * only from the mark it was read as, adds accumulate and move the shard's version, a rebase is
 * fenced on that version, the scan finds every counted record once across its segments — and
 * so the recompute repairs a deliberately corrupted total on either.
 */
import { describe, expect, it } from 'vitest';
import type { CountedRef, CountMark, StatsStore, UserStore } from '../../lambdas/core/ports.ts';
import { recomputeStats, settleAll, shardOf, totals } from '../../lambdas/core/stats.ts';
import { FakeClock } from '../support/fakes.ts';
import type { Make } from './make.ts';

/** A stats store and the user store whose records it counts (users are the simplest records). */
export interface StatsFixture {
  stats: StatsStore;
  users: UserStore;
}

const SETTLE_MS = 6 * 60_000;
const user = (userId: string): CountedRef => ({ kind: 'user', userId });
const mark = (id: string, users = 1): CountMark => ({
  tally: { users },
  at: '2024-01-01T00:00:00.000Z',
  id,
});

export function statsStoreContract(name: string, make: Make<StatsFixture>) {
  describe(`StatsStore contract: ${name}`, () => {
    it('moves a mark only from the mark it was read as, and only on an existing record', async () => {
      const { stats, users } = await make();
      expect(await stats.mark(user('ghost'), undefined, mark('a'))).toBe(false);
      await users.ensure('alice', '2024-01-01T00:00:00.000Z');
      expect(await stats.read(user('alice'))).toMatchObject({
        record: { userId: 'alice' },
        mark: undefined,
      });
      expect(await stats.mark(user('alice'), undefined, mark('a'))).toBe(true);
      expect(await stats.mark(user('alice'), undefined, mark('b'))).toBe(false);
      expect(await stats.mark(user('alice'), mark('wrong'), mark('b'))).toBe(false);
      expect(await stats.mark(user('alice'), mark('a'), mark('b'))).toBe(true);
      expect((await stats.read(user('alice'))).mark).toEqual(mark('b'));
      // The record itself is untouched by its mark.
      expect((await users.get('alice'))?.userId).toBe('alice');
    });

    it('adds into shards, moving their version, and rebases only from the version read', async () => {
      const { stats } = await make();
      await stats.add(3, { users: 2, bytes: 10 });
      await stats.add(3, { users: -1 });
      const [shard] = await stats.shards();
      expect(shard).toEqual({ shard: 3, tally: { users: 1, bytes: 10 }, version: 2 });
      expect(await stats.rebase(3, { users: 5 }, 1)).toBe(false);
      expect(await stats.rebase(3, { users: 5 }, 2)).toBe(true);
      expect(await stats.rebase(4, { users: 1 }, 1)).toBe(false);
      expect(await stats.rebase(4, { users: 1 }, 0)).toBe(true);
      expect(await totals({ stats })).toEqual({ users: 6 });
    });

    it('scans every counted record exactly once across its segments', async () => {
      const { stats, users } = await make();
      const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
      for (const id of ids) await users.ensure(id, '2024-01-01T00:00:00.000Z');
      const seen: string[] = [];
      for (let segment = 0; segment < 3; segment++) {
        for await (const { ref } of stats.scan(segment, 3)) {
          if (ref.kind === 'user') seen.push(ref.userId);
        }
      }
      expect(seen.sort()).toEqual(ids);
    });

    it('lets the recompute repair a deliberately corrupted total', async () => {
      const { stats, users } = await make();
      const clock = new FakeClock();
      const ports = { stats, clock };
      for (const id of ['alice', 'bob', 'carol']) await users.ensure(id, clock.now().toISOString());
      await settleAll(['alice', 'bob', 'carol'].map(user), ports);
      expect(await totals(ports)).toEqual({ users: 3 });
      await stats.add(shardOf(user('alice')), { users: 40, contents: -2 });
      clock.advance(SETTLE_MS);
      const report = await recomputeStats(ports, { settleMs: SETTLE_MS });
      expect(report).toMatchObject({ records: 3, settled: 0, drift: { users: 40, contents: -2 } });
      expect(await totals(ports)).toEqual({ users: 3 });
    });
  });
}
