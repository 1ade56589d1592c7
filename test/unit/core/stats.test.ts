/**
 * Usage totals stay exact: duplicate uploads (one user or many), retries after a failure at
 * any step, deletes and re-uploads, racing settles; and the recompute repairs a deliberately
 * corrupted shard, counts records a crash left unsettled, and leaves alone a shard someone is
 * writing.
 */
import { describe, expect, it } from 'vitest';
import { fromCid } from '../../../lambdas/codecs/cid.ts';
import type { Principal } from '../../../lambdas/core/auth.ts';
import { recordDeals } from '../../../lambdas/core/deals.ts';
import {
  recomputeStats,
  STATS_SHARDS,
  settle,
  shardOf,
  totals,
} from '../../../lambdas/core/stats.ts';
import { createToken } from '../../../lambdas/core/tokens.ts';
import { deleteUpload, type IncomingCar, storeUpload } from '../../../lambdas/core/uploads.ts';
import { expectedTotals } from '../../support/consistency.ts';
import { type FakePorts, failNext, fakePorts, InjectedFailure } from '../../support/fakes.ts';
import { partialCar, rawCar } from './incoming-car.ts';

const alice: Principal = { userId: 'alice', tokenId: 'aliceaaaaaaaaaaa', tokenName: 'laptop' };
const bob: Principal = { userId: 'bob', tokenId: 'bobbbbbbbbbbbbbb', tokenName: 'ci' };
const SETTLE_MS = 6 * 60_000;

const store = (ports: FakePorts, principal: Principal, car: IncomingCar) =>
  storeUpload({ principal, car, type: 'application/car', files: [] }, ports);
const remove = (ports: FakePorts, principal: Principal, car: IncomingCar) =>
  deleteUpload(principal, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 7 });

/** What the records say, counted apart from the code under test. */
const truth = (ports: FakePorts) =>
  expectedTotals({
    contents: [...ports.contents.contents.values()].map((c) => c.record),
    uploads: [...ports.uploads.uploads.values()],
    users: ports.users.users.size,
    deals: ports.deals.deals.size,
  });

describe('usage totals', () => {
  it('count content once however many users store it, and bytes once per content', async () => {
    const ports = fakePorts();
    const car = await rawCar('shared by two users');
    await store(ports, alice, car);
    await store(ports, alice, car);
    await store(ports, bob, car);
    await store(ports, bob, await rawCar('bob alone'));
    expect(await totals(ports)).toEqual({
      contents: 2,
      bytes: 'shared by two users'.length + 'bob alone'.length,
      uploads: 3,
      'pins.pinned': 2,
    });
    expect(await totals(ports)).toEqual(truth(ports));
  });

  it('follow deletes and re-uploads, and a partial DAG counts as pinning', async () => {
    const ports = fakePorts();
    const car = await rawCar('deleted, then back');
    await store(ports, alice, car);
    await remove(ports, alice, car);
    expect((await totals(ports)).uploads).toBeUndefined();
    await remove(ports, alice, car);
    await store(ports, alice, car);
    await store(ports, bob, (await partialCar('a missing leaf')).car);
    expect(await totals(ports)).toMatchObject({ uploads: 2, 'pins.pinned': 1, 'pins.pinning': 1 });
    expect(await totals(ports)).toEqual(truth(ports));
  });

  it.each([
    'contents.recordCar',
    'contents.recordStored',
    'uploads.create',
    'stats.mark',
    'stats.add',
  ] as const)('stay exact when an upload fails at %s and the client retries', async (step) => {
    const ports = fakePorts();
    const car = await rawCar(`failing at ${step}`);
    const [port, method] = step.split('.') as [keyof FakePorts, string];
    failNext(ports[port] as object, method as never);
    await expect(store(ports, alice, car)).rejects.toThrow(InjectedFailure);
    await store(ports, alice, car);
    await store(ports, alice, car);
    // A failed add is the one crash a retry cannot see: the recompute repairs it.
    if (step === 'stats.add') {
      ports.clock.advance(SETTLE_MS);
      expect((await recomputeStats(ports, { settleMs: SETTLE_MS })).rebased).toBe(1);
    }
    expect(await totals(ports)).toEqual(truth(ports));
    expect((await totals(ports)).uploads).toBe(1);
  });

  it('count a record once when two writers settle it at the same time', async () => {
    const ports = fakePorts();
    const car = await rawCar('settled twice at once');
    await store(ports, alice, car);
    const ref = { kind: 'upload' as const, userId: 'alice', cid: fromCid(car.root).v1 };
    ports.stats.marks.clear();
    const outcomes = await Promise.all([settle(ref, ports), settle(ref, ports)]);
    expect(outcomes.filter((o) => o.outcome === 'added')).toHaveLength(1);
    ports.clock.advance(SETTLE_MS);
    await recomputeStats(ports, { settleMs: SETTLE_MS });
    expect(await totals(ports)).toEqual(truth(ports));
  });

  it('count users once, and deals once per content and deal id however often reported', async () => {
    const ports = fakePorts();
    await createToken({ userId: 'alice' }, ports);
    await createToken({ userId: 'alice' }, ports);
    const car = await rawCar('with a deal');
    await store(ports, alice, car);
    const deal = {
      cid: car.root.toString(),
      dealId: 42,
      pieceCid: 'baga6ea4seaqpiece',
      provider: 'f01234',
      status: 'active' as const,
    };
    expect(await recordDeals([deal, deal], ports)).toEqual({
      ok: true,
      value: { recorded: 1, unchanged: 1 },
    });
    expect(await recordDeals([deal], ports)).toMatchObject({ value: { recorded: 0 } });
    expect(await totals(ports)).toMatchObject({ users: 1, deals: 1 });
    expect(await totals(ports)).toEqual(truth(ports));
  });

  describe('the recompute', () => {
    it('repairs a deliberately corrupted shard and reports the drift', async () => {
      const ports = fakePorts();
      const car = await rawCar('corrupted');
      await store(ports, alice, car);
      const shard = shardOf({ kind: 'content', cid: fromCid(car.root).v1 });
      await ports.stats.add(shard, { contents: 5, bytes: -3 });
      await ports.stats.add((shard + 1) % STATS_SHARDS, { uploads: 2 });
      ports.clock.advance(SETTLE_MS);
      const report = await recomputeStats(ports, { settleMs: SETTLE_MS });
      expect(report.drift).toEqual({ contents: 5, bytes: -3, uploads: 2 });
      expect(await totals(ports)).toEqual(truth(ports));
      // Repaired: a second run finds nothing to do.
      expect(await recomputeStats(ports, { settleMs: SETTLE_MS })).toMatchObject({
        settled: 0,
        rebased: 0,
        drift: {},
      });
    });

    it('counts records a crash left unsettled', async () => {
      const ports = fakePorts();
      const car = await rawCar('never settled');
      failNext(ports.stats, 'read', 2);
      await expect(store(ports, alice, car)).rejects.toThrow(InjectedFailure);
      expect(await totals(ports)).toEqual({});
      const report = await recomputeStats(ports, { settleMs: SETTLE_MS });
      expect(report.settled).toBe(2);
      expect(await totals(ports)).toEqual(truth(ports));
    });

    it('leaves a shard with a recent mark, whose writer may still be adding, for the next run', async () => {
      const ports = fakePorts();
      const car = await rawCar('busy');
      await store(ports, alice, car);
      const shard = shardOf({ kind: 'content', cid: fromCid(car.root).v1 });
      await ports.stats.add(shard, { contents: 1 });
      const busy = await recomputeStats(ports, { settleMs: SETTLE_MS });
      expect(busy.busy).toBeGreaterThan(0);
      expect((await totals(ports)).contents).toBe(2);
      ports.clock.advance(SETTLE_MS);
      await recomputeStats(ports, { settleMs: SETTLE_MS });
      expect(await totals(ports)).toEqual(truth(ports));
    });

    it('loses no add that lands during its scan (the rebase is fenced on the version)', async () => {
      const ports = fakePorts();
      await store(ports, alice, await rawCar('before the scan'));
      ports.clock.advance(SETTLE_MS);
      await ports.stats.add(0, { contents: 7 });
      const rebase = ports.stats.rebase.bind(ports.stats);
      let raced = false;
      ports.stats.rebase = async (shard, tally, version) => {
        if (!raced && shard === 0) {
          raced = true;
          await ports.stats.add(0, { uploads: 1 });
        }
        return rebase(shard, tally, version);
      };
      const report = await recomputeStats(ports, { settleMs: SETTLE_MS });
      expect(report.busy).toBeGreaterThan(0);
      expect((await ports.stats.shards()).find((s) => s.shard === 0)?.tally).toMatchObject({
        contents: 7,
        uploads: 1,
      });
    });
  });
});
